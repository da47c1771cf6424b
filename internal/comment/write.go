package comment

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"byline/internal/db"
)

// Comments are written whole, many to a statement, by the two writers that
// store many at once: a batch of posts (batch.go) and an import
// (import.go). Both come here, so a row and the counts it moves are
// written one way.

// row is a comment written whole: its id, thread and path are known
// before it is written (ids reserved with db.Tx.ReserveIDs).
type row struct {
	id, article, parent, thread int64 // parent 0: a top-level comment
	depth                       int
	path                        string
	author                      int64  // 0: a guest, known by guest
	guest                       Author // a guest's name, e-mail and address
	md, html, text              string
	status                      Status
	deleted                     *time.Time
	ip                          string
	score                       float64
	at                          time.Time
	replyNotified               bool   // no reply notice is to be decided for it any more
	label                       string // what the spam filter learned from it ("spam", "ham" or "")
}

// writeRows stores rows, many to a statement, and adds each thread's new
// shown replies to its top-level comment: the triggers that keep that
// count (migration 0034) count a reply only when its thread is set after
// the insert, and these rows come with theirs.
func writeRows(ctx context.Context, tx *db.Tx, rows []row) error {
	values := make([][]any, 0, len(rows))
	replies := map[int64]int{}
	for _, r := range rows {
		var author, parent, hash any
		if r.author > 0 {
			author, hash = r.author, bodyHash(r.md)
			r.guest = Author{}
		}
		if r.parent > 0 {
			parent = r.parent
		}
		values = append(values, []any{r.id, r.article, parent, r.thread, r.depth, r.path, author, r.guest.Name, r.guest.Email, r.guest.URL,
			r.md, r.html, r.text, string(r.status), r.deleted, r.ip, r.score, r.at, r.replyNotified, r.label, hash})
		if r.status == StatusVisible && r.thread != r.id {
			replies[r.thread]++
		}
	}
	if err := tx.InsertRows(ctx, `INSERT INTO comments (id, article_id, parent_id, thread_id, depth, path, author_id, guest_name, guest_email, guest_url,
			body_md, body_html, body_text, status, deleted_at, ip, spam_score, created_at, reply_notified, spam_label, body_hash)`, "", values); err != nil {
		return err
	}
	return tx.AddTo(ctx, "comments", "replies", replies)
}

// bodyHash is the hash of a comment's text by which a double submission
// is found (migration 0038): FNV-1a, stored as a signed 64-bit number.
func bodyHash(md string) int64 {
	h := fnv.New64a()
	h.Write([]byte(md))
	return int64(h.Sum64())
}

// articleCounts are the shown comments and the threads to add to an
// article's stored counts, and the new top-level posts among them (told
// the page their thread lands on).
type articleCounts struct {
	comments, threads int
	posts             []*pending
}

// addToArticles adds counts to their articles, one statement an article
// in id order (so that writers on several nodes lock alike), and returns
// each article's threads after.
func addToArticles(ctx context.Context, tx *db.Tx, counts map[int64]*articleCounts) (map[int64]int, error) {
	ids := make([]int64, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	threads := make(map[int64]int, len(ids))
	for _, id := range ids {
		c := counts[id]
		var n int
		if err := tx.QueryRow(ctx, `UPDATE articles SET comment_count = comment_count + $2, comment_threads = comment_threads + $3 WHERE id = $1
			RETURNING comment_threads`, id, c.comments, c.threads).Scan(&n); err != nil {
			return nil, fmt.Errorf("comment: count on article %d: %w", id, err)
		}
		threads[id] = n
	}
	return threads, nil
}
