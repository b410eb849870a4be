package callback

import (
	"bytes"
	"encoding/xml"
	"testing"
)

func TestSealReply_PublishedVector(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["E_debug_demo"]
	got, err := sealReply(v.Token, v.AppID, v.EncodingAESKey, []byte(v.ReplyPlaintext), v.ReplyTimestamp, v.ReplyNonce, []byte(v.ReplyRandom))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(got, &env); err != nil {
		t.Fatal(err)
	}
	want := [4]string{v.ReplyEncrypt, v.ReplyMsgSignature, v.ReplyTimestamp, v.ReplyNonce}
	if g := [4]string{env.Encrypt, env.MsgSignature, env.TimeStamp, env.Nonce}; g != want {
		t.Errorf("reply = %q, want %q", g, want)
	}
}

func TestReply(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	reply := []byte("<xml><ToUserName><![CDATA[oVIP0000001]]></ToUserName><FromUserName><![CDATA[gh_salon]]></FromUserName>" +
		"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[欢迎]]></Content></xml>")
	t.Run("OASafe", func(t *testing.T) {
		body, err := r.oa.Reply(&Inbound{Endpoint: EndpointOA, Mode: ModeSafe}, reply)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.OA.OpenReply(body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, reply) {
			t.Errorf("opened reply = %s, want %s", got, reply)
		}
		again, err := r.oa.Reply(&Inbound{Endpoint: EndpointOA, Mode: ModeSafe}, reply)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(body, again) {
			t.Error("two replies are identical: random and nonce are not fresh")
		}
	})
	t.Run("OACompatible", func(t *testing.T) {
		body, err := r.oa.Reply(&Inbound{Endpoint: EndpointOA, Mode: ModeCompat}, reply)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.OA.OpenReply(body); err != nil {
			t.Errorf("compatible-mode reply does not open: %v", err)
		}
	})
	t.Run("OAPlaintext", func(t *testing.T) {
		body, err := r.oa.Reply(&Inbound{Endpoint: EndpointOA, Mode: ModePlain}, reply)
		if err != nil || !bytes.Equal(body, reply) {
			t.Errorf("Reply = %s, %v; want the reply as it is", body, err)
		}
	})
	t.Run("WeComApp", func(t *testing.T) {
		body, err := r.app.Reply(reply)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.WeCom.OpenReply(body)
		if err != nil || !bytes.Equal(got, reply) {
			t.Errorf("opened reply = %s, %v; want %s", got, err, reply)
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		if _, err := r.oa.Reply(&Inbound{Mode: ModeSafe}, nil); err == nil {
			t.Error("OA.Reply(nil) succeeded, want an error pointing at NoReply")
		}
		if _, err := r.app.Reply([]byte{}); err == nil {
			t.Error("WeComApp.Reply(empty) succeeded, want an error pointing at NoReply")
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		plain, err := NewOA(OAConfig{Token: testToken})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plain.Reply(&Inbound{Mode: ModeSafe}, reply); err == nil {
			t.Error("Reply without a key succeeded, want error")
		}
	})
	if NoReply != "success" {
		t.Errorf("NoReply = %q, want success", NoReply)
	}
}
