package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/account/passkeytest"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/demo"
)

// passkeyClient talks to the site as a page's script does, at
// localhost:PORT (passkeys need a host name; the site's own address is
// 127.0.0.1, so the request's Host names the relying party).
type passkeyClient struct {
	t    *testing.T
	srv  *httptest.Server
	host string
	c    *http.Client
	dev  *passkeytest.Authenticator
}

func newPasskeyClient(t *testing.T, srv *httptest.Server) *passkeyClient {
	jar, _ := cookiejar.New(nil)
	host := "localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	return &passkeyClient{t: t, srv: srv, host: host, dev: passkeytest.New("http://" + host),
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send posts body to path and returns the status and the decoded JSON.
func (p *passkeyClient) send(path string, body []byte, host string) (int, map[string]any) {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.srv.URL+path, bytes.NewReader(body))
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		p.t.Fatalf("POST %s: %d, not JSON: %.300s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (p *passkeyClient) post(path string, v any) (int, map[string]any) {
	p.t.Helper()
	b, _ := json.Marshal(v)
	return p.send(path, b, p.host)
}

// begin starts a ceremony and returns its id and options.
func (p *passkeyClient) begin(path string, v any) (string, []byte) {
	p.t.Helper()
	status, out := p.post(path, v)
	if status != 200 {
		p.t.Fatalf("POST %s: %d %v", path, status, out)
	}
	opts, _ := json.Marshal(out["options"])
	return out["ceremony"].(string), opts
}

func (p *passkeyClient) create(opts []byte) json.RawMessage {
	p.t.Helper()
	c, err := p.dev.Create(opts)
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

func (p *passkeyClient) get(opts []byte, k *passkeytest.Key) json.RawMessage {
	p.t.Helper()
	c, err := p.dev.Get(opts, k)
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

// page fetches a page with the client's cookies.
func (p *passkeyClient) page(path string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest("GET", p.srv.URL+path, nil)
	req.Host = p.host
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// form posts a plain form, as the account page's remove button does.
func (p *passkeyClient) form(path string, v url.Values) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest("POST", p.srv.URL+path, strings.NewReader(v.Encode()))
	req.Host = p.host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := p.c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPasskeyCeremonies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts := serveSite(t, d, "")
		p := newPasskeyClient(t, srv)
		ctx := context.Background()

		// Sign up with a passkey alone: asked to check the mail; nobody is
		// signed in yet.
		id, opts := p.begin("/passkeys/signup/begin", map[string]string{"email": "Dana@Example.com", "display_name": "Dana Reader", "return_to": "/"})
		status, out := p.post("/passkeys/signup/finish", map[string]any{"ceremony": id, "credential": p.create(opts), "return_to": demoArticle})
		if status != 200 || out["redirect"] != "/login?return_to="+url.QueryEscape(demoArticle) {
			t.Fatalf("sign-up: %d %v", status, out)
		}
		if _, body := p.page("/login"); !strings.Contains(body, "you can sign in with your passkey") {
			t.Fatalf("no notice after sign-up:\n%.2000s", body)
		}
		if status, _ := p.page("/account"); status != 303 {
			t.Fatalf("signed in by signing up: %d", status)
		}
		// The same with an address that has an account: the same answer.
		id, opts = p.begin("/passkeys/signup/begin", map[string]string{"email": "dana@example.com", "display_name": "Copycat"})
		status2, out2 := p.post("/passkeys/signup/finish", map[string]any{"ceremony": id, "credential": p.create(opts), "return_to": demoArticle})
		if status2 != status || out2["redirect"] != out["redirect"] {
			t.Fatalf("a taken address answers differently: %d %v", status2, out2)
		}

		// Sign in with the first passkey (the second was discarded); count
		// the statements the finishing step costs.
		first := p.dev.Keys[0]
		before := d.QueryCount()
		id, opts = p.begin("/passkeys/login/begin", nil)
		beginQueries := d.QueryCount() - before
		before, start := d.QueryCount(), time.Now()
		status, out = p.post("/passkeys/login/finish", map[string]any{"ceremony": id, "credential": p.get(opts, first), "return_to": "/account"})
		took, queries := time.Since(start), d.QueryCount()-before
		if status != 200 || out["redirect"] != "/account" {
			t.Fatalf("sign in: %d %v", status, out)
		}
		// The same sign-in with a password, for comparison.
		pw := newPasskeyClient(t, srv)
		before = d.QueryCount()
		if status, _ := pw.form("/login", url.Values{"email": {"helen.marsh@motorledger.example"}, "password": {demo.Password}}); status != 303 {
			t.Fatalf("password sign-in: %d", status)
		}
		t.Logf("%s: a passkey sign-in ran %d statements to begin and %d to finish (%v); a password sign-in %d",
			d.Engine, beginQueries, queries, took, d.QueryCount()-before)
		if status, body := p.page("/account"); status != 200 || !strings.Contains(body, "Dana Reader") || !strings.Contains(body, `id="passkeys-heading"`) {
			t.Fatalf("account: %d", status)
		}
		// The discarded passkey of the taken-address sign-up is unknown.
		id, opts = p.begin("/passkeys/login/begin", nil)
		if status, out = p.post("/passkeys/login/finish", map[string]any{"ceremony": id, "credential": p.get(opts, p.dev.Keys[1])}); status != 401 || !strings.Contains(out["error"].(string), "not known here") {
			t.Fatalf("discarded passkey: %d %v", status, out)
		}

		// Add a second passkey from the account: the session is rotated.
		oldCookies := p.c.Jar.Cookies(mustURL(srv.URL))
		id, opts = p.begin("/passkeys/register/begin", nil)
		status, out = p.post("/passkeys/register/finish", map[string]any{"ceremony": id, "name": "Phone", "credential": p.create(opts)})
		if status != 200 || out["redirect"] != "/account#passkeys" {
			t.Fatalf("add passkey: %d %v", status, out)
		}
		if sameSession(oldCookies, p.c.Jar.Cookies(mustURL(srv.URL))) {
			t.Fatal("the session token did not change after adding a passkey")
		}
		for _, path := range []string{"/account", "/login", "/register"} {
			if status, body := p.page(path); status != 200 && path == "/account" {
				t.Fatalf("%s: %d", path, status)
			} else if status == 200 {
				checkHTML(t, path, body)
			}
		}
		dana, err := ts.accounts.ByEmail(ctx, "dana@example.com")
		if err != nil {
			t.Fatal(err)
		}
		keys, err := ts.accounts.Passkeys(ctx, dana.ID)
		if err != nil || len(keys) != 2 || keys[1].Name != "Phone" || keys[0].LastUsedAt.IsZero() {
			t.Fatalf("passkeys: %+v, %v", keys, err)
		}
		// Remove one (a plain form), then the last is refused.
		if status, _ := p.form("/account/passkeys/remove", url.Values{"id": {itoa(keys[0].ID)}}); status != 303 {
			t.Fatalf("remove: %d", status)
		}
		if status, body := p.form("/account/passkeys/remove", url.Values{"id": {itoa(keys[1].ID)}}); status != 422 || !strings.Contains(body, "last way to sign in") {
			t.Fatalf("remove the last: %d", status)
		}
		if status, body := p.form("/account/passkeys/rename", url.Values{"id": {itoa(keys[1].ID)}, "name": {"My phone"}}); status != 303 {
			t.Fatalf("rename: %d %.500s", status, body)
		}
		// The removed passkey no longer signs in.
		id, opts = p.begin("/passkeys/login/begin", nil)
		if status, out = p.post("/passkeys/login/finish", map[string]any{"ceremony": id, "credential": p.get(opts, first)}); status != 401 {
			t.Fatalf("removed passkey: %d %v", status, out)
		}
		// A suspended account is refused after the passkey checks out, in
		// JSON like every other answer here.
		if err := ts.accounts.Suspend(ctx, dana.ID, true); err != nil {
			t.Fatal(err)
		}
		id, opts = p.begin("/passkeys/login/begin", nil)
		if status, out = p.post("/passkeys/login/finish", map[string]any{"ceremony": id, "credential": p.get(opts, p.dev.Keys[2])}); status != 403 || !strings.Contains(out["error"].(string), "suspended") {
			t.Fatalf("suspended: %d %v", status, out)
		}
	})
}

func sameSession(a, b []*http.Cookie) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Name == "byline_session" && y.Name == x.Name {
				return x.Value == y.Value
			}
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPasskeyBadInput: whatever a broken or hostile client sends to the
// ceremonies, the answer is a 4xx with words, never a 5xx.
func TestPasskeyBadInput(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _ := serveSite(t, d, "")
	p := newPasskeyClient(t, srv)

	// A known ceremony, answered once; reused below.
	id, opts := p.begin("/passkeys/signup/begin", map[string]string{"email": "fay@example.com", "display_name": "Fay"})
	good := p.create(opts)
	if status, out := p.post("/passkeys/signup/finish", map[string]any{"ceremony": id, "credential": good}); status != 200 {
		t.Fatalf("sign-up: %d %v", status, out)
	}
	loginID, loginOpts := p.begin("/passkeys/login/begin", nil)
	evil := passkeytest.New("http://evil.example")
	evil.Keys = p.dev.Keys
	wrongOrigin, _ := evil.Get(loginOpts, nil)

	cases := []struct {
		name, path string
		body       []byte
		status     int
		says       string
	}{
		{"empty", "/passkeys/login/finish", nil, 400, "could not be read"},
		{"truncated", "/passkeys/login/finish", []byte(`{"ceremony":"abc","credential":{"id":`), 400, "could not be read"},
		{"binary", "/passkeys/signup/finish", []byte{0xff, 0xfe, 0x00, 0x01, 0x80}, 400, "could not be read"},
		{"huge", "/passkeys/register/finish", append([]byte(`{"ceremony":"`), bytes.Repeat([]byte("A"), 200<<10)...), 413, "too large"},
		{"not an answer", "/passkeys/login/finish", []byte(`{"ceremony":"abc","credential":{"id":"x"}}`), 401, "could not be read"},
		{"unknown ceremony", "/passkeys/signup/finish", []byte(`{"ceremony":"no-such","credential":` + string(good) + `}`), 400, "expired or was already used"},
		{"reused ceremony", "/passkeys/signup/finish", []byte(`{"ceremony":"` + id + `","credential":` + string(good) + `}`), 400, "expired or was already used"},
		{"NUL in a field", "/passkeys/signup/begin", []byte(`{"email":"a\u0000@example.com","display_name":"x"}`), 422, "correct the fields"},
		{"bad fields", "/passkeys/signup/begin", []byte(`{"email":"nope","display_name":""}`), 422, "correct the fields"},
		{"not signed in", "/passkeys/register/begin", []byte(`{}`), 401, "sign in first"},
		{"not signed in, finish", "/passkeys/register/finish", []byte(`{"ceremony":"x"}`), 401, "sign in first"},
		{"wrong origin", "/passkeys/login/finish", []byte(`{"ceremony":"` + loginID + `","credential":` + string(wrongOrigin) + `}`), 401, "could not be verified"},
	}
	for _, c := range cases {
		status, out := p.send(c.path, c.body, p.host)
		if status != c.status || !strings.Contains(strings.ToLower(out["error"].(string)), c.says) {
			t.Errorf("%s: %d %v, want %d %q", c.name, status, out, c.status, c.says)
		}
	}
	// Opened by IP address: passkeys cannot work there, and the page is told why.
	status, out := p.send("/passkeys/login/begin", []byte(`{}`), strings.TrimPrefix(srv.URL, "http://"))
	if status != 400 || !strings.Contains(out["error"].(string), "by its name") {
		t.Fatalf("by IP: %d %v", status, out)
	}
}

// FuzzPasskeyFinish sends arbitrary bytes to every ceremony step: the
// answer is never a 5xx, and always JSON.
func FuzzPasskeyFinish(f *testing.F) {
	h := newHandler(f, dbtest.SQLite(f), "http://127.0.0.1:8080")
	paths := []string{"/passkeys/login/finish", "/passkeys/signup/finish", "/passkeys/register/finish",
		"/passkeys/login/begin", "/passkeys/signup/begin", "/passkeys/register/begin"}
	f.Add(uint8(0), []byte(`{"ceremony":"abc","credential":{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA","userHandle":"AAAA"}}}`))
	f.Add(uint8(1), []byte(`{"ceremony":"abc","credential":{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}}`))
	f.Add(uint8(2), []byte(`{"ceremony":"","name":"\u0000","credential":null}`))
	f.Add(uint8(3), []byte(`{"credential":[1,2,3]}`))
	f.Add(uint8(4), []byte(`{"email":"a@b.c","display_name":"`+strings.Repeat("x", 100)+`","country":"ZZ"}`))
	f.Add(uint8(0), []byte{0xff, 0x00, '{'})
	f.Add(uint8(1), []byte(`{"ceremony":"abc","credential":{"response":{"attestationObject":"`+strings.Repeat("_", 500)+`"}}}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, "http://localhost:8080"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d\n%s", path, body, rec.Code, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("POST %s %q: %d, not JSON: %.300s", path, body, rec.Code, rec.Body.String())
		}
	})
}
