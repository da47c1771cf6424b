package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestBulk writes and reads more rows than one statement carries, through
// every run length, on both engines, and checks each row came back once.
func TestBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE bulk_rows (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		const total = 1237 // full runs of 512 (2 columns: 2,000 parameters) and a tail of 213 = 128+64+16+4+1
		err := d.Tx(ctx, func(tx *db.Tx) error {
			ids, err := tx.ReserveIDs(ctx, "comments", 3)
			if err != nil {
				return err
			}
			if len(ids) != 3 || ids[0] >= ids[1] || ids[1] >= ids[2] {
				return fmt.Errorf("reserved ids %v, want 3 increasing", ids)
			}
			rows := make([][]any, total)
			for i := range rows {
				rows[i] = []any{int64(i + 1), fmt.Sprintf("row %d", i+1), 1}
			}
			if err := tx.InsertRows(ctx, `INSERT INTO bulk_rows (id, name, n)`, "", rows); err != nil {
				return err
			}
			// An upsert adds to the rows already there.
			again := rows[:600]
			for i := range again {
				again[i] = []any{again[i][0], again[i][1], 2}
			}
			if err := tx.InsertRows(ctx, `INSERT INTO bulk_rows (id, name, n)`, `ON CONFLICT (id) DO UPDATE SET n = bulk_rows.n + excluded.n`, again); err != nil {
				return err
			}
			if err := tx.InsertRows(ctx, `INSERT INTO bulk_rows (id, name, n)`, "", [][]any{{int64(5000), "a", 1}, {int64(5001), "x"}}); err == nil {
				return fmt.Errorf("a short row was accepted")
			}
			var want []any
			for i := 1; i <= total; i += 2 {
				want = append(want, int64(i))
			}
			seen := map[int64]int{}
			sum := 0
			err = tx.QueryIn(ctx, `SELECT id, n FROM bulk_rows WHERE n > $1 AND id IN $LIST`, []any{0}, want, func(r *sql.Rows) error {
				var id int64
				var n int
				if err := r.Scan(&id, &n); err != nil {
					return err
				}
				seen[id]++
				sum += n
				return nil
			})
			if err != nil {
				return err
			}
			if len(seen) != len(want) {
				return fmt.Errorf("QueryIn found %d rows, want %d", len(seen), len(want))
			}
			for id, n := range seen {
				if n != 1 {
					return fmt.Errorf("row %d read %d times", id, n)
				}
			}
			// Odd ids up to 600 have n = 3, the rest 1.
			if wantSum := 300*3 + (len(want) - 300); sum != wantSum {
				return fmt.Errorf("sum of n = %d, want %d", sum, wantSum)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var count int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM bulk_rows`).Scan(&count); err != nil || count != total {
			t.Fatalf("count = %d (%v), want %d", count, err, total)
		}
		// On PostgreSQL, where others insert at the same time, ids
		// reserved are never handed out again (on SQLite the transaction
		// that reserves them is the only writer).
		var ids []int64
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			var err error
			ids, err = tx.ReserveIDs(ctx, "comments", 2)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var next int64
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			got, err := tx.ReserveIDs(ctx, "comments", 1)
			if err == nil {
				next = got[0]
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d.Engine != db.SQLite && next <= ids[1] {
			t.Errorf("PostgreSQL reserved %d after %v", next, ids)
		}
	})
}

// AddTo adds to many rows' counters in a few statements, each row its own
// amount, and leaves the rows it was not given alone.
func TestAddTo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE counted (id BIGINT PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		const total = 3000 // more than one statement carries (1,024 rows of 2 parameters)
		add := map[int64]int{}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			rows := make([][]any, total)
			for i := range rows {
				rows[i] = []any{int64(i + 1), 10}
				if i%3 != 0 {
					add[int64(i+1)] = i%7 - 3 // negative, zero and positive amounts
				}
			}
			if err := tx.InsertRows(ctx, `INSERT INTO counted (id, n)`, "", rows); err != nil {
				return err
			}
			return tx.AddTo(ctx, "counted", "n", add)
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, `SELECT id, n FROM counted`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			seen++
			if n != 10+add[id] {
				t.Fatalf("row %d: n = %d, want %d", id, n, 10+add[id])
			}
		}
		if err := rows.Err(); err != nil || seen != total {
			t.Fatalf("%d rows read (%v), want %d", seen, err, total)
		}
	})
}

// The Analyzer refreshes PostgreSQL's statistics at its first mark and
// then at each fourfold, and not in between.
func TestAnalyzer(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Postgres(t)
	if _, err := d.Exec(ctx, `CREATE TABLE grows (id BIGINT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	analyzed := func() int {
		t.Helper()
		var n int
		// The statistics views are read fresh in each transaction.
		if err := d.QueryRow(ctx, `SELECT analyze_count FROM pg_stat_user_tables WHERE relid = 'grows'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := d.NewAnalyzer(100)
	steps := []struct {
		done int64
		want int
	}{{50, 0}, {100, 1}, {300, 1}, {400, 2}, {1500, 2}, {1600, 3}, {100000, 4}}
	for _, s := range steps {
		if err := a.Done(ctx, s.done); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for analyzed() != s.want && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := analyzed(); got != s.want {
			t.Fatalf("after %d: analyzed %d times, want %d", s.done, got, s.want)
		}
	}
	// SQLite: nothing to do, and no error.
	if err := dbtest.SQLite(t).NewAnalyzer(1).Done(ctx, 10); err != nil {
		t.Fatal(err)
	}
}
