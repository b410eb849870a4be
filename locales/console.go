package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

//go:embed console/*.json
var consoleFiles embed.FS

// Console returns the staff console's words by language, and the
// languages with the default first. Its catalogs are apart from the
// clients' ones: staff and clients read different things.
func Console() (map[string]map[string]string, []string, error) {
	entries, err := consoleFiles.ReadDir("console")
	if err != nil {
		return nil, nil, err
	}
	out := map[string]map[string]string{}
	langs := []string{Default}
	for _, e := range entries {
		raw, err := consoleFiles.ReadFile(path.Join("console", e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var cat map[string]string
		if err := json.Unmarshal(raw, &cat); err != nil {
			return nil, nil, fmt.Errorf("locales: console/%s: %w", e.Name(), err)
		}
		lang := strings.TrimSuffix(e.Name(), ".json")
		out[lang] = cat
		if lang != Default {
			langs = append(langs, lang)
		}
	}
	if out[Default] == nil {
		return nil, nil, fmt.Errorf("locales: console/%s.json is missing", Default)
	}
	return out, langs, nil
}
