package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"

	"github.com/go-webauthn/webauthn/webauthn"
)

// mailsTo returns the queued mails to addr, newest first.
func mailsTo(t *testing.T, o *mail.Outbox, addr string) []mail.Stored {
	t.Helper()
	msgs, err := o.List(context.Background(), 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Stored
	for _, m := range msgs {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

func fieldOf(err error) string {
	inv, ok := apperr.AsInvalid(err)
	if !ok {
		return ""
	}
	for k := range inv.Fields {
		return k
	}
	return ""
}

func TestPasswordlessAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := mail.NewOutbox(d, "site.test")
		s := NewStore(d).WithMailer(o)
		clock := time.Now()
		s.now = func() time.Time { return clock }
		p, err := s.Create(ctx, NewPerson{Email: "kai@example.com", DisplayName: "Kai Lee", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.HasPassword() {
			t.Fatal("an account made without a password has one")
		}
		if _, _, err := s.StartSession(ctx, p.ID, false, "phone", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}

		// A new address needs no password, only the link sent to it.
		if err := s.RequestEmailChange(ctx, p.ID, "kai@new.example", "", mc); err != nil {
			t.Fatalf("address change without a password: %v", err)
		}
		if _, err := s.Verify(ctx, lastLink(t, o, "kai@new.example")); err != nil {
			t.Fatal(err)
		}
		// An empty password never passes for an account that has none.
		if err := s.ChangePassword(ctx, p.ID, "", "a first good passphrase"); fieldOf(err) != "current_password" {
			t.Fatalf("change with an empty current password: %v", err)
		}
		if _, err := s.Authenticate(ctx, "kai@new.example", ""); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("empty password signs in: %v", err)
		}

		// The first password: checked like any, recorded, every session ends.
		if err := s.SetFirstPassword(ctx, p.ID, "short"); fieldOf(err) != "new_password" {
			t.Fatalf("weak first password: %v", err)
		}
		if err := s.SetFirstPassword(ctx, p.ID, "a first good passphrase"); err != nil {
			t.Fatal(err)
		}
		if ses, _ := s.Sessions(ctx, p.ID); len(ses) != 0 {
			t.Fatalf("sessions after a first password: %d", len(ses))
		}
		if _, err := s.Authenticate(ctx, "kai@new.example", "a first good passphrase"); err != nil {
			t.Fatalf("sign in with the first password: %v", err)
		}
		if err := s.SetFirstPassword(ctx, p.ID, "another good passphrase"); fieldOf(err) != "new_password" {
			t.Fatalf("a second 'first' password: %v", err)
		}
		ev, _ := s.Events(ctx, p.ID, 10)
		if len(ev) == 0 || ev[0].Kind != EventPasswordSet || ev[0].ByOther() {
			t.Fatalf("history after a first password: %+v", ev)
		}
		// Now that it has one, an address change asks for it.
		if err := s.RequestEmailChange(ctx, p.ID, "kai@third.example", "", mc); fieldOf(err) != "password" {
			t.Fatalf("address change without the password it has now: %v", err)
		}
	})
}

func TestDeleteSelfProof(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := mail.NewOutbox(d, "site.test")
		s := NewStore(d).WithMailer(o)
		clock := time.Now()
		s.now = func() time.Time { return clock }
		withPw, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann Reader", Password: "correct horse battery", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		noPw, err := s.Create(ctx, NewPerson{Email: "kai@example.com", DisplayName: "Kai Lee", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		allowed := DeleteRequest{RemovalAllowed: true, SessionStarted: clock}

		// Wrong proofs are refused on their field, and nothing happens.
		req := allowed
		req.Password = "wrong horse battery"
		if err := s.DeleteSelf(ctx, withPw.ID, req, mc); fieldOf(err) != "password" {
			t.Fatalf("wrong password: %v", err)
		}
		req = allowed
		req.Email = "ann@example.com" // the address is no proof when there is a password
		if err := s.DeleteSelf(ctx, withPw.ID, req, mc); fieldOf(err) != "password" {
			t.Fatalf("address instead of the password: %v", err)
		}
		req = allowed
		req.Email = "kai@example.org"
		if err := s.DeleteSelf(ctx, noPw.ID, req, mc); fieldOf(err) != "email" {
			t.Fatalf("wrong address: %v", err)
		}
		req = allowed
		req.Password = "" // an empty password is no proof for an account without one
		if err := s.DeleteSelf(ctx, noPw.ID, req, mc); fieldOf(err) != "email" {
			t.Fatalf("no proof: %v", err)
		}
		// A session begun long ago must sign in again.
		req = allowed
		req.Email, req.SessionStarted = " KAI@example.com ", clock.Add(-RecentSignIn-time.Minute)
		if err := s.DeleteSelf(ctx, noPw.ID, req, mc); !errors.Is(err, ErrSignInAgain) {
			t.Fatalf("stale session: %v", err)
		}
		// Removing comments is refused where the site keeps them.
		req = DeleteRequest{Password: "correct horse battery", RemoveComments: true, SessionStarted: clock}
		if err := s.DeleteSelf(ctx, withPw.ID, req, mc); fieldOf(err) != "comments" {
			t.Fatalf("removal the site does not allow: %v", err)
		}
		for _, p := range []Person{withPw, noPw} {
			if got, _ := s.ByID(ctx, p.ID); got.Deleted() || len(mailsTo(t, o, p.Email)) != 0 {
				t.Fatalf("refused deletion changed %s: %+v", p.Email, got)
			}
		}

		// The address typed (any case, spaces around) deletes a fresh
		// session's account; the goodbye mail goes to it in the same step.
		req = allowed
		req.Email = " KAI@example.com "
		if err := s.DeleteSelf(ctx, noPw.ID, req, mc); err != nil {
			t.Fatal(err)
		}
		gone, _ := s.ByID(ctx, noPw.ID)
		if !gone.Deleted() || gone.DisplayName != DeletedName || gone.Email == "kai@example.com" {
			t.Fatalf("deleted: %+v", gone)
		}
		msgs := mailsTo(t, o, "kai@example.com")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "deleted") || !strings.Contains(msgs[0].Text, DeletedName) {
			t.Fatalf("goodbye mail: %+v", msgs)
		}
		ev, _ := s.Events(ctx, noPw.ID, 5)
		if len(ev) == 0 || ev[0].Kind != EventAccountDeleted || ev[0].Detail != "comments kept" || ev[0].ByOther() {
			t.Fatalf("history: %+v", ev)
		}
		if ids, _ := s.CommentRemovalsPending(ctx); len(ids) != 0 {
			t.Fatalf("removal pending for comments kept: %v", ids)
		}
		// Deleting again is not found: the account is gone.
		if err := s.DeleteSelf(ctx, noPw.ID, req, mc); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("second deletion: %v", err)
		}

		// The site's only admin stays until there is another.
		admin, err := s.Create(ctx, NewPerson{Email: "ada@example.com", DisplayName: "Ada Admin", Password: "correct horse battery", Verified: true,
			Roles: []Role{RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		req = DeleteRequest{Password: "correct horse battery"}
		if err := s.DeleteSelf(ctx, admin.ID, req, mc); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("the only admin deleted: %v", err)
		}
		if _, err := s.Create(ctx, NewPerson{Email: "ben@example.com", DisplayName: "Ben Admin", Verified: true, Roles: []Role{RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSelf(ctx, admin.ID, req, mc); err != nil {
			t.Fatalf("an admin with another beside them: %v", err)
		}

		// With the password, and the choice to remove comments stored until
		// they are.
		req = DeleteRequest{Password: "correct horse battery", RemoveComments: true, RemovalAllowed: true}
		if err := s.DeleteSelf(ctx, withPw.ID, req, mc); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.CommentRemovalsPending(ctx); len(ids) != 1 || ids[0] != withPw.ID {
			t.Fatalf("pending removals: %v", ids)
		}
		if err := s.CommentsRemoved(ctx, withPw.ID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := s.CommentRemovalsPending(ctx); len(ids) != 0 {
			t.Fatalf("pending after removal: %v", ids)
		}
		if _, err := s.Authenticate(ctx, "ann@example.com", "correct horse battery"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("deleted account signs in: %v", err)
		}
	})
}

func TestExportOf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		p, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann Reader", Password: "correct horse battery", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := s.Create(ctx, NewPerson{Email: "bo@example.com", DisplayName: "Bo", Verified: true})
		if _, _, err := s.SignIn(ctx, p.ID, MethodPassword, true, "Firefox on Linux", "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		s.SignIn(ctx, other.ID, MethodPassword, true, "Other's phone", "198.51.100.1")
		if _, _, err := s.CreateAPIToken(ctx, p.ID, "my script"); err != nil {
			t.Fatal(err)
		}
		for range 7 {
			if err := s.Record(ctx, Event{UserID: p.ID, Kind: EventSessionsEnded}); err != nil {
				t.Fatal(err)
			}
		}
		x, err := s.ExportOf(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Person.Email != "ann@example.com" || len(x.Sessions) != 1 || x.Sessions[0].UserAgent != "Firefox on Linux" ||
			len(x.Tokens) != 1 || x.Tokens[0].Name != "my script" {
			t.Fatalf("export: %+v", x)
		}
		// The history pages newest first, every event once.
		var seen []int64
		var before int64
		for {
			page, err := s.EventsBefore(ctx, p.ID, before, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				if e.UserID != p.ID || (len(seen) > 0 && e.ID >= seen[len(seen)-1]) {
					t.Fatalf("history page out of order or someone else's: %+v after %v", e, seen)
				}
				seen = append(seen, e.ID)
				before = e.ID
			}
			if len(page) < 3 {
				break
			}
		}
		if len(seen) != 8 { // the sign-in and seven more
			t.Fatalf("history: %d events", len(seen))
		}
	})
}

// A deleted account keeps no way in: no session, link, passkey, app or
// code of theirs is left in any table, whichever table a later feature
// adds (every table with a user_id column is checked, apart from those
// that keep what the person did).
func TestDeleteLeavesNoWayIn(t *testing.T) {
	keepsWhatTheyDid := map[string]bool{"account_events": true, "comment_votes": true, "comment_reports": true,
		"comment_events": true, "comment_sources": true, "subscribers": true, "signin_drafts": true}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		clock := time.Now()
		s.now = func() time.Time { return clock }
		p, err := s.Create(ctx, NewPerson{Email: "gone@example.com", DisplayName: "Gone Reader", Password: "correct horse battery", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.StartSession(ctx, p.ID, true, "Browser", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		setup, err := s.BeginTOTP(ctx, p, "Test Site")
		if err != nil {
			t.Fatal(err)
		}
		code, _ := TOTPCode(setup.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, p.ID, code); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartPendingSignIn(ctx, PendingSignIn{UserID: p.ID, Method: MethodPassword, ReturnTo: "/"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RequestSignInLink(ctx, LinkRequest{Email: p.Email, Binding: "b", ReturnTo: "/"}, mc); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BeginPasskeyRegistration(ctx, RelyingParty{ID: "site.test", Name: "Test Site", Origin: "http://site.test"}, p); err != nil {
			t.Fatal(err)
		}
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := s.insertPasskey(ctx, tx, p.ID, "Laptop", &webauthn.Credential{ID: []byte("credential-1")})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		tables, err := d.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, tb := range tables {
			for _, c := range tb.Columns {
				if c.Name != "user_id" || keepsWhatTheyDid[tb.Name] {
					continue
				}
				checked++
				var n int
				if err := d.QueryRow(ctx, `SELECT count(*) FROM `+tb.Name+` WHERE user_id = $1`, p.ID).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					t.Errorf("%s keeps %d rows of the deleted account", tb.Name, n)
				}
			}
		}
		if checked < 8 {
			t.Errorf("only %d tables checked", checked)
		}
		var handle string
		if err := d.QueryRow(ctx, `SELECT webauthn_handle FROM users WHERE id = $1`, p.ID).Scan(&handle); err != nil || handle != "" {
			t.Errorf("passkey handle kept: %q %v", handle, err)
		}
	})
}
