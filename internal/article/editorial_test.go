package article

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

func TestNewsroom(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		author := seedAuthor(t, d, "Nora Newsroom").ID
		editor := asEditor(author) // the writer, acting with an editor's role
		a, err := s.Create(ctx, Draft{Headline: "Work in progress", AuthorID: author, Status: StatusDraft})
		if err != nil {
			t.Fatal(err) // a draft may start empty
		}
		st, err := s.StaffByID(ctx, a.ID)
		if err != nil || st.Version != 1 {
			t.Fatalf("new draft: %+v %v", st, err)
		}
		// Two people start from version 1; the second save is refused.
		first, err := s.Save(ctx, a.ID, 1, Draft{Headline: "Work in progress", AuthorID: author, BodyMD: "First words.", Status: StatusDraft}, editor)
		if err != nil || first.Version != 2 {
			t.Fatalf("save: %+v %v", first, err)
		}
		_, err = s.Save(ctx, a.ID, 1, Draft{Headline: "Other take", AuthorID: author, BodyMD: "Other words.", Status: StatusDraft}, editor)
		var c *Conflict
		if !errors.As(err, &c) || c.Current.Version != 2 || !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), "not saved") {
			t.Fatalf("a stale save: %v", err)
		}
		// Drafts keep no revisions; the workflow moves the status.
		if revs, _ := s.Revisions(ctx, a.ID); len(revs) != 0 {
			t.Fatalf("revisions of a draft: %d", len(revs))
		}
		if _, err := s.Step(ctx, a.ID, 0, "publish", "", editor); err != nil { // from draft is allowed to publishers
			t.Fatal(err)
		}
		if _, err := s.Step(ctx, a.ID, 0, "unpublish", "", editor); err != nil {
			t.Fatal(err)
		}
		st, _ = s.Step(ctx, a.ID, 0, "submit", "", editor)
		if st.Status != StatusPending {
			t.Fatalf("submitted: %s", st.Status)
		}
		if _, err := s.Step(ctx, a.ID, 0, "submit", "", editor); !errors.Is(err, ErrTransition) {
			t.Fatalf("submitting twice: %v", err)
		}
		if _, err := s.Step(ctx, a.ID, 0, "return", "  ", editor); err == nil {
			t.Fatal("returned without a note")
		}
		st, _ = s.Step(ctx, a.ID, 0, "return", "Needs a source for the second claim.", editor)
		if st.Status != StatusDraft || st.ReviewNote != "Needs a source for the second claim." {
			t.Fatalf("returned: %s %q", st.Status, st.ReviewNote)
		}
		st, _ = s.Step(ctx, a.ID, 0, "submit", "", editor)
		st, err = s.Step(ctx, a.ID, st.Version, "publish", "", editor)
		if err != nil || st.Status != StatusPublished || st.PublishedAt.IsZero() || st.ReviewNote != "" {
			t.Fatalf("published: %+v %v", st, err)
		}
		if _, err := s.Public(ctx, st.Slug); err != nil {
			t.Fatalf("published but not public: %v", err)
		}
		// Every save of a published article keeps a revision.
		st, err = s.Save(ctx, a.ID, st.Version, Draft{Headline: "Finished piece", Slug: st.Slug, AuthorID: author, BodyMD: "First words.\n\nMore words.",
			Tags: []string{"Luxury", "Infiniti"}, Status: StatusPublished, PublishedAt: st.PublishedAt}, editor)
		if err != nil {
			t.Fatal(err)
		}
		revs, _ := s.Revisions(ctx, a.ID)
		if len(revs) != 3 || revs[0].Headline != "Finished piece" || revs[0].Tags != "Infiniti, Luxury" && revs[0].Tags != "Luxury, Infiniti" || revs[2].BodyMD != "First words." {
			t.Fatalf("revisions: %+v", revs)
		}
		// Restore the first published text.
		st, err = s.Restore(ctx, revs[1].ID, st.Version, editor)
		if err != nil || st.Headline != "Work in progress" || st.BodyMD != "First words." {
			t.Fatalf("restored: %+v %v", st, err)
		}
		// The list, by status and text; the trash.
		list, _, err := s.StaffList(ctx, StaffQuery{Status: "published", Text: "progress"})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		// Typed text matches literally: "%" and "_" are not wildcards.
		for _, text := range []string{"work%progress", "work_in"} {
			if list, _, err := s.StaffList(ctx, StaffQuery{Text: text}); err != nil || len(list) != 0 {
				t.Fatalf("%q found %d articles: %v", text, len(list), err)
			}
		}
		if _, err := s.Step(ctx, a.ID, 0, "trash", "", editor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Public(ctx, st.Slug); err == nil {
			t.Fatal("a trashed article is public")
		}
		if list, _, _ := s.StaffList(ctx, StaffQuery{Status: "trashed"}); len(list) != 1 {
			t.Fatalf("trash: %d", len(list))
		}
		if list, _, _ := s.StaffList(ctx, StaffQuery{}); len(list) != 0 {
			t.Fatalf("the trash shows in the list: %d", len(list))
		}
		counts, _ := s.StatusCounts(ctx, 0)
		if counts["trashed"] != 1 {
			t.Fatalf("counts %v", counts)
		}
		// A scheduled publication: a date to come.
		b, _ := s.Create(ctx, Draft{Headline: "Later", AuthorID: author, BodyMD: "Soon.", Status: StatusDraft, PublishedAt: time.Now().Add(48 * time.Hour)})
		st, _ = s.Step(ctx, b.ID, 0, "publish", "", editor)
		if st.Status != StatusScheduled {
			t.Fatalf("a future date: %s", st.Status)
		}
	})
}

// The store enforces who may take which step, whoever calls it: a
// contributor cannot publish or edit someone else's article, and may
// submit their own draft.
func TestStepsFollowThePermissionTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		writer := seedAuthor(t, d, "Cora Contributor")
		writer.VerifiedAt = time.Now()
		other := seedAuthor(t, d, "Otto Other")
		a, err := s.Create(ctx, Draft{Headline: "Mine", AuthorID: writer.ID, BodyMD: "Words.", Status: StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Create(ctx, Draft{Headline: "Theirs", AuthorID: other.ID, BodyMD: "Words.", Status: StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(ctx, a.ID, 0, "publish", "", writer); !errors.Is(err, ErrForbidden) {
			t.Fatalf("a contributor published: %v", err)
		}
		if _, err := s.Save(ctx, b.ID, 1, Draft{Headline: "Changed", AuthorID: other.ID, BodyMD: "Mine now.", Status: StatusDraft}, writer); !errors.Is(err, ErrForbidden) {
			t.Fatalf("a contributor edited someone else's draft: %v", err)
		}
		if st, err := s.Step(ctx, a.ID, 0, "submit", "", writer); err != nil || st.Status != StatusPending {
			t.Fatalf("a contributor could not submit their own draft: %v", err)
		}
		if got, err := s.StaffByID(ctx, b.ID); err != nil || got.Headline != "Theirs" {
			t.Fatalf("the refused save changed the article: %+v %v", got, err)
		}
	})
}

// The newsroom's notices are queued in the step's own transaction: editors
// hear of a submission, the writer of a return or of publication by
// someone else; a notice that cannot be queued leaves the step untaken.
func TestStepNoticesInTheStep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		people := account.NewStore(d)
		writer := seedAuthor(t, d, "Wren Writer")
		writer.VerifiedAt = time.Now()
		editor, err := people.Create(ctx, account.NewPerson{Email: "ed@example.com", DisplayName: "Ed Editor", Roles: []account.Role{account.RoleEditor}, Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		box := &recorder{}
		site := func(context.Context) NoticeSite {
			return NoticeSite{Name: "Test Ledger", BaseURL: "https://news.test", Location: time.UTC}
		}
		s := NewStore(d).WithNotices(box, site)
		a, err := s.Create(ctx, Draft{Headline: "Told piece", AuthorID: writer.ID, BodyMD: "Words.", Status: StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(ctx, a.ID, 0, "submit", "", writer); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Step(ctx, a.ID, 0, "return", "Needs a source.", editor); err != nil {
			t.Fatal(err)
		}
		want := []string{"ed@example.com For review: Told piece", writer.Email + " Returned to you: Told piece"}
		if got := box.sent(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("notices %q, want %q", got, want)
		}
		// A notice that fails takes its step back with it.
		box.fail = true
		if _, err := s.Step(ctx, a.ID, 0, "submit", "", writer); err == nil {
			t.Fatal("a step whose notice failed was taken")
		}
		if st, err := s.StaffByID(ctx, a.ID); err != nil || st.Status != StatusDraft {
			t.Fatalf("after a failed notice: %s %v", st.Status, err)
		}
	})
}

// recorder is a Mailer that keeps what it is given, or fails.
type recorder struct {
	fail bool
	got  []mail.Message
}

func (r *recorder) Enqueue(ctx context.Context, q db.Querier, m mail.Message) error {
	if r.fail {
		return errors.New("outbox refused")
	}
	r.got = append(r.got, m)
	return nil
}

func (r *recorder) sent() []string {
	var out []string
	for _, m := range r.got {
		out = append(out, m.To+" "+m.Subject)
	}
	return out
}
