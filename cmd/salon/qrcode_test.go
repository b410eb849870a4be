package main

import (
	"net/http"
	"strings"
	"testing"
)

func issueToken(t *testing.T, m *Main, subject, role string) string {
	t.Helper()
	var tok struct{ Token string }
	if got := call(t, m, "POST", "/api/v1/tokens", testAdminToken, map[string]string{"subject": subject, "role": role}, &tok); got != http.StatusCreated {
		t.Fatalf("issue %s token for %s: %d", role, subject, got)
	}
	return tok.Token
}

func TestAssociateQRCode(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	var qr struct{ Scene, URL string }
	if got := call(t, m, "POST", "/api/v1/associates/amy/qrcode", testAdminToken, nil, &qr); got != http.StatusOK {
		t.Fatalf("got %d", got)
	}
	if qr.Scene != "adv:amy" || !strings.Contains(qr.URL, "showqrcode?ticket=") {
		t.Fatalf("got %+v", qr)
	}
	calls := m.sandbox.fake.CallsTo("/cgi-bin/qrcode/create")
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"action_name":"QR_LIMIT_STR_SCENE"`) ||
		!strings.Contains(string(calls[0].Body), `"scene_str":"adv:amy"`) {
		t.Fatalf("WeChat was asked %d times: %v", len(calls), calls)
	}
	// Permanent codes are capped per account: the second ask reuses it.
	var again struct{ Scene, URL string }
	call(t, m, "POST", "/api/v1/associates/amy/qrcode", issueToken(t, m, "amy", "associate"), nil, &again)
	if again != qr || len(m.sandbox.fake.CallsTo("/cgi-bin/qrcode/create")) != 1 {
		t.Fatalf("second ask made a new code: %+v", again)
	}
	tests := []struct {
		name, token string
		want        int
	}{
		{"OtherAssociate", issueToken(t, m, "sophie", "associate"), http.StatusNotFound},
		{"ManagerOfTheBoutique", issueToken(t, m, "chenjing", "manager"), http.StatusOK},
		{"ManagerElsewhere", issueToken(t, m, "liwei", "manager"), http.StatusNotFound},
		{"CRM", issueToken(t, m, "crm-team", "crm"), http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, m, "POST", "/api/v1/associates/amy/qrcode", tt.token, nil, nil); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
	if got := call(t, m, "POST", "/api/v1/associates/nobody/qrcode", testAdminToken, nil, nil); got != http.StatusNotFound {
		t.Fatalf("unknown associate: %d", got)
	}
}
