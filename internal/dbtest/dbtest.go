// Package dbtest hands a test a fresh, migrated database of each engine: a
// new SQLite file in the test's temporary folder, and a new schema on the
// PostgreSQL server named by BYLINE_TEST_POSTGRES (default: the local one),
// dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"byline/internal/db"
)

// PostgresURL is the server tests use.
func PostgresURL() string {
	if u := os.Getenv("BYLINE_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Each runs fn once per engine, as subtests named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database on a new file.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "byline.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return d
}

// Postgres returns a migrated database in a schema of its own.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), PostgresSchema(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return d
}

// PostgresSchema creates an empty schema, dropped when the test ends, and
// returns a URL whose connections use it. BYLINE_TEST_SKIP_POSTGRES=1 skips
// the PostgreSQL part outside CI, as docs/DEVELOPING.md says; otherwise a
// server that cannot be reached fails the test (always under CI=true).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	if os.Getenv("BYLINE_TEST_SKIP_POSTGRES") == "1" && os.Getenv("CI") != "true" {
		t.Skip("BYLINE_TEST_SKIP_POSTGRES=1: the PostgreSQL part is skipped")
	}
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("PostgreSQL unreachable at %s (start it, or set BYLINE_TEST_SKIP_POSTGRES=1 outside CI): %v", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
