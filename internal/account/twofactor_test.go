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
)

// enrolled sets up and confirms an authenticator app for p at *clock and
// returns its secret and recovery codes.
func enrolled(t *testing.T, s *Store, p Person, clock *time.Time) (string, []string) {
	t.Helper()
	ctx := context.Background()
	setup, err := s.BeginTOTP(ctx, p, "The Test Gazette")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := TOTPCode(setup.Secret, *clock)
	codes, err := s.ConfirmTOTP(ctx, p.ID, code)
	if err != nil {
		t.Fatal(err)
	}
	return setup.Secret, codes
}

func eventKinds(t *testing.T, s *Store, userID int64) []string {
	t.Helper()
	evs, err := s.Events(context.Background(), userID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func count(kinds []string, kind string) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}

func TestTOTPEnrolment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
		s.now = func() time.Time { return clock }
		ed, err := s.Create(ctx, NewPerson{Email: "ed@example.com", DisplayName: "Ed", Roles: []Role{RoleEditor}})
		if err != nil {
			t.Fatal(err)
		}
		setup, err := s.BeginTOTP(ctx, ed, "The Test Gazette")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(setup.URL, "otpauth://totp/The%20Test%20Gazette:ed@example.com?") || !strings.Contains(setup.URL, "issuer=The%20Test%20Gazette") ||
			!strings.HasPrefix(setup.QR, "data:image/png;base64,") || len(setup.Secret) != 32 || strings.Count(setup.Grouped(), " ") != 7 {
			t.Fatalf("setup %s %s %.40s", setup.Secret, setup.URL, setup.QR)
		}
		// Not counted before it is confirmed.
		if tf, err := s.TwoFactorOf(ctx, ed.ID); err != nil || tf.Has() || !tf.Unconfirmed {
			t.Fatalf("before confirming: %+v %v", tf, err)
		}
		again, ok, err := s.PendingTOTP(ctx, ed, "The Test Gazette")
		if err != nil || !ok || again.Secret != setup.Secret {
			t.Fatalf("pending setup: %+v %v %v", again, ok, err)
		}
		// A wrong code confirms nothing.
		if _, err := s.ConfirmTOTP(ctx, ed.ID, "000000"); fieldErr(err, "code") == "" {
			t.Fatalf("wrong code: %v", err)
		}
		if _, err := s.ConfirmTOTP(ctx, ed.ID, "not a code"); fieldErr(err, "code") == "" {
			t.Fatalf("malformed code: %v", err)
		}
		code, _ := TOTPCode(setup.Secret, clock)
		codes, err := s.ConfirmTOTP(ctx, ed.ID, code)
		if err != nil || len(codes) != RecoveryCodeCount {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		tf, err := s.TwoFactorOf(ctx, ed.ID)
		if err != nil || !tf.TOTP || tf.RecoveryLeft != RecoveryCodeCount || !tf.ConfirmedAt.Equal(clock) {
			t.Fatalf("after confirming: %+v %v", tf, err)
		}
		kinds := eventKinds(t, s, ed.ID)
		if count(kinds, EventTOTPEnabled) != 1 || count(kinds, EventRecoveryCodesMade) != 1 {
			t.Fatalf("history %v", kinds)
		}
		// A second setup is refused while one is confirmed.
		if _, err := s.BeginTOTP(ctx, ed, "x"); fieldErr(err, "totp") == "" {
			t.Fatalf("second setup: %v", err)
		}

		// A new set replaces the old, and needs a current code; the code
		// that confirmed (same time step) is spent.
		if _, err := s.NewRecoveryCodes(ctx, ed.ID, code); fieldErr(err, "code") == "" {
			t.Fatalf("new codes with a spent code: %v", err)
		}
		clock = clock.Add(30 * time.Second)
		next, _ := TOTPCode(setup.Secret, clock)
		fresh, err := s.NewRecoveryCodes(ctx, ed.ID, next)
		if err != nil || len(fresh) != RecoveryCodeCount || fresh[0] == codes[0] {
			t.Fatalf("new codes: %v %v", fresh, err)
		}
		// The old set is gone: it cannot turn the app off.
		if err := s.DisableTOTP(ctx, ed, codes[0], false); fieldErr(err, "code") == "" {
			t.Fatalf("disable with an old recovery code: %v", err)
		}
		// Staff cannot turn it off while the site requires it (no passkey).
		if err := s.DisableTOTP(ctx, ed, fresh[0], true); fieldErr(err, "code") == "" {
			t.Fatalf("disable when required: %v", err)
		}
		if err := s.DisableTOTP(ctx, ed, fresh[0], false); err != nil {
			t.Fatal(err)
		}
		if tf, err := s.TwoFactorOf(ctx, ed.ID); err != nil || tf.Has() || tf.RecoveryLeft != 0 || tf.Unconfirmed {
			t.Fatalf("after disabling: %+v %v", tf, err)
		}
		kinds = eventKinds(t, s, ed.ID)
		if count(kinds, EventTOTPDisabled) != 1 || count(kinds, EventRecoveryCodesMade) != 2 || count(kinds, EventRecoveryCodeUsed) != 1 {
			t.Fatalf("history %v", kinds)
		}
	})
}

func fieldErr(err error, field string) string {
	if inv, ok := apperr.AsInvalid(err); ok {
		return inv.Fields[field]
	}
	return ""
}

func TestSecondFactorSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
		s.now = func() time.Time { return clock }
		ed, err := s.Create(ctx, NewPerson{Email: "ed@example.com", DisplayName: "Ed", Roles: []Role{RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		secret, codes := enrolled(t, s, ed, &clock)
		start := func() string {
			t.Helper()
			tok, err := s.StartPendingSignIn(ctx, PendingSignIn{UserID: ed.ID, Method: MethodPassword, Remember: true, ReturnTo: "/admin", Flash: "signed-in"})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		clock = clock.Add(time.Minute)

		// The code of the step before (an app a little slow) is accepted,
		// once; the waiting sign-in is then gone.
		tok := start()
		late, _ := TOTPCode(secret, clock.Add(-30*time.Second))
		sf, err := s.FinishSecondFactor(ctx, tok, late)
		if err != nil || sf.UserID != ed.ID || sf.Method != MethodPassword || !sf.Remember || sf.ReturnTo != "/admin" || sf.Flash != "signed-in" {
			t.Fatalf("finish: %+v %v", sf, err)
		}
		if _, err := s.FinishSecondFactor(ctx, tok, late); !errors.Is(err, ErrNoPending) {
			t.Fatalf("second use of a finished sign-in: %v", err)
		}
		// The same code (same time step) on a new sign-in is refused, and
		// counts as a wrong attempt.
		tok = start()
		if sf, err := s.FinishSecondFactor(ctx, tok, late); !errors.Is(err, ErrCodeUsed) || sf.AttemptsLeft != PendingAttempts-1 {
			t.Fatalf("replayed code: %+v %v", sf, err)
		}
		// An older step than one used is refused too: a step ahead (an
		// app a little fast) was never used, so it passes.
		ahead, _ := TOTPCode(secret, clock.Add(30*time.Second))
		if _, err := s.FinishSecondFactor(ctx, tok, ahead); err != nil {
			t.Fatalf("code of the next step: %v", err)
		}
		now, _ := TOTPCode(secret, clock)
		if _, err := s.FinishSecondFactor(ctx, start(), now); !errors.Is(err, ErrCodeUsed) {
			t.Fatalf("a step older than the last used: %v", err)
		}
		// Two steps off is too far.
		clock = clock.Add(5 * time.Minute)
		far, _ := TOTPCode(secret, clock.Add(-60*time.Second))
		if _, err := s.FinishSecondFactor(ctx, start(), far); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("code two steps old: %v", err)
		}

		// Five wrong codes, and the waiting sign-in is gone, even for the
		// right code.
		tok = start()
		for i := 1; i <= PendingAttempts; i++ {
			sf, err := s.FinishSecondFactor(ctx, tok, "123456")
			want := ErrWrongCode
			if i == PendingAttempts {
				want = ErrTooManyCode
			}
			if !errors.Is(err, want) || sf.AttemptsLeft != PendingAttempts-i {
				t.Fatalf("wrong code %d: %+v %v", i, sf, err)
			}
		}
		right, _ := TOTPCode(secret, clock)
		if _, err := s.FinishSecondFactor(ctx, tok, right); !errors.Is(err, ErrNoPending) {
			t.Fatalf("right code after the cap: %v", err)
		}
		// A malformed code is the person's mistake, not an attempt.
		tok = start()
		if _, err := s.FinishSecondFactor(ctx, tok, strings.Repeat("9", 5000)); fieldErr(err, "code") == "" {
			t.Fatalf("huge code: %v", err)
		}
		if p, err := s.PendingSignInOf(ctx, tok); err != nil || p.Attempts != 0 {
			t.Fatalf("after a malformed code: %+v %v", p, err)
		}

		// A sign-in waits ten minutes, no more.
		clock = clock.Add(PendingSignInTTL)
		if _, err := s.FinishSecondFactor(ctx, tok, right); !errors.Is(err, ErrNoPending) {
			t.Fatalf("expired sign-in: %v", err)
		}

		// A recovery code, in any case and with spaces, works once and is
		// recorded; what is left is counted.
		typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
		sf, err = s.FinishSecondFactor(ctx, start(), typed)
		if err != nil || !sf.Recovery || sf.RecoveryLeft != RecoveryCodeCount-1 {
			t.Fatalf("recovery code: %+v %v", sf, err)
		}
		if _, err := s.FinishSecondFactor(ctx, start(), codes[3]); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("recovery code used twice: %v", err)
		}
		kinds := eventKinds(t, s, ed.ID)
		if count(kinds, EventRecoveryCodeUsed) != 1 || count(kinds, EventSignInFailed) != 9 {
			t.Fatalf("history %v", kinds)
		}
		// Unknown and empty tokens find nothing.
		for _, bad := range []string{"", "nope", strings.Repeat("x", 500)} {
			if _, err := s.FinishSecondFactor(ctx, bad, right); !errors.Is(err, ErrNoPending) {
				t.Fatalf("token %.10q: %v", bad, err)
			}
		}
	})
}

func TestSecondFactorResetAndRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
		s.now = func() time.Time { return clock }
		admin, _ := s.Create(ctx, NewPerson{Email: "admin@example.com", DisplayName: "Ada", Roles: []Role{RoleAdmin}})
		other, _ := s.Create(ctx, NewPerson{Email: "other@example.com", DisplayName: "Oli", Roles: []Role{RoleAdmin}})
		reader, _ := s.Create(ctx, NewPerson{Email: "reader@example.com", DisplayName: "Rea"})
		enrolled(t, s, other, &clock)
		enrolled(t, s, admin, &clock)
		if _, _, err := s.StartSession(ctx, other.ID, false, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartPendingSignIn(ctx, PendingSignIn{UserID: other.ID, Method: MethodPassword}); err != nil {
			t.Fatal(err)
		}
		if err := s.ResetSecondFactor(ctx, admin.ID, admin.ID); fieldErr(err, "confirm") == "" {
			t.Fatalf("own reset: %v", err)
		}
		if err := s.ResetSecondFactor(ctx, admin.ID, other.ID); err != nil {
			t.Fatal(err)
		}
		tf, err := s.TwoFactorOf(ctx, other.ID)
		if err != nil || tf.Has() || tf.RecoveryLeft != 0 {
			t.Fatalf("after reset: %+v %v", tf, err)
		}
		if ses, err := s.Sessions(ctx, other.ID); err != nil || len(ses) != 0 {
			t.Fatalf("sessions after reset: %v %v", ses, err)
		}
		evs, _ := s.Events(ctx, other.ID, 1)
		if len(evs) != 1 || evs[0].Kind != EventSecondFactorReset || evs[0].ActorID != admin.ID || !evs[0].ByOther() {
			t.Fatalf("reset recorded as %+v", evs)
		}
		// The admin's own app is untouched.
		if tf, _ := s.TwoFactorOf(ctx, admin.ID); !tf.TOTP {
			t.Fatal("the admin's own app went too")
		}

		// The rule: staff without a second factor get the grace, counted
		// from when it was turned on; readers are never asked.
		req := Requirement{Staff: true, Since: clock, Grace: 7 * 24 * time.Hour}
		other, _ = s.ByID(ctx, other.ID)
		due, err := s.SecondFactorDue(ctx, other, req)
		if err != nil || !due.Needed || due.Blocked || due.DaysLeft(clock) != 7 {
			t.Fatalf("within the grace: %+v %v", due, err)
		}
		if due, _ := s.SecondFactorDue(ctx, reader, req); due.Needed {
			t.Fatal("a reader is asked for a second factor")
		}
		if due, _ := s.SecondFactorDue(ctx, admin, req); due.Needed {
			t.Fatal("an admin with an app is asked for one")
		}
		if due, _ := s.SecondFactorDue(ctx, other, Requirement{Grace: time.Hour}); due.Needed {
			t.Fatal("asked while the rule is off")
		}
		clock = clock.Add(7*24*time.Hour - time.Hour)
		if due, _ := s.SecondFactorDue(ctx, other, req); due.Blocked || due.DaysLeft(clock) != 1 {
			t.Fatalf("an hour before the end: %+v", due)
		}
		clock = clock.Add(time.Hour)
		if due, _ := s.SecondFactorDue(ctx, other, req); !due.Blocked {
			t.Fatalf("after the grace: %+v", due)
		}
		// Someone whose account is newer than the rule gets a grace of
		// their own.
		late, _ := s.Create(ctx, NewPerson{Email: "late@example.com", DisplayName: "Lat", Roles: []Role{RoleAuthor}})
		if due, _ := s.SecondFactorDue(ctx, late, req); !due.Needed || due.Blocked {
			t.Fatalf("a new account after the grace: %+v", due)
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", " 123 456 ", "12345", "1234567", "abcd-efgh-jkmn-pqrs", "ABCD EFGH JKMN PQRS", "oooo-iiii-llll-0000",
		"", "\x00\xff", "١٢٣٤٥٦", strings.Repeat("a", 100), "abcd-efgh-jkmn-pqru"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParseCode(in)
		if err != nil {
			if p != (Proof{}) {
				t.Fatalf("%q: error %v with %+v", in, err, p)
			}
			return
		}
		if p.Recovery {
			if len(p.Code) != recoveryLen || strings.Trim(p.Code, recoveryAlphabet) != "" {
				t.Fatalf("%q: recovery code %q", in, p.Code)
			}
			return
		}
		if len(p.Code) != 6 || strings.Trim(p.Code, "0123456789") != "" {
			t.Fatalf("%q: code %q", in, p.Code)
		}
	})
}

// Two requests with the same right code at once: one signs in, the other
// is refused, on both engines.
func TestSecondFactorOnceUnderRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
		s.now = func() time.Time { return clock }
		p, err := s.Create(ctx, NewPerson{Email: "ed@example.com", DisplayName: "Ed", Roles: []Role{RoleEditor}})
		if err != nil {
			t.Fatal(err)
		}
		secret, _ := enrolled(t, s, p, &clock)
		clock = clock.Add(time.Minute)
		code, _ := TOTPCode(secret, clock)
		for round := 0; round < 5; round++ {
			tok, err := s.StartPendingSignIn(ctx, PendingSignIn{UserID: p.ID, Method: MethodPassword})
			if err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := s.FinishSecondFactor(ctx, tok, code)
					errs <- err
				}()
			}
			ok := 0
			for range 2 {
				err := <-errs
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrCodeUsed), errors.Is(err, ErrNoPending):
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d sign-ins with one code", round, ok)
			}
			clock = clock.Add(30 * time.Second)
			code, _ = TOTPCode(secret, clock)
		}
	})
}

// Who waits for a second factor after a password, a link or a provider.
func TestSecondFactorAsked(t *testing.T) {
	reader := Person{Roles: []Role{RoleReader}}
	editor := Person{Roles: []Role{RoleEditor}}
	on, off := Requirement{Staff: true}, Requirement{}
	for _, c := range []struct {
		name string
		tf   TwoFactor
		p    Person
		rule Requirement
		want bool
	}{
		{"reader with an app", TwoFactor{TOTP: true}, reader, off, true},
		{"reader with a passkey", TwoFactor{Passkeys: 1}, reader, on, false},
		{"editor with a passkey, no rule", TwoFactor{Passkeys: 1}, editor, off, false},
		{"editor with a passkey under the rule", TwoFactor{Passkeys: 2}, editor, on, true},
		{"editor with nothing", TwoFactor{}, editor, on, false},
	} {
		if got := c.tf.Asked(c.p, c.rule); got != c.want {
			t.Errorf("%s: asked %v, want %v", c.name, got, c.want)
		}
	}
}
