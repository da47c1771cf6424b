package backup_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byline/internal/backup"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/demo"
	"byline/internal/media"
)

// demoSite is the demo magazine on d, its pictures in a folder, with a
// category moved under a newer one (a row referring to one after it) and
// a comment with every kind of value.
func demoSite(t *testing.T, d *db.DB) media.Storage {
	t.Helper()
	ctx := context.Background()
	files := media.Local{Dir: t.TempDir()}
	if err := demo.Load(ctx, d, time.UTC, nil, demo.WithMedia(files)); err != nil {
		t.Fatal(err)
	}
	var newest int64
	if err := d.QueryRow(ctx, `SELECT max(id) FROM tags`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `UPDATE tags SET parent_id = $1 WHERE id = (SELECT min(id) FROM tags)`, newest); err != nil {
		t.Fatal(err)
	}
	return files
}

func write(t *testing.T, d *db.DB, files media.Storage) ([]byte, *backup.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := backup.Write(context.Background(), d, files, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func rows(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A backup of an SQLite site restores onto PostgreSQL, and one of that
// onto SQLite, with every row (checked by Restore against the manifest),
// its files, and ids that go on from the largest.
func TestBackupRestoreAcrossEngines(t *testing.T) {
	ctx := context.Background()
	src := dbtest.SQLite(t)
	srcFiles := demoSite(t, src)
	file, m := write(t, src, srcFiles)
	if m.Engine != "sqlite" || m.Schema < 24 || m.Rows() < 1000 || m.Media.Files == 0 || len(m.Media.Missing) != 0 {
		t.Fatalf("manifest: engine %s, schema %d, %d rows, %d files, missing %v", m.Engine, m.Schema, m.Rows(), m.Media.Files, m.Media.Missing)
	}
	for _, tb := range m.Tables {
		if tb.Name == "media_files" || tb.Name == "schema_migrations" || strings.HasPrefix(tb.Name, "articles_fts") {
			t.Errorf("the backup holds %s, which is not the site's rows", tb.Name)
		}
	}

	pg := dbtest.Postgres(t)
	pgFiles := media.Database{DB: pg}
	got, err := backup.Restore(ctx, pg, pgFiles, bytes.NewReader(file), backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows() != m.Rows() {
		t.Fatalf("restored %d rows, want %d", got.Rows(), m.Rows())
	}
	for _, table := range []string{"users", "articles", "comments", "subscribers", "leads", "sessions", "media"} {
		if a, b := rows(t, src, table), rows(t, pg, table); a != b {
			t.Errorf("%s: %d rows on PostgreSQL, %d in the source", table, b, a)
		}
	}
	// The files came into PostgreSQL's storage, byte for byte.
	var key string
	if err := pg.QueryRow(ctx, `SELECT variants FROM media ORDER BY id LIMIT 1`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	keys, err := media.FileKeys(key)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	want, err := srcFiles.Get(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if have, err := pgFiles.Get(ctx, keys[0]); err != nil || !bytes.Equal(have, want) {
		t.Fatalf("media file %s on PostgreSQL: %d bytes, %v; want %d", keys[0], len(have), err, len(want))
	}
	// New rows take ids after the restored ones.
	var before, after int64
	if err := pg.QueryRow(ctx, `SELECT max(id) FROM users`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := pg.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, slug, display_name, created_at, updated_at) VALUES ('new@example.com', 'new', 'New', $1, $1) RETURNING id`, time.Now()).Scan(&after)
	}); err != nil {
		t.Fatalf("a new user after the restore: %v", err)
	}
	if after <= before {
		t.Fatalf("new user id %d, restored ones up to %d", after, before)
	}

	// And back: PostgreSQL's backup onto a new SQLite file.
	file2, _ := write(t, pg, pgFiles)
	back := dbtest.SQLite(t)
	backFiles := media.Local{Dir: t.TempDir()}
	if _, err := backup.Restore(ctx, back, backFiles, bytes.NewReader(file2), backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if a, b := rows(t, pg, "users"), rows(t, back, "users"); a != b {
		t.Fatalf("users: %d on SQLite, %d on PostgreSQL", b, a)
	}
	if have, err := backFiles.Get(ctx, keys[0]); err != nil || !bytes.Equal(have, want) {
		t.Fatalf("media file on SQLite's folder: %v", err)
	}
	// A database never migrated is brought to the backup's schema, filled,
	// and migrated to this version's.
	fresh, err := db.Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := backup.Restore(ctx, fresh, media.Local{Dir: t.TempDir()}, bytes.NewReader(file), backup.RestoreOptions{}); err != nil {
		t.Fatalf("restore onto a database never migrated: %v", err)
	}
	if a, b := rows(t, src, "comments"), rows(t, fresh, "comments"); a != b {
		t.Fatalf("comments: %d restored onto a fresh file, %d in the source", b, a)
	}
	if applied, err := fresh.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("after the restore, migrations still to apply: %v %v", applied, err)
	}
	// Search works on the restored sites: SQLite rebuilds its index, and
	// PostgreSQL's triggers fill its search table as the articles load.
	var found int
	if err := back.QueryRow(ctx, `SELECT count(*) FROM articles_fts`).Scan(&found); err != nil || found != rows(t, back, "articles") {
		t.Fatalf("search index holds %d articles (%v), want all %d", found, err, rows(t, back, "articles"))
	}
	if n := rows(t, pg, "article_search"); n != rows(t, pg, "articles") || n == 0 {
		t.Fatalf("PostgreSQL's search table holds %d articles, want all %d", n, rows(t, pg, "articles"))
	}
}

// A damaged, truncated or foreign file is refused before anything
// changes; a database holding a site is refused without Force.
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	src := dbtest.SQLite(t)
	files := demoSite(t, src)
	file, _ := write(t, src, files)
	flipped := bytes.Clone(file)
	flipped[len(flipped)/2] ^= 0x40
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"damaged":   {flipped, "damaged"},
		"truncated": {file[:len(file)*2/3], "cut short"},
		"not gzip":  {[]byte("<?xml version=\"1.0\"?><rss/>"), "not a Byline backup"},
		"empty":     {nil, "not a Byline backup"},
	} {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				_, err := backup.Restore(ctx, d, media.Local{Dir: t.TempDir()}, bytes.NewReader(c.data), backup.RestoreOptions{})
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("restore of a %s file: %v, want %q", name, err, c.want)
				}
				if n := rows(t, d, "users") + rows(t, d, "articles"); n != 0 {
					t.Fatalf("a refused restore left %d rows", n)
				}
			})
		})
	}
	// Not empty: refused, then replaced with Force.
	_, err := backup.Restore(ctx, src, files, bytes.NewReader(file), backup.RestoreOptions{})
	if !errors.Is(err, backup.ErrNotEmpty) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("restore onto the site itself: %v", err)
	}
	if _, err := src.Exec(ctx, `DELETE FROM comment_votes`); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, src, files, bytes.NewReader(file), backup.RestoreOptions{Force: true}); err != nil {
		t.Fatalf("restore with force: %v", err)
	}
	if rows(t, src, "comment_votes") == 0 {
		t.Fatal("the forced restore did not bring back the votes")
	}
}

// A copy from SQLite to PostgreSQL stopped half-way goes on where it
// stopped when run again, and ends with every table checked.
func TestCopyResumes(t *testing.T) {
	ctx := context.Background()
	src := dbtest.SQLite(t)
	srcFiles := demoSite(t, src)
	dst := dbtest.Postgres(t)
	dstFiles := media.Database{DB: dst}

	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err := backup.Copy(stop, src, srcFiles, dst, dstFiles, backup.CopyOptions{Progress: func(done, total int64) {
		if done >= 1000 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the stopped copy reported success")
	}
	if rows(t, dst, "users") == 0 {
		t.Fatal("the stopped copy kept no table")
	}
	// Another site is not resumed over.
	other := dbtest.Postgres(t)
	otherFiles := demoSite(t, other)
	if _, err := backup.Copy(ctx, src, srcFiles, other, otherFiles, backup.CopyOptions{}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("copy onto another site: %v", err)
	}

	res, err := backup.Copy(ctx, src, srcFiles, dst, dstFiles, backup.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed == "" || res.Media.Files == 0 {
		t.Fatalf("second run: resumed at %q, %d files", res.Resumed, res.Media.Files)
	}
	for _, table := range []string{"users", "articles", "comments", "comment_votes", "leads", "content_version"} {
		if a, b := rows(t, src, table), rows(t, dst, table); a != b {
			t.Errorf("%s: %d rows copied, %d in the source", table, b, a)
		}
	}
	// Run again on a whole copy: nothing to do, all checked.
	res, err = backup.Copy(ctx, src, srcFiles, dst, dstFiles, backup.CopyOptions{})
	if err != nil || res.Reused != res.Media.Files {
		t.Fatalf("third run: %+v, %v", res, err)
	}
}

// A backup reads one moment of a running site: while it is half-way, a
// writer commits and a reader reads (neither waits for it), and the file
// holds the site as it was when the backup began, on both engines.
func TestBackupIsASnapshotOfARunningSite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		files := demoSite(t, d)
		before := rows(t, d, "users")
		var v0 int64
		if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&v0); err != nil {
			t.Fatal(err)
		}
		var wrote, read bool
		var hookErr error
		var buf bytes.Buffer
		m, err := backup.Write(ctx, d, files, &buf, func(done, total int64) {
			if wrote || hookErr != nil {
				return
			}
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			hookErr = d.Tx(wctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(wctx, `INSERT INTO users (email, slug, display_name, created_at, updated_at) VALUES ('during@example.com', 'during', 'During', $1, $1)`, time.Now()); err != nil {
					return err
				}
				// The counter table is the last the backup reads.
				_, err := tx.Exec(wctx, `UPDATE content_version SET version = version + 1000`)
				return err
			})
			wrote = hookErr == nil
			var n int
			if err := d.QueryRow(wctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
				hookErr = err
			}
			read = n == before+1
		})
		if err != nil {
			t.Fatal(err)
		}
		if hookErr != nil || !wrote || !read {
			t.Fatalf("during the backup: wrote %v, read the write %v, err %v", wrote, read, hookErr)
		}
		for _, tb := range m.Tables {
			if tb.Name == "users" && tb.Rows != int64(before) {
				t.Fatalf("the backup holds %d users, want the %d there when it began", tb.Rows, before)
			}
		}
		// Restored, the counter is as it was when the backup began, not as
		// the write left it.
		back := dbtest.SQLite(t)
		if _, err := backup.Restore(ctx, back, media.Local{Dir: t.TempDir()}, bytes.NewReader(buf.Bytes()), backup.RestoreOptions{}); err != nil {
			t.Fatal(err)
		}
		var v int64
		if err := back.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&v); err != nil || v != v0 {
			t.Fatalf("restored counter %d (%v), want %d from when the backup began", v, err, v0)
		}
	})
}
