// Package passkeytest is a software authenticator for tests: it answers a
// site's passkey options as a browser with a platform authenticator
// (ES256 keys, resident credentials, user verification) would.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds passkeys and answers ceremonies as if from Origin.
type Authenticator struct {
	Origin string
	Keys   []*Key
}

// Key is one passkey the authenticator holds.
type Key struct {
	ID     []byte
	RPID   string
	Handle []byte // the site's user handle
	Count  uint32 // the use counter, sent (plus one) with each sign-in
	priv   *ecdsa.PrivateKey
}

// New returns an authenticator with no passkeys, in a page at origin.
func New(origin string) *Authenticator { return &Authenticator{Origin: origin} }

var b64 = base64.RawURLEncoding

// Create answers navigator.credentials.create with the site's options
// ({"publicKey": ...}), makes the passkey and returns the browser's JSON.
func (a *Authenticator) Create(options []byte) ([]byte, error) {
	var o protocol.CredentialCreation
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: options: %w", err)
	}
	uid, ok := o.Response.User.ID.(string)
	if !ok {
		return nil, errors.New("passkeytest: options: no user id")
	}
	handle, err := b64.DecodeString(uid)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	k := &Key{ID: make([]byte, 16), RPID: o.Response.RelyingParty.ID, Handle: handle, priv: priv}
	rand.Read(k.ID)
	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	raw := pub.Bytes() // 0x04 | x | y
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
	if err != nil {
		return nil, err
	}
	auth := authData(k.RPID, 0x01|0x04|0x40, 0)
	auth = append(auth, make([]byte, 16)...) // AAGUID
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(k.ID)))
	auth = append(auth, k.ID...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	a.Keys = append(a.Keys, k)
	return json.Marshal(map[string]any{"id": b64.EncodeToString(k.ID), "rawId": b64.EncodeToString(k.ID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": a.clientData("webauthn.create", o.Response.Challenge),
			"attestationObject": b64.EncodeToString(att), "transports": []string{"internal"}}})
}

// Get answers navigator.credentials.get with the site's options, signing
// with k (nil: the newest passkey for the site).
func (a *Authenticator) Get(options []byte, k *Key) ([]byte, error) {
	var o protocol.CredentialAssertion
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: options: %w", err)
	}
	if k == nil {
		for _, c := range a.Keys {
			if c.RPID == o.Response.RelyingPartyID {
				k = c
			}
		}
	}
	if k == nil {
		return nil, errors.New("passkeytest: no passkey for this site")
	}
	k.Count++
	auth := authData(k.RPID, 0x01|0x04, k.Count)
	cd := a.clientData("webauthn.get", o.Response.Challenge)
	cdRaw, _ := b64.DecodeString(cd)
	h := sha256.Sum256(cdRaw)
	digest := sha256.Sum256(append(append([]byte{}, auth...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"id": b64.EncodeToString(k.ID), "rawId": b64.EncodeToString(k.ID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": cd, "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(k.Handle)}})
}

func authData(rpID string, flags byte, count uint32) []byte {
	h := sha256.Sum256([]byte(rpID))
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, count)
}

func (a *Authenticator) clientData(typ string, challenge []byte) string {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(challenge), "origin": a.Origin, "crossOrigin": false})
	return b64.EncodeToString(b)
}
