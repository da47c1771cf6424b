package db

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the engine's embedded migrations in order. The two
// engines have the same numbers; a test checks that.
func Migrations(e Engine) ([]Migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		body, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the versions it applied. On PostgreSQL an
// advisory lock keeps nodes that start together from racing; it is keyed
// by schema, so sites in other schemas of the same server (tests run in
// parallel) do not wait for each other.
func (d *DB) Migrate(ctx context.Context) ([]int, error) {
	return d.MigrateTo(ctx, 1<<30)
}

// MigrateTo applies the migrations not yet applied up to version last (a
// restore brings a backup's rows into the schema they were written in,
// then lets the later migrations change them as they changed every site).
func (d *DB) MigrateTo(ctx context.Context, last int) ([]int, error) {
	ms, err := Migrations(d.Engine)
	if err != nil {
		return nil, err
	}
	if d.Engine == Postgres {
		// A session-level lock needs one connection held for the whole run.
		conn, err := d.write.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7286001, hashtext(current_schema()))"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7286001, hashtext(current_schema()))"); err != nil {
				// A session that may still hold the lock must not go back
				// to the pool: discarding it ends the session and the lock.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			conn.Close()
		}()
	}
	if _, err := d.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	done := map[int]bool{}
	rows, err := d.write.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: read applied versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, err
		}
		done[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		if done[m.Version] || m.Version > last {
			continue
		}
		err := d.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, time.Now())
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s: %s", m.Version, m.Name, oneLine(err))
		}
		applied = append(applied, m.Version)
	}
	return applied, nil
}
