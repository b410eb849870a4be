package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed *.json
var files embed.FS

// Default is the language used when nothing better matches.
const Default = "zh-CN"

var (
	catalogs = map[string]map[string]string{}
	tags     []language.Tag
	names    []string
	matcher  language.Matcher
)

func init() {
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	// The default goes first: the matcher falls back to the first tag.
	sort.Slice(entries, func(i, j int) bool {
		a, b := strings.TrimSuffix(entries[i].Name(), ".json"), strings.TrimSuffix(entries[j].Name(), ".json")
		if (a == Default) != (b == Default) {
			return a == Default
		}
		return a < b
	})
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".json")
		raw, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(raw, &cat); err != nil {
			panic(fmt.Sprintf("locales: %s: %v", e.Name(), err))
		}
		catalogs[name] = cat
		tags = append(tags, language.MustParse(name))
		names = append(names, name)
	}
	matcher = language.NewMatcher(tags)
}

// Languages lists the catalogs, the default first.
func Languages() []string { return append([]string(nil), names...) }

// Match returns the catalog closest to the preferred languages, which may
// be BCP 47 tags ("zh-TW", "en-GB"), WeChat's profile values ("zh_CN", "en")
// or an Accept-Language header. It never fails: Default stands in.
func Match(preferred ...string) string {
	var want []language.Tag
	for _, p := range preferred {
		p = strings.ReplaceAll(p, "_", "-")
		if ts, _, err := language.ParseAcceptLanguage(p); err == nil {
			want = append(want, ts...)
		}
	}
	if len(want) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(want...)
	if conf == language.No {
		return Default
	}
	return names[i]
}

// T returns message id in lang (matched as by Match), formatted with args,
// falling back to the default catalog, then to the id itself so that a
// missing translation shows rather than hides.
func T(lang, id string, args ...any) string {
	msg, ok := catalogs[Match(lang)][id]
	if !ok {
		if msg, ok = catalogs[Default][id]; !ok {
			return id
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}
