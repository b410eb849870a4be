package clienteling_test

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

func TestRedactText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		gone     []string // must not survive
		kept     []string // must survive
	}{
		{"MobilePlain", "我的电话13800138000，请回电", []string{"13800138000"}, []string{"请回电", "[phone]"}},
		{"MobileCountryCode", "call me on +86 138 0013 8000 tonight", []string{"138 0013 8000", "0013"}, []string{"call me on", "tonight"}},
		{"MobileDashes", "手机 138-0013-8000", []string{"8000"}, []string{"手机"}},
		{"Landline", "办公室电话 021-62798888 转 123", []string{"62798888"}, []string{"办公室电话"}},
		{"LandlineParens", "(010) 65051234", []string{"65051234"}, nil},
		{"International", "my Paris number is +33 6 12 34 56 78", []string{"12 34 56 78", "+33"}, []string{"my Paris number is"}},
		{"Email", "write to lin.xiaoyu@example.com.cn please", []string{"lin.xiaoyu", "example.com"}, []string{"write to", "please", "[email]"}},
		{"EmailFullWidth", "邮箱 linxy＠qq.com", []string{"linxy", "qq.com"}, []string{"邮箱"}},
		{"IDCard", "身份证号310101199001011234", []string{"310101199001011234", "19900101"}, []string{"身份证号"}},
		{"IDCardX", "ID: 11010519491231002X ok", []string{"11010519491231002X"}, []string{"ok"}},
		{"PassportChinese", "护照号码：E12345678", []string{"E12345678", "12345678"}, nil},
		{"PassportWord", "passport no. 12AB34567", []string{"12AB34567"}, nil},
		{"PassportBare", "it is EA1234567", []string{"EA1234567"}, []string{"it is"}},
		{"BankCard", "卡号 6222 0212 3456 7890 123", []string{"6222", "7890"}, []string{"卡号"}},
		{"OpenID", "my id is oOwnClientOpenID01x", []string{"oOwnClientOpenID01x"}, []string{"my id is"}},
		{"ExternalUserID", "wmAbCdEf0123456789ghIJklMN", []string{"wmAbCdEf0123456789ghIJklMN"}, nil},
		{"AddressShanghai", "送到上海市静安区南京西路1266号恒隆广场2座3001室，谢谢", []string{"南京西路", "1266", "3001", "恒隆"}, []string{"谢谢"}},
		{"AddressRoadOnly", "我住在北京市朝阳区建国路", []string{"建国路", "朝阳区"}, nil},
		{"AddressLane", "长乐路 88 弄 5 号", []string{"88", "长乐路"}, nil},
		{"AddressEnglish", "deliver to 221B Baker Street, Apt 5 please", []string{"221B", "Baker", "Apt 5"}, []string{"deliver to", "please"}},
		{"AddressFrench", "au 12 rue de Rivoli", []string{"Rivoli"}, nil},
		{"KnownName", "Lin Xiaoyu asked for the bag", []string{"Lin Xiaoyu"}, []string{"asked for the bag", "[name]"}},
		// What is not personal stays readable for the CRM team.
		{"Sizes", "我穿38码，想要黑色的手袋", nil, []string{"我穿38码，想要黑色的手袋"}},
		{"Price", "red bag under 30000, size 38", nil, []string{"red bag under 30000, size 38"}},
		{"SKU", "is BAG-2024-001 in stock?", nil, []string{"BAG-2024-001"}},
		{"Date", "birthday 1990-01-01", nil, []string{"1990-01-01"}},
		{"Empty", "", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := clienteling.RedactText(tt.in, "Lin Xiaoyu")
			for _, g := range tt.gone {
				if strings.Contains(got, g) {
					t.Errorf("RedactText(%q) = %q: still has %q", tt.in, got, g)
				}
			}
			for _, k := range tt.kept {
				if !strings.Contains(got, k) {
					t.Errorf("RedactText(%q) = %q: lost %q", tt.in, got, k)
				}
			}
		})
	}
}

func FuzzRedactText(f *testing.F) {
	for _, s := range []string{"13800138000", "a@b.cn", "南京西路1266号", "310101199001011234", "+33 6 12 34 56 78"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := clienteling.RedactText(s)
		if twice := clienteling.RedactText(once); twice != once {
			t.Errorf("not stable: %q -> %q -> %q", s, once, twice)
		}
	})
}
