package article

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		au := seedAuthor(t, d, "Cat Writer")

		// No categories: the sections are the most used tags, as before.
		tagged, err := s.Create(ctx, Draft{Headline: "Tagged", AuthorID: au.ID, BodyMD: "x", Status: StatusPublished,
			PublishedAt: time.Now().Add(-time.Hour), Tags: []string{"Cars", "Electric"}})
		if err != nil {
			t.Fatal(err)
		}
		if sec, err := s.Sections(ctx, 6); err != nil || len(sec) != 2 || sec[0].IsCategory() {
			t.Fatalf("sections without categories: %+v, %v", sec, err)
		}

		news, err := s.EnsureCategory(ctx, "news", "News", 0)
		if err != nil {
			t.Fatal(err)
		}
		cars, err := s.EnsureCategory(ctx, "cars", "Cars & Trucks", news.ID) // the tag "cars" becomes the category
		if err != nil {
			t.Fatal(err)
		}
		ev, err := s.EnsureCategory(ctx, "ev", "", cars.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !cars.IsCategory() || cars.ParentID != news.ID || ev.Name != "Ev" || ev.ParentID != cars.ID {
			t.Fatalf("made %+v and %+v", cars, ev)
		}
		if again, err := s.TagBySlug(ctx, "cars"); err != nil || again.ID != tagged.Tags[0].ID {
			t.Fatalf("the tag and the category are one row: %+v, %v (tag %+v)", again, err, tagged.Tags[0])
		}

		// Idempotent: the same call writes nothing (the counter stays).
		var before, after int64
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&before)
		same, err := s.EnsureCategory(ctx, "ev", "Ev", cars.ID)
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&after)
		if err != nil || same != ev || after != before {
			t.Fatalf("again: %+v, %v (counter %d→%d)", same, err, before, after)
		}

		// The path, top first, and the address.
		path, err := s.CategoryBySlug(ctx, "ev")
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, c := range path {
			slugs = append(slugs, c.Slug)
		}
		if !slices.Equal(slugs, []string{"news", "cars", "ev"}) || CategoryAddress(path) != "/category/news/cars/ev/" {
			t.Fatalf("path %v, address %s", slugs, CategoryAddress(path))
		}
		if _, err := s.CategoryBySlug(ctx, "electric"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("a plain tag as a category: %v", err)
		}
		sub, err := s.Subcategories(ctx, news.ID)
		if err != nil || len(sub) != 2 {
			t.Errorf("subcategories of news: %v, %v", sub, err)
		}

		// Refusals: loops, a tag as a parent, a bad slug.
		for _, c := range []struct {
			slug   string
			parent int64
			field  string
		}{{"news", ev.ID, "parent"}, {"news", news.ID, "parent"}, {"x", tagged.Tags[1].ID, "parent"}, {"Bad Slug", 0, "slug"}} {
			_, err := s.EnsureCategory(ctx, c.slug, "X", c.parent)
			if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields[c.field] == "" {
				t.Errorf("EnsureCategory(%q, parent %d) = %v; want a mistake in %s", c.slug, c.parent, err, c.field)
			}
		}

		// Moving a category keeps one row and takes its new parent.
		moved, err := s.EnsureCategory(ctx, "ev", "Electric Vehicles", news.ID)
		if err != nil || moved.ID != ev.ID || moved.ParentID != news.ID {
			t.Fatalf("moved: %+v, %v", moved, err)
		}

		// The sections are now the top categories, articles or not.
		sec, err := s.Sections(ctx, 6)
		if err != nil || len(sec) != 1 || sec[0].Slug != "news" {
			t.Fatalf("sections with categories: %+v, %v", sec, err)
		}

		// A category is an article's tag, so its kicker; a parent's list
		// takes its subcategories' articles.
		a, err := s.Create(ctx, Draft{Headline: "Charging at home", AuthorID: au.ID, BodyMD: "x", Status: StatusPublished,
			PublishedAt: time.Now().Add(-time.Minute), Tags: []string{"ev", "chargers"}})
		if err != nil {
			t.Fatal(err)
		}
		if k := a.Kicker(); k == nil || k.ID != ev.ID || !k.IsCategory() {
			t.Fatalf("kicker %+v", k)
		}
		sub, err = s.Subcategories(ctx, news.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx, ListQuery{TagID: news.ID, AlsoTags: sub})
		if err != nil || len(list.Articles) != 2 || list.Articles[0].ID != a.ID || list.Articles[1].ID != tagged.ID {
			t.Fatalf("news lists %+v, %v", list.Articles, err)
		}
		if own, err := s.List(ctx, ListQuery{TagID: news.ID}); err != nil || len(own.Articles) != 0 {
			t.Errorf("news's own articles: %+v, %v", own.Articles, err)
		}
		addrs, err := s.CategoryAddresses(ctx)
		if err != nil || addrs[ev.ID] != "/category/news/ev/" || addrs[cars.ID] != "/category/news/cars/" || addrs[news.ID] != "/category/news/" {
			t.Errorf("addresses: %v, %v", addrs, err)
		}
		all, err := s.Categories(ctx)
		if err != nil || len(all) != 3 || all[0].Slug != "news" {
			t.Errorf("categories: %+v, %v", all, err)
		}
	})
}
