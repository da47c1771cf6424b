package newsletter

import (
	"testing"
	"time"
)

// The schedule says when the next digests are made: the next day at the
// hour, and the weekly one on its weekday (the dashboard once showed the
// zero time).
func TestDigestScheduleNext(t *testing.T) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	sched := DigestSchedule{Enabled: true, Hour: 7, Weekday: time.Monday}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		now, audience, want string
	}{
		{"2026-11-25 06:59", Daily, "2026-11-25 07:00"},  // a Wednesday, before the hour
		{"2026-11-25 07:00", Daily, "2026-11-26 07:00"},  // at the hour: it is being made
		{"2026-11-25 08:00", Weekly, "2026-11-30 07:00"}, // the next Monday
		{"2026-11-30 06:00", Weekly, "2026-11-30 07:00"}, // Monday, before the hour
		{"2026-11-30 07:30", Weekly, "2026-12-07 07:00"}, // Monday, after it
		{"2026-03-07 08:00", Daily, "2026-03-08 07:00"},  // the clocks change that night
	} {
		got := sched.Next(at(c.now), loc, c.audience)
		if !got.Equal(at(c.want)) {
			t.Errorf("%s %s: next %s, want %s", c.now, c.audience, got, c.want)
		}
	}
	if got := (DigestSchedule{}).Next(time.Now(), loc, Daily); !got.IsZero() {
		t.Errorf("digests off: next %s", got)
	}
}
