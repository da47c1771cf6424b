package comment

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// One batch holding good posts, a refused one and a double submission:
// each gets its own answer, the refused one leaves no trace, the double is
// answered with the first, and the article's count is what was stored.
func TestBatchAnswersEachPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		rules := Rules{Open: true, MaxLinks: -1}
		draft := func(author int, parent int64, body string) *pending {
			dr, err := f.s.newDraft(New{ArticleID: f.art.ID, ParentID: parent, AuthorID: f.people[author].ID, Body: body}, rules)
			if err != nil {
				t.Fatal(err)
			}
			return &pending{d: dr, rules: rules}
		}
		batch := []*pending{
			draft(1, 0, "First in the batch."),
			draft(2, 999999, "A reply to nothing."), // refused: no such parent
			draft(1, 0, "First in the batch."),      // the same again: a double submission
			draft(3, 0, "Third in the batch."),
		}
		f.s.storeBatch(batch)
		if batch[0].err != nil || batch[3].err != nil || batch[0].out.ID == 0 || batch[3].out.ID == batch[0].out.ID {
			t.Fatalf("good posts: %+v / %v, %+v / %v", batch[0].out, batch[0].err, batch[3].out, batch[3].err)
		}
		var inv *apperr.Invalid
		if !errors.As(batch[1].err, &inv) || batch[1].out.ID != 0 {
			t.Fatalf("the reply to nothing: %v, %+v", batch[1].err, batch[1].out)
		}
		if batch[2].err != nil || !batch[2].out.Duplicate || batch[2].out.ID != batch[0].out.ID {
			t.Fatalf("the double submission: %+v, %v", batch[2].out, batch[2].err)
		}
		var stored, counted int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1`, f.art.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT comment_count FROM articles WHERE id = $1`, f.art.ID).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		if stored != 2 || counted != 2 {
			t.Fatalf("%d comments stored, %d counted; want 2", stored, counted)
		}
	})
}

// Many readers posting at once: every post answered, every acknowledged
// comment stored once, replies under their parents, and the count right.
func TestConcurrentPostsAllStoredOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		parent := f.post(t, 0, 0, "Reply to this.")
		const n = 60
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				var to int64
				if i%3 == 0 {
					to = parent.ID
				}
				p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: to, AuthorID: f.people[i%4].ID, Body: fmt.Sprintf("Post number %d.", i)},
					Rules{Open: true, MaxLinks: -1})
				ids[i], errs[i] = p.ID, err
			})
		}
		close(start)
		wg.Wait()
		seen := map[int64]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("post %d: %v", i, err)
			}
			if seen[ids[i]] {
				t.Fatalf("two posts answered with comment %d", ids[i])
			}
			seen[ids[i]] = true
		}
		var stored, counted, replies int
		if err := d.QueryRow(ctx, `SELECT count(*), count(parent_id) FROM comments WHERE article_id = $1`, f.art.ID).Scan(&stored, &replies); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT comment_count FROM articles WHERE id = $1`, f.art.ID).Scan(&counted); err != nil {
			t.Fatal(err)
		}
		if stored != n+1 || counted != n+1 || replies != n/3 {
			t.Fatalf("%d stored, %d counted, %d replies; want %d, %d, %d", stored, counted, replies, n+1, n+1, n/3)
		}
		for id := range seen {
			if _, err := f.s.Get(ctx, id); err != nil {
				t.Fatalf("acknowledged comment %d: %v", id, err)
			}
		}
	})
}

// A post that fails in the database (here a trigger refuses its row) fails
// alone: the batch is written again with a savepoint per post, and the
// others are stored and counted once.
func TestBatchSurvivesAFailingPost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		trigger := map[db.Engine][]string{
			db.SQLite: {`CREATE TRIGGER refuse_boom BEFORE INSERT ON comments WHEN NEW.body_md = 'Boom.'
				BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`},
			db.Postgres: {`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.body_md = 'Boom.' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER refuse_boom BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION refuse_boom()`},
		}
		for _, q := range trigger[d.Engine] {
			if _, err := d.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		rules := Rules{Open: true, MaxLinks: -1}
		var batch []*pending
		for i, body := range []string{"Before the failure.", "Boom.", "After the failure."} {
			dr, err := f.s.newDraft(New{ArticleID: f.art.ID, AuthorID: f.people[i].ID, Body: body}, rules)
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, &pending{d: dr, rules: rules})
		}
		f.s.storeBatch(batch)
		if batch[0].err != nil || batch[2].err != nil || batch[0].out.ID == 0 || batch[2].out.ID == 0 {
			t.Fatalf("the posts around the failure: %v, %v", batch[0].err, batch[2].err)
		}
		if batch[1].err == nil || batch[1].out.ID != 0 {
			t.Fatalf("the failing post: %v, %+v", batch[1].err, batch[1].out)
		}
		if batch[2].out.LastPage != 1 {
			t.Fatalf("last page %d, want 1", batch[2].out.LastPage)
		}
		var stored, counted, threads int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1`, f.art.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT comment_count, comment_threads FROM articles WHERE id = $1`, f.art.ID).Scan(&counted, &threads); err != nil {
			t.Fatal(err)
		}
		if stored != 2 || counted != 2 || threads != 2 {
			t.Fatalf("%d stored, %d counted, %d threads; want 2 each", stored, counted, threads)
		}
	})
}

// The rules see a batch's earlier posts as stored: an author's third post
// of the minute is refused by a pace of two, a post repeating an earlier
// comment (stored before, or earlier in the batch) is answered with it,
// replies land under their parents and are counted on their thread, and
// a held post gets its history line. All in one batch.
func TestBatchAppliesRulesAcrossItsPosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		root := f.post(t, 0, 0, "A thread to answer.")
		stored := f.post(t, 2, 0, "Said once already.")
		paced := Rules{Open: true, MaxLinks: -1, PerMinute: 2}
		open := Rules{Open: true, MaxLinks: -1}
		holdAll := Rules{Open: true, MaxLinks: -1, HoldAll: true}
		draft := func(author int, parent int64, body string, rules Rules) *pending {
			dr, err := f.s.newDraft(New{ArticleID: f.art.ID, ParentID: parent, AuthorID: f.people[author].ID, Body: body}, rules)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.s.judge(ctx, d, &dr, rules); err != nil {
				t.Fatal(err)
			}
			return &pending{d: dr, rules: rules}
		}
		batch := []*pending{
			draft(1, 0, "One.", paced),
			draft(1, root.ID, "Two, a reply.", paced),
			draft(1, 0, "Three is too fast.", paced),       // refused: the third of the minute
			draft(1, 0, "One.", paced),                     // the first again: a double, not refused
			draft(2, 0, "Said once already.", open),        // a double of a stored comment
			draft(3, root.ID, "A reply to wait.", holdAll), // held
			draft(3, root.ID, "A shown reply.", open),
		}
		f.s.storeBatch(batch)
		for i, want := range []struct {
			refused, dup bool
			status       Status
		}{{status: StatusVisible}, {status: StatusVisible}, {refused: true}, {dup: true}, {dup: true}, {status: StatusPending}, {status: StatusVisible}} {
			p := batch[i]
			if (p.err != nil) != want.refused || p.out.Duplicate != want.dup || (!want.refused && !want.dup && p.out.Status != want.status) {
				t.Fatalf("post %d: %+v, %v; want %+v", i, p.out, p.err, want)
			}
		}
		var inv *apperr.Invalid
		if !errors.As(batch[2].err, &inv) {
			t.Fatalf("the post too fast: %v", batch[2].err)
		}
		if batch[3].out.ID != batch[0].out.ID || batch[4].out.ID != stored.ID {
			t.Fatalf("doubles answered with %d and %d, want %d and %d", batch[3].out.ID, batch[4].out.ID, batch[0].out.ID, stored.ID)
		}
		for _, i := range []int{1, 5, 6} {
			c, err := f.s.Get(ctx, batch[i].out.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.ParentID != root.ID || c.ThreadID != root.ID || c.Depth != 1 {
				t.Fatalf("reply %d stored under %d in thread %d at depth %d", i, c.ParentID, c.ThreadID, c.Depth)
			}
		}
		var held int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comment_events WHERE comment_id = $1 AND action = 'held'`, batch[5].out.ID).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held != 1 || batch[5].out.HeldFor == "" {
			t.Fatalf("held post: %d history lines, held for %q", held, batch[5].out.HeldFor)
		}
		// Stored: root, stored, and posts 0, 1, 5, 6; shown: all but 5.
		var n, counted, threads int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1`, f.art.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT comment_count, comment_threads FROM articles WHERE id = $1`, f.art.ID).Scan(&counted, &threads); err != nil {
			t.Fatal(err)
		}
		if n != 6 || counted != 5 || threads != 3 {
			t.Fatalf("%d stored, %d counted, %d threads; want 6, 5, 3", n, counted, threads)
		}
		if batch[0].out.LastPage != 1 {
			t.Fatalf("last page %d, want 1", batch[0].out.LastPage)
		}
		storedRepliesRight(t, d)
	})
}
