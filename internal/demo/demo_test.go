package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Load(ctx, d, time.UTC, nil); err != nil {
			t.Fatal(err)
		}
		staff, err := account.NewStore(d).Staff(ctx, account.RoleContributor, account.RoleModerator)
		if err != nil {
			t.Fatal(err)
		}
		contrib, mods := staff[account.RoleContributor], staff[account.RoleModerator]
		if len(contrib) != 6 || len(mods) != 2 {
			t.Fatalf("%d contributors, %d moderators", len(contrib), len(mods))
		}
		canada := 0
		for _, p := range contrib {
			if p.CountryName() == "Canada" {
				canada++
			} else if p.CountryName() != "United States" {
				t.Errorf("%s is from %q", p.DisplayName, p.CountryName())
			}
		}
		both := 0
		for _, m := range mods {
			if m.CountryName() != "United States" {
				t.Errorf("moderator %s from %q", m.DisplayName, m.CountryName())
			}
			for _, c := range contrib {
				if c.ID == m.ID {
					both++
				}
			}
		}
		if canada != 1 || both != 1 {
			t.Fatalf("%d Canadian contributors, %d moderators who also contribute", canada, both)
		}
		a, err := article.NewStore(d).Public(ctx, "infiniti-to-move-production-out-of-japan")
		if err != nil {
			t.Fatal(err)
		}
		if y, m, dd := a.PublishedAt.In(time.FixedZone("EDT", -4*3600)).Date(); y != 2012 || m != time.April || dd != 5 {
			t.Fatalf("demo article dated %v", a.PublishedAt)
		}
		page, err := article.NewStore(d).List(ctx, article.ListQuery{Limit: 100})
		if err != nil || len(page.Articles) < 20 {
			t.Fatalf("%d public demo articles, err %v", len(page.Articles), err)
		}
		if err := Load(ctx, d, time.UTC, nil); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second load: %v", err)
		}
	})
}
