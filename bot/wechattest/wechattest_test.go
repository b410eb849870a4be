package wechattest_test

import (
	"net/http"
	"testing"

	"github.com/salonhq/salon/bot/wechattest"
)

// TestStartClosesAtCleanup checks the wrapper's one promise beyond the
// simulator's: what Start opened, the end of the test closes.
func TestStartClosesAtCleanup(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("Serve", func(t *testing.T) {
		s := wechattest.Start(t, wechattest.Options{})
		url = s.URL()
		resp, err := http.Get(url + "/cgi-bin/token?grant_type=client_credential&appid=" + wechattest.DefaultOAAppID + "&secret=" + wechattest.DefaultOASecret)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("token: status %d, want 200", resp.StatusCode)
		}
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get(url + "/cgi-bin/token"); err == nil {
		resp.Body.Close()
		t.Fatalf("the simulator still answers after its test ended")
	}
}
