// Package oidcclient speaks to sign-in providers: OpenID Connect discovery,
// the authorization code flow with PKCE, and the checks of the ID token
// (signature, issuer, audience, expiry, nonce); and GitHub's plain OAuth2
// with its user API. What a proven identity may do is package account's.
package oidcclient

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"byline/internal/account"
)

// Client talks to providers. The zero value is not usable: use New.
type Client struct {
	http   *http.Client
	now    func() time.Time
	github GitHubEndpoints

	mu    sync.Mutex
	found map[string]discovered // by issuer
}

// GitHubEndpoints are GitHub's addresses (another host in tests).
type GitHubEndpoints struct {
	AuthURL, TokenURL, APIURL string
}

// GitHub is github.com.
var GitHub = GitHubEndpoints{
	AuthURL:  "https://github.com/login/oauth/authorize",
	TokenURL: "https://github.com/login/oauth/access_token",
	APIURL:   "https://api.github.com",
}

type discovered struct {
	p  *oidc.Provider
	at time.Time
}

// discoveryTTL is how long a provider's discovery document is kept: its
// keys are refetched by the key set itself when an unknown key appears.
const discoveryTTL = time.Hour

// Options change a Client's defaults.
type Options struct {
	HTTP   *http.Client     // nil: one with a 15-second timeout
	Now    func() time.Time // nil: time.Now (the ID token's expiry is checked against it)
	GitHub GitHubEndpoints  // zero: github.com
}

// New returns a Client.
func New(o Options) *Client {
	c := &Client{http: o.HTTP, now: o.Now, github: o.GitHub, found: map[string]discovered{}}
	if c.http == nil {
		c.http = &http.Client{Timeout: 15 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.github.AuthURL == "" {
		c.github = GitHub
	}
	return c
}

// Kinds of failure: the web layer answers each with its own page.
var (
	// ErrUnavailable: the provider could not be reached or answered
	// nonsense (a 502 for the person, an error for the admin's save).
	ErrUnavailable = errors.New("the provider could not be reached")
	// ErrRefused: the provider refused the code (used, expired, not ours).
	ErrRefused = errors.New("the provider refused the sign-in")
	// ErrInvalidToken: the ID token failed a check.
	ErrInvalidToken = errors.New("the provider's answer failed a check")
)

// Error says what failed; Kind is one of the errors above.
type Error struct {
	Kind   error
	Detail string // for logs: never holds a code, token or secret
}

func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Detail }
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func (c *Client) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.http) // also oauth2's client
}

// microsoftIssuer is the form of a Microsoft tenant's issuer.
var microsoftIssuer = regexp.MustCompile(`^https://login\.microsoftonline\.com/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/v2\.0$`)

// provider discovers (or recalls) the issuer of p.
func (c *Client) provider(ctx context.Context, p account.Provider) (*oidc.Provider, error) {
	key := p.Preset + " " + p.Issuer
	c.mu.Lock()
	d, ok := c.found[key]
	c.mu.Unlock()
	if ok && c.now().Sub(d.at) < discoveryTTL {
		return d.p, nil
	}
	ctx = c.ctx(ctx)
	if p.Preset == "microsoft" {
		// The multi-tenant document names "{tenantid}" as its issuer; each
		// token's issuer is checked against the tenant pattern instead.
		ctx = oidc.InsecureIssuerURLContext(ctx, p.Issuer)
	}
	op, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) {
			return nil, fail(ErrUnavailable, "discovery of %s names another issuer (%s)", p.Issuer, mismatch.Discovered)
		}
		return nil, fail(ErrUnavailable, "discovery of %s: %s", p.Issuer, short(err.Error()))
	}
	c.mu.Lock()
	c.found[key] = discovered{p: op, at: c.now()}
	c.mu.Unlock()
	return op, nil
}

// Check reads the provider's discovery document, for the admin's save: an
// error says why it cannot be used.
func (c *Client) Check(ctx context.Context, p account.Provider) error {
	if p.Kind != account.ProviderOIDC {
		return nil
	}
	c.mu.Lock()
	delete(c.found, p.Preset+" "+p.Issuer) // read it afresh
	c.mu.Unlock()
	op, err := c.provider(ctx, p)
	if err != nil {
		return err
	}
	if op.Endpoint().AuthURL == "" || op.Endpoint().TokenURL == "" {
		return fail(ErrUnavailable, "discovery of %s lists no authorization or token endpoint", p.Issuer)
	}
	return nil
}

func (c *Client) config(ctx context.Context, p account.Provider, redirect string) (*oauth2.Config, *oidc.Provider, error) {
	cfg := &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.Secret(), RedirectURL: redirect}
	if p.Kind == account.ProviderGitHub {
		cfg.Endpoint = oauth2.Endpoint{AuthURL: c.github.AuthURL, TokenURL: c.github.TokenURL, AuthStyle: oauth2.AuthStyleInParams}
		cfg.Scopes = p.ScopeList()
		return cfg, nil, nil
	}
	op, err := c.provider(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	cfg.Endpoint = op.Endpoint()
	cfg.Scopes = []string{oidc.ScopeOpenID}
	for _, s := range p.ScopeList() {
		if !slices.Contains(cfg.Scopes, s) {
			cfg.Scopes = append(cfg.Scopes, s)
		}
	}
	return cfg, op, nil
}

// AuthURL is where to send the browser: the authorization code flow with
// PKCE (S256), state and nonce.
func (c *Client) AuthURL(ctx context.Context, p account.Provider, redirect string, f account.ProviderFlow) (string, error) {
	cfg, _, err := c.config(ctx, p, redirect)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.Verifier)}
	if p.Kind == account.ProviderOIDC {
		opts = append(opts, oidc.Nonce(f.Nonce))
	}
	if p.FormPost() {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	return cfg.AuthCodeURL(f.State, opts...), nil
}

// Finish exchanges the code (with the PKCE verifier) and returns the
// identity the provider vouches for, after checking the ID token's
// signature, issuer, audience, expiry and nonce.
func (c *Client) Finish(ctx context.Context, p account.Provider, redirect, code string, f account.PendingFlow) (account.ProviderIdentity, error) {
	cfg, op, err := c.config(ctx, p, redirect)
	if err != nil {
		return account.ProviderIdentity{}, err
	}
	ctx = c.ctx(ctx)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			return account.ProviderIdentity{}, fail(ErrRefused, "token endpoint of %s: %s %s", p.Name, re.ErrorCode, re.ErrorDescription)
		}
		return account.ProviderIdentity{}, fail(ErrUnavailable, "token endpoint of %s: %s", p.Name, tokenErrText(err))
	}
	if p.Kind == account.ProviderGitHub {
		return c.github.identity(ctx, c.http, tok)
	}
	return c.verify(ctx, p, op, tok, f.Nonce)
}

// tokenErrText describes an exchange failure without what the provider
// sent back (which could hold anything).
func tokenErrText(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			return re.Response.Status
		}
		return "unreadable answer"
	}
	return err.Error()
}

// idClaims are the ID token's claims Byline reads.
type idClaims struct {
	Email             string     `json:"email"`
	EmailVerified     stringBool `json:"email_verified"`
	Name              string     `json:"name"`
	PreferredUsername string     `json:"preferred_username"`
	TenantID          string     `json:"tid"`
	// DomainVerified is Microsoft's optional xms_edov claim: the address's
	// domain is verified by the tenant. Microsoft sends no email_verified.
	DomainVerified stringBool `json:"xms_edov"`
}

// stringBool reads true and "true" alike (Apple sends a string).
type stringBool bool

func (b *stringBool) UnmarshalJSON(data []byte) error {
	switch strings.Trim(string(data), `"`) {
	case "true":
		*b = true
	default:
		*b = false
	}
	return nil
}

func (c *Client) verify(ctx context.Context, p account.Provider, op *oidc.Provider, tok *oauth2.Token, nonce string) (account.ProviderIdentity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "%s sent no ID token", p.Name)
	}
	v := op.Verifier(&oidc.Config{ClientID: p.ClientID, Now: c.now, SkipIssuerCheck: p.Preset == "microsoft"})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return account.ProviderIdentity{}, fail(ErrInvalidToken, "ID token of %s expired at %s", p.Name, expired.Expiry.UTC().Format(time.RFC3339))
		}
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "ID token of %s: %v", p.Name, err)
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "ID token of %s carries another nonce", p.Name)
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "claims of %s: %v", p.Name, err)
	}
	if p.Preset == "microsoft" {
		m := microsoftIssuer.FindStringSubmatch(idt.Issuer)
		if m == nil || m[1] != cl.TenantID {
			return account.ProviderIdentity{}, fail(ErrInvalidToken, "ID token of %s has issuer %q, not the tenant %q's", p.Name, idt.Issuer, cl.TenantID)
		}
		cl.EmailVerified = cl.EmailVerified || cl.DomainVerified
	}
	if idt.Subject == "" || len(idt.Subject) > 255 {
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "ID token of %s has no usable subject", p.Name)
	}
	id := account.ProviderIdentity{Subject: idt.Subject, Email: cl.Email, EmailVerified: bool(cl.EmailVerified),
		Name: cl.Name, Username: cl.PreferredUsername}
	if id.Email == "" && op.UserInfoEndpoint() != "" {
		// Some providers put the address only in the userinfo answer.
		ui, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return account.ProviderIdentity{}, fail(ErrUnavailable, "userinfo of %s: %v", p.Name, err)
		}
		if ui.Subject == idt.Subject {
			id.Email, id.EmailVerified = ui.Email, ui.EmailVerified
		}
	}
	return id, nil
}

// identity reads the GitHub user and their verified primary address.
func (g GitHubEndpoints) identity(ctx context.Context, hc *http.Client, tok *oauth2.Token) (account.ProviderIdentity, error) {
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	if err := g.get(ctx, hc, tok, "/user", &user); err != nil {
		return account.ProviderIdentity{}, err
	}
	if user.ID <= 0 {
		return account.ProviderIdentity{}, fail(ErrInvalidToken, "GitHub's /user has no id")
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := g.get(ctx, hc, tok, "/user/emails", &emails); err != nil {
		return account.ProviderIdentity{}, err
	}
	id := account.ProviderIdentity{Subject: strconv.FormatInt(user.ID, 10), Name: user.Name, Username: user.Login}
	for _, e := range emails {
		if e.Primary {
			id.Email, id.EmailVerified = e.Email, e.Verified
		}
	}
	return id, nil
}

func (g GitHubEndpoints) get(ctx context.Context, hc *http.Client, tok *oauth2.Token, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.APIURL+path, nil)
	if err != nil {
		return fail(ErrUnavailable, "GitHub %s: %v", path, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	tok.SetAuthHeader(req)
	resp, err := hc.Do(req)
	if err != nil {
		return fail(ErrUnavailable, "GitHub %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(ErrUnavailable, "GitHub %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fail(ErrUnavailable, "GitHub %s: %v", path, err)
	}
	return nil
}

// short keeps an error's first line and 200 bytes: a failed discovery's
// error carries the answer's body, which may be a whole HTML page.
func short(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}
