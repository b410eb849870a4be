package callback

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// The test accounts. The key is the one of Tencent's Official Account
// samples; the ids and tokens are made up.
const (
	testAppID  = "wx5a10000000000001"
	testCorpID = "ww5a10000000000001"
	testToken  = "salon-token"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	otherAppID = "wx5a1000000000beef"
)

// epoch is the fixed "now" of the tests.
var epoch = time.Unix(1700000000, 0)

// rig is one clock shared by the three verifiers and by the builders of
// WeChat's callbacks, so a test can age a callback without sleeping.
type rig struct {
	clock *clientelingtest.Clock
	oa    *OA
	app   *WeComApp
	kf    *KF
	// OA, WeCom build callbacks signed and sealed with the accounts' keys.
	OA    wechattest.OA
	WeCom wechattest.WeCom
}

func newRig(t testing.TB) *rig {
	t.Helper()
	clock := clientelingtest.NewClock(epoch)
	oa, err := NewOA(OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	wc := WeComConfig{CorpID: testCorpID, Token: testToken, EncodingAESKey: testAESKey, Now: clock.Now}
	app, err := NewWeComApp(wc)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := NewKF(wc)
	if err != nil {
		t.Fatal(err)
	}
	stamp := wechattest.Stamp{Clock: clock.Now}
	return &rig{
		clock: clock, oa: oa, app: app, kf: kf,
		OA:    wechattest.OA{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey, Stamp: stamp},
		WeCom: wechattest.WeCom{CorpID: testCorpID, Token: testToken, EncodingAESKey: testAESKey, AgentID: "1000002", Stamp: stamp},
	}
}

// verifier returns the rig's verifier for ep.
func (r *rig) verifier(ep Endpoint) Verifier {
	switch ep {
	case EndpointOA:
		return r.oa
	case EndpointWeComApp:
		return r.app
	}
	return r.kf
}

// post builds msg as WeChat would post it to ep: safe mode on the Official
// Account, the only mode of WeCom.
func (r *rig) post(ep Endpoint, msg []byte) *http.Request {
	if ep == EndpointOA {
		return r.OA.Safe(msg).Request(ep.Path())
	}
	return r.WeCom.Message(msg).Request(ep.Path())
}

// mustParse parses req with v and fails the test on any error.
func mustParse(t *testing.T, v Verifier, req *http.Request) *Inbound {
	t.Helper()
	in, err := v.Parse(req)
	if err != nil {
		t.Fatalf("Parse: %v (cause: %v)", err, errors.Unwrap(err))
	}
	return in
}

// wantReject checks that err is a *RejectError with the given status and
// reason.
func wantReject(t *testing.T, err error, status int, reason string) {
	t.Helper()
	var re *RejectError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want *RejectError %d %s", err, err, status, reason)
	}
	if re.Status != status || re.Reason != reason {
		t.Errorf("reject = %d %s (%v), want %d %s", re.Status, re.Reason, re, status, reason)
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
