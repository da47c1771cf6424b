package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// A database that is away, restarting or locked is told apart from a
// mistake in the query, so the site can answer 503 and not 500.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()

	t.Run("postgres refuses connections", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		p, err := sql.Open("pgx", "postgres://postgres@"+addr+"/x?sslmode=disable&connect_timeout=5")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		_, err = p.ExecContext(ctx, "SELECT 1")
		if err == nil || !db.Unavailable(err) {
			t.Fatalf("a refused connection: Unavailable(%v) = false", err)
		}
	})

	t.Run("postgres ends the connection, then serves again", func(t *testing.T) {
		d := dbtest.Postgres(t)
		_, err := d.Exec(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
		if err == nil || !db.Unavailable(err) {
			t.Fatalf("a terminated connection: Unavailable(%v) = false", err)
		}
		// The pool drops the dead connection; the next statement works.
		var one int
		if err := d.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("after the connection ended: %d, %v", one, err)
		}
	})

	t.Run("sqlite locked past busy_timeout", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		open := func(params string) *sql.DB {
			p, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(50)&_pragma=journal_mode(WAL)"+params)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			return p
		}
		a, b := open(""), open("")
		if _, err := a.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		ca, err := a.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ca.Close()
		if _, err := ca.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		defer ca.ExecContext(ctx, "ROLLBACK")
		_, err = b.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		if err == nil || !db.Unavailable(err) {
			t.Fatalf("a write waiting past busy_timeout: Unavailable(%v) = false", err)
		}
		ro := open("&mode=ro")
		_, err = ro.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		if err == nil || !db.Unavailable(err) {
			t.Fatalf("a write to a read-only file: Unavailable(%v) = false", err)
		}
	})

	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// Mistakes are not unavailability.
		_, err := d.Exec(ctx, "SELEC 1")
		if err == nil || db.Unavailable(err) {
			t.Fatalf("a syntax error: Unavailable(%v) = true", err)
		}
		_, err = d.Exec(ctx, "INSERT INTO users (id) VALUES (NULL)")
		if err == nil || db.Unavailable(err) {
			t.Fatalf("a constraint: Unavailable(%v) = true", err)
		}
		if db.Unavailable(nil) || !db.Unavailable(fmt.Errorf("comment: post: %w", db.ErrUnavailable)) {
			t.Fatal("Unavailable(nil) or of a wrapped ErrUnavailable is wrong")
		}
	})
}
