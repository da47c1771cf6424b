package account

import (
	"context"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

// The security history records each sign-in with its method and address,
// and each change of a way in, newest first, with who did it.
func TestSecurityHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := WithIP(context.Background(), "192.0.2.7")
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		clock := time.Now()
		s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
		p, err := s.Create(ctx, NewPerson{Email: "hist@example.com", DisplayName: "Hist Reader", Roles: []Role{RoleReader}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, p.ID, "first long passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SignIn(ctx, p.ID, MethodPassword, false, "Browser", "198.51.100.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangePassword(ctx, p.ID, "first long passphrase", "second long passphrase"); err != nil {
			t.Fatal(err)
		}
		// A refused change records nothing.
		if err := s.ChangePassword(ctx, p.ID, "wrong", "third long passphrase"); err == nil {
			t.Fatal("a wrong current password was accepted")
		}
		if err := s.EndOtherSessions(ctx, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, p.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		type seen struct{ kind, detail, ip string }
		want := []seen{
			{EventSessionsEnded, "", "192.0.2.7"},
			{EventPasswordChanged, "", "192.0.2.7"},
			{EventSignIn, MethodPassword, "198.51.100.1"},
			{EventPasswordSet, "", "192.0.2.7"},
		}
		if len(evs) != len(want) {
			t.Fatalf("events: %+v", evs)
		}
		for i, w := range want {
			if e := evs[i]; e.Kind != w.kind || e.Detail != w.detail || e.IP != w.ip {
				t.Errorf("event %d: %+v, want %+v", i, e, w)
			}
		}
		// The site set the first password (a tool, not the person).
		if !evs[3].ByOther() || evs[3].ActorID != ActorSite || evs[0].ByOther() {
			t.Errorf("actors: %+v", evs)
		}
		if evs[2].Text() != "Signed in" {
			t.Errorf("text: %q", evs[2].Text())
		}
		ways, err := s.WaysIn(ctx, d, p.ID)
		if err != nil || !ways.Password || ways.Count() < 1 {
			t.Errorf("ways in: %+v, %v", ways, err)
		}
	})
}
