package importjob

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestOneAtATimeAndInterrupted: a second job is refused while one is
// active; a job whose heartbeat stopped shows as interrupted and no longer
// blocks a new one, which marks it interrupted for good.
func TestOneAtATimeAndInterrupted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		s.now = func() time.Time { return clock }
		a, err := s.create(ctx, Job{Kind: KindWordPress, FileName: "a.xml", BytesTotal: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.create(ctx, Job{Kind: KindWordPress, FileName: "b.xml", BytesTotal: 10}); !errors.Is(err, ErrBusy) {
			t.Fatalf("second job while one is queued: %v, want ErrBusy", err)
		}
		if err := s.progress(ctx, a.ID, true, 500); err != nil {
			t.Fatal(err)
		}
		j, err := s.Job(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != Running || j.Percent() != 25 || !j.Checking {
			t.Fatalf("checking half the file: %s at %d%%, want running at 25%%", j.Status, j.Percent())
		}
		if err := s.progress(ctx, a.ID, false, 500); err != nil {
			t.Fatal(err)
		}
		if j, _ = s.Job(ctx, a.ID); j.Percent() != 75 {
			t.Fatalf("importing half the file: %d%%, want 75%%", j.Percent())
		}

		clock = clock.Add(Stale + time.Second) // the node died
		if j, _ = s.Job(ctx, a.ID); j.Status != Interrupted || j.Active() {
			t.Fatalf("silent job: %s, want interrupted", j.Status)
		}
		b, err := s.create(ctx, Job{Kind: KindWordPress, FileName: "a.xml", BytesTotal: 1000})
		if err != nil {
			t.Fatalf("a new job after the node died: %v", err)
		}
		// The dead node's job stays interrupted, even once the clock is
		// fresh for the new one.
		if j, _ = s.Job(ctx, a.ID); j.Status != Interrupted || j.Error == "" || j.FinishedAt.IsZero() {
			t.Fatalf("dead job: %+v", j)
		}
		if err := s.finish(ctx, b.ID, "report", nil); err != nil {
			t.Fatal(err)
		}
		if j, _ = s.Job(ctx, b.ID); j.Status != Done || j.Percent() != 100 || j.BytesDone != 1000 || j.Report != "report" {
			t.Fatalf("finished job: %+v", j)
		}
		list, err := s.Recent(ctx)
		if err != nil || len(list) != 2 || list[0].ID != b.ID {
			t.Fatalf("recent: %v, %v", list, err)
		}
	})
}
