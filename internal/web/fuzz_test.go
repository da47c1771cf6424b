package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"byline/internal/dbtest"
)

// FuzzRequests sends arbitrary paths and query strings through the whole
// site: whatever a person sends, the answer is never a 5xx.
func FuzzRequests(f *testing.F) {
	h := newHandler(f, dbtest.SQLite(f), "http://127.0.0.1:8080")
	for _, seed := range []string{"/", demoArticle, "/2012/04/05/?before=1.1", "/tag/luxury/?before=abc", "/search?q=%22&page=2",
		"/search?q=NEAR(a,b)&page=9999", "/author/elliot-vance/feed/atom/", "/api/v1/articles?cursor=1.x&limit=5",
		"/api/v1/people?role=&cursor=", "/9999/12/31/", "/0000/00/00/x/", "/static/style.css", "/%2e%2e/etc/passwd",
		"/cars/", "/cars/infiniti/qx60/", "/cars/quote?make=x&model=-1&postal=%00", "/cars/quote/thanks?t=zz", "/newsletter/preferences?t=",
		"/newsletter/confirm?t=%ff", "/newsletter/unsubscribe?t=x", "/media/1/large-10x10.jpg", "/media/0/..%2f..%2fetc"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return // not something a client can send
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/", nil)
		req.URL = u
		req.RequestURI = target
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body.String())
		}
	})
}

// FuzzForms posts arbitrary bodies to the account forms: a person typing
// anything, or a broken client, never causes a 5xx.
func FuzzForms(f *testing.F) {
	h := newHandler(f, dbtest.SQLite(f), "http://127.0.0.1:8080")
	paths := []string{"/login", "/register", "/password/forgot", "/password/reset", "/logout",
		"/newsletter", "/newsletter/confirm", "/newsletter/preferences", "/newsletter/unsubscribe", "/cars/quote"}
	f.Add(uint8(0), "email=a%40b.c&password=x&remember=1&return_to=%2F")
	f.Add(uint8(1), "email=%ff%fe&display_name=%00&country=ZZ&password="+strings.Repeat("x", 300))
	f.Add(uint8(3), "token=abc&password=long+enough+pass")
	f.Add(uint8(2), "email=;;;&&&===")
	f.Add(uint8(5), "email=x%40y.z&frequency=hourly&me=1&return_to=%2F%2Fevil")
	f.Add(uint8(8), "t=abc&frequency=daily")
	f.Add(uint8(9), "make=1&model=2&year=99999999999999999999&postal=12550&consent=1&first_name=A&last_name=B&email=a%40b.c&timeframe=now")
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d", path, body, rec.Code)
		}
	})
}
