package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"byline/internal/account"
	"byline/internal/api"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/site"
)

// newAPI serves the API over the tests' content in d (newDesk), with a
// router for the OpenAPI document to check answers against.
func newAPI(t *testing.T, d *db.DB) (*httptest.Server, routers.Router, *desk) {
	t.Helper()
	ctx := context.Background()
	k := newDesk(t, d)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	people := account.NewStore(d)
	srv.Config.Handler = api.New(api.Deps{Articles: article.NewStore(d), People: people, Tokens: people,
		Settings: site.NewCache(site.NewStore(d), site.Defaults("x", ""), base, log), Comments: comment.NewStore(d), Logger: log})
	srv.Start()
	t.Cleanup(srv.Close)

	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return srv, router, k
}

// call makes a request and checks the response against the document.
func call(t *testing.T, srv *httptest.Server, router routers.Router, path string, wantStatus int) []byte {
	t.Helper()
	return callAs(t, srv, router, path, "", wantStatus)
}

// callAs is call with a bearer token.
func callAs(t *testing.T, srv *httptest.Server, router routers.Router, path, token string, wantStatus int) []byte {
	t.Helper()
	return send(t, srv, router, "GET", path, token, "", wantStatus)
}

// send makes any request; its body and the response are both checked
// against the document.
func send(t *testing.T, srv *httptest.Server, router routers.Router, method, path, token, body string, wantStatus int) []byte {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" && wantStatus < 400 {
		if route, params, err := router.FindRoute(req); err == nil {
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Fatalf("%s %s: request does not match openapi.json: %v", method, path, err)
			}
			req.Body = io.NopCloser(strings.NewReader(body))
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, respBody)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s: content type %q", path, resp.Header.Get("Content-Type"))
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		// Unknown endpoints have no route; their body must still be an Error.
		var e api.Error
		if jerr := json.Unmarshal(respBody, &e); jerr != nil || e.Error.Code == "" {
			t.Fatalf("%s: no route in the document and not an error body: %s", path, respBody)
		}
		return respBody
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(respBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s: response does not match openapi.json: %v\n%s", path, err, respBody)
	}
	return respBody
}

func TestAPIMatchesDocument(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, router, k := newAPI(t, d)

		// Walk all articles by cursor.
		var list api.List[api.Article]
		seen := map[int64]bool{}
		path := "/api/v1/articles?limit=7"
		for pages := 0; ; pages++ {
			if err := json.Unmarshal(call(t, srv, router, path, 200), &list); err != nil {
				t.Fatal(err)
			}
			for _, a := range list.Data {
				if seen[a.ID] {
					t.Fatalf("article %d twice", a.ID)
				}
				seen[a.ID] = true
			}
			if list.NextCursor == nil {
				break
			}
			path = "/api/v1/articles?limit=7&cursor=" + *list.NextCursor
		}
		if len(seen) != k.published {
			t.Fatalf("API lists %d articles, want the %d published", len(seen), k.published)
		}

		var one api.Article
		json.Unmarshal(call(t, srv, router, "/api/v1/articles?tag=luxury&author="+k.author.Slug, 200), &list)
		if len(list.Data) != 1 || list.Data[0].ID != k.lead.ID {
			t.Fatalf("tag and author filter: %+v", list.Data)
		}
		json.Unmarshal(call(t, srv, router, "/api/v1/articles?tag=infiniti", 200), &list)
		if len(list.Data) != 1 || list.Data[0].ID != k.lead.ID {
			t.Fatalf("tag filter: %d", len(list.Data))
		}
		json.Unmarshal(call(t, srv, router, "/api/v1/articles/"+itoa(list.Data[0].ID), 200), &one)
		if one.Author.Name != k.author.DisplayName || !strings.Contains(one.BodyHTML, "<blockquote>") || !strings.HasSuffix(one.URL, "/"+k.lead.Slug+"/") {
			t.Fatalf("article: %+v", one)
		}

		var people api.List[api.Person]
		json.Unmarshal(call(t, srv, router, "/api/v1/people?role=contributor", 200), &people)
		if len(people.Data) != k.contributors {
			t.Fatalf("contributors: %d", len(people.Data))
		}
		json.Unmarshal(call(t, srv, router, "/api/v1/people?limit=3", 200), &people)
		if len(people.Data) != 3 || people.NextCursor == nil {
			t.Fatalf("people page: %d, next %v", len(people.Data), people.NextCursor)
		}
		call(t, srv, router, "/api/v1/people?limit=3&cursor="+*people.NextCursor, 200)
		call(t, srv, router, "/api/v1/people/"+k.writer.Slug, 200)
		call(t, srv, router, "/api/v1/tags", 200)
		call(t, srv, router, "/api/v1/openapi.json", 200)

		// Errors have the one shape, with a useful message.
		for path, status := range map[string]int{
			"/api/v1/articles/999999":     404,
			"/api/v1/articles/abc":        400,
			"/api/v1/articles?limit=0":    400,
			"/api/v1/articles?limit=x":    400,
			"/api/v1/articles?cursor=zzz": 400,
			"/api/v1/articles?tag=nope":   404,
			"/api/v1/people?role=king":    400,
			"/api/v1/people?cursor=-1":    400,
			"/api/v1/people/nobody":       404,
			"/api/v1/nothing-here":        404,
		} {
			var e api.Error
			if err := json.Unmarshal(call(t, srv, router, path, status), &e); err != nil || e.Error.Message == "" {
				t.Errorf("%s: error body %+v (%v)", path, e, err)
			}
		}
		// Drafts and scheduled articles are not in the API.
		body := string(call(t, srv, router, "/api/v1/articles?limit=100", 200))
		if !strings.Contains(body, k.lead.Slug) || strings.Contains(body, k.draft.Slug) || strings.Contains(body, k.scheduled.Slug) {
			t.Fatal("a draft or scheduled article is public in the API")
		}
		if strings.Contains(string(call(t, srv, router, "/api/v1/people?limit=100", 200)), "@") {
			t.Fatal("the API shows e-mail addresses")
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestBearerTokens(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, router, k := newAPI(t, d)
	ctx := context.Background()
	people := k.People
	p, err := people.Find(ctx, k.modWriter.Slug)
	if err != nil {
		t.Fatal(err)
	}
	secret, tok, err := people.CreateAPIToken(ctx, p.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	var me api.Me
	if err := json.Unmarshal(callAs(t, srv, router, "/api/v1/me", secret, 200), &me); err != nil {
		t.Fatal(err)
	}
	if me.Email != k.modWriter.Email || !me.Verified || !contains(me.Permissions, "moderate_comments") || contains(me.Permissions, "manage_people") {
		t.Fatalf("me: %+v", me)
	}
	// Public endpoints work with a token too.
	callAs(t, srv, router, "/api/v1/tags", secret, 200)
	// No token, a malformed header, a made-up or revoked token: 401 with the error shape.
	call(t, srv, router, "/api/v1/me", 401)
	callAs(t, srv, router, "/api/v1/me", "byl_made-up", 401)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/articles", nil)
	req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("basic auth: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	people.RevokeAPIToken(ctx, p.ID, tok.ID)
	callAs(t, srv, router, "/api/v1/me", secret, 401)
	// A session cookie is not a credential here.
	req, _ = http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: "byline_session", Value: "anything"})
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 401 {
		t.Fatalf("cookie on the API: %d", resp.StatusCode)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCommentAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, router, k := newAPI(t, d)
		ctx := context.Background()
		people := k.People
		token := func(email string) string {
			p, err := people.Find(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			s, _, err := people.CreateAPIToken(ctx, p.ID, "test")
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		reader, mod := token(k.reader.Email), token(k.moderator.Email)
		art := itoa(k.lead.ID)

		var page api.CommentPage
		json.Unmarshal(call(t, srv, router, "/api/v1/articles/"+art+"/comments", 200), &page)
		if len(page.Data) != 2 || len(page.Data[0].Replies) != 1 || len(page.Data[0].Replies[0].Replies) != 1 || page.View != "threaded" {
			t.Fatalf("threaded page: %+v", page)
		}
		json.Unmarshal(call(t, srv, router, "/api/v1/articles/"+art+"/comments?view=flat&sort=best", 200), &page)
		if len(page.Data) != 4 || page.Sort != "best" {
			t.Fatalf("flat page: %d", len(page.Data))
		}
		if page.Data[0].ID != k.first.ID {
			t.Fatalf("best first: %d, want %d", page.Data[0].ID, k.first.ID)
		}
		first := itoa(page.Data[0].ID)

		// Posting needs a token; with one, a comment and a reply.
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", "", `{"body":"hello"}`, 401)
		var c api.Comment
		json.Unmarshal(send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":"From the *API*."}`, 201), &c)
		if strings.TrimSpace(c.BodyHTML) != "<p>From the <em>API</em>.</p>" || c.Author.Name != k.reader.DisplayName {
			t.Fatalf("posted %+v", c)
		}
		json.Unmarshal(send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":"A reply.","parent_id":`+first+`}`, 201), &c)
		if c.ParentID == nil || itoa(*c.ParentID) != first {
			t.Fatalf("reply %+v", c)
		}
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":"A reply.","parent_id":`+first+`}`, 200) // the same again
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":""}`, 400)
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"bdy":"typo"}`, 400)
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `not json`, 400)
		send(t, srv, router, "POST", "/api/v1/articles/999999/comments", reader, `{"body":"where"}`, 404)

		// Edit, vote, moderate, delete.
		id := itoa(c.ID)
		json.Unmarshal(send(t, srv, router, "PATCH", "/api/v1/comments/"+id, reader, `{"body":"An edited reply."}`, 200), &c)
		if c.EditedAt == nil {
			t.Fatal("edit not marked")
		}
		send(t, srv, router, "PATCH", "/api/v1/comments/"+id, mod, `{"body":"Not mine."}`, 404)
		// Markup alone sanitises to nothing: refused on post and edit.
		if body := string(send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":"<script>alert(1)</script>"}`, 400)); !strings.Contains(body, "nothing would be left") {
			t.Fatalf("markup-only post: %s", body)
		}
		send(t, srv, router, "PATCH", "/api/v1/comments/"+id, reader, `{"body":"<img src=x onerror=alert(1)>"}`, 400)
		send(t, srv, router, "POST", "/api/v1/comments/"+id+"/vote", reader, `{"value":1}`, 400) // own comment
		json.Unmarshal(send(t, srv, router, "POST", "/api/v1/comments/"+id+"/vote", mod, `{"value":1}`, 200), &c)
		if c.Score != 1 {
			t.Fatalf("score %d", c.Score)
		}
		send(t, srv, router, "POST", "/api/v1/comments/"+id+"/moderate", reader, `{"action":"trash"}`, 403)
		json.Unmarshal(send(t, srv, router, "POST", "/api/v1/comments/"+id+"/moderate", mod, `{"action":"trash","note":"off topic"}`, 200), &c)
		if c.Status != "trash" {
			t.Fatalf("status %s", c.Status)
		}
		send(t, srv, router, "GET", "/api/v1/comments/"+id, "", "", 404) // not shown any more
		send(t, srv, router, "POST", "/api/v1/comments/"+id+"/moderate", mod, `{"action":"restore"}`, 200)
		send(t, srv, router, "DELETE", "/api/v1/comments/"+id, reader, "", 204)
		var thread api.Comment
		json.Unmarshal(call(t, srv, router, "/api/v1/comments/"+first+"/thread", 200), &thread)
		if thread.ID != page.Data[0].ID {
			t.Fatalf("thread root %d", thread.ID)
		}
		call(t, srv, router, "/api/v1/articles/"+art+"/comments?view=tree", 400)
		call(t, srv, router, "/api/v1/articles/"+art+"/comments?page=0", 400)
	})
}

// TestAPIRefusesUnkeepableText: a body, path or query holding a NUL, a
// byte that is not UTF-8 or an escape that decodes to one is refused with
// 422 and the field named, on both engines (PostgreSQL used to answer
// 500), and nothing is stored.
func TestAPIRefusesUnkeepableText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, router, k := newAPI(t, d)
		ctx := context.Background()
		reader, _, err := k.People.CreateAPIToken(ctx, k.reader.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		art := itoa(k.lead.ID)
		count := func() (n int) {
			if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM comments`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		// A raw control character is not JSON at all: 400, as any malformed body.
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, `{"body":"a`+"\x00"+`b"}`, 400)
		for _, body := range []string{`{"body":"a\u0000b"}`, `{"body":"a\u001bb"}`, `{"body":"a` + "\xff\xfe" + `b"}`, `{"body":"a\ud800b"}`} {
			var e api.Error
			json.Unmarshal(send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", reader, body, 422), &e)
			if e.Error.Code != "invalid_text" || e.Error.Fields["body"] == "" {
				t.Errorf("%q: %+v", body, e)
			}
		}
		for _, path := range []string{"/api/v1/people/a%00b", "/api/v1/articles?tag=a%00", "/api/v1/articles?author=%ff", "/api/v1/articles/" + art + "/comments?sort=%00"} {
			call(t, srv, router, path, 422)
		}
		if after := count(); after != before {
			t.Fatalf("comments: %d before, %d after", before, after)
		}
	})
}

// A token does not get round the rule that staff use a second factor:
// after the grace, a moderator without one may still read and comment
// through the API but not moderate, until they set one up.
func TestAPIHoldsBackStaffWithoutSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st := site.Defaults("x", "")
		st.RequireTwoFactor(true, time.Now().Add(-30*24*time.Hour))
		st.TwoFactorGraceDays = 0 // no grace: blocked at once
		if err := site.NewStore(d).Save(ctx, st); err != nil {
			t.Fatal(err)
		}
		srv, router, k := newAPI(t, d)
		people := k.People
		mod, _, err := people.CreateAPIToken(ctx, k.moderator.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		art, first := itoa(k.lead.ID), itoa(k.first.ID)
		body := string(send(t, srv, router, "POST", "/api/v1/comments/"+first+"/moderate", mod, `{"action":"trash"}`, 403))
		if !strings.Contains(body, "second factor") {
			t.Fatalf("held back without saying why: %s", body)
		}
		send(t, srv, router, "POST", "/api/v1/articles/"+art+"/comments", mod, `{"body":"Still a reader here."}`, 201)

		setup, err := people.BeginTOTP(ctx, k.moderator, "x")
		if err != nil {
			t.Fatal(err)
		}
		code, err := account.TOTPCode(setup.Secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := people.ConfirmTOTP(ctx, k.moderator.ID, code); err != nil {
			t.Fatal(err)
		}
		send(t, srv, router, "POST", "/api/v1/comments/"+first+"/moderate", mod, `{"action":"trash"}`, 200)
	})
}
