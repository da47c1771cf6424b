package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/web/core"
)

// dataKeys are the download's top-level keys, as docs/account-data.md
// documents them.
var dataKeys = []string{"api_tokens", "comments", "exported_at", "format", "newsletter", "notifications", "profile", "reports",
	"security_history", "sessions", "site", "votes"}

func TestAccountDataDownload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, m := serveMagazine(t, d)
		// Nia wrote the reply under Dan's comment, voted it up, reports
		// Bea's, reads the newsletter and has a token for a script.
		if err := ts.comments.Report(ctx, m.fourthC.ID, m.replier.ID, "off topic", comment.Rules{}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.letters.Subscribe(ctx, newsletter.Site{Name: siteName, BaseURL: srv.URL}, newsletter.SignUp{Email: m.replier.Email,
			UserID: m.replier.ID, Verified: true, Frequency: newsletter.Daily, Source: "account", Consent: "account page"}); err != nil {
			t.Fatal(err)
		}
		secret, _, err := ts.accounts.CreateAPIToken(ctx, m.replier.ID, "my script")
		if err != nil {
			t.Fatal(err)
		}
		otherSecret, _, _ := ts.accounts.CreateAPIToken(ctx, m.commenter.ID, "dan's bot")

		b := newBrowser(t, srv)
		b.expect(b.post("/login", url.Values{"email": {m.replier.Email}, "password": {fixture.Password}}), 303)
		b.expect(b.get("/account"), 200, "Download my data", `href="/account/delete"`)
		checkHTML(t, "/account", b.last)

		resp := b.post("/account/data", nil)
		b.expect(resp, 200)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("content type %q", ct)
		}
		day := time.Now().In(siteZone).Format("2006-01-02")
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="the-test-gazette-account-data-`+day+`.json"` {
			t.Fatalf("content disposition %q", cd)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("cache control %q", resp.Header.Get("Cache-Control"))
		}
		var data map[string]json.RawMessage
		if err := json.Unmarshal([]byte(b.last), &data); err != nil {
			t.Fatalf("the download is not JSON: %v\n%.500s", err, b.last)
		}
		var keys []string
		for k := range data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, dataKeys) {
			t.Fatalf("keys %v, want %v", keys, dataKeys)
		}
		var x struct {
			Format  string
			Profile struct {
				Email       string
				Roles       []string
				HasPassword bool   `json:"has_password"`
				CreatedAt   string `json:"created_at"`
				ConfirmedAt string `json:"confirmed_at"`
			}
			Notifications struct {
				ReplyEmails bool `json:"reply_emails"`
			}
			Newsletter []struct{ List, Email, Frequency, Status string }
			Sessions   []struct {
				Device, IP string
				ThisDevice bool `json:"this_device"`
			}
			APITokens []map[string]any `json:"api_tokens"`
			Comments  []struct {
				ID       int64
				ParentID *int64 `json:"parent_id"`
				Article  struct{ Title, URL string }
				Body     string
				Status   string
				Score    int
			}
			Votes []struct {
				CommentID int64 `json:"comment_id"`
				Vote      string
			}
			Reports []struct {
				CommentID int64 `json:"comment_id"`
				Reason    string
			}
			SecurityHistory []struct{ Kind, IP string } `json:"security_history"`
		}
		if err := json.Unmarshal([]byte(b.last), &x); err != nil {
			t.Fatal(err)
		}
		if x.Format != "byline-account-data/1" || x.Profile.Email != m.replier.Email || !x.Profile.HasPassword || x.Profile.CreatedAt == "" ||
			x.Profile.ConfirmedAt == "" || !slices.Contains(x.Profile.Roles, "reader") {
			t.Fatalf("profile: %+v", x.Profile)
		}
		if len(x.Comments) != 1 || x.Comments[0].ID != m.reply.ID || x.Comments[0].ParentID == nil || *x.Comments[0].ParentID != m.first.ID ||
			x.Comments[0].Body != "Agreed, but I would wait for the second model year off a new line." ||
			x.Comments[0].Article.Title != m.lead.Headline || x.Comments[0].Article.URL != srv.URL+m.leadPath || x.Comments[0].Status != "visible" {
			t.Fatalf("comments: %+v", x.Comments)
		}
		if len(x.Votes) != 1 || x.Votes[0].CommentID != m.first.ID || x.Votes[0].Vote != "up" {
			t.Fatalf("votes: %+v", x.Votes)
		}
		if len(x.Reports) != 1 || x.Reports[0].CommentID != m.fourthC.ID || x.Reports[0].Reason != "off topic" {
			t.Fatalf("reports: %+v", x.Reports)
		}
		if len(x.Newsletter) != 1 || x.Newsletter[0].Email != m.replier.Email || x.Newsletter[0].Status != newsletter.Confirmed || x.Newsletter[0].Frequency != "daily" {
			t.Fatalf("newsletter: %+v", x.Newsletter)
		}
		if len(x.Sessions) != 1 || !x.Sessions[0].ThisDevice {
			t.Fatalf("sessions: %+v", x.Sessions)
		}
		if len(x.APITokens) != 1 || x.APITokens[0]["name"] != "my script" || len(x.APITokens[0]) != 4 {
			t.Fatalf("tokens: %+v", x.APITokens)
		}
		if len(x.SecurityHistory) < 2 || x.SecurityHistory[0].Kind != account.EventDataDownloaded || x.SecurityHistory[len(x.SecurityHistory)-1].Kind != account.EventSignIn {
			t.Fatalf("history: %+v", x.SecurityHistory)
		}
		// Nothing secret, nothing of anyone else.
		session := ""
		base, _ := url.Parse(srv.URL)
		for _, c := range b.c.Jar.Cookies(base) {
			if c.Name == core.SessionCookie {
				session = c.Value
			}
		}
		for what, s := range map[string]string{"token secret": secret, "another's token": otherSecret, "password hash": "$argon2id$",
			"session token": session, "token prefix": "byl_", "another's address": m.commenter.Email, "another's comment": "Moving the factories",
			"another's token name": "dan's bot", "another's reported comment": "Call me old-fashioned"} {
			if s == "" || strings.Contains(b.last, s) {
				t.Errorf("the download holds %s (%q)", what, s)
			}
		}
		b.expect(b.get("/account"), 200, "Account data downloaded")

		// Five downloads an hour; the sixth is refused on the account page.
		for i := 2; i <= 5; i++ {
			b.expect(b.post("/account/data", nil), 200)
		}
		resp = b.post("/account/data", nil)
		b.expect(resp, 429, "downloaded your data 5 times in the last hour", "Download my data")
		if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Disposition") != "" {
			t.Fatalf("refused download headers: %v", resp.Header)
		}
		// A download is a form on the site: refused from another.
		req, _ := http.NewRequest("POST", srv.URL+"/account/data", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp := b.do(req); resp.StatusCode != 403 {
			t.Fatalf("cross-site download: %d", resp.StatusCode)
		}
	})
}

// A history longer than a page comes whole, each item once.
func TestAccountDataDownloadPages(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	srv, ts, m := serveMagazine(t, d)
	// More comments than a page, and more history than a page.
	n := comment.ExportPage + 7
	for i := range n {
		if _, err := ts.comments.Post(ctx, comment.New{ArticleID: m.lead.ID, AuthorID: m.reader.ID, Body: fmt.Sprintf("Comment %d of many", i),
			Trusted: true, At: leadDate.Add(time.Duration(i) * time.Second)}, comment.Rules{Open: true, MaxLinks: -1}); err != nil {
			t.Fatal(err)
		}
	}
	for range comment.ExportPage + 3 {
		if err := ts.accounts.Record(ctx, account.Event{UserID: m.reader.ID, Kind: account.EventSessionsEnded}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, srv)
	b.expect(b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}), 303)
	b.expect(b.post("/account/data", nil), 200)
	var x struct {
		Comments []struct{ ID int64 }
		Votes    []struct {
			CommentID int64 `json:"comment_id"`
		}
		SecurityHistory []struct{ Kind string } `json:"security_history"`
	}
	if err := json.Unmarshal([]byte(b.last), &x); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	seen := map[int64]bool{}
	for _, c := range x.Comments {
		seen[c.ID] = true
	}
	if len(x.Comments) != n || len(seen) != n {
		t.Fatalf("%d comments (%d different), want %d", len(x.Comments), len(seen), n)
	}
	// The sign-in, the events, the download.
	if len(x.SecurityHistory) != comment.ExportPage+5 || len(x.Votes) != 1 {
		t.Fatalf("%d events, %d votes", len(x.SecurityHistory), len(x.Votes))
	}
}

func TestDeleteAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, m := serveMagazine(t, d)
		anon := newBrowser(t, srv)
		anon.expect(anon.get(m.leadPath), 200, "Agreed, but I would wait") // now in the page cache

		b := newBrowser(t, srv)
		b.expect(b.post("/login", url.Values{"email": {m.replier.Email}, "password": {fixture.Password}}), 303)
		b.expect(b.get("/account/delete"), 200, "Delete your account", "Your password, to confirm", `value="remove"`)
		checkHTML(t, "/account/delete", b.last)
		if strings.Contains(b.last, "keep your byline") {
			t.Fatal("a reader is told about a byline")
		}
		w := newBrowser(t, srv)
		w.expect(w.post("/login", url.Values{"email": {m.author.Email}, "password": {fixture.Password}}), 303)
		w.expect(w.get("/account/delete"), 200, "Articles you published here keep your byline")

		// Mistakes are shown again with what was chosen, never a 500.
		b.expect(b.post("/account/delete", url.Values{"comments": {"remove"}, "password": {"not my password"}}), 422,
			"that is not your password", `value="remove" checked`)
		if strings.Contains(b.last, "not my password") {
			t.Fatal("the typed password was shown again")
		}
		b.expect(b.post("/account/delete", url.Values{"comments": {"burn them"}, "password": {fixture.Password}}), 422, "choose whether your comments stay")
		b.expect(b.post("/account/delete", url.Values{"comments": {"keep"}, "password": {"a\x00b"}}), 422)
		b.expect(b.post("/account/delete", url.Values{"comments": {strings.Repeat("x", 70<<10)}}), 400)
		b.expect(b.get("/account"), 200) // still here

		// The right password: comments removed, signed out, on the home page.
		resp := b.post("/account/delete", url.Values{"comments": {"remove"}, "password": {fixture.Password}})
		b.expect(resp, 303)
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Fatalf("after deletion: %q", loc)
		}
		b.expect(b.get("/"), 200, "Your account is deleted")
		b.expect(b.get("/account"), 303)
		b.expect(b.post("/login", url.Values{"email": {m.replier.Email}, "password": {fixture.Password}}), 401)

		// The goodbye mail went to the address before it was erased.
		msgs, _ := ts.outbox.List(ctx, 0, 50)
		if i := slices.IndexFunc(msgs, func(s mail.Stored) bool { return s.To == m.replier.Email }); i < 0 || !strings.Contains(msgs[i].Subject, "deleted") {
			t.Fatalf("no goodbye mail to %s", m.replier.Email)
		}
		// The cached thread shows it at once: the reply is a marker, the
		// reply to it stays.
		anon.expect(anon.get(m.leadPath), 200, "That plant has built cars for forty years")
		if strings.Contains(anon.last, "Agreed, but I would wait") || strings.Contains(anon.last, "Nia Ford") {
			t.Fatal("the page still shows the removed comment")
		}
		if c, _ := ts.comments.Get(ctx, m.reply.ID); !c.Deleted() || c.Author.Name != account.DeletedName {
			t.Fatalf("removed reply: %+v", c)
		}
		if ids, _ := ts.accounts.CommentRemovalsPending(ctx); len(ids) != 0 {
			t.Fatalf("removals left pending: %v", ids)
		}

		// The admin's switch, on by default.
		admin := newBrowser(t, srv)
		admin.expect(admin.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}}), 303)
		admin.expect(admin.get("/admin/settings"), 200, `name="readers_remove_comments" value="1" checked`, "Readers deleting their account may remove their comments")
		checkHTML(t, "/admin/settings", admin.last)

		// Where the site keeps comments, the choice is not offered, and a
		// forged one is refused.
		admin.expect(admin.post("/admin/settings", url.Values{"name": {siteName}, "comment_depth": {"5"}, "comments_open": {"1"}, "deletion_form": {"1"}}), 303)
		if st, _ := ts.settings.Stored(ctx); st.ReadersRemoveComments {
			t.Fatal("the admin's switch did not turn removal off")
		}
		c := newBrowser(t, srv)
		c.expect(c.post("/login", url.Values{"email": {m.third.Email}, "password": {fixture.Password}}), 303)
		c.expect(c.get("/account/delete"), 200, "This site keeps the comments of deleted accounts")
		if strings.Contains(c.last, `value="remove"`) {
			t.Fatal("removal offered where the site keeps comments")
		}
		c.expect(c.post("/account/delete", url.Values{"comments": {"remove"}, "password": {fixture.Password}}), 422, "this site keeps the comments")
		c.expect(c.post("/account/delete", url.Values{"comments": {"keep"}, "password": {fixture.Password}}), 303)
		anon.expect(anon.get(m.leadPath), 200, "That plant has built cars for forty years", account.DeletedName)

		// An admin's deletion uses the same wording and is in the history
		// as the admin's.
		admin.expect(admin.post(fmt.Sprintf("/admin/people/%d/delete", m.moderator.ID), url.Values{"confirm": {"yes"}}), 303)
		if p, _ := ts.accounts.ByID(ctx, m.moderator.ID); p.DisplayName != account.DeletedName {
			t.Fatalf("deleted by an admin: %q", p.DisplayName)
		}
		if ev, _ := ts.accounts.Events(ctx, m.moderator.ID, 1); len(ev) != 1 || ev[0].Kind != account.EventAccountDeleted || ev[0].ActorID != m.editor.ID {
			t.Fatalf("history of an admin's deletion: %+v", ev)
		}

		// Ten tries an hour: the form is no way to guess a password.
		g := newBrowser(t, srv)
		g.expect(g.post("/login", url.Values{"email": {m.fourth.Email}, "password": {fixture.Password}}), 303)
		for range 10 {
			g.expect(g.post("/account/delete", url.Values{"comments": {"keep"}, "password": {"a guess"}}), 422, "not your password")
		}
		resp = g.post("/account/delete", url.Values{"comments": {"keep"}, "password": {fixture.Password}})
		g.expect(resp, 429, "Too many tries")
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		if p, _ := ts.accounts.ByID(ctx, m.fourth.ID); p.Deleted() {
			t.Fatal("deleted past the limit")
		}
		if strings.Contains(anon.last, "Owen Hale") {
			t.Fatal("the deleted account's name is still shown")
		}
		// Their page gathers nothing of them.
		anon.expect(anon.get(fmt.Sprintf("/author/deleted-account-%d/", m.third.ID)), 200, account.DeletedName, `content="noindex`)
		if strings.Contains(anon.last, "person-comments") {
			t.Fatal("the deleted account's page lists their comments")
		}
		anon.expect(anon.get("/author/"+m.fourth.Slug+"/"), 200, "person-comments") // as it does for anyone else
	})
}

func TestPasswordlessAccountPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, _ := serveMagazine(t, d)
		kai, err := ts.accounts.Create(ctx, account.NewPerson{Email: "kai.lee@example.com", DisplayName: "Kai Lee", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		b := signedInAs(t, srv, ts, kai)
		b.expect(b.get("/account"), 200, "Set a password", "no password")
		if strings.Contains(b.last, "Current password") || strings.Contains(b.last, "Your password") {
			t.Fatal("the account page asks a passwordless account for its password")
		}
		checkHTML(t, "/account", b.last)

		// A new address needs only its link.
		b.expect(b.post("/account/email", url.Values{"email": {"kai@new.example"}}), 303)

		// A weak password is refused; a good one is set, and this device
		// stays signed in with a new session.
		b.expect(b.post("/account/password/set", url.Values{"new_password": {"short"}}), 422, "at least 10 characters", "Set a password")
		b.expect(b.post("/account/password/set", url.Values{"new_password": {"a first good passphrase"}}), 303)
		b.expect(b.get("/account"), 200, "Your password is set", "Change password", "Password set")
		if _, err := ts.accounts.Authenticate(ctx, "kai.lee@example.com", "a first good passphrase"); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		// Setting a "first" password twice is refused.
		b.expect(b.post("/account/password/set", url.Values{"new_password": {"another good passphrase"}}), 422, "has a password already")

		// Deleting a passwordless account: the address typed out.
		zoe, _ := ts.accounts.Create(ctx, account.NewPerson{Email: "zoe@example.com", DisplayName: "Zoe Park", Verified: true})
		z := signedInAs(t, srv, ts, zoe)
		z.expect(z.get("/account/delete"), 200, "Type your e-mail address (zoe@example.com) to confirm")
		checkHTML(t, "/account/delete", z.last)
		z.expect(z.post("/account/delete", url.Values{"comments": {"keep"}, "email": {"zoe@example.org"}}), 422,
			"type your e-mail address exactly", `value="zoe@example.org"`)
		z.expect(z.post("/account/delete", url.Values{"comments": {"keep"}, "email": {"Zoe@Example.com"}}), 303)
		if p, _ := ts.accounts.ByID(ctx, zoe.ID); !p.Deleted() {
			t.Fatal("not deleted")
		}
	})
}

// signedInAs gives a browser a session of p, as a sign-in without a
// password (a passkey, a provider) would.
func signedInAs(t *testing.T, srv *httptest.Server, ts testSite, p account.Person) *browser {
	t.Helper()
	token, _, err := ts.accounts.SignIn(context.Background(), p.ID, account.MethodLink, false, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	base, _ := url.Parse(srv.URL)
	b.c.Jar.SetCookies(base, []*http.Cookie{{Name: core.SessionCookie, Value: token, Path: "/"}})
	return b
}

// FuzzAccountDataForms posts arbitrary bodies to the download, deletion and
// first-password forms of signed-in people (with a password and without):
// whatever is sent, the answer is never a 5xx.
func FuzzAccountDataForms(f *testing.F) {
	d := dbtest.SQLite(f)
	h, ts := newSiteWith(f, d, "http://127.0.0.1:8080", "")
	ctx := context.Background()
	var cookies []string
	for i, pw := range []string{"", "correct horse battery"} {
		p, err := ts.accounts.Create(ctx, account.NewPerson{Email: fmt.Sprintf("fuzz%d@example.com", i), DisplayName: "Fuzz Reader", Password: pw, Verified: true})
		if err != nil {
			f.Fatal(err)
		}
		token, _, err := ts.accounts.StartSession(ctx, p.ID, false, "fuzz", "127.0.0.1")
		if err != nil {
			f.Fatal(err)
		}
		cookies = append(cookies, core.SessionCookie+"="+token)
	}
	paths := []string{"/account/delete", "/account/password/set", "/account/data", "/account/email"}
	f.Add(uint8(0), "comments=keep&email=fuzz0%40example.org")
	f.Add(uint8(1), "comments=remove&password=%ff%fe")
	f.Add(uint8(2), "new_password="+strings.Repeat("x", 300))
	f.Add(uint8(5), "new_password=%00%00")
	f.Add(uint8(6), "")
	f.Add(uint8(3), "email=;;;&&&===&password=")
	f.Add(uint8(4), "comments=keep&comments=remove&email=&password=x")
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Cookie", cookies[int(which/4)%len(cookies)])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d", path, body, rec.Code)
		}
	})
}
