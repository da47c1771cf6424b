package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

// answer is what a visitor can see of a response: status, where it leads,
// the cookies it sets (names and values) and the page it leads to.
type answer struct {
	status   int
	location string
	cookies  string
	page     string
}

func answerOf(t *testing.T, b *browser, resp *http.Response) answer {
	t.Helper()
	var cookies []string
	for _, c := range resp.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	sort.Strings(cookies)
	a := answer{status: resp.StatusCode, location: resp.Header.Get("Location"), cookies: strings.Join(cookies, "; ")}
	if a.location != "" {
		b.get(a.location)
		a.page = b.last
	}
	return a
}

// TestAnswersDoNotTellWhoHasAnAccount: signing up with a taken address and
// asking to reset the password of a known one answer exactly as for an
// unknown address (the sign-up form used to say "already exists" and skip
// the password hashing; the reset form skipped its transaction). The owner
// of the taken address is told by mail.
func TestAnswersDoNotTellWhoHasAnAccount(t *testing.T) {
	dbtest.Each(t, testAnswersDoNotTellWhoHasAnAccount)
}

func testAnswersDoNotTellWhoHasAnAccount(t *testing.T, d *db.DB) {
	srv, ts, m := serveMagazine(t, d)
	ctx := context.Background()

	register := func(email string) answer {
		b := newBrowser(t, srv)
		return answerOf(t, b, b.post("/register", url.Values{"email": {email}, "display_name": {"Casey Reader"}, "country": {"CA"},
			"password": {"a fine long passphrase"}, "return_to": {m.leadPath}}))
	}
	taken, fresh := register(m.reader.Email), register("casey@example.com")
	if taken != fresh {
		t.Fatalf("sign-up answers differ:\ntaken %+v\nnew   %+v", taken, fresh)
	}
	if taken.status != 303 || !strings.Contains(taken.page, "Check your mail to finish") || strings.Contains(taken.cookies, "byline_session") {
		t.Fatalf("sign-up answer: %+v", taken)
	}

	forgot := func(email string) answer {
		b := newBrowser(t, srv)
		return answerOf(t, b, b.post("/password/forgot", url.Values{"email": {email}}))
	}
	if known, unknown := forgot(m.replier.Email), forgot("nobody@example.com"); known != unknown || known.status != 303 {
		t.Fatalf("reset answers differ:\nknown   %+v\nunknown %+v", known, unknown)
	}

	// The mails: a link for the new address, a notice for the taken one
	// (and no second account), a reset link, a "no account" note.
	msgs, err := ts.outbox.List(ctx, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	byTo := map[string]mail.Stored{}
	for _, msg := range msgs {
		byTo[msg.To] = msg
	}
	if msg := byTo[m.reader.Email]; !strings.Contains(msg.Subject, "Someone tried to register with your address") ||
		!strings.Contains(msg.Text, "sign in") || !strings.Contains(msg.Text, "/password/forgot") {
		t.Fatalf("notice to the owner: %q\n%s", msg.Subject, msg.Text)
	}
	if msg := byTo["casey@example.com"]; !strings.Contains(msg.Text, "/verify?token=") {
		t.Fatalf("verification mail: %q", msg.Subject)
	}
	if msg := byTo[m.replier.Email]; !strings.Contains(msg.Text, "/password/reset?token=") {
		t.Fatalf("reset mail: %q", msg.Subject)
	}
	if msg := byTo["nobody@example.com"]; !strings.Contains(msg.Text, "no active account uses it") {
		t.Fatalf("no-account mail: %q", msg.Subject)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, m.reader.Email).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d accounts for the taken address, %v", n, err)
	}
	p, err := ts.accounts.Find(ctx, m.reader.Email)
	if err != nil || p.DisplayName != m.reader.DisplayName {
		t.Fatalf("the owner's account changed: %+v %v", p, err)
	}
}

// BenchmarkSignUpTakenOrNew prints how long a sign-up takes for a new and
// for a taken address (a number to compare, not a limit: argon2 dominates
// both).
func BenchmarkSignUpTakenOrNew(b *testing.B) {
	d := dbtest.SQLite(b)
	srv := httptest.NewUnstartedServer(nil)
	h, _ := buildSite(b, d, "http://"+srv.Listener.Addr().String(), "", false, true)
	srv.Config.Handler = h
	srv.Start()
	b.Cleanup(srv.Close)
	post := func(email string) time.Duration {
		req, _ := http.NewRequest("POST", srv.URL+"/register", strings.NewReader(url.Values{"email": {email}, "display_name": {"Casey Reader"},
			"country": {"CA"}, "password": {"a fine long passphrase"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		began := time.Now()
		resp, err := noRedirect.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 303 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		return time.Since(began)
	}
	var taken, fresh time.Duration
	for i := 0; i < b.N; i++ {
		d.Exec(context.Background(), `DELETE FROM rate_limits`)
		newAddress := "new" + time.Now().Format("150405.000000000") + "@example.com"
		if i%2 == 0 { // in turns, so neither always goes first
			taken += post("jordan.pike@example.com")
			fresh += post(newAddress)
		} else {
			fresh += post(newAddress)
			taken += post("jordan.pike@example.com")
		}
	}
	b.ReportMetric(taken.Seconds()*1000/float64(b.N), "ms/taken")
	b.ReportMetric(fresh.Seconds()*1000/float64(b.N), "ms/new")
}
