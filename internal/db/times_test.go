package db_test

import (
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestParseTimeAsTheLayoutsDo holds the hand-written reading of the
// driver's form to time.Parse, and the other forms to the layouts.
func TestParseTimeAsTheLayoutsDo(t *testing.T) {
	for _, s := range []string{
		"2012-04-05 20:48:00+00:00",
		"2012-04-05 20:48:00.5+00:00",
		"2026-11-30 03:57:22.123456789-07:00",
		"2026-02-28T23:59:59.000001+05:30",
		"2024-02-29 12:00:00Z",
		"1999-12-31 23:59:59.999999999+14:00",
	} {
		got, err := db.ParseTime(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		ts := s
		layout := "2006-01-02 15:04:05.999999999-07:00"
		if ts[10] == 'T' {
			layout = "2006-01-02T15:04:05.999999999-07:00"
		}
		if ts[len(ts)-1] == 'Z' {
			layout = layout[:len(layout)-6] + "Z07:00"
		}
		want, err := time.Parse(layout, ts)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("%s: %v (%v), want %v in UTC", s, got, got.Location(), want)
		}
	}
	for s, want := range map[string]time.Time{
		"2012-04-05 20:48:00":     time.Date(2012, 4, 5, 20, 48, 0, 0, time.UTC),
		"2012-04-05T20:48:00.25":  time.Date(2012, 4, 5, 20, 48, 0, 250e6, time.UTC),
		"2012-04-05":              time.Date(2012, 4, 5, 0, 0, 0, 0, time.UTC),
		"2012-04-05 20:48":        time.Date(2012, 4, 5, 20, 48, 0, 0, time.UTC),
		"2012-04-05T20:48:00.25Z": time.Date(2012, 4, 5, 20, 48, 0, 250e6, time.UTC),
	} {
		got, err := db.ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%s: %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "yesterday", "2012-04-31 10:00:00+00:00", "2012-13-05 20:48:00+00:00", "2012-04-05 20:48:00+0000", "2012-04-05 20:48:00."} {
		if got, err := db.ParseTime(s); err == nil {
			t.Fatalf("%q read as %v", s, got)
		}
	}
}

// TestTimeTextReadsWhatTheDriverWrote writes times through the driver and
// reads them back as TimeText, on both engines.
func TestTimeTextReadsWhatTheDriverWrote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		{
			ctx := t.Context()
			if _, err := d.Exec(ctx, `CREATE TABLE times_read (at TIMESTAMP NOT NULL, maybe TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}
			when := time.Date(2026, 11, 30, 3, 57, 22, 123456000, time.FixedZone("", -7*3600))
			if _, err := d.Exec(ctx, `INSERT INTO times_read (at, maybe) VALUES ($1, NULL), ($1, $1)`, when); err != nil {
				t.Fatal(err)
			}
			rows, err := d.Query(ctx, `SELECT `+d.Engine.TimeText("at")+`, `+d.Engine.TimeText("maybe")+` FROM times_read ORDER BY maybe NULLS FIRST`)
			if err != nil {
				t.Fatal(err)
			}
			var at time.Time
			var maybe *time.Time
			n := 0
			for rows.Next() {
				if err := rows.Scan(db.ScanTime(&at), db.ScanNullTime(&maybe)); err != nil {
					t.Fatal(err)
				}
				if !at.Equal(when) || (n == 0) != (maybe == nil) || (maybe != nil && !maybe.Equal(when)) {
					t.Fatalf("row %d: %v, %v; want %v", n, at, maybe, when)
				}
				n++
			}
			if err := rows.Err(); err != nil || n != 2 {
				t.Fatalf("%d rows, %v", n, err)
			}
		}
	})
}
