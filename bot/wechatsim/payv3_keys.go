package wechatsim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/salonhq/salon/bot/wechatpay"
)

// Files of a PayV3KeyDir. The merchant key and the WeChat Pay public key
// are what a merchant holds and configures Salon with; the platform key is
// the simulator's own, the private half of the WeChat Pay public key, which
// the real WeChat Pay never lets out.
const (
	PayMerchantKeyFile  = "apiclient_key.pem"
	PayPublicKeyFile    = "pub_key.pem"
	PayPlatformKeyFile  = "wechatpay_private_key.pem"
	payKeyBits          = 2048
	payPublicKeyIDShape = "PUB_KEY_ID_01%s"
)

// PayV3Credentials are what a merchant configures to call the simulator's
// WeChat Pay API v3, and what the simulator checks.
type PayV3Credentials struct {
	AppID, MchID string
	// MerchantSerial names the merchant API certificate of MerchantKey,
	// the key that signs requests.
	MerchantSerial string
	MerchantKey    *rsa.PrivateKey
	// PublicKeyID (PUB_KEY_ID_...) names PublicKey, the WeChat Pay
	// public key that verifies the simulator's answers and notifications.
	PublicKeyID string
	PublicKey   *rsa.PublicKey
	APIv3Key    string
}

type payV3Keys struct {
	merchant, platform *rsa.PrivateKey
	merchantSerial     string
	publicKeyID        string
}

// loadPayV3Keys reads the key pairs from dir, creating what is missing; an
// empty dir keeps fresh keys in memory only.
func loadPayV3Keys(dir string) (payV3Keys, error) {
	var k payV3Keys
	var err error
	if k.merchant, err = loadOrCreateKey(dir, PayMerchantKeyFile); err != nil {
		return k, err
	}
	if k.platform, err = loadOrCreateKey(dir, PayPlatformKeyFile); err != nil {
		return k, err
	}
	if dir != "" {
		pub := filepath.Join(dir, PayPublicKeyFile)
		if err := os.WriteFile(pub, wechatpay.MarshalPublicKeyPEM(&k.platform.PublicKey), 0o644); err != nil {
			return k, fmt.Errorf("wechatsim: write %s: %w", PayPublicKeyFile, err)
		}
	}
	k.merchantSerial = certSerialOf(&k.merchant.PublicKey)
	k.publicKeyID = publicKeyIDOf(&k.platform.PublicKey)
	return k, nil
}

func loadOrCreateKey(dir, name string) (*rsa.PrivateKey, error) {
	if dir != "" {
		data, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case err == nil:
			k, err := wechatpay.ParsePrivateKeyPEM(data)
			if err != nil {
				return nil, fmt.Errorf("wechatsim: %s: %w", name, err)
			}
			return k, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("wechatsim: %w", err)
		}
	}
	k, err := rsa.GenerateKey(rand.Reader, payKeyBits)
	if err != nil {
		return nil, fmt.Errorf("wechatsim: generate %s: %w", name, err)
	}
	if dir == "" {
		return k, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("wechatsim: %w", err)
	}
	// O_EXCL: two simulators starting on one directory must not both
	// write a key; the loser reads the winner's.
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateKey(dir, name)
	}
	if err != nil {
		return nil, fmt.Errorf("wechatsim: %w", err)
	}
	if _, err := f.Write(wechatpay.MarshalPrivateKeyPEM(k)); err != nil {
		f.Close()
		return nil, fmt.Errorf("wechatsim: write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("wechatsim: write %s: %w", name, err)
	}
	return k, nil
}

// certSerialOf derives a stable certificate-serial-like name for a key:
// 40 upper-case hex digits, the shape of a merchant certificate's serial.
func certSerialOf(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	sum := sha256.Sum256(der)
	return strings.ToUpper(fmt.Sprintf("%x", sum[:20]))
}

// publicKeyIDOf derives a stable PUB_KEY_ID_ for a key, with the 28 digits
// of the real ones.
func publicKeyIDOf(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	sum := sha256.Sum256(der)
	digits := new(big.Int).SetBytes(sum[:12]).String()
	if len(digits) > 26 {
		digits = digits[:26]
	}
	return fmt.Sprintf(payPublicKeyIDShape, strings.Repeat("0", 26-len(digits))+digits)
}
