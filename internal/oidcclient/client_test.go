package oidcclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"byline/internal/account"
	"byline/internal/oidcclient"
	"byline/internal/oidctest"
)

const redirect = "http://rp.test/callback"

// authorize follows the provider's redirects from the authorization URL to
// the callback, and returns the callback's parameters.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("ended at %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func provider(op *oidctest.Provider, preset string) account.Provider {
	p := account.Provider{Name: "Test", Kind: account.ProviderOIDC, Preset: preset, Issuer: op.Issuer, ClientID: op.ClientID, Scopes: "email profile"}
	return account.WithSecret(p, op.ClientSecret)
}

func run(t *testing.T, c *oidcclient.Client, op *oidctest.Provider, p account.Provider) (account.ProviderIdentity, error) {
	t.Helper()
	ctx := context.Background()
	f := account.ProviderFlow{State: "state-1", Nonce: "nonce-1", Verifier: strings.Repeat("v", 43)}
	u, err := c.AuthURL(ctx, p, redirect, f)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(u)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("nonce") != "nonce-1" || q.Query().Get("state") != "state-1" {
		t.Fatalf("authorization URL: %s", u)
	}
	back := authorize(t, u)
	if back.Get("state") != "state-1" {
		t.Fatalf("state came back as %q", back.Get("state"))
	}
	return c.Finish(ctx, p, redirect, back.Get("code"), account.PendingFlow{Nonce: f.Nonce, Verifier: f.Verifier})
}

func TestOpenIDConnect(t *testing.T) {
	op := oidctest.New(t)
	op.AllowRedirect(redirect)
	op.SignInAs(oidctest.User{Subject: "s1", Email: "a@example.net", EmailVerified: true, Name: "A", Username: "a"})
	c := oidcclient.New(oidcclient.Options{})
	p := provider(op, "")
	if err := c.Check(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	id, err := run(t, c, op, p)
	if err != nil || id != (account.ProviderIdentity{Subject: "s1", Email: "a@example.net", EmailVerified: true, Name: "A", Username: "a"}) {
		t.Fatalf("identity %+v, %v", id, err)
	}

	// A wrong verifier: the provider refuses the code (PKCE).
	u, _ := c.AuthURL(context.Background(), p, redirect, account.ProviderFlow{State: "s", Nonce: "n", Verifier: strings.Repeat("v", 43)})
	back := authorize(t, u)
	if _, err := c.Finish(context.Background(), p, redirect, back.Get("code"), account.PendingFlow{Nonce: "n", Verifier: strings.Repeat("w", 43)}); !errors.Is(err, oidcclient.ErrRefused) {
		t.Fatalf("wrong verifier: %v", err)
	}

	// Discovery that fails says why.
	dead := httptest.NewServer(http.NotFoundHandler())
	defer dead.Close()
	p.Issuer = dead.URL
	if err := c.Check(context.Background(), p); !errors.Is(err, oidcclient.ErrUnavailable) || !strings.Contains(err.Error(), "404") {
		t.Fatalf("dead issuer: %v", err)
	}
}

// Microsoft's multi-tenant discovery names no real issuer; each token's
// issuer must be a tenant's, matching its tid.
func TestMicrosoftTenantIssuer(t *testing.T) {
	const tenant = "9188040d-6c67-4c5b-b112-36a304b66dad"
	op := oidctest.New(t)
	op.AllowRedirect(redirect)
	c := oidcclient.New(oidcclient.Options{})
	p := provider(op, "microsoft")
	for _, tc := range []struct {
		name, issuer, tid string
		ok                bool
	}{
		{"tenant issuer", "https://login.microsoftonline.com/" + tenant + "/v2.0", tenant, true},
		{"another tenant's tid", "https://login.microsoftonline.com/" + tenant + "/v2.0", "00000000-0000-0000-0000-000000000000", false},
		{"not a tenant issuer", "https://evil.example/" + tenant + "/v2.0", tenant, false},
		{"the discovery address", op.Issuer, tenant, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(oidctest.Misbehaviour{Issuer: tc.issuer})
			op.SignInAs(oidctest.User{Subject: "m1", Email: "m@example.net", Claims: map[string]any{"tid": tc.tid}})
			id, err := run(t, c, op, p)
			if tc.ok && (err != nil || id.Subject != "m1") {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, oidcclient.ErrInvalidToken) {
				t.Fatalf("accepted: %+v %v", id, err)
			}
		})
	}
	// Microsoft sends no email_verified; its optional xms_edov claim says
	// the tenant verified the address's domain.
	op.Misbehave(oidctest.Misbehaviour{Issuer: "https://login.microsoftonline.com/" + tenant + "/v2.0"})
	for _, edov := range []bool{false, true} {
		op.SignInAs(oidctest.User{Subject: "m2", Email: "m@example.net", Claims: map[string]any{"tid": tenant, "xms_edov": edov}})
		id, err := run(t, c, op, p)
		if err != nil || id.Email != "m@example.net" || id.EmailVerified != edov {
			t.Fatalf("xms_edov %v: %+v %v", edov, id, err)
		}
	}

	// Without the preset the same token is refused: its issuer is not the
	// discovered one.
	op.Misbehave(oidctest.Misbehaviour{Issuer: "https://login.microsoftonline.com/" + tenant + "/v2.0"})
	op.SignInAs(oidctest.User{Subject: "m1", Claims: map[string]any{"tid": tenant}})
	if _, err := run(t, c, op, provider(op, "")); !errors.Is(err, oidcclient.ErrInvalidToken) {
		t.Fatalf("a tenant issuer without the preset: %v", err)
	}
}

// fakeGitHub answers as GitHub's OAuth2 and user API do.
func fakeGitHub(t *testing.T, emails string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("code") != "good-code" || r.PostForm.Get("code_verifier") == "" || r.PostForm.Get("client_secret") != "gh-secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"bad_verification_code"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"gho_token","token_type":"bearer","scope":"read:user,user:email"}`))
	})
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gho_token" {
				http.Error(w, "unauthorised", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /user", auth(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"id": 583231, "login": "octocat", "name": "The Octocat", "email": nil})
	}))
	mux.HandleFunc("GET /user/emails", auth(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(emails))
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestGitHub(t *testing.T) {
	ctx := context.Background()
	p := account.WithSecret(account.Provider{Name: "GitHub", Kind: account.ProviderGitHub, ClientID: "gh-client", Scopes: "read:user user:email"}, "gh-secret")
	for _, tc := range []struct {
		name, emails, email string
		verified            bool
	}{
		{"verified primary", `[{"email":"other@example.net","primary":false,"verified":true},{"email":"octo@example.net","primary":true,"verified":true}]`, "octo@example.net", true},
		{"unverified primary", `[{"email":"other@example.net","primary":false,"verified":true},{"email":"octo@example.net","primary":true,"verified":false}]`, "octo@example.net", false},
		{"no addresses", `[]`, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gh := fakeGitHub(t, tc.emails)
			c := oidcclient.New(oidcclient.Options{GitHub: oidcclient.GitHubEndpoints{AuthURL: gh.URL + "/login/oauth/authorize",
				TokenURL: gh.URL + "/login/oauth/access_token", APIURL: gh.URL}})
			u, err := c.AuthURL(ctx, p, redirect, account.ProviderFlow{State: "st", Nonce: "n", Verifier: strings.Repeat("v", 43)})
			if err != nil || !strings.HasPrefix(u, gh.URL+"/login/oauth/authorize?") || !strings.Contains(u, "code_challenge_method=S256") || strings.Contains(u, "nonce") {
				t.Fatalf("authorization URL %s, %v", u, err)
			}
			id, err := c.Finish(ctx, p, redirect, "good-code", account.PendingFlow{Verifier: strings.Repeat("v", 43)})
			if err != nil || id.Subject != "583231" || id.Username != "octocat" || id.Email != tc.email || id.EmailVerified != tc.verified {
				t.Fatalf("identity %+v, %v", id, err)
			}
			if _, err := c.Finish(ctx, p, redirect, "used-code", account.PendingFlow{Verifier: "v"}); !errors.Is(err, oidcclient.ErrRefused) {
				t.Fatalf("bad code: %v", err)
			}
		})
	}
}
