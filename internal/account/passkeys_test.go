package account

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/account/passkeytest"
	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

var testRP = RelyingParty{ID: "localhost", Origin: "http://localhost:8080", Name: "Test Site"}

// addPasskey runs the whole registration ceremony for p with dev.
func addPasskey(t *testing.T, s *Store, dev *passkeytest.Authenticator, p Person, name string) Passkey {
	t.Helper()
	ctx := context.Background()
	c, err := s.BeginPasskeyRegistration(ctx, testRP, p)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := dev.Create(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := s.FinishPasskeyRegistration(ctx, testRP, p.ID, c.ID, name, bytes.NewReader(answer))
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// signInWith runs the sign-in ceremony with dev's key k (nil: its newest).
func signInWith(s *Store, dev *passkeytest.Authenticator, k *passkeytest.Key) (Person, error) {
	ctx := context.Background()
	c, err := s.BeginPasskeyLogin(ctx, testRP)
	if err != nil {
		return Person{}, err
	}
	answer, err := dev.Get(c.Options, k)
	if err != nil {
		return Person{}, err
	}
	l, err := s.IdentifyPasskey(ctx, c.ID, bytes.NewReader(answer))
	if err != nil {
		return Person{}, err
	}
	if err := s.VerifyPasskey(ctx, testRP, l); err != nil {
		return Person{}, err
	}
	return l.Person, nil
}

func kinds(t *testing.T, s *Store, userID int64) string {
	t.Helper()
	es, err := s.Events(context.Background(), userID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, es[i].Kind)
	}
	return strings.Join(out, " ")
}

func refusedWith(err error, msg string) bool {
	pe, ok := AsPasskeyError(err)
	return ok && pe.Msg == msg
}

func TestPasskeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		clock := time.Now()
		s.now = func() time.Time { return clock }
		dev := passkeytest.New(testRP.Origin)

		ann, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann Reader", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		first := addPasskey(t, s, dev, ann, "  Ann's   laptop ")
		if first.Name != "Ann's laptop" {
			t.Fatalf("name: %q", first.Name)
		}
		ways, err := s.WaysIn(ctx, d, ann.ID)
		if err != nil || !ways.Password || ways.Passkeys != 1 || ways.Count() != 2 {
			t.Fatalf("ways in: %+v, %v", ways, err)
		}

		// The credential is found by its id, and signs its person in;
		// the count and the time of use are kept.
		clock = clock.Add(time.Minute)
		p, err := signInWith(s, dev, nil)
		if err != nil || p.ID != ann.ID {
			t.Fatalf("sign in: %+v, %v", p, err)
		}
		pks, err := s.Passkeys(ctx, ann.ID)
		if err != nil || len(pks) != 1 || !pks[0].LastUsedAt.Equal(clock.Truncate(time.Microsecond)) && pks[0].LastUsedAt.Sub(clock).Abs() > time.Second {
			t.Fatalf("after use: %+v, %v", pks, err)
		}
		var count int64
		if err := d.QueryRow(ctx, `SELECT sign_count FROM passkeys WHERE id = $1`, first.ID).Scan(&count); err != nil || count != 1 {
			t.Fatalf("sign count %d, %v", count, err)
		}

		// A copied key: its counter goes backwards, and it is refused, in
		// the person's history too.
		dev.Keys[0].Count = 0
		if _, err := signInWith(s, dev, nil); !refusedWith(err, msgCloned) {
			t.Fatalf("cloned key: %v", err)
		} else if pe, _ := AsPasskeyError(err); pe.UserID != ann.ID || pe.Email != "ann@example.com" {
			t.Fatalf("refusal names %d %q", pe.UserID, pe.Email)
		}
		dev.Keys[0].Count = 5
		if _, err := signInWith(s, dev, nil); err != nil {
			t.Fatalf("the counter ahead again: %v", err)
		}

		// A second passkey, renamed; then the password goes, and the
		// passkeys are the only ways in.
		second := addPasskey(t, s, dev, ann, "")
		if second.Name != "Passkey" {
			t.Fatalf("default name %q", second.Name)
		}
		if err := s.RenamePasskey(ctx, ann.ID, second.ID, "Phone"); err != nil {
			t.Fatal(err)
		}
		if err := s.RenamePasskey(ctx, ann.ID, second.ID, strings.Repeat("x", 61)); err == nil {
			t.Fatal("a long name was taken")
		}
		if err := s.RenamePasskey(ctx, ann.ID, second.ID, "bad\x00name"); err == nil {
			t.Fatal("a name with a NUL was taken")
		}
		if _, err := d.Exec(ctx, `UPDATE users SET password_hash = '' WHERE id = $1`, ann.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RemovePasskey(ctx, ann.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		// The last way in stays.
		err = s.RemovePasskey(ctx, ann.ID, second.ID)
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["passkey"] == "" {
			t.Fatalf("removing the last way in: %v", err)
		}
		// Someone else's passkey is not theirs to remove.
		bob, err := s.Create(ctx, NewPerson{Email: "bob@example.com", DisplayName: "Bob", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RemovePasskey(ctx, bob.ID, second.ID); err == nil {
			t.Fatal("Bob removed Ann's passkey")
		}
		// The removed passkey no longer signs in.
		if _, err := signInWith(s, dev, dev.Keys[0]); !refusedWith(err, msgUnknown) {
			t.Fatalf("removed passkey: %v", err)
		}
		if got, want := kinds(t, s, ann.ID), "passkey-added signin-failed passkey-added passkey-removed"; got != want {
			t.Fatalf("history: %q, want %q", got, want)
		}
		ways, _ = s.WaysIn(ctx, d, ann.ID)
		if ways.Passkeys != 1 || ways.Password {
			t.Fatalf("ways in at the end: %+v", ways)
		}
	})
}

func TestPasskeyCeremonySingleUseAndExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		clock := time.Now()
		s.now = func() time.Time { return clock }
		dev := passkeytest.New(testRP.Origin)
		ann, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann Reader", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		addPasskey(t, s, dev, ann, "laptop")

		// Used once; the same answer again is refused.
		c, err := s.BeginPasskeyLogin(ctx, testRP)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := dev.Get(c.Options, nil)
		l, err := s.IdentifyPasskey(ctx, c.ID, bytes.NewReader(answer))
		if err != nil || s.VerifyPasskey(ctx, testRP, l) != nil {
			t.Fatalf("first use: %v", err)
		}
		if _, err := s.IdentifyPasskey(ctx, c.ID, bytes.NewReader(answer)); !refusedWith(err, msgCeremony) {
			t.Fatalf("replayed: %v", err)
		}

		// Expired after five minutes (the clock moves, nothing sleeps).
		c, _ = s.BeginPasskeyLogin(ctx, testRP)
		answer, _ = dev.Get(c.Options, nil)
		clock = clock.Add(ceremonyTTL + time.Second)
		if _, err := s.IdentifyPasskey(ctx, c.ID, bytes.NewReader(answer)); !refusedWith(err, msgCeremony) {
			t.Fatalf("expired: %v", err)
		}
		var left int
		if err := s.PurgeExpired(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM passkey_ceremonies`).Scan(&left); err != nil || left != 0 {
			t.Fatalf("after purge %d ceremonies, %v", left, err)
		}

		// A ceremony is for one purpose and one person.
		c, _ = s.BeginPasskeyRegistration(ctx, testRP, ann)
		created, _ := dev.Create(c.Options)
		bob, _ := s.Create(ctx, NewPerson{Email: "bob@example.com", DisplayName: "Bob"})
		if _, err := s.FinishPasskeyRegistration(ctx, testRP, bob.ID, c.ID, "x", bytes.NewReader(created)); !refusedWith(err, msgCeremony) {
			t.Fatalf("another person's ceremony: %v", err)
		}
		c, _ = s.BeginPasskeyRegistration(ctx, testRP, ann)
		created, _ = dev.Create(c.Options)
		if _, err := s.IdentifyPasskey(ctx, c.ID, bytes.NewReader(created)); err == nil {
			t.Fatal("a registration answer signed in")
		}

		// An answer from another origin is refused, and the ceremony is
		// spent all the same.
		c, _ = s.BeginPasskeyRegistration(ctx, testRP, ann)
		evil := passkeytest.New("http://evil.example")
		created, _ = evil.Create(c.Options)
		if _, err := s.FinishPasskeyRegistration(ctx, testRP, ann.ID, c.ID, "x", bytes.NewReader(created)); !refusedWith(err, msgRefused) {
			t.Fatalf("wrong origin: %v", err)
		}
		if _, err := s.FinishPasskeyRegistration(ctx, testRP, ann.ID, c.ID, "x", bytes.NewReader(created)); !refusedWith(err, msgCeremony) {
			t.Fatalf("retried after a refusal: %v", err)
		}

		// Garbage is a refusal, never a crash.
		for _, body := range []string{"", "{", "null", `{"id":"AA","rawId":"AA","type":"public-key","response":{}}`, strings.Repeat("A", MaxPasskeyAnswer+10)} {
			if _, err := s.IdentifyPasskey(ctx, "x", strings.NewReader(body)); !refusedWith(err, msgMalformed) {
				t.Fatalf("body %.40q: %v", body, err)
			}
		}
	})
}

func TestPasskeySignup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := mail.NewOutbox(d, "site.test")
		s := NewStore(d).WithMailer(o)
		dev := passkeytest.New(testRP.Origin)

		signup := func(email string) error {
			c, err := s.BeginPasskeySignup(ctx, testRP, PasskeySignup{Email: email, DisplayName: "Cara Writer"})
			if err != nil {
				return err
			}
			answer, err := dev.Create(c.Options)
			if err != nil {
				t.Fatal(err)
			}
			return s.FinishPasskeySignup(ctx, testRP, c.ID, bytes.NewReader(answer), mc)
		}
		_, err := s.BeginPasskeySignup(ctx, testRP, PasskeySignup{Email: "nope", DisplayName: ""})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["email"] == "" || inv.Fields["display_name"] == "" {
			t.Fatalf("bad sign-up: %v", err)
		}
		if err := signup("Cara@Example.com"); err != nil {
			t.Fatal(err)
		}
		cara, err := s.ByEmail(ctx, "cara@example.com")
		if err != nil || cara.Verified() || cara.passwordHash != "" || !cara.Has(RoleReader) {
			t.Fatalf("new account: %+v, %v", cara, err)
		}
		lastLink(t, o, "cara@example.com") // the verification mail is queued
		if p, err := signInWith(s, dev, nil); err != nil || p.ID != cara.ID {
			t.Fatalf("sign in with the new passkey: %+v, %v", p, err)
		}
		if got := kinds(t, s, cara.ID); got != "passkey-added" {
			t.Fatalf("history %q", got)
		}

		// A taken address: the same answer, no second account, the
		// passkey discarded, and the owner told.
		if err := signup("cara@example.com"); err != nil {
			t.Fatalf("taken address: %v", err)
		}
		var accounts, keys int
		d.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = 'cara@example.com'`).Scan(&accounts)
		d.QueryRow(ctx, `SELECT count(*) FROM passkeys`).Scan(&keys)
		if accounts != 1 || keys != 1 {
			t.Fatalf("after a sign-up with a taken address: %d accounts, %d passkeys", accounts, keys)
		}
		if _, err := signInWith(s, dev, nil); !refusedWith(err, msgUnknown) {
			t.Fatalf("the discarded passkey: %v", err)
		}
		msgs, err := o.List(ctx, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		notices := 0
		for _, m := range msgs {
			if m.To == "cara@example.com" && strings.Contains(strings.ToLower(m.Text), "already") {
				notices++
			}
		}
		if notices != 1 {
			t.Fatalf("%d notices to the owner", notices)
		}
	})
}

func TestRelyingParty(t *testing.T) {
	for _, c := range []struct{ base, scheme, host, id, origin string }{
		{"https://news.example.com", "http", "127.0.0.1:8080", "news.example.com", "https://news.example.com"},
		{"http://127.0.0.1:8080", "http", "localhost:8080", "localhost", "http://localhost:8080"},
		{"", "https", "Site.Example:8443", "site.example", "https://site.example:8443"},
		{"http://127.0.0.1:8080", "http", "127.0.0.1:8080", "", ""},
		{"", "http", "[::1]:8080", "", ""},
		{"", "http", "", "", ""},
	} {
		rp, err := NewRelyingParty("Site", c.base, c.scheme, c.host)
		if rp.ID != c.id || rp.Origin != c.origin || (c.id == "") != (err != nil) {
			t.Errorf("%q %q %q: %+v, %v", c.base, c.scheme, c.host, rp, err)
		}
	}
}

// TestRemoveLastPasskeysAtOnce: two removals at once, of the only two
// ways in, cannot both succeed.
func TestRemoveLastPasskeysAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		dev := passkeytest.New(testRP.Origin)
		for round := 0; round < 20; round++ {
			p, err := s.Create(ctx, NewPerson{Email: fmt.Sprintf("r%d@example.com", round), DisplayName: "Rae"})
			if err != nil {
				t.Fatal(err)
			}
			a, b := addPasskey(t, s, dev, p, "a"), addPasskey(t, s, dev, p, "b")
			errs, start := make(chan error, 2), make(chan struct{})
			for _, id := range []int64{a.ID, b.ID} {
				go func() { <-start; errs <- s.RemovePasskey(ctx, p.ID, id) }()
			}
			close(start)
			e1, e2 := <-errs, <-errs
			if (e1 == nil) == (e2 == nil) {
				t.Fatalf("round %d: both or neither removed: %v, %v", round, e1, e2)
			}
			if ways, err := s.WaysIn(ctx, d, p.ID); err != nil || ways.Count() != 1 {
				t.Fatalf("round %d: ways in %+v, %v", round, ways, err)
			}
		}
	})
}
