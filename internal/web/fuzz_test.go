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
		"/api/v1/people?role=&cursor=", "/9999/12/31/", "/0000/00/00/x/", "/static/style.css", "/%2e%2e/etc/passwd"} {
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
