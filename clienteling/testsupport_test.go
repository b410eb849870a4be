package clienteling_test

import (
	"go/build"
	"path"
	"strings"
	"testing"
)

// wechatTestWrapper is the one package that starts the WeChat simulator for
// tests; the simulator itself, bot/wechatsim, is production code.
const wechatTestWrapper = module + "/bot/wechattest"

// isTestSupport reports whether pkg is named as test support is, like
// net/http/httptest, testing/fstest or bot/wechattest: its last path
// element ends in "test".
func isTestSupport(pkg string) bool {
	return strings.HasSuffix(path.Base(pkg), "test")
}

// testSupportViolations returns why pkg, whose non-test files import
// imports, would carry test code into the binary; nil when it would not.
// Test-support packages may build on each other; nothing else may import
// them, and no bot package imports the simulator's test wrapper.
func testSupportViolations(pkg string, imports []string) []string {
	if isTestSupport(pkg) {
		return nil
	}
	var out []string
	for _, imp := range imports {
		switch {
		case imp == wechatTestWrapper && strings.HasPrefix(pkg, module+"/bot/"):
			out = append(out, pkg+" imports "+imp+": bot packages use the simulator, bot/wechatsim; the wrapper is for tests")
		case isTestSupport(imp):
			out = append(out, pkg+" imports "+imp+": test support belongs in _test.go files, never in what the binary links")
		}
	}
	return out
}

// TestNoTestSupportInProduction keeps test code out of the binary: no
// package's non-test files import a test-support package. What sandbox mode
// runs lives in production packages, which test helpers wrap.
func TestNoTestSupportInProduction(t *testing.T) {
	t.Parallel()
	forEachPackage(t, func(pkg string, p *build.Package) {
		for _, v := range testSupportViolations(pkg, p.Imports) {
			t.Error(v)
		}
	})
}

// TestTestSupportViolations shows the rule catches what it should, on
// import lists made up for the purpose.
func TestTestSupportViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pkg     string
		imports []string
		want    []string // the imports reported, in order
	}{
		{"OK", module + "/bot/sandbox", []string{"net/http", module + "/bot/wechatsim", "testing"}, nil},
		{"OKTestSupportUsesTestSupport", wechatTestWrapper, []string{"testing", "net/http/httptest", module + "/bot/wechatsim"}, nil},
		{"ErrHTTPTest", module + "/cmd/salon", []string{"net/http", "net/http/httptest"}, []string{"net/http/httptest"}},
		{"ErrFSTest", module + "/locales", []string{"embed", "testing/fstest"}, []string{"testing/fstest"}},
		{"ErrStoreTest", module + "/clienteling/api", []string{module + "/clienteling/clientelingtest"}, []string{module + "/clienteling/clientelingtest"}},
		{"ErrWrapperInBot", module + "/bot/outbound", []string{wechatTestWrapper}, []string{wechatTestWrapper}},
		{"ErrWrapperInCmd", module + "/cmd/salon", []string{module + "/bot/wechatsim", wechatTestWrapper}, []string{wechatTestWrapper}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testSupportViolations(tt.pkg, tt.imports)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want violations for %q", got, tt.want)
			}
			for i, imp := range tt.want {
				if !strings.Contains(got[i], " imports "+imp+":") {
					t.Errorf("violation %d is %q, want one for %s", i, got[i], imp)
				}
			}
		})
	}
}
