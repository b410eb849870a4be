package clienteling_test

import (
	"go/build"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/salonhq/salon"

// area names the room of the house a package belongs to: the domain, one
// adapter (each clienteling/X, bot, store), locales, or cmd.
func area(pkg string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	parts := strings.Split(rel, "/")
	switch {
	case rel == "clienteling":
		return "domain"
	case parts[0] == "clienteling":
		return "clienteling/" + parts[1]
	default:
		return parts[0]
	}
}

// allowedAcross lists the few adapter-to-adapter imports that are by design.
var allowedAcross = map[[2]string]bool{
	// The demo maison is kept in the import format and read by the importer.
	{"clienteling/demo", "clienteling/importer"}: true,
}

// sharedEdges are the adapters any adapter may import: edges that every
// adapter speaks through alike, which therefore import nothing of ours but
// the domain (TestSharedEdgesImportOnlyDomain keeps them so). Keep this
// list short: an entry here is a door in every wall.
var sharedEdges = map[string]bool{
	// The one JSON edge over HTTP: error shape, status table, decoder.
	"clienteling/httpjson": true,
	// Whether a request came from this machine itself: the sandbox's
	// pages and the console's sign-in-as guard alike.
	"clienteling/loopback": true,
}

// forEachPackage calls fn with every package of the module, by import path,
// as go/build reads its non-test files.
func forEachPackage(t *testing.T, fn func(pkg string, p *build.Package)) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "data") {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, _ := filepath.Rel(root, path)
		checked++
		fn(module+"/"+filepath.ToSlash(rel), p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages: is the walk broken?", checked)
	}
}

// TestImportDirection keeps the house standing: the domain imports only the
// standard library and the validator; adapters import the domain and their
// libraries but never each other; only cmd ties them together. Test kits
// (isTestSupport) stand beside cmd, above what they help to test: no
// production file may import them (TestNoTestSupportInProduction).
func TestImportDirection(t *testing.T) {
	t.Parallel()
	forEachPackage(t, func(pkg string, p *build.Package) {
		from := area(pkg)
		for _, imp := range p.Imports {
			own := strings.HasPrefix(imp, module+"/")
			switch {
			case from == "domain":
				if own || (strings.Contains(strings.Split(imp, "/")[0], ".") && imp != "github.com/go-playground/validator/v10") {
					t.Errorf("%s imports %s: the domain may import only the standard library and the validator", pkg, imp)
				}
			case from == "cmd" || isTestSupport(pkg) || !own:
			default:
				to := area(imp)
				if to == "domain" || to == from || (from == "bot" && to == "locales") || allowedAcross[[2]string{from, to}] || sharedEdges[to] {
					continue
				}
				t.Errorf("%s imports %s: adapters meet in the domain's terms, and cmd wires them", pkg, imp)
			}
		}
	})
}
