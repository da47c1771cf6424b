package comment

import (
	"context"
	"fmt"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// storedRepliesRight fails unless every top-level comment's stored replies
// is its thread's shown replies counted afresh (what the discussion page
// counted per view before).
func storedRepliesRight(t *testing.T, d *db.DB) {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT c.id, c.replies, (SELECT count(*) FROM comments x
		WHERE x.thread_id = c.id AND x.id <> c.id AND x.status = 'visible') FROM comments c WHERE c.depth = 0 ORDER BY c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var stored, counted int
		if err := rows.Scan(&id, &stored, &counted); err != nil {
			t.Fatal(err)
		}
		if stored != counted {
			t.Errorf("thread %d stores %d replies, has %d shown", id, stored, counted)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// hidden is what the first discussion page says is left of root's thread.
func (f fixture) hidden(t *testing.T, root int64) int {
	t.Helper()
	p, err := f.s.Thread(context.Background(), f.art.ID, SortOldest, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p.Hidden[root]
}

// The "N more replies" under a thread comes from the count stored on its
// top-level comment: posting, moderating, a hold after reports, deleting,
// importing, and plain SQL writing as the comment store does, all keep it
// equal to the shown replies.
func TestThreadRepliesStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		root := f.post(t, 1, 0, "A thread that grows")
		var replies []Comment
		parent := root.ID
		for i := 0; i < 7; i++ {
			c := f.post(t, 2+i%2, parent, fmt.Sprintf("Reply number %d", i))
			replies = append(replies, c)
			if i%3 == 2 {
				parent = c.ID // some nest deeper
			}
		}
		small := f.post(t, 2, 0, "A short thread")
		f.post(t, 3, small.ID, "Only reply")
		// 7 shown replies, RepliesShown of them on the page.
		if got := f.hidden(t, root.ID); got != 7-RepliesShown {
			t.Fatalf("hidden %d, want %d", got, 7-RepliesShown)
		}
		if got := f.hidden(t, small.ID); got != 0 {
			t.Fatalf("short thread hides %d", got)
		}
		storedRepliesRight(t, d)

		if err := f.s.Moderate(ctx, []int64{replies[6].ID, replies[5].ID}, ActTrash, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		if got := f.hidden(t, root.ID); got != 5-RepliesShown {
			t.Fatalf("after trashing two: hidden %d, want %d", got, 5-RepliesShown)
		}
		if err := f.s.Moderate(ctx, []int64{replies[6].ID}, ActRestore, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		// Trashing the top-level comment hides the thread, not its count.
		if err := f.s.Moderate(ctx, []int64{small.ID}, ActTrash, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		storedRepliesRight(t, d)

		// Held after one report.
		if err := f.s.Report(ctx, replies[4].ID, f.people[0].ID, "rude", Rules{ReportsToHold: 1}); err != nil {
			t.Fatal(err)
		}
		if got := f.hidden(t, root.ID); got != 5-RepliesShown {
			t.Fatalf("after a hold: hidden %d, want %d", got, 5-RepliesShown)
		}
		// Deleted by its author: still a shown placeholder, still counted.
		if err := f.s.Delete(ctx, replies[3].ID, replies[3].Author.ID); err != nil {
			t.Fatal(err)
		}
		storedRepliesRight(t, d)

		// Imported threads: counted in bulk, spam and held ones left out,
		// and an import adding to an earlier import's thread.
		at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		mk := func(id, parent string, st Status) Imported {
			return Imported{Source: "disqus:f", ExternalID: id, ParentExternalID: parent, ArticleID: f.art.ID, Guest: guest("G"+id, "", ""),
				BodyHTML: "<p>Imported " + id + "</p>", Status: st, At: at}
		}
		res := f.importAll(t, []Imported{
			mk("1", "", StatusVisible), mk("2", "1", StatusVisible), mk("3", "2", StatusVisible), mk("4", "1", StatusSpam),
			mk("5", "1", StatusPending), mk("6", "3", StatusVisible), mk("7", "1", StatusVisible),
		})
		f.importAll(t, []Imported{mk("8", "7", StatusVisible), mk("9", "1", StatusVisible)})
		storedRepliesRight(t, d)
		var stored int
		if err := d.QueryRow(ctx, `SELECT replies FROM comments WHERE id = $1`, res[0].ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != 6 {
			t.Fatalf("imported thread stores %d replies, want 6", stored)
		}

		// A writer that knows nothing of the count (a node of the previous
		// release during a rolling upgrade) keeps it right too: a reply
		// inserted as the comment store did, then one deleted outright.
		var id int64
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO comments (article_id, parent_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status, created_at)
				VALUES ($1, $2, 0, 1, '', $3, 'x', '<p>x</p>', 'x', 'visible', $4) RETURNING id`, f.art.ID, root.ID, f.people[1].ID, at).Scan(&id); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE comments SET thread_id = $2, path = $3 WHERE id = $1`, id, root.ID, pad(root.ID)+"."+pad(id))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		storedRepliesRight(t, d)
		if _, err := d.Exec(ctx, `DELETE FROM comments WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		storedRepliesRight(t, d)
	})
}
