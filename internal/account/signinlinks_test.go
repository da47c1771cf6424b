package account

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

var signInLinkRe = regexp.MustCompile(`http://site\.test/login/link\?token=([A-Za-z0-9_-]+)`)

// linkMail returns the subject and token of the newest sign-in link mail to addr.
func linkMail(t *testing.T, o *mail.Outbox, addr string) (subject, token string) {
	t.Helper()
	msgs, err := o.List(context.Background(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			if sub := signInLinkRe.FindStringSubmatch(m.Text); sub != nil {
				return m.Subject, sub[1]
			}
		}
	}
	t.Fatalf("no sign-in link mailed to %s", addr)
	return "", ""
}

func TestSignInLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := mail.NewOutbox(d, "site.test")
		s := NewStore(d).WithMailer(o)
		clock := time.Now()
		s.now = func() time.Time { return clock }

		ann, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann Reader"})
		if err != nil {
			t.Fatal(err)
		}
		if ann.Verified() {
			t.Fatal("a new person is verified before any link")
		}
		// A malformed address is the person's mistake, and nothing is mailed.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "not an address"}, mc); !hasField(err, "email") {
			t.Fatalf("malformed address: %v", err)
		}

		// A known address: the link knows the asking browser again, and no other.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: " ANN@example.com ", Binding: "browser-one", ReturnTo: "/2024/04/05/x/#respond"}, mc); err != nil {
			t.Fatal(err)
		}
		subject, token := linkMail(t, o, "ann@example.com")
		if !strings.Contains(subject, "sign-in link") {
			t.Fatalf("subject %q", subject)
		}
		for binding, same := range map[string]bool{"browser-one": true, "browser-two": false, "": false} {
			info, err := s.CheckSignInLink(ctx, token, binding)
			if err != nil || info.SameBrowser != same || info.NewAccount {
				t.Fatalf("check with binding %q: %+v, %v", binding, info, err)
			}
		}
		// Checking spends nothing; using does, once, and confirms the address.
		p, use, err := s.UseSignInLink(ctx, token)
		if err != nil || p.ID != ann.ID || use.Created || use.ReturnTo != "/2024/04/05/x/#respond" || !p.Verified() {
			t.Fatalf("use: %+v %+v %v", p, use, err)
		}
		if _, _, err := s.UseSignInLink(ctx, token); !errors.Is(err, ErrBadLink) {
			t.Fatalf("second use: %v", err)
		}
		if _, err := s.CheckSignInLink(ctx, token, "browser-one"); !errors.Is(err, ErrBadLink) {
			t.Fatalf("check after use: %v", err)
		}
		for _, bad := range []string{"", "made-up", strings.Repeat("x", 5000), "\x00\xff"} {
			if _, _, err := s.UseSignInLink(ctx, bad); !errors.Is(err, ErrBadLink) {
				t.Fatalf("use %q: %v", bad, err)
			}
		}

		// A link works for 15 minutes.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "ann@example.com"}, mc); err != nil {
			t.Fatal(err)
		}
		_, late := linkMail(t, o, "ann@example.com")
		clock = clock.Add(LinkTTL - time.Second)
		if _, err := s.CheckSignInLink(ctx, late, ""); err != nil {
			t.Fatalf("just before expiry: %v", err)
		}
		clock = clock.Add(2 * time.Second)
		if _, err := s.CheckSignInLink(ctx, late, ""); !errors.Is(err, ErrBadLink) {
			t.Fatalf("expired check: %v", err)
		}
		if _, _, err := s.UseSignInLink(ctx, late); !errors.Is(err, ErrBadLink) {
			t.Fatalf("expired use: %v", err)
		}

		// An address without an account gets a mail all the same, whose link
		// makes a confirmed reader account named from the address.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "jordan.pike@example.com", Binding: "b"}, mc); err != nil {
			t.Fatal(err)
		}
		subject, fresh := linkMail(t, o, "jordan.pike@example.com")
		if !strings.Contains(subject, "Finish creating") {
			t.Fatalf("new address subject %q", subject)
		}
		if info, err := s.CheckSignInLink(ctx, fresh, "b"); err != nil || !info.NewAccount || !info.SameBrowser {
			t.Fatalf("new address check: %+v %v", info, err)
		}
		if _, err := s.Find(ctx, "jordan.pike@example.com"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an account exists before the link is used: %v", err)
		}
		jp, use, err := s.UseSignInLink(ctx, fresh)
		if err != nil || !use.Created || jp.DisplayName != "Jordan Pike" || !jp.Verified() || !jp.Has(RoleReader) || !jp.Can(PermComment) {
			t.Fatalf("new account: %+v %+v %v", jp, use, err)
		}
		if w, err := s.WaysIn(ctx, d, jp.ID); err != nil || w.Password {
			t.Fatalf("a link-made account has a password: %+v %v", w, err)
		}
		if on, err := s.NotifiesReplies(ctx, jp.ID); err != nil || !on {
			t.Fatalf("reply notices of a link-made account: %v %v", on, err)
		}
		// Two links asked before the account existed: the second signs in
		// the account the first made, and makes no other.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "kim@example.com"}, mc); err != nil {
			t.Fatal(err)
		}
		_, k1 := linkMail(t, o, "kim@example.com")
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "kim@example.com"}, mc); err != nil {
			t.Fatal(err)
		}
		_, k2 := linkMail(t, o, "kim@example.com")
		if k1 == k2 {
			t.Fatal("two requests mailed the same link")
		}
		a, use1, err := s.UseSignInLink(ctx, k1)
		if err != nil || !use1.Created {
			t.Fatalf("first kim link: %+v %v", use1, err)
		}
		b, use2, err := s.UseSignInLink(ctx, k2)
		if err != nil || use2.Created || b.ID != a.ID {
			t.Fatalf("second kim link: %+v %+v %v", b, use2, err)
		}
		// A link for an address the account has since left is no proof.
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: "kim@example.com"}, mc); err != nil {
			t.Fatal(err)
		}
		_, k3 := linkMail(t, o, "kim@example.com")
		if _, err := d.Exec(ctx, `UPDATE users SET email = 'kim.new@example.com' WHERE id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UseSignInLink(ctx, k3); !errors.Is(err, ErrBadLink) {
			t.Fatalf("link to a former address: %v", err)
		}
	})
}

func hasField(err error, field string) bool {
	inv, ok := apperr.AsInvalid(err)
	return ok && inv.Fields[field] != ""
}

func TestHeldDrafts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Now()
		s.now = func() time.Time { return clock }
		author, err := s.Create(ctx, NewPerson{Email: "w@example.com", DisplayName: "Writer"})
		if err != nil {
			t.Fatal(err)
		}
		var article int64
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO articles (slug, headline, author_id, status, body_md, body_html, body_text, excerpt, created_at, updated_at)
				VALUES ('a', 'A', $1, 'draft', '', '', '', '', $2, $2) RETURNING id`, author.ID, clock).Scan(&article)
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.HoldDraft(ctx, "k1", Draft{ArticleID: article, ParentID: 7, Body: "first words"}); err != nil {
			t.Fatal(err)
		}
		if err := s.HoldDraft(ctx, "k1", Draft{ArticleID: article, ParentID: 7, Body: "better words"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key    string
			parent int64
			want   string
		}{{"k1", 7, "better words"}, {"k2", 7, ""}, {"k1", 0, ""}, {"", 7, ""}} {
			if got, err := s.HeldDraft(ctx, c.key, article, c.parent, false); err != nil || got != c.want {
				t.Fatalf("held %q/%d = %q, %v; want %q", c.key, c.parent, got, err, c.want)
			}
		}
		// Taken once, then gone.
		if got, err := s.HeldDraft(ctx, "k1", article, 7, true); err != nil || got != "better words" {
			t.Fatalf("take: %q %v", got, err)
		}
		if got, err := s.HeldDraft(ctx, "k1", article, 7, true); err != nil || got != "" {
			t.Fatalf("second take: %q %v", got, err)
		}
		// Kept an hour; empty text is not kept; a huge one is refused.
		if err := s.HoldDraft(ctx, "k3", Draft{ArticleID: article, Body: "for later"}); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(DraftTTL + time.Second)
		if got, err := s.HeldDraft(ctx, "k3", article, 0, false); err != nil || got != "" {
			t.Fatalf("after an hour: %q %v", got, err)
		}
		if err := s.HoldDraft(ctx, "k4", Draft{ArticleID: article, Body: "  "}); err != nil {
			t.Fatal(err)
		}
		if err := s.HoldDraft(ctx, "k4", Draft{ArticleID: article, Body: strings.Repeat("x", maxDraft+1)}); !hasField(err, "body") {
			t.Fatalf("huge draft: %v", err)
		}
	})
}

func TestSuggestName(t *testing.T) {
	for in, want := range map[string]string{
		"jordan.pike@example.com":   "Jordan Pike",
		"JORDAN_PIKE@example.com":   "Jordan Pike",
		"mary-ann.o.neil@x.example": "Mary Ann O Neil",
		"jpike84@example.com":       "Jpike84",
		"jordan+news@example.com":   "Jordan",
		"élodie.durand@example.fr":  "Élodie Durand",
		"...@example.com":           "Reader",
		"":                          "Reader",
		strings.Repeat("ab.", 80):   strings.TrimSpace(strings.Repeat("Ab ", 20)),
	} {
		if got := SuggestName(in); got != want {
			t.Errorf("SuggestName(%q) = %q, want %q", in, got, want)
		}
	}
}
