package demo

import (
	"context"
	"testing"
	"time"

	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/dbtest"
	"byline/internal/media"
)

// TestDemoPictures: every demo article has a featured image with alt text
// and all its variants stored; every model has its photo; the staff have
// portraits; the five pages are published.
func TestDemoPictures(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	files := media.Local{Dir: t.TempDir()}
	if err := Load(ctx, d, time.UTC, nil, WithMedia(files)); err != nil {
		t.Fatal(err)
	}
	pics := media.NewStore(d, files)
	rows, err := d.Query(ctx, `SELECT slug, COALESCE(featured_media_id, 0) FROM articles`)
	if err != nil {
		t.Fatal(err)
	}
	featured := map[string]int64{}
	for rows.Next() {
		var slug string
		var id int64
		if err := rows.Scan(&slug, &id); err != nil {
			t.Fatal(err)
		}
		featured[slug] = id
	}
	rows.Close()
	if len(featured) != len(articlePics) {
		t.Fatalf("%d articles, %d pictures", len(featured), len(articlePics))
	}
	check := func(what string, id int64) {
		t.Helper()
		if id == 0 {
			t.Fatalf("%s has no picture", what)
		}
		m, err := pics.ByID(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(m.Alt) < 20 || len(m.Variants) != 3 || m.Width != picWidth || m.Height != picHeight {
			t.Fatalf("%s: alt %q, %d variants, %d×%d", what, m.Alt, len(m.Variants), m.Width, m.Height)
		}
		for _, v := range m.Variants {
			if _, _, err := pics.Open(ctx, v.Key); err != nil {
				t.Fatalf("%s: variant %s: %v", what, v.Name, err)
			}
		}
	}
	for slug, id := range featured {
		check(slug, id)
	}
	cat, err := cars.NewStore(d).Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, mk := range cat.Makes {
		for _, m := range mk.Models {
			check(m.FullName(), m.MediaID)
		}
	}
	var portraits int
	d.QueryRow(ctx, `SELECT count(*) FROM users WHERE avatar_kind = 'upload'`).Scan(&portraits)
	if portraits != len(People)-1 { // all the staff; the reader keeps the pattern
		t.Fatalf("%d portraits", portraits)
	}
	links, err := article.NewStore(d).PublicPages(ctx)
	if err != nil || len(links) != 5 || links[0].Slug != "about" {
		t.Fatalf("pages: %+v %v", links, err)
	}
}
