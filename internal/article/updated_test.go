package article

import (
	"context"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// An article's updated_at is its last change: an import keeps its own
// (never later than now nor before it came out), a save moves it, and a
// scheduled article coming out moves it to that moment. Tags keep their
// writer's spelling and order, and the kicker is the first of them.
func TestUpdatedAtAndTagOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		author := seedAuthor(t, d, "Uma Updated").ID
		editor := asEditor(author) // the writer, acting with an editor's role
		pub := time.Date(2012, 4, 5, 14, 15, 0, 0, time.UTC)
		a, err := s.Create(ctx, Draft{Headline: "Imported", AuthorID: author, BodyMD: "Text.", Status: StatusPublished, PublishedAt: pub,
			UpdatedAt: pub.Add(3 * time.Hour), Tags: []string{"japan", "INFINITI", "Fuel Economy"}})
		if err != nil {
			t.Fatal(err)
		}
		if !a.UpdatedAt.Equal(pub.Add(3*time.Hour)) || !a.CreatedAt.Equal(pub) {
			t.Fatalf("import: created %s updated %s", a.CreatedAt, a.UpdatedAt)
		}
		var names []string
		for _, tg := range a.Tags {
			names = append(names, tg.Name)
		}
		if got := names; len(got) != 3 || got[0] != "japan" || got[1] != "INFINITI" || got[2] != "Fuel Economy" || a.Kicker().Slug != "japan" {
			t.Fatalf("tags %q, kicker %+v", got, a.Kicker())
		}
		b, err := s.Create(ctx, Draft{Headline: "Odd dates", AuthorID: author, BodyMD: "Text.", Status: StatusPublished, PublishedAt: pub,
			UpdatedAt: pub.Add(-time.Hour)})
		if err != nil || !b.UpdatedAt.Equal(pub) {
			t.Fatalf("an update before publication: %s %v", b.UpdatedAt, err)
		}
		// A save is a change now.
		before := time.Now().Add(-time.Second)
		st, err := s.Save(ctx, a.ID, 1, Draft{Headline: "Imported", AuthorID: author, BodyMD: "Text, corrected.", Status: StatusPublished, PublishedAt: pub,
			Tags: []string{"INFINITI", "japan"}}, editor)
		if err != nil || st.UpdatedAt.Before(before) {
			t.Fatalf("save: %s %v", st.UpdatedAt, err)
		}
		if st.Tags[0].Name != "INFINITI" || st.Kicker().Name != "INFINITI" {
			t.Fatalf("reordered tags: %+v", st.Tags)
		}
		if revs, _ := s.Revisions(ctx, a.ID); len(revs) == 0 || revs[0].Tags != "INFINITI, japan" {
			t.Fatalf("revision tags: %+v", revs)
		}
		// A scheduled article comes out: its change is that moment.
		at := time.Now().Add(2 * time.Second).UTC().Truncate(time.Microsecond)
		c, err := s.Create(ctx, Draft{Headline: "Later", AuthorID: author, BodyMD: "Soon.", Status: StatusScheduled, PublishedAt: at})
		if err != nil || !c.UpdatedAt.Before(at) {
			t.Fatalf("scheduled: %+v %v", c, err)
		}
		s.now = func() time.Time { return at.Add(time.Second) }
		if n, err := s.PublishDue(ctx); err != nil || n != 1 {
			t.Fatalf("publish due: %d %v", n, err)
		}
		c, err = s.ByID(ctx, c.ID)
		if err != nil || !c.UpdatedAt.Equal(at) {
			t.Fatalf("came out at %s, updated %s (%v)", at, c.UpdatedAt, err)
		}
	})
}
