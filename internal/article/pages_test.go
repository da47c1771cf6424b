package article

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestPageSlugFree(t *testing.T) {
	for s, want := range map[string]bool{"about": true, "contact-us": true, "2024": false, "12": false, "tag": false, "author": false,
		"cars": false, "About": false, "": false, "1984-reissue": true} {
		if got := PageSlugFree(s); got != want {
			t.Errorf("PageSlugFree(%q) = %v", s, got)
		}
	}
}

func TestPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return clock }
		ed := seedAuthor(t, d, "Edna Editor")

		var before, after int64
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&before)
		about, err := s.CreatePage(ctx, PageInput{Title: "About Us", BodyMD: "We **test**.", Status: PagePublished, AuthorID: ed.ID, Position: 2})
		if err != nil {
			t.Fatal(err)
		}
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&after)
		if about.Slug != "about-us" || about.BodyHTML == "" || !about.PublishedAt.Equal(clock) || after == before {
			t.Fatalf("created %+v; content counter %d→%d", about, before, after)
		}
		if _, err := s.CreatePage(ctx, PageInput{Title: "Terms", Slug: "terms", AuthorID: ed.ID, Position: 1}); err != nil {
			t.Fatal(err)
		}
		// Drafts are not public; the footer lists published pages in order.
		if _, err := s.PublicPage(ctx, "terms"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("a draft page is public: %v", err)
		}
		links, err := s.PublicPages(ctx)
		if err != nil || len(links) != 1 || links[0].Slug != "about-us" {
			t.Fatalf("public pages %+v %v", links, err)
		}
		// Taken, numeric and reserved addresses are refused.
		for _, slug := range []string{"about-us", "2012", "admin"} {
			_, err := s.CreatePage(ctx, PageInput{Title: "X", Slug: slug, AuthorID: ed.ID})
			if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["slug"] == "" {
				t.Fatalf("slug %q: %v", slug, err)
			}
		}
		// Edits are versioned; the first publication date is kept.
		clock = clock.Add(time.Hour)
		saved, err := s.SavePage(ctx, about.ID, about.Version, PageInput{Title: "About", Slug: "about", BodyMD: "New.", Status: PagePublished, AuthorID: ed.ID})
		if err != nil || saved.Slug != "about" || saved.Version != about.Version+1 || !saved.PublishedAt.Equal(about.PublishedAt) {
			t.Fatalf("saved %+v %v", saved, err)
		}
		if _, err := s.SavePage(ctx, about.ID, about.Version, PageInput{Title: "Old", AuthorID: ed.ID}); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("a save from an old version: %v", err)
		}
		if err := s.DeletePage(ctx, about.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublicPage(ctx, "about"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("a deleted page: %v", err)
		}
	})
}
