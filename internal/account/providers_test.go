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
)

func newProvider(t *testing.T, s *Store, name string) Provider {
	t.Helper()
	in, err := ProviderInput{Name: name, Kind: ProviderOIDC, Issuer: "https://id.example.com", ClientID: "cid", ClientSecret: "secret", Enabled: true}.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.SaveProvider(context.Background(), 0, in)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProviderFlowState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Now()
		s.now = func() time.Time { return clock }
		p := newProvider(t, s, "Example")
		other := newProvider(t, s, "Other")

		f, err := s.StartProviderFlow(ctx, ProviderStart{ProviderID: p.ID, ReturnTo: "/x"})
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Verifier) < 43 || f.State == f.Nonce || f.Browser == "" {
			t.Fatalf("flow secrets: %+v", f)
		}
		// Nothing secret is stored in the clear but what must be sent on.
		var stored int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM provider_states WHERE state_hash = $1 OR browser_hash = $2`, f.State, f.Browser).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("state or binding stored in the clear (%d, %v)", stored, err)
		}
		for _, c := range []struct {
			provider       int64
			state, browser string
			want           error
		}{
			{p.ID, f.State + "x", f.Browser, ErrFlowUnknown},
			{other.ID, f.State, f.Browser, ErrFlowUnknown},
			{p.ID, f.State, "another-browser", ErrFlowBrowser},
			{p.ID, "", f.Browser, ErrFlowUnknown},
			{p.ID, strings.Repeat("s", 1000), f.Browser, ErrFlowUnknown},
		} {
			if _, err := s.TakeProviderFlow(ctx, c.provider, c.state, c.browser); !errors.Is(err, c.want) {
				t.Fatalf("take %q in %q: %v, want %v", c.state, c.browser, err, c.want)
			}
		}
		got, err := s.TakeProviderFlow(ctx, p.ID, f.State, f.Browser)
		if err != nil || got.Nonce != f.Nonce || got.Verifier != f.Verifier || got.ReturnTo != "/x" || got.Purpose != PurposeSignIn {
			t.Fatalf("take: %+v, %v", got, err)
		}
		if _, err := s.TakeProviderFlow(ctx, p.ID, f.State, f.Browser); !errors.Is(err, ErrFlowUsed) {
			t.Fatalf("second take: %v", err)
		}

		// Ten minutes to finish; the same browser keeps its binding value.
		g, err := s.StartProviderFlow(ctx, ProviderStart{ProviderID: p.ID, Purpose: PurposeLink, UserID: 0, Browser: f.Browser})
		if err != nil || g.Browser != f.Browser {
			t.Fatalf("second flow: %+v, %v", g, err)
		}
		clock = clock.Add(providerStateTTL + time.Second)
		if _, err := s.TakeProviderFlow(ctx, p.ID, g.State, g.Browser); !errors.Is(err, ErrFlowExpired) {
			t.Fatalf("expired take: %v", err)
		}
	})
}

func TestProviderLinkingRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		p := newProvider(t, s, "Example")
		ann, err := s.Create(ctx, NewPerson{Email: "ann@example.com", DisplayName: "Ann", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}

		// Unconfirmed or missing addresses are refused, whether or not an
		// account has them.
		for _, id := range []ProviderIdentity{{Subject: "1", Email: "ann@example.com"}, {Subject: "2", Email: "new@example.com"}} {
			var ue *UnconfirmedError
			if _, _, err := s.ProviderSignIn(ctx, p, id, mc); !errors.As(err, &ue) {
				t.Fatalf("%s unconfirmed: %v", id.Email, err)
			}
		}
		var ne *NoEmailError
		if _, _, err := s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "3", EmailVerified: true}, mc); !errors.As(err, &ne) {
			t.Fatalf("no address: %v", err)
		}

		got, outcome, err := s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "1", Email: "ANN@example.com", EmailVerified: true}, mc)
		if err != nil || got.ID != ann.ID || outcome != ProviderLinked {
			t.Fatalf("link by confirmed address: %v %v %v", got.ID, outcome, err)
		}
		if got, outcome, err = s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "1", Email: "changed@example.com"}, mc); err != nil || got.ID != ann.ID || outcome != ProviderKnown {
			t.Fatalf("known identity: %v %v %v", got.ID, outcome, err)
		}
		made, outcome, err := s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "9", Email: "bo@example.com", EmailVerified: true, Name: "  Bo   Diddley "}, mc)
		if err != nil || outcome != ProviderCreated || made.DisplayName != "Bo Diddley" || !made.Verified() || made.passwordHash != "" {
			t.Fatalf("made: %+v %v %v", made, outcome, err)
		}

		// A deleted account's identity starts anew.
		gone, _, err := s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "gone", Email: "gone@example.com", EmailVerified: true}, mc)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		again, outcome, err := s.ProviderSignIn(ctx, p, ProviderIdentity{Subject: "gone", Email: "gone@example.com", EmailVerified: true}, mc)
		if err != nil || again.ID == gone.ID || outcome != ProviderCreated {
			t.Fatalf("after deletion: %d (was %d) %v %v", again.ID, gone.ID, outcome, err)
		}

		// One identity, one account; one identity of a provider per account.
		if err := s.LinkProvider(ctx, made.ID, p, ProviderIdentity{Subject: "1"}); !errors.Is(err, ErrIdentityTaken) {
			t.Fatalf("taken identity: %v", err)
		}
		if err := s.LinkProvider(ctx, ann.ID, p, ProviderIdentity{Subject: "5"}); !errors.Is(err, ErrAlreadyLinked) {
			t.Fatalf("second identity: %v", err)
		}

		// The last way in stays; a password is another. A confirmed address
		// is one too (a link by mail signs them in), so the check is made
		// on an account whose address is not confirmed.
		if _, err := d.Exec(ctx, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, made.ID); err != nil {
			t.Fatal(err)
		}
		ids, err := s.Identities(ctx, made.ID)
		if err != nil || len(ids) != 1 {
			t.Fatalf("identities: %v %v", ids, err)
		}
		if _, err := s.UnlinkProvider(ctx, made.ID, ids[0].ID); err == nil || !strings.Contains(err.Error(), "last way") {
			t.Fatalf("last way unlinked: %v", err)
		}
		if w, err := s.WaysIn(ctx, d, made.ID); err != nil || w.Providers != 1 || w.Password {
			t.Fatalf("ways: %+v %v", w, err)
		}
		annIDs, _ := s.Identities(ctx, ann.ID)
		if _, err := s.UnlinkProvider(ctx, made.ID, annIDs[0].ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("someone else's identity: %v", err)
		}
		if name, err := s.UnlinkProvider(ctx, ann.ID, annIDs[0].ID); err != nil || name != "Example" {
			t.Fatalf("unlink: %q %v", name, err)
		}
		evs, _ := s.Events(ctx, ann.ID, 10)
		if len(evs) < 2 || evs[0].Kind != EventProviderUnlinked || evs[1].Kind != EventProviderLinked {
			t.Fatalf("history: %+v", evs)
		}

		// A disabled provider's identity is no way in.
		in, _ := ProviderInput{Name: p.Name, Kind: p.Kind, Issuer: p.Issuer, ClientID: p.ClientID, Enabled: false}.Check(false)
		if _, err := s.SaveProvider(ctx, p.ID, in); err != nil {
			t.Fatal(err)
		}
		if w, err := s.WaysIn(ctx, d, made.ID); err != nil || w.Count() != 0 {
			t.Fatalf("ways with the provider off: %+v %v", w, err)
		}
		if saved, _ := s.Provider(ctx, p.ID); saved.Secret() != "secret" {
			t.Fatal("a blank secret did not keep the stored one")
		}
	})
}

func TestProviderInputCheck(t *testing.T) {
	for _, c := range []struct {
		in    ProviderInput
		field string
	}{
		{ProviderInput{Kind: ProviderOIDC, Issuer: "https://x.test", ClientID: "c", ClientSecret: "s"}, "name"},
		{ProviderInput{Name: "X", Kind: "saml", ClientID: "c", ClientSecret: "s"}, "kind"},
		{ProviderInput{Name: "X", Kind: ProviderOIDC, Issuer: "http://evil.test", ClientID: "c", ClientSecret: "s"}, "issuer"},
		{ProviderInput{Name: "X", Kind: ProviderOIDC, Issuer: "https://x.test?a=b", ClientID: "c", ClientSecret: "s"}, "issuer"},
		{ProviderInput{Name: "X", Kind: ProviderOIDC, Issuer: "https://x.test", ClientSecret: "s"}, "client_id"},
		{ProviderInput{Name: "X", Kind: ProviderOIDC, Issuer: "https://x.test", ClientID: "c"}, "client_secret"},
		{ProviderInput{Name: "X", Kind: ProviderOIDC, Issuer: "https://x.test", ClientID: "c", ClientSecret: "s\x00"}, "client_secret"},
		{ProviderInput{Name: "X", Kind: ProviderGitHub, ClientID: "c", ClientSecret: "s", Position: 5000}, "position"},
	} {
		_, err := c.in.Check(true)
		inv, ok := apperr.AsInvalid(err)
		if !ok || inv.Fields[c.field] == "" {
			t.Errorf("%+v: %v, want a reason for %s", c.in, err, c.field)
		}
	}
	in, err := ProviderInput{Name: " Git  Hub ", Kind: ProviderGitHub, Issuer: "https://ignored", ClientID: "c", ClientSecret: "s", Scopes: " read:user   user:email "}.Check(true)
	if err != nil || in.Name != "Git Hub" || in.Label != "Sign in with Git Hub" || in.Issuer != "" || in.Scopes != "read:user user:email" {
		t.Fatalf("normalised: %+v %v", in, err)
	}
}
