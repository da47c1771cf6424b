package article

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestPins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		writer := seedAuthor(t, d, "Pia Pinner")
		editor := asEditor(writer.ID)
		contributor := account.Person{ID: writer.ID, Roles: []account.Role{account.RoleContributor}, VerifiedAt: time.Now()}
		old, err := s.Create(ctx, Draft{Headline: "An old story worth keeping up", AuthorID: writer.ID, BodyMD: "Text.", Status: StatusPublished,
			PublishedAt: time.Now().Add(-30 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		draft, err := s.Create(ctx, Draft{Headline: "Not yet out", AuthorID: writer.ID, Status: StatusDraft})
		if err != nil {
			t.Fatal(err)
		}

		if _, err := s.Pin(ctx, old.ID, true, contributor); !errors.Is(err, ErrForbidden) {
			t.Fatalf("a contributor pinned: %v", err)
		}
		if _, err := s.Pin(ctx, draft.ID, true, editor); !errors.Is(err, ErrTransition) {
			t.Fatalf("a draft was pinned: %v", err)
		}
		before, _ := s.StaffByID(ctx, old.ID)
		st, err := s.Pin(ctx, old.ID, true, editor)
		if err != nil || !st.Pinned {
			t.Fatalf("pin: %+v %v", st, err)
		}
		after, _ := s.StaffByID(ctx, old.ID)
		if !after.Pinned || after.Version != before.Version || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatalf("pinning changed the article: version %d→%d, updated %v→%v", before.Version, after.Version, before.UpdatedAt, after.UpdatedAt)
		}
		if _, err := s.Pin(ctx, old.ID, true, editor); !errors.Is(err, ErrTransition) {
			t.Fatalf("pinned twice: %v", err)
		}
		list, err := s.Pinned(ctx, 5)
		if err != nil || len(list) != 1 || list[0].ID != old.ID {
			t.Fatalf("pinned list: %+v %v", list, err)
		}
		// Unpublishing unpins: publishing again does not bring it back pinned.
		if _, err := s.Step(ctx, old.ID, 0, "unpublish", "", editor); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.StaffByID(ctx, old.ID); st.Pinned {
			t.Fatal("an unpublished article stays pinned")
		}
		if list, _ := s.Pinned(ctx, 5); len(list) != 0 {
			t.Fatalf("pinned after unpublishing: %d", len(list))
		}
		if _, err := s.Step(ctx, old.ID, 0, "publish", "", editor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pin(ctx, old.ID, true, editor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pin(ctx, old.ID, false, editor); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Pinned(ctx, 5); len(list) != 0 {
			t.Fatalf("pinned after unpinning: %d", len(list))
		}
	})
}
