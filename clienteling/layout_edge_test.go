package clienteling_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestSharedEdgesImportOnlyDomain keeps the doors of sharedEdges narrow: a
// shared edge imports the domain and the standard library, nothing else,
// so that importing it never lets one adapter reach another.
func TestSharedEdgesImportOnlyDomain(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for edge := range sharedEdges {
		p, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(edge)), 0)
		if err != nil {
			t.Fatalf("shared edge %s: %v", edge, err)
		}
		for _, imp := range p.Imports {
			thirdParty := strings.Contains(strings.Split(imp, "/")[0], ".")
			if thirdParty && imp != module+"/clienteling" {
				t.Errorf("shared edge %s imports %s: it may import only the domain and the standard library", edge, imp)
			}
		}
	}
}
