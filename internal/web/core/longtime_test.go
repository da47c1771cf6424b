package core

import (
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on a machine without a zone database
)

// TestLongTimesAsFormat pins that LongTimes writes what time.Format writes,
// over random times in zones east and west, with half-hour and odd
// offsets, without a zone name, and in years Format pads.
func TestLongTimesAsFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3*3600+1800), time.FixedZone("XYZ", -9*3600)}
	for _, name := range []string{"America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Sao_Paulo", "Europe/Berlin"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("zone %s: %v", name, err)
		}
		zones = append(zones, loc)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	times := []time.Time{time.Date(7, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 12, 5, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}
	for range 20000 {
		times = append(times, time.Unix(rng.Int64N(4_000_000_000), 0))
	}
	for _, loc := range zones {
		for _, at := range times {
			lt := at.In(loc)
			dt, d := LongTimes(lt)
			if want := lt.Format(DateTimeLayout); dt != want {
				t.Fatalf("%v in %s: %q, Format writes %q", at, loc, dt, want)
			}
			if want := lt.Format(DateLayout); d != want {
				t.Fatalf("%v in %s: %q, Format writes %q", at, loc, d, want)
			}
		}
	}
}
