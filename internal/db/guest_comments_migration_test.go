package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"byline/internal/db"
)

// SQLite rebuilds the comments table to let a comment have no account
// (0019); the votes, reports and history that refer to comments must come
// through it, where dropping the old table deletes them (ON DELETE CASCADE).
func TestGuestCommentsMigrationKeepsWhatRefersToComments(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	run := func(m db.Migration) {
		t.Helper()
		if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, m.SQL); return err }); err != nil {
			t.Fatalf("migration %04d: %v", m.Version, err)
		}
	}
	var guest db.Migration
	for _, m := range ms {
		if m.Version == 19 {
			guest = m
			break
		}
		run(m)
	}
	if guest.Version != 19 {
		t.Fatal("no migration 0019")
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, email, slug, display_name, created_at, updated_at) VALUES (1, 'a@example.com', 'a', 'A', $1, $1), (2, 'b@example.com', 'b', 'B', $1, $1)`,
		`INSERT INTO articles (id, slug, headline, author_id, status, body_md, body_html, body_text, excerpt, created_at, updated_at) VALUES (1, 'x', 'X', 1, 'published', '', '', '', '', $1, $1)`,
		`INSERT INTO comments (id, article_id, parent_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status, up, created_at)
			VALUES (1, 1, NULL, 1, 0, '0000000001', 1, 'a', '<p>a</p>', 'a', 'visible', 1, $1), (2, 1, 1, 1, 1, '0000000001.0000000002', 2, 'b', '<p>b</p>', 'b', 'visible', 0, $1)`,
		`INSERT INTO comment_votes (comment_id, user_id, value, created_at) VALUES (1, 2, 1, $1)`,
		`INSERT INTO comment_reports (comment_id, user_id, reason, created_at) VALUES (2, 1, 'rude', $1)`,
		`INSERT INTO comment_events (id, comment_id, actor_id, action, note, created_at) VALUES (7, 2, 1, 'reported', 'rude', $1)`,
	} {
		if _, err := d.Exec(ctx, q, now); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	run(guest)
	for q, want := range map[string]int{
		`SELECT count(*) FROM comments WHERE parent_id = 1 AND author_id = 2`: 1,
		`SELECT count(*) FROM comment_votes WHERE comment_id = 1`:             1,
		`SELECT count(*) FROM comment_reports WHERE comment_id = 2`:           1,
		`SELECT count(*) FROM comment_events WHERE id = 7 AND comment_id = 2`: 1,
		`SELECT count(*) FROM pragma_foreign_key_check`:                       0,
		// The reply's parent names the renamed table, not comments_new.
		`SELECT count(*) FROM pragma_foreign_key_list('comments') WHERE "table" = 'comments'`: 1,
		`SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'comments'`: 4,
	} {
		var got int
		if err := d.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}
	// The counters' triggers work on the new table.
	var before, after int
	if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `INSERT INTO comments (article_id, thread_id, depth, path, guest_name, guest_email, body_md, body_html, body_text, status, created_at)
		VALUES (1, 0, 0, '', 'Guest', 'g@example.com', 'g', '<p>g</p>', 'g', 'visible', $1)`, now); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Errorf("a new comment moved the content counter from %d to %d", before, after)
	}
	if _, err := d.Exec(ctx, `INSERT INTO comments (article_id, thread_id, depth, path, body_md, body_html, body_text, status, created_at)
		VALUES (1, 0, 0, '', 'g', '<p>g</p>', 'g', 'visible', $1)`, now); err == nil {
		t.Error("a comment with neither an account nor a guest's name was stored")
	}
}
