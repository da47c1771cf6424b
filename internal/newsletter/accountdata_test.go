package newsletter

import (
	"context"
	"testing"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestSubscriptionsOf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		reader, err := account.NewStore(d).Create(ctx, account.NewPerson{Email: "reader@example.com", DisplayName: "Rae Reader", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		// Their address, confirmed from the account; an older address they
		// signed up with while signed in; and a stranger.
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "reader@example.com", UserID: reader.ID, Verified: true, Frequency: Daily, Source: "account", Consent: "account page"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "old@example.com", UserID: reader.ID, Consent: "form on /"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "stranger@example.com", Consent: "form on /"}); err != nil {
			t.Fatal(err)
		}
		subs, err := f.s.SubscriptionsOf(ctx, " Reader@Example.com ", reader.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 2 || subs[0].Email != "reader@example.com" || subs[0].Status != Confirmed || subs[0].Frequency != Daily ||
			subs[0].List != ListName || subs[0].ConfirmedAt.IsZero() || subs[1].Email != "old@example.com" || subs[1].Status != Pending {
			t.Fatalf("subscriptions: %+v", subs)
		}
		// An address alone finds its own row, and nobody else's.
		if subs, _ := f.s.SubscriptionsOf(ctx, "stranger@example.com", 0); len(subs) != 1 || subs[0].Email != "stranger@example.com" {
			t.Fatalf("by address: %+v", subs)
		}
	})
}
