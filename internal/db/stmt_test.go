package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// Statements in transactions are prepared once, after the first commit
// that used them (the transaction holds SQLite's one writer connection),
// and reused by later transactions, also when many run at once.
func TestWriteStatementCache(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	ins := `INSERT INTO users (email, slug, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`
	add := func(tx *db.Tx, n int) error {
		_, err := tx.Exec(ctx, ins, fmt.Sprintf("p%d@example.com", n), fmt.Sprintf("p%d", n), "P", time.Now())
		return err
	}
	_, before := d.PreparedStatements()
	oops := errors.New("rolled back")
	if err := d.Tx(ctx, func(tx *db.Tx) error { add(tx, 0); return oops }); !errors.Is(err, oops) {
		t.Fatal(err)
	}
	if _, w := d.PreparedStatements(); w != before {
		t.Fatalf("a rolled-back transaction cached %d statements", w-before)
	}
	if err := d.Tx(ctx, func(tx *db.Tx) error {
		if err := add(tx, 1); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE scratch (x INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, after := d.PreparedStatements()
	if after != before+1 {
		t.Fatalf("cached %d statements, want the INSERT alone", after-before)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			errs <- d.Tx(ctx, func(tx *db.Tx) error { return add(tx, 100+i) })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE email LIKE 'p%'`).Scan(&n); err != nil || n != 41 {
		t.Fatalf("%d rows (%v), want 41", n, err)
	}
	if _, w := d.PreparedStatements(); w != after {
		t.Fatalf("the cached INSERT was prepared again: %d -> %d", after, w)
	}
}
