package wechatpay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ParsePrivateKeyPEM reads the merchant's API private key, apiclient_key.pem
// as the merchant platform hands it out (PKCS #8 "PRIVATE KEY"), or a PKCS #1
// "RSA PRIVATE KEY".
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("wechatpay: private key: no PEM block")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("wechatpay: private key: not an RSA key")
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("wechatpay: private key: unexpected PEM block %q", block.Type)
}

// MarshalPrivateKeyPEM writes key as apiclient_key.pem is written (PKCS #8).
func MarshalPrivateKeyPEM(key *rsa.PrivateKey) []byte {
	der, _ := x509.MarshalPKCS8PrivateKey(key) // never fails for an RSA key
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// ParsePublicKeyPEM reads the WeChat Pay public key (pub_key.pem, a PKIX
// "PUBLIC KEY") or the public key of a platform certificate. For a
// certificate it also returns the serial number as WeChat Pay writes it in
// Wechatpay-Serial (upper-case hex); for a bare key the serial is empty,
// since the key's id (PUB_KEY_ID_...) is configured beside the file.
func ParsePublicKeyPEM(data []byte) (key *rsa.PublicKey, certSerial string, err error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, "", errors.New("wechatpay: public key: no PEM block")
	}
	var pub any
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		cert, err = x509.ParseCertificate(block.Bytes)
		if err == nil {
			pub, certSerial = cert.PublicKey, strings.ToUpper(cert.SerialNumber.Text(16))
		}
	default:
		return nil, "", fmt.Errorf("wechatpay: public key: unexpected PEM block %q", block.Type)
	}
	if err != nil {
		return nil, "", fmt.Errorf("wechatpay: public key: %w", err)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, "", errors.New("wechatpay: public key: not an RSA key")
	}
	return rk, certSerial, nil
}

// MarshalPublicKeyPEM writes key as pub_key.pem is written (PKIX).
func MarshalPublicKeyPEM(key *rsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(key) // never fails for an RSA key
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
