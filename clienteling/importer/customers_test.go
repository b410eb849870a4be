package importer

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

const customersHeader = "name,channel,external_id,unionid,tier,language,advisor,boutique,phone,tags,consent_contact,consent_marketing,sizes,colours\n"

func oa(openid string) []clienteling.Identity {
	return []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: openid}}
}

func TestCustomersCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []*clienteling.Customer
		errs []string
	}{
		{name: "OK", in: customersHeader +
			"王思琪,OA,oDEMO0001,uDEMO0001,VVIP,zh-CN,amy,sh-plaza66,+8613900000001,top|gifting,是,否,shoes:37| rtw : 36,black|camel\n" +
			"Emily Chen,wecom,wmDEMO0002,,,en,,,,,yes,,,\n" +
			",,,uDEMO0003,,,,,,,,,,\n",
			want: []*clienteling.Customer{
				{Name: "王思琪", Identities: oa("oDEMO0001"), UnionID: "uDEMO0001", Tier: "vvip", Language: "zh-CN",
					Advisor: "amy", Boutique: "sh-plaza66", Phone: "+8613900000001", Tags: []string{"top", "gifting"},
					Consent: clienteling.Consent{Contact: true, Source: SourceImport},
					Preferences: clienteling.Preferences{
						Sizes: []clienteling.SizePreference{
							{Category: "shoes", Size: "37", Source: SourceImport}, {Category: "rtw", Size: "36", Source: SourceImport}},
						Colours: []clienteling.Preference{{Value: "black", Source: SourceImport}, {Value: "camel", Source: SourceImport}},
					}},
				{Name: "Emily Chen", Identities: []clienteling.Identity{{Channel: "wecom", ExternalID: "wmDEMO0002"}},
					Tier: "client", Language: "en", Consent: clienteling.Consent{Contact: true, Source: SourceImport}},
				{UnionID: "uDEMO0003", Tier: "client", Language: "zh-CN", Consent: clienteling.Consent{Source: SourceImport}},
			}},
		{name: "OKMoreTaste", in: "channel,external_id,materials,categories,dislikes,dates,consent_profiling\n" +
			"oa,oDEMO0001,cashmere|silk,bags,fur,birthday:02-29|anniversary:2019-09-12,y\n",
			want: []*clienteling.Customer{{Identities: oa("oDEMO0001"), Tier: "client", Language: "zh-CN",
				Consent: clienteling.Consent{Profiling: true, Source: SourceImport},
				Preferences: clienteling.Preferences{
					Materials:  []clienteling.Preference{{Value: "cashmere", Source: SourceImport}, {Value: "silk", Source: SourceImport}},
					Categories: []clienteling.Preference{{Value: "bags", Source: SourceImport}},
					Dislikes:   []clienteling.Preference{{Value: "fur", Source: SourceImport}},
					Dates: []clienteling.ImportantDate{
						{Kind: "birthday", Date: "02-29", Source: SourceImport}, {Kind: "anniversary", Date: "2019-09-12", Source: SourceImport}},
				}}}},
		{name: "ErrNoIdentity", in: customersHeader + "Wang,,,,vip,,,,,,,,,\n",
			errs: []string{"row 2: external_id: a customer needs a channel identity or a unionid"}},
		{name: "ErrHalfIdentity", in: customersHeader + "Wang,oa,,,,,,,,,,,,\nLi,,oDEMO1,,,,,,,,,,,\n",
			errs: []string{"row 2: external_id: is required when channel is set", "row 3: channel: is required when external_id is set"}},
		{name: "ErrBadChannel", in: customersHeader + "Wang,wechat,oDEMO1,,,,,,,,,,,\n",
			errs: []string{"row 2: identities[0].channel: must be one of: oa, wecom"}},
		{name: "ErrDuplicateIdentity", in: customersHeader + "A,oa,oDEMO1,,,,,,,,,,,\nB,wecom,oDEMO1,,,,,,,,,,,\nC,oa,oDEMO1,,,,,,,,,,,\n",
			errs: []string{"row 4: external_id: duplicates row 2"}},
		{name: "ErrDuplicateUnionID", in: customersHeader + "A,oa,oDEMO1,uDEMO1,,,,,,,,,,\nB,oa,oDEMO2,uDEMO1,,,,,,,,,,\n",
			errs: []string{"row 3: unionid: duplicates row 2"}},
		{name: "ErrBadPhone", in: customersHeader + "A,oa,oDEMO1,,,,,,139 0000 001,,,,,\nB,oa,oDEMO2,,,,,,021-6279 8888,,,,,\nC,oa,oDEMO3,,,,,,+86 138 0013 8000 ext 2,,,,,\n",
			errs: []string{
				"row 2: phone: must be a mainland mobile number such as 13800138000, or a number with its country code such as +852 9123 4567",
				"row 3: phone: must be a mainland mobile...",
				"row 4: phone: must be a mainland mobile...",
			}},
		{name: "ErrBadTier", in: customersHeader + "A,oa,oDEMO1,,gold,,,,,,,,,\n",
			errs: []string{"row 2: tier: must be one of: vvip, vip, client"}},
		{name: "ErrBadLanguage", in: customersHeader + "A,oa,oDEMO1,,,Chinese,,,,,,,,\n",
			errs: []string{"row 2: language: must be a language tag such as zh-CN or en"}},
		{name: "ErrDottedAdvisor", in: customersHeader + "A,oa,oDEMO1,,,,li.wei,,,,,,,\n",
			errs: []string{"row 2: advisor: must be a WeCom userid (letters, digits, _ @ -)"}},
		{name: "ErrBadConsent", in: customersHeader + "A,oa,oDEMO1,,,,,,,,maybe,,,\n",
			errs: []string{"row 2: consent_contact: must be yes or no"}},
		{name: "ErrBadSizes", in: customersHeader + "A,oa,oDEMO1,,,,,,,,,,37,\nB,oa,oDEMO2,,,,,,,,,,shoes:,\n",
			errs: []string{
				"row 2: sizes: must be CATEGORY:SIZE pairs separated by |, such as shoes:37|rtw:M",
				"row 3: sizes: must be CATEGORY:SIZE pairs separated by |, such as shoes:37|rtw:M",
			}},
		{name: "ErrBadDate", in: "channel,external_id,dates\noa,oDEMO1,birthday:02-30\noa,oDEMO2,birthday\n",
			errs: []string{
				"row 2: preferences.dates[0].date: must be MM-DD or YYYY-MM-DD",
				"row 3: dates: must be KIND:DATE pairs separated by |, such as birthday:05-18|anniversary:2019-09-12",
			}},
		{name: "ErrMissingColumn", in: "name,external_id\n",
			errs: []string{"row 1: channel: required column is missing"}},
		{name: "OKPhones", in: "channel,external_id,phone\noa,o1,13800138000\noa,o2,+86 138-0013-8001\noa,o3,0086 138 0013 8002\noa,o4,+852 9123 4567\n",
			want: []*clienteling.Customer{
				{Identities: oa("o1"), Tier: "client", Language: "zh-CN", Phone: "+8613800138000"},
				{Identities: oa("o2"), Tier: "client", Language: "zh-CN", Phone: "+8613800138001"},
				{Identities: oa("o3"), Tier: "client", Language: "zh-CN", Phone: "+8613800138002"},
				{Identities: oa("o4"), Tier: "client", Language: "zh-CN", Phone: "+85291234567"},
			}},
		{name: "ErrUnknownLinks", in: "channel,external_id,advisor,boutique\noa,o1,amy,sh-plaza66\noa,o2,nobody,sh-plaza66\noa,o3,amy,sh-nowhere\noa,o4,legacy,SH\n",
			errs: []string{
				"row 3: advisor: no such associate: import the associates first",
				"row 4: boutique: no such boutique: create it first",
				"row 5: boutique: must be a lowercase slug (a-z, 0-9, -)",
				"row 5: advisor: no such associate: import the associates first",
			}},
		{name: "ErrEveryProblemOfARow", in: customersHeader + "A,oa,oDEMO1,,gold,Chinese,nobody,,12345,,maybe,,37,\n",
			errs: []string{
				"row 2: consent_contact: must be yes or no",
				"row 2: sizes: must be CATEGORY:SIZE pairs separated by |, such as shoes:37|rtw:M",
				"row 2: tier: must be one of: vvip, vip, client",
				"row 2: language: must be a language tag such as zh-CN or en",
				"row 2: phone: must be a mainland mobile...",
				"row 2: advisor: no such associate: import the associates first",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCustomers(strings.NewReader(tt.in), CSV)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}

func TestCustomersJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []*clienteling.Customer
		errs []string
	}{
		{name: "OK", in: `[{"name": "Olivia Zhou", "identities": [{"channel": "oa", "external_id": "oDEMO0005"}],
			"tier": "vip", "language": "en", "advisor": "chenjing", "consent": {"contact": true},
			"preferences": {"sizes": [{"category": "shoes", "size": "36"}]}}]`,
			want: []*clienteling.Customer{{Name: "Olivia Zhou", Identities: oa("oDEMO0005"), Tier: "vip", Language: "en",
				Advisor: "chenjing", Consent: clienteling.Consent{Contact: true},
				Preferences: clienteling.Preferences{Sizes: []clienteling.SizePreference{{Category: "shoes", Size: "36"}}}}}},
		{name: "OKDefaults", in: `[{"unionid": "uDEMO1"}]`,
			want: []*clienteling.Customer{{UnionID: "uDEMO1", Tier: "client", Language: "zh-CN"}}},
		{name: "ErrID", in: `[{"id": "01JDEMO00000000000000000000", "unionid": "uDEMO1"}]`,
			errs: []string{"row 1: id: is given by Salon: leave it out of an import"}},
		{name: "ErrNoIdentity", in: `[{"name": "Wang", "identities": []}]`,
			errs: []string{"row 1: identities: a customer needs a channel identity or a unionid"}},
		{name: "ErrDuplicateIdentity", in: `[{"identities": [{"channel": "oa", "external_id": "o1"}]},
			{"identities": [{"channel": "wecom", "external_id": "w1"}, {"channel": "oa", "external_id": "o1"}]}]`,
			errs: []string{"row 2: identities[1].external_id: duplicates row 1"}},
		{name: "ErrIdentityTwice", in: `[{"identities": [{"channel": "oa", "external_id": "o1"}, {"channel": "oa", "external_id": "o1"}]}]`,
			errs: []string{"row 1: identities[1]: is listed twice"}},
		{name: "ErrNestedUnknownField", in: `[{"unionid": "u1", "preferences": {"colour": [{"value": "red"}]}}]`,
			errs: []string{"row 1: colour: unknown field"}},
		{name: "ErrBadTime", in: `[{"unionid": "u1", "created_at": "yesterday"}]`,
			errs: []string{"row 1: has a time that is not in RFC 3339 form, such as 2026-05-18T10:00:00+08:00"}},
		{name: "ErrTimeAsNumber", in: `[{"unionid": "u1", "created_at": 1700000000}]`,
			errs: []string{"row 1: has a time that is not in RFC 3339 form, such as 2026-05-18T10:00:00+08:00"}},
		{name: "ErrBadPreference", in: `[{"unionid": "u1", "preferences": {"colours": [{"value": ""}]}}]`,
			errs: []string{"row 1: preferences.colours[0].value: is required"}},
		{name: "ErrBadConsent", in: `[{"unionid": "u1", "consent": {"contact": "yes"}}]`,
			errs: []string{"row 1: consent.contact: must be true or false"}},
		{name: "OKPhone", in: `[{"unionid": "u1", "phone": "+86 138-0013-8000"}, {"unionid": "u2", "phone": "13800138001"}]`,
			want: []*clienteling.Customer{
				{UnionID: "u1", Tier: "client", Language: "zh-CN", Phone: "+8613800138000"},
				{UnionID: "u2", Tier: "client", Language: "zh-CN", Phone: "+8613800138001"},
			}},
		{name: "ErrUnknownLinks", in: `[{"unionid": "u1", "advisor": "nobody", "boutique": "sh-nowhere"}]`,
			errs: []string{"row 1: advisor: no such associate: import the associates first", "row 1: boutique: no such boutique: create it first"}},
		{name: "ErrEveryProblemOfARow", in: `[{"id": "x", "tier": "gold", "phone": "021-6279 8888", "preferences": {"dates": [{"kind": "birthday", "date": "02-30"}]}}]`,
			errs: []string{
				"row 1: id: is given by Salon: leave it out of an import",
				"row 1: identities: a customer needs a channel identity or a unionid",
				"row 1: tier: must be one of: vvip, vip, client",
				"row 1: phone: must be a mainland mobile...",
				"row 1: preferences.dates[0].date: must be MM-DD or YYYY-MM-DD",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCustomers(strings.NewReader(tt.in), JSON)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}
