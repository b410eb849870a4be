package locales

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The checkout page's strings live in their own catalog, one file per
// language under checkout/, beside the bot's.
//
//go:embed checkout/*.json
var checkoutFiles embed.FS

var checkoutCatalogs = map[string]map[string]string{}

func init() {
	entries, err := checkoutFiles.ReadDir("checkout")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		raw, err := checkoutFiles.ReadFile("checkout/" + e.Name())
		if err != nil {
			panic(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(raw, &cat); err != nil {
			panic(fmt.Sprintf("locales: checkout/%s: %v", e.Name(), err))
		}
		checkoutCatalogs[strings.TrimSuffix(e.Name(), ".json")] = cat
	}
}

// Checkout returns the checkout page's message id in lang (matched as by
// Match), as T does for the bot's messages.
func Checkout(lang, id string, args ...any) string {
	msg, ok := checkoutCatalogs[Match(lang)][id]
	if !ok {
		if msg, ok = checkoutCatalogs[Default][id]; !ok {
			return id
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}
