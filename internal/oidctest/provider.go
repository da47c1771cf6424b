// Package oidctest runs a real OpenID provider (zitadel's op) on
// 127.0.0.1 for tests, with a small in-memory storage: one client, one
// person signing in at a time (the test says who, with what address,
// confirmed or not), and switches that make the provider misbehave (an
// expired ID token, another issuer, another nonce, an unknown signing
// key, or being down).
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is who signs in at the provider.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Username      string
	Claims        map[string]any // more claims for the ID token (Microsoft's tid)
}

// Misbehaviour makes the provider's next tokens wrong in one way.
type Misbehaviour struct {
	Expired     bool // ID tokens expired an hour ago
	WrongIssuer bool // ID tokens name another issuer than discovery does
	WrongNonce  bool // ID tokens carry another nonce than asked for
	RogueKey    bool // ID tokens are signed by a key not in the key set
	Down        bool // every request answers 503
	// Issuer, if set, is the issuer ID tokens name, while discovery names
	// the provider's address (as Microsoft's tenants do).
	Issuer string
}

// Provider is a running OpenID provider.
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string

	srv     *httptest.Server
	mu      sync.Mutex
	user    User
	bad     Misbehaviour
	allowed []string
	reqs    map[string]*authRequest
	codes   map[string]string // code → request ID
	tokens  map[string]string // access token ID → subject
	users   map[string]User   // subject → the user as they signed in
	key     signingKey
	rogue   signingKey
	tokenN  int
}

// New starts a provider; it stops when the test ends.
func New(t testing.TB) *Provider {
	t.Helper()
	p := &Provider{ClientID: "byline-test", ClientSecret: "test-secret-" + rand.Text(),
		reqs: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]string{}, users: map[string]User{}}
	p.key = newKey(t, "main")
	p.rogue = newKey(t, "rogue")
	p.srv = httptest.NewUnstartedServer(nil)
	p.Issuer = "http://" + p.srv.Listener.Addr().String()
	issuer := func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string {
			p.mu.Lock()
			bad := p.bad
			p.mu.Unlock()
			if strings.HasSuffix(r.URL.Path, "/token") {
				switch {
				case bad.WrongIssuer:
					return "http://127.0.0.1:1/another-issuer"
				case bad.Issuer != "":
					return bad.Issuer
				}
			}
			return p.Issuer
		}, nil
	}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("oidctest")), CodeMethodS256: true, AuthMethodPost: true}
	o, err := op.NewProvider(cfg, &storage{p}, issuer, op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	login := op.NewIssuerInterceptor(o.IssuerFromRequest)
	mux.Handle("/login", login.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The person signs in at once, as whoever the test set.
		id := r.URL.Query().Get("id")
		p.mu.Lock()
		req, ok := p.reqs[id]
		if ok {
			req.subject, req.done, req.authTime = p.user.Subject, true, time.Now()
			p.users[p.user.Subject] = p.user
		}
		p.mu.Unlock()
		if !ok {
			http.Error(w, "unknown request", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, op.AuthCallbackURL(o)(r.Context(), id), http.StatusFound)
	}))
	mux.Handle("/", o)
	p.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		down := p.bad.Down
		if strings.HasSuffix(r.URL.Path, "/token") {
			p.tokenN++
		}
		p.mu.Unlock()
		if down {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	})
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// SignInAs sets who signs in next.
func (p *Provider) SignInAs(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = u
}

// Misbehave sets how the provider misbehaves from now on (zero: not).
func (p *Provider) Misbehave(m Misbehaviour) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bad = m
}

// AllowRedirect registers a callback address of the client.
func (p *Provider) AllowRedirect(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, uri)
}

// TokenRequests is how many requests the token endpoint had.
func (p *Provider) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokenN
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newKey(t testing.TB, id string) signingKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{id: id, key: k}
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// authRequest is one authorization request.
type authRequest struct {
	p                      *Provider
	id, clientID, redirect string
	scopes                 []string
	state, nonce           string
	responseType           oidc.ResponseType
	responseMode           oidc.ResponseMode
	challenge              *oidc.CodeChallenge
	subject                string
	authTime               time.Time
	done                   bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetRedirectURI() string                { return a.redirect }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }
func (a *authRequest) GetNonce() string {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	if a.p.bad.WrongNonce {
		return "another-" + a.nonce
	}
	return a.nonce
}

// client is the one registered client (Byline).
type client struct{ p *Provider }

func (c client) GetID() string { return c.p.ClientID }
func (c client) RedirectURIs() []string {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return append([]string(nil), c.p.allowed...)
}
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) LoginURL(id string) string           { return "/login?id=" + id }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) DevMode() bool                       { return true }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }
func (c client) IDTokenLifetime() time.Duration {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	if c.p.bad.Expired {
		return -time.Hour
	}
	return time.Hour
}

// storage is the provider's in-memory op.Storage.
type storage struct{ p *Provider }

var errNotFound = errors.New("not found")

func (s *storage) CreateAuthRequest(_ context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	req := &authRequest{p: s.p, id: rand.Text(), clientID: ar.ClientID, redirect: ar.RedirectURI, scopes: ar.Scopes,
		state: ar.State, nonce: ar.Nonce, responseType: ar.ResponseType, responseMode: ar.ResponseMode}
	if ar.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: ar.CodeChallenge, Method: ar.CodeChallengeMethod}
	}
	s.p.reqs[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if r, ok := s.p.reqs[id]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.p.mu.Lock()
	id, ok := s.p.codes[code]
	s.p.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.codes[code] = id
	return nil
}

// DeleteAuthRequest is called once the code is spent: a replayed code
// then finds nothing.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	delete(s.p.reqs, id)
	for code, rid := range s.p.codes {
		if rid == id {
			delete(s.p.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	id := rand.Text()
	s.p.tokens[id] = req.GetSubject()
	return id, time.Now().Add(5 * time.Minute), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not offered")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if s.p.bad.RogueKey {
		return s.p.rogue, nil
	}
	return s.p.key, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{s.p.key}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.p.ClientID {
		return nil, errNotFound
	}
	return client{s.p}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.p.ClientID || secret != s.p.ClientSecret {
		return errors.New("wrong client or secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	s.fill(ui, req.GetSubject(), scopes)
	return nil
}

func (s *storage) fill(ui *oidc.UserInfo, subject string, scopes []string) {
	s.p.mu.Lock()
	u := s.p.users[subject]
	s.p.mu.Unlock()
	ui.Subject = subject
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			ui.Email, ui.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
		case oidc.ScopeProfile:
			ui.Name, ui.PreferredUsername = u.Name, u.Username
		}
	}
	for k, v := range u.Claims {
		ui.AppendClaims(k, v)
	}
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	s.p.mu.Lock()
	sub, ok := s.p.tokens[tokenID]
	s.p.mu.Unlock()
	if !ok {
		return errNotFound
	}
	s.fill(ui, sub, []string{oidc.ScopeEmail, oidc.ScopeProfile})
	return nil
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (s *storage) Health(context.Context) error { return nil }
