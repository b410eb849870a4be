package callback

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/silenceper/wechat/v2/util"
)

// NoReply is the body that acknowledges a callback without replying to it,
// in every mode and on every endpoint: the plain string "success", status
// 200. In safe mode it must be sent as it is, never encrypted: WeChat reads
// an encrypted empty reply as a broken one and tells the client "该公众号暂时
// 无法提供服务" (silenceper's Send does exactly that with a nil reply).
const NoReply = "success"

// Reply returns the body that answers in with the passive reply msg, the
// reply's plaintext XML (<xml><ToUserName>...</xml>). For a plaintext-mode
// callback that is msg itself; for compatible and safe mode it is msg
// sealed for AppID with a fresh random and nonce, the current timestamp and
// a MsgSignature, as the platform requires. A nil or empty msg is refused:
// answer NoReply instead.
func (v *OA) Reply(in *Inbound, msg []byte) ([]byte, error) {
	if len(msg) == 0 {
		return nil, errEmptyReply
	}
	if in != nil && in.Mode == ModePlain {
		return msg, nil
	}
	return v.seal(msg)
}

// Reply returns the body that answers an app callback with the passive
// reply msg, sealed for CorpID with a fresh random and nonce, the current
// timestamp and a MsgSignature. A nil or empty msg is refused: answer
// NoReply instead. (微信客服 callbacks take no passive reply, so KF has no
// Reply.)
func (v *WeComApp) Reply(msg []byte) ([]byte, error) {
	if len(msg) == 0 {
		return nil, errEmptyReply
	}
	return v.seal(msg)
}

var errEmptyReply = errors.New("callback: empty passive reply: answer NoReply instead")

func (c *core) seal(msg []byte) ([]byte, error) {
	if c.key == nil {
		return nil, errors.New("callback: cannot seal a reply without an EncodingAESKey")
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	// WeChat's nonces are decimal; ours look the same so that nothing
	// downstream is surprised.
	nonce := strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[16:])), 10)
	// The random only makes equal replies encrypt differently; it is no
	// secret, so the slight bias of the modulo does no harm.
	random := make([]byte, 16)
	for i := range random {
		random[i] = alnum[int(b[i])%len(alnum)]
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	return sealReply(c.token, c.receiverID, c.aesKey, msg, ts, nonce, random)
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// sealReply builds the encrypted reply envelope from fixed inputs, so that
// tests can hold it against published vectors.
func sealReply(token, receiverID, aesKey string, msg []byte, ts, nonce string, random []byte) ([]byte, error) {
	enc, err := util.EncryptMsg(random, msg, receiverID, aesKey)
	if err != nil {
		return nil, err
	}
	sig := util.Signature(token, ts, nonce, string(enc))
	// Base64, hex and digits cannot contain "]]>", so CDATA is safe here.
	out := make([]byte, 0, len(enc)+200)
	out = append(out, "<xml><Encrypt><![CDATA["...)
	out = append(out, enc...)
	out = append(out, "]]></Encrypt><MsgSignature><![CDATA["...)
	out = append(out, sig...)
	out = append(out, "]]></MsgSignature><TimeStamp>"...)
	out = append(out, ts...)
	out = append(out, "</TimeStamp><Nonce><![CDATA["...)
	out = append(out, nonce...)
	out = append(out, "]]></Nonce></xml>"...)
	return out, nil
}
