package wechatpay

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
)

// AlgorithmAESGCM is the only algorithm of encrypted resources.
const AlgorithmAESGCM = "AEAD_AES_256_GCM"

// APIv3KeySize is the length of the APIv3 key, 32 characters used as the
// AES-256 key as they are.
const APIv3KeySize = 32

// Resource is the encrypted part of a notification.
type Resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"` // base64 of ciphertext and 16-byte tag
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"` // 12 characters, used as they are
}

// ErrDecrypt is returned when a resource does not open with the APIv3 key:
// a wrong key, or a ciphertext, nonce or associated data changed on the way.
var ErrDecrypt = errors.New("wechatpay: resource does not decrypt with the APIv3 key")

func newGCM(apiV3Key []byte) (cipher.AEAD, error) {
	if len(apiV3Key) != APIv3KeySize {
		return nil, fmt.Errorf("wechatpay: APIv3 key has %d bytes, want %d", len(apiV3Key), APIv3KeySize)
	}
	block, err := aes.NewCipher(apiV3Key)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	return cipher.NewGCM(block)
}

// DecryptResource opens r with the APIv3 key and returns the plaintext.
func DecryptResource(apiV3Key []byte, r Resource) ([]byte, error) {
	if r.Algorithm != AlgorithmAESGCM {
		return nil, fmt.Errorf("%w: algorithm %q, want %s", ErrDecrypt, r.Algorithm, AlgorithmAESGCM)
	}
	aead, err := newGCM(apiV3Key)
	if err != nil {
		return nil, err
	}
	if len(r.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("%w: nonce has %d bytes, want %d", ErrDecrypt, len(r.Nonce), aead.NonceSize())
	}
	sealed, err := base64.StdEncoding.DecodeString(r.Ciphertext)
	if err != nil || len(sealed) < aead.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := aead.Open(nil, []byte(r.Nonce), sealed, []byte(r.AssociatedData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// EncryptResource seals plaintext as WeChat Pay does for a notification:
// nonce must be 12 characters. It serves simulators and tests.
func EncryptResource(apiV3Key []byte, originalType, nonce, associatedData string, plaintext []byte) (Resource, error) {
	aead, err := newGCM(apiV3Key)
	if err != nil {
		return Resource{}, err
	}
	if len(nonce) != aead.NonceSize() {
		return Resource{}, fmt.Errorf("wechatpay: nonce has %d bytes, want %d", len(nonce), aead.NonceSize())
	}
	sealed := aead.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return Resource{
		OriginalType: originalType, Algorithm: AlgorithmAESGCM,
		Ciphertext: base64.StdEncoding.EncodeToString(sealed), AssociatedData: associatedData, Nonce: nonce,
	}, nil
}
