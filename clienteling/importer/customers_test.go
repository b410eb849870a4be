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
		{name: "ErrBadPhone", in: customersHeader + "A,oa,oDEMO1,,,,,,139 0000 0001,,,,,\n",
			errs: []string{"row 2: phone: must be a phone number in E.164 form"}},
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Customers(strings.NewReader(tt.in), CSV)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Customers(strings.NewReader(tt.in), JSON)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}
