package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) == 0 || len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Version != p[i].Version || s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, s[i].Version, s[i].Name, p[i].Version, p[i].Name)
		}
	}
}

func TestEngines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Migrating again applies nothing.
		again, err := d.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, err %v", again, err)
		}
		// A unique violation maps to ErrConflict.
		now := time.Now()
		ins := `INSERT INTO users (email, slug, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`
		if _, err := d.Exec(ctx, ins, "a@example.com", "a", "A", now); err != nil {
			t.Fatal(err)
		}
		_, err = d.Exec(ctx, ins, "a@example.com", "b", "B", now)
		if err = db.MapError(d.Engine, err); !errors.Is(err, apperr.ErrConflict) {
			t.Fatalf("duplicate e-mail: got %v, want ErrConflict", err)
		}
		// No rows maps to ErrNotFound.
		var id int64
		err = d.QueryRow(ctx, "SELECT id FROM users WHERE slug = $1", "nobody").Scan(&id)
		if err = db.MapError(d.Engine, err); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing row: got %v, want ErrNotFound", err)
		}
		// Times round-trip in UTC and compare in order, fractions or not.
		t0 := time.Date(2012, 4, 5, 10, 15, 0, 0, time.FixedZone("EDT", -4*3600))
		times := []time.Time{t0, t0.Add(500 * time.Millisecond), t0.Add(time.Second), t0.Add(-time.Microsecond)}
		for i, tm := range times {
			if _, err := d.Exec(ctx, ins, string(rune('c'+i))+"@example.com", string(rune('c'+i)), "T", tm); err != nil {
				t.Fatal(err)
			}
		}
		var got time.Time
		if err := d.QueryRow(ctx, "SELECT created_at FROM users WHERE slug = 'c'").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(t0) {
			t.Fatalf("time round trip: got %v, want %v", got, t0)
		}
		var n int
		if err := d.QueryRow(ctx, "SELECT count(*) FROM users WHERE created_at > $1 AND slug <> 'a'", t0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("times after t0: got %d, want 2", n)
		}
		// A failing transaction leaves nothing behind.
		boom := errors.New("boom")
		err = d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, ins, "z@example.com", "z", "Z", now); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("tx error: %v", err)
		}
		if err := d.QueryRow(ctx, "SELECT count(*) FROM users WHERE slug = 'z'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
		}
	})
}

func TestOpenErrorsAreOneLine(t *testing.T) {
	_, err := db.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	if err == nil {
		t.Fatal("expected an error for an unreachable server")
	}
	for _, c := range err.Error() {
		if c == '\n' {
			t.Fatalf("error has several lines: %q", err)
		}
	}
	if _, err := db.Open(context.Background(), t.TempDir()+"/missing/dir/x.db"); err == nil {
		t.Fatal("expected an error for an SQLite file in a missing folder")
	}
}

// CountBuckets counts by calendar days of the site's zone in SQL, on both
// engines, across a clock change (New York sets its clocks forward on
// 8 March 2026: that day has 23 hours).
func TestCountBuckets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skip("no time zone database")
		}
		// A table of the test's own, with a time column.
		if _, err := d.Exec(ctx, `CREATE TABLE bucket_test (at TIMESTAMP NOT NULL, kind TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 3, 7, 0, 0, 0, 0, ny)
		for _, at := range []time.Time{
			time.Date(2026, 3, 6, 23, 59, 0, 0, ny), // before the first day: not counted
			time.Date(2026, 3, 7, 0, 0, 0, 0, ny),   // day 0
			time.Date(2026, 3, 7, 23, 30, 0, 0, ny), // day 0
			time.Date(2026, 3, 8, 23, 30, 0, 0, ny), // day 1, the short day
			time.Date(2026, 3, 9, 0, 30, 0, 0, ny),  // day 2 (24 hours after day 1 began would still be day 1)
			time.Date(2026, 3, 10, 0, 0, 0, 0, ny),  // after the last day: not counted
		} {
			if _, err := d.Exec(ctx, `INSERT INTO bucket_test (at, kind) VALUES ($1, 'x')`, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Exec(ctx, `INSERT INTO bucket_test (at, kind) VALUES ($1, 'y')`, time.Date(2026, 3, 7, 12, 0, 0, 0, ny)); err != nil {
			t.Fatal(err)
		}
		got, err := d.CountBuckets(ctx, `FROM bucket_test WHERE kind = 'x'`, "at", db.Edges(start, 1, 3))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[2 1 1]" {
			t.Fatalf("per day %v, want [2 1 1]", got)
		}
	})
}
