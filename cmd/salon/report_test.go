package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/api"
)

// TestReportEngagement runs `salon report engagement` through the running
// server's API and then on the data dir, and expects the same figures
// either way, in JSON and in CSV; bad ranges and a missing database are
// refused without creating anything.
func TestReportEngagement(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	dir := m.Config.DataDir
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(shanghai)
	from, to := today.AddDate(0, 0, -30).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	env := map[string]string{"SALON_DATA_DIR": dir}

	online, _, err := runSalon(t, env, "report", "engagement", "--from", from, "--to", to, "--url", m.URL(), "--token", testAdminToken)
	if err != nil {
		t.Fatalf("through the API: %v", err)
	}
	csvOnline, _, err := runSalon(t, env, "report", "engagement", "--from", from, "--to", to, "--format", "csv", "--url", m.URL(), "--token", testAdminToken)
	if err != nil {
		t.Fatalf("CSV through the API: %v", err)
	}
	if _, _, err := runSalon(t, env, "report", "engagement", "--from", to, "--to", from, "--url", m.URL(), "--token", testAdminToken); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("a range backwards: got %v, want the server's 400", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	offline, _, err := runSalon(t, env, "report", "engagement", "--from", from, "--to", to)
	if err != nil {
		t.Fatalf("offline: %v", err)
	}
	csvOffline, _, err := runSalon(t, env, "report", "engagement", "--from", from, "--to", to, "--format", "csv")
	if err != nil {
		t.Fatalf("CSV offline: %v", err)
	}

	var a, b clienteling.EngagementReport
	if err := json.Unmarshal([]byte(online), &a); err != nil {
		t.Fatalf("online answer: %v: %s", err, online)
	}
	if err := json.Unmarshal([]byte(offline), &b); err != nil {
		t.Fatalf("offline answer: %v: %s", err, offline)
	}
	if a.From != from || a.To != to || a.Timezone != "Asia/Shanghai" || len(a.Boutiques) == 0 {
		t.Errorf("online report %+v: want the range, Shanghai's zone and the demo boutiques", a)
	}
	if aj, bj := mustJSON(t, a), mustJSON(t, b); aj != bj {
		t.Errorf("online and offline differ:\n%s\n%s", aj, bj)
	}
	if csvOnline != csvOffline || !strings.HasPrefix(csvOnline, strings.Join(api.EngagementCSVHeader, ",")+"\n") ||
		!strings.Contains(csvOnline, "\ntotal,") {
		t.Errorf("CSV online %q, offline %q: want the same, with the header and a total row", csvOnline, csvOffline)
	}

	if _, _, err := runSalon(t, env, "report", "engagement", "--from", "2026-11-01", "--to", "2026-10-01"); clienteling.ErrorCode(err) != clienteling.EINVALID {
		t.Errorf("offline, a range backwards: got %v, want %s", err, clienteling.EINVALID)
	}
	empty := t.TempDir()
	if _, _, err := runSalon(t, map[string]string{"SALON_DATA_DIR": empty}, "report", "engagement", "--from", from, "--to", to); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("no database: got %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(empty, "*")); len(matches) != 0 {
		t.Errorf("the report created %v", matches)
	}
}
