package wpimport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/wordpress"
	"byline/internal/wpimport"
)

// A generated magazine (both editors, every status, comments ten deep by
// guests and members, pingbacks) imports whole, and again adds nothing.
func TestImportGeneratedSite(t *testing.T) {
	var file bytes.Buffer
	if err := wordpress.Generate(&file, wordpress.GenerateOptions{Articles: 60, CommentsPerArticle: 12, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, deps := site(t, d)
		rep, err := wpimport.Import(context.Background(), deps, bytes.NewReader(file.Bytes()), wpimport.Options{BatchSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := rep.Write(&out); err != nil {
			t.Fatal(err)
		}
		t.Logf("report:\n%s", out.String())
		for _, s := range rep.Skipped {
			if !strings.HasPrefix(s.Reason, `its status is "trash"`) {
				t.Errorf("skipped %s: %s", s.What, s.Reason)
			}
		}
		if sum := rep.Added(); sum == 0 || rep.Pingbacks == 0 {
			t.Errorf("added %d, pingbacks %d", sum, rep.Pingbacks)
		}
		again, err := wpimport.Import(context.Background(), deps, bytes.NewReader(file.Bytes()), wpimport.Options{})
		if err != nil || again.Added() != 0 {
			t.Errorf("again: added %d (%v)", again.Added(), err)
		}
	})
}

// BenchmarkImport imports a generated site of 200 articles and 2,000
// comments into SQLite, once per iteration, into a fresh database.
func BenchmarkImport(b *testing.B) {
	var file bytes.Buffer
	if err := wordpress.Generate(&file, wordpress.GenerateOptions{Articles: 200, CommentsPerArticle: 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	for b.Loop() {
		b.StopTimer()
		d := dbtest.SQLite(b)
		_, deps := site(b, d)
		b.StartTimer()
		if _, err := wpimport.Import(context.Background(), deps, bytes.NewReader(file.Bytes()), wpimport.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
