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

var mc = MailContext{SiteName: "Test Site", BaseURL: "http://site.test"}

var linkRe = regexp.MustCompile(`http://site\.test/(?:verify|password/reset)\?token=([A-Za-z0-9_-]+)`)

// lastLink returns the token of the newest mail to addr.
func lastLink(t *testing.T, o *mail.Outbox, addr string) string {
	t.Helper()
	msgs, err := o.List(context.Background(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			if sub := linkRe.FindStringSubmatch(m.Text); sub != nil {
				return sub[1]
			}
		}
	}
	t.Fatalf("no mail with a link to %s", addr)
	return ""
}

func TestAccountLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := mail.NewOutbox(d, "site.test")
		s := NewStore(d).WithMailer(o)
		clock := time.Now()
		s.now = func() time.Time { return clock }

		// Sign-up refuses bad input field by field.
		err := s.Register(ctx, Registration{Email: "x", DisplayName: strings.Repeat("n", 81), Country: "Atlantis", Password: "password123"}, mc)
		inv, ok := apperr.AsInvalid(err)
		if !ok || inv.Fields["email"] == "" || inv.Fields["display_name"] == "" || inv.Fields["password"] == "" || inv.Fields["country"] == "" {
			t.Fatalf("bad sign-up: %v", err)
		}
		for pw, why := range map[string]string{"short": "at least", "qwertyuiop": "too common", "ann@example.com": "e-mail", "aaaaaaaaaaaa": "repeated"} {
			err := CheckPassword(pw, "ann@example.com", "Ann Reader")
			if err == nil || !regexp.MustCompile(why).MatchString(err.Error()) {
				t.Errorf("password %q: %v", pw, err)
			}
		}

		if err := s.Register(ctx, Registration{Email: "Ann@Example.com", DisplayName: "Ann Reader", Country: "US", Password: "correct horse battery"}, mc); err != nil {
			t.Fatal(err)
		}
		ann, err := s.Find(ctx, "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if ann.Verified() || ann.Can(PermComment) || !ann.Has(RoleReader) {
			t.Fatalf("new account: verified %v, can comment %v", ann.Verified(), ann.Can(PermComment))
		}
		// Reply notices are on for a new reader.
		if on, err := s.NotifiesReplies(ctx, ann.ID); err != nil || !on {
			t.Fatalf("reply notices for a new account: %v, %v", on, err)
		}
		// A taken address answers as a new one; its owner is told.
		if err := s.Register(ctx, Registration{Email: "ann@example.com", DisplayName: "Ann Two", Country: "US", Password: "another passphrase"}, mc); err != nil {
			t.Fatalf("taken address: %v", err)
		}
		if again, _ := s.Find(ctx, "ann@example.com"); again.ID != ann.ID || again.DisplayName != "Ann Reader" {
			t.Fatalf("the taken address changed: %+v", again)
		}
		if _, err := s.Authenticate(ctx, "ann@example.com", "another passphrase"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("the second password signs in: %v", err)
		}

		// Unverified people can sign in; wrong passwords and unknown addresses look alike.
		if _, err := s.Authenticate(ctx, "ann@example.com", "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		_, err1 := s.Authenticate(ctx, "ann@example.com", "wrong password!")
		_, err2 := s.Authenticate(ctx, "nobody@example.com", "wrong password!")
		if !errors.Is(err1, ErrBadCredentials) || !errors.Is(err2, ErrBadCredentials) || err1.Error() != err2.Error() {
			t.Fatalf("sign-in errors differ: %v / %v", err1, err2)
		}

		// Verification link: works once, within its time.
		token := lastLink(t, o, "ann@example.com")
		ann, err = s.Verify(ctx, token)
		if err != nil || !ann.Verified() || !ann.Can(PermComment) {
			t.Fatalf("verify: %v, verified %v", err, ann.Verified())
		}
		// Used again: it confirms nothing more, and says the address is
		// confirmed already (not that the link is bad).
		if again, err := s.Verify(ctx, token); !errors.Is(err, ErrAlreadyVerified) || again.ID != ann.ID {
			t.Fatalf("reused link: %v", err)
		}
		if _, err := s.Verify(ctx, "no-such-token"); !errors.Is(err, ErrBadLink) {
			t.Fatalf("unknown link: %v", err)
		}

		// Sessions: created, found, ended by a password change.
		tok1, _, err := s.StartSession(ctx, ann.ID, false, "Browser A", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		tok2, _, _ := s.StartSession(ctx, ann.ID, true, "Browser B", "127.0.0.2")
		p, ses, err := s.SessionPerson(ctx, tok1)
		if err != nil || p.ID != ann.ID || ses.Remember || len(p.Roles) != 1 {
			t.Fatalf("session: %+v %v", p, err)
		}
		if list, _ := s.Sessions(ctx, ann.ID); len(list) != 2 {
			t.Fatalf("%d sessions", len(list))
		}
		if _, _, err := s.SessionPerson(ctx, "made-up"); !errors.Is(err, ErrNoSession) {
			t.Fatalf("made-up token: %v", err)
		}
		// A browser session expires after a day unused; a remembered one lasts.
		clock = clock.Add(SessionTTL + time.Minute)
		if _, _, err := s.SessionPerson(ctx, tok1); !errors.Is(err, ErrNoSession) {
			t.Fatalf("expired session still valid: %v", err)
		}
		if _, _, err := s.SessionPerson(ctx, tok2); err != nil {
			t.Fatalf("remembered session ended: %v", err)
		}
		if err := s.ChangePassword(ctx, ann.ID, "wrong", "a brand new passphrase"); err == nil {
			t.Fatal("password changed without the current one")
		}
		if err := s.ChangePassword(ctx, ann.ID, "correct horse battery", "a brand new passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionPerson(ctx, tok2); !errors.Is(err, ErrNoSession) {
			t.Fatal("sessions survive a password change")
		}

		// Password reset: single use, expires, ends sessions; unknown addresses get no mail.
		if err := s.RequestReset(ctx, "nobody@example.com", mc); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestReset(ctx, "ANN@example.com", mc); err != nil {
			t.Fatal(err)
		}
		reset := lastLink(t, o, "ann@example.com")
		if err := s.CheckResetLink(ctx, reset); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, reset, "short"); err == nil {
			t.Fatal("weak password accepted on reset")
		}
		if _, err := s.ResetPassword(ctx, reset, "reset passphrase ok"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResetPassword(ctx, reset, "reset passphrase again"); !errors.Is(err, ErrBadLink) {
			t.Fatalf("reset link reused: %v", err)
		}
		if err := s.RequestReset(ctx, "ann@example.com", mc); err != nil {
			t.Fatal(err)
		}
		late := lastLink(t, o, "ann@example.com")
		clock = clock.Add(resetTTL + time.Minute)
		if _, err := s.ResetPassword(ctx, late, "too late passphrase"); !errors.Is(err, ErrBadLink) {
			t.Fatalf("expired reset link: %v", err)
		}
		if _, err := s.Authenticate(ctx, "ann@example.com", "reset passphrase ok"); err != nil {
			t.Fatalf("sign in with the reset password: %v", err)
		}

		// E-mail change: confirmed from the new address.
		if err := s.RequestEmailChange(ctx, ann.ID, "ann.new@example.com", "wrong", mc); err == nil {
			t.Fatal("e-mail change without password")
		}
		if err := s.RequestEmailChange(ctx, ann.ID, "ann.new@example.com", "reset passphrase ok", mc); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.ByID(ctx, ann.ID); p.Email != "ann@example.com" {
			t.Fatal("address changed before confirmation")
		}
		if p, err := s.Verify(ctx, lastLink(t, o, "ann.new@example.com")); err != nil || p.Email != "ann.new@example.com" || !p.Verified() {
			t.Fatalf("e-mail change: %+v %v", p, err)
		}

		// API tokens.
		secret, tk, err := s.CreateAPIToken(ctx, ann.ID, "my script")
		if err != nil {
			t.Fatal(err)
		}
		if p, err := s.APITokenPerson(ctx, secret); err != nil || p.ID != ann.ID {
			t.Fatalf("token: %v", err)
		}
		s.RevokeAPIToken(ctx, ann.ID, tk.ID)
		if _, err := s.APITokenPerson(ctx, secret); !errors.Is(err, ErrBadToken) {
			t.Fatalf("revoked token works: %v", err)
		}

		// Suspension stops sign-in; deletion keeps the row but not the person.
		if err := s.Suspend(ctx, ann.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "ann.new@example.com", "reset passphrase ok"); !errors.Is(err, ErrSuspended) {
			t.Fatalf("suspended sign-in: %v", err)
		}
		s.Suspend(ctx, ann.ID, false)
		if err := s.Delete(ctx, ann.ID); err != nil {
			t.Fatal(err)
		}
		gone, err := s.ByID(ctx, ann.ID)
		if err != nil || !gone.Deleted() || gone.DisplayName != DeletedName || gone.Email == "ann.new@example.com" {
			t.Fatalf("deleted: %+v %v", gone, err)
		}
		if _, err := s.Authenticate(ctx, "ann.new@example.com", "reset passphrase ok"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("deleted account signs in: %v", err)
		}
		// The address is free again.
		if err := s.Register(ctx, Registration{Email: "ann.new@example.com", DisplayName: "Ann Again", Country: "CA", Password: "another good passphrase"}, mc); err != nil {
			t.Fatalf("re-register: %v", err)
		}
	})
}

func TestRehashOnSignIn(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	s := NewStore(d)
	p, err := s.Create(ctx, NewPerson{Email: "old@example.com", DisplayName: "Old Hash", Password: "an old passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	weak := hashWith("an old passphrase", argonParams{Memory: 8 * 1024, Time: 1, Threads: 1, KeyLen: 32})
	d.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, weak, p.ID)
	if _, err := s.Authenticate(ctx, "old@example.com", "an old passphrase"); err != nil {
		t.Fatal(err)
	}
	var now string
	d.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, p.ID).Scan(&now)
	if now == weak || !regexp.MustCompile(`^\$argon2id\$v=19\$m=12288,t=3,p=1\$`).MatchString(now) {
		t.Fatalf("not rehashed: %s", now)
	}
}

// TestPermissionTable checks the policy row by row.
func TestPermissionTable(t *testing.T) {
	all := []Permission{PermComment, PermAccessAdmin, PermWriteArticles, PermPublishOwn, PermPublish, PermEditOthers,
		PermModerate, PermManagePeople, PermManageSettings, PermSendNewsletters, PermSeeLeads, PermViewMail}
	want := map[Role]string{
		//                 comment admin write pubown publish editothers moderate people settings newsletters leads mail
		RoleAdmin:       "111111111111",
		RoleEditor:      "111111100100",
		RoleAuthor:      "111100000000",
		RoleContributor: "111000000000",
		RoleModerator:   "110000100000",
		RoleReader:      "100000000000",
	}
	for role, row := range want {
		for i, perm := range all {
			if got := RoleCan(role, perm); got != (row[i] == '1') {
				t.Errorf("%s %s: %v, want %v", role, perm, got, !got)
			}
		}
	}
	// Several roles add up; suspension and an unverified address take away.
	p := Person{ID: 1, Roles: []Role{RoleContributor, RoleModerator}, VerifiedAt: time.Now()}
	if !p.Can(PermModerate) || !p.Can(PermWriteArticles) || p.Can(PermPublish) {
		t.Error("roles do not add up")
	}
	p.VerifiedAt = time.Time{}
	if p.Can(PermComment) || !p.Can(PermModerate) {
		t.Error("unverified: comment must need verification, nothing else")
	}
	p.SuspendedAt = time.Now()
	if p.Can(PermModerate) {
		t.Error("suspended person keeps a permission")
	}
}

// Two stores on one database stand for two nodes: a session one node keeps
// in memory stops working there as soon as the other ends it (the hook
// carries the news), and without the news after sessionCacheTTL at most.
func TestSessionCacheAcrossNodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Now()
		one, two := NewStore(d), NewStore(d)
		one.now = func() time.Time { return clock }
		two.now = one.now
		two.OnChange = one.Forget
		p, err := one.Create(ctx, NewPerson{Email: "cache@example.com", DisplayName: "Cee Cache", Country: "US", Password: "a long enough secret"})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := one.StartSession(ctx, p.ID, false, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := one.SessionPerson(ctx, token); err != nil {
			t.Fatal(err)
		}
		before := d.QueryCount()
		if _, _, err := one.SessionPerson(ctx, token); err != nil || d.QueryCount() != before {
			t.Fatalf("second lookup: %v, %d queries", err, d.QueryCount()-before)
		}

		// A role given on node two shows on node one at once.
		if err := two.SetRoles(ctx, p.ID, []Role{RoleModerator}); err != nil {
			t.Fatal(err)
		}
		if got, _, err := one.SessionPerson(ctx, token); err != nil || !got.Can(PermModerate) {
			t.Fatalf("after roles: %v %v", got.Roles, err)
		}
		// Signing out on node two ends the session on node one at once.
		if err := two.EndSession(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := one.SessionPerson(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Fatalf("ended session still works: %v", err)
		}

		// A node that misses the news trusts its memory no longer than the TTL.
		token, _, _ = one.StartSession(ctx, p.ID, false, "test", "127.0.0.1")
		if _, _, err := one.SessionPerson(ctx, token); err != nil {
			t.Fatal(err)
		}
		deaf := NewStore(d)
		deaf.now = one.now
		if err := deaf.Suspend(ctx, p.ID, true); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(sessionCacheTTL + time.Millisecond)
		if _, _, err := one.SessionPerson(ctx, token); !errors.Is(err, ErrNoSession) {
			t.Fatalf("suspended person still signed in after the TTL: %v", err)
		}
	})
}
