package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Bulk loads (imports) write thousands of rows in one transaction. One
// statement per row is one round trip per row, which on PostgreSQL is most
// of the time; these write and read many rows per statement instead.
//
// Each statement's text depends only on how many rows it carries, and runs
// are cut into a few lengths (the longest run, then what is left: as it is
// when it is small, in powers of two when not), so the prepared statements
// the cache keeps stay few whatever the sizes loaded, and what a batch of
// posts writes (a few dozen rows) goes in one statement: every statement
// is a round trip, and fires the statement's triggers once.

// maxParams bounds one statement's parameters, well under both engines'
// limits (SQLite 32,766; PostgreSQL 65,535).
const maxParams = 4000

// exactRun is the most items left over that go in one run as they are.
const exactRun = 64

// runs cuts n items into runs of at most max, then the rest in one run if
// it is at most exactRun, else in powers of two: 1,000 with max 256 is
// 256, 256, 256, 128, 64, 32, 8; 1,000 with max 64 is 15 runs of 64 and
// one of 40.
func runs(n, max int) []int {
	var out []int
	for n >= max {
		out = append(out, max)
		n -= max
	}
	if n > 0 && n <= exactRun {
		return append(out, n)
	}
	for p := 1 << 30; n > 0; p >>= 1 {
		if n >= p {
			out = append(out, p)
			n -= p
		}
	}
	return out
}

// runLength is how many rows of cols values go in one statement: a power
// of two, so that a full run is also one of the lengths runs cuts.
func runLength(cols int) int {
	n := 1
	for n*2*cols <= maxParams && n < 512 {
		n *= 2
	}
	return n
}

// values is "($1, $2), ($3, $4)" for rows rows of cols parameters each,
// numbered after the first from.
func values(rows, cols, from int) string {
	var b strings.Builder
	p := from
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString("$" + strconv.Itoa(p))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// InsertRows runs head VALUES (...), (...) tail for every row, many rows
// per statement: head is "INSERT INTO t (a, b)", tail "" or an ON
// CONFLICT clause (one statement must not touch a row twice: give each key
// once). Every row has the same number of values.
func (t *Tx) InsertRows(ctx context.Context, head, tail string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	at := 0
	for _, n := range runs(len(rows), runLength(cols)) {
		args := make([]any, 0, n*cols)
		for _, r := range rows[at : at+n] {
			if len(r) != cols {
				return fmt.Errorf("db: insert rows: a row of %d values among rows of %d", len(r), cols)
			}
			args = append(args, r...)
		}
		if _, err := t.Exec(ctx, head+" VALUES "+values(n, cols, 0)+" "+tail, args...); err != nil {
			return MapError(t.Engine(), err)
		}
		at += n
	}
	return nil
}

// QueryIn runs query once per run of list, with "IN $LIST" in it replaced
// by "IN ($k, ...)" numbered after the fixed arguments, and calls fn for
// every row (runs cut as InsertRows cuts rows).
func (t *Tx) QueryIn(ctx context.Context, query string, fixed []any, list []any, fn func(*sql.Rows) error) error {
	return inRuns(query, fixed, list, func(q string, args []any) error {
		return t.queryRows(ctx, q, args, fn)
	})
}

// ExecIn runs a statement with "IN $LIST" in it, as QueryIn does.
func (t *Tx) ExecIn(ctx context.Context, query string, fixed []any, list []any) error {
	return inRuns(query, fixed, list, func(q string, args []any) error {
		_, err := t.Exec(ctx, q, args...)
		return err
	})
}

func inRuns(query string, fixed []any, list []any, run func(q string, args []any) error) error {
	if !strings.Contains(query, "IN $LIST") {
		return fmt.Errorf("db: no IN $LIST in %q", query)
	}
	at := 0
	for _, n := range runs(len(list), runLength(1)) {
		args := append(slices.Clone(fixed), list[at:at+n]...)
		q := strings.Replace(query, "IN $LIST", "IN ("+values(1, n, len(fixed))[1:], 1)
		if err := run(q, args); err != nil {
			return err
		}
		at += n
	}
	return nil
}

func (t *Tx) queryRows(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	return eachRow(ctx, t, q, args, fn)
}

// eachRow runs a query on q and calls fn for every row.
func eachRow(ctx context.Context, q Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ReserveIDs takes n new ids of table's id column, in increasing order,
// for rows a bulk load inserts with their ids (a comment's thread path
// holds its own id, known before the row is written).
func (t *Tx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if t.Engine() == SQLite {
		// The transaction holds the only writer: the ids above the
		// largest are free, and a rowid table gives the next row the
		// largest + 1 anyway.
		var top int64
		if err := t.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
			return nil, err
		}
		for i := range n {
			ids = append(ids, top+1+int64(i))
		}
		return ids, nil
	}
	err := t.queryRows(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, []any{table, n}, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// ResetID makes the next id the engine gives table follow the largest
// there, after a bulk load wrote ids of its own (SQLite does so by itself).
func (t *Tx) ResetID(ctx context.Context, table string) error {
	if t.Engine() == SQLite {
		return nil
	}
	q := strings.ReplaceAll(`SELECT setval(seq, COALESCE((SELECT max(id) FROM {table}), 1), (SELECT max(id) FROM {table}) IS NOT NULL)
		FROM (SELECT pg_get_serial_sequence($1, 'id') AS seq) s WHERE seq IS NOT NULL`, "{table}", `"`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	rows, err := t.Query(ctx, q, table)
	if err != nil {
		return fmt.Errorf("db: reset ids of %s: %w", table, err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return errors.Join(fmt.Errorf("db: reset ids of %s: %w", table, err), rows.Close())
	}
	return rows.Close()
}

// Analyzer refreshes PostgreSQL's planner statistics while a bulk load
// grows the site's tables from few rows to many: first at a given amount
// of work, then each time the work has grown fourfold. Plans chosen while
// the tables were small (scans) would otherwise be kept, and each batch
// would read everything loaded before it; autovacuum does the same where
// it is on and keeps up. On SQLite it does nothing.
type Analyzer struct {
	d    *DB
	next int64
}

// NewAnalyzer returns an Analyzer whose first refresh comes at first.
func (d *DB) NewAnalyzer(first int64) *Analyzer { return &Analyzer{d: d, next: max(first, 1)} }

// Done tells how much work (rows, bytes read) the load has done so far.
func (a *Analyzer) Done(ctx context.Context, n int64) error {
	if a == nil || a.d == nil || a.d.Engine != Postgres || n < a.next {
		return nil
	}
	for a.next <= n {
		a.next *= 4
	}
	var tables []string
	err := eachRow(ctx, a.d, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`, nil, func(r *sql.Rows) error {
		var t string
		if err := r.Scan(&t); err != nil {
			return err
		}
		tables = append(tables, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
		return nil
	})
	if err != nil || len(tables) == 0 {
		return err
	}
	if _, err := a.d.write.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("db: analyze: %w", err)
	}
	return nil
}

// AddTo adds add[id] to column of table's row id, for every id of add,
// many rows per statement (a CASE on the id), rows taken in id order so
// that writers adding to the same rows lock them alike. Counters kept by a
// bulk load (a thread's replies) move once per load, not once per row.
func (t *Tx) AddTo(ctx context.Context, table, column string, add map[int64]int) error {
	ids := make([]int64, 0, len(add))
	for id, n := range add {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	at := 0
	for _, n := range runs(len(ids), runLength(2)) {
		var cases, in strings.Builder
		args := make([]any, 0, 2*n)
		for i, id := range ids[at : at+n] {
			if i > 0 {
				in.WriteString(", ")
			}
			p := strconv.Itoa(2*i + 1)
			// The CAST names the type: PostgreSQL would take a bare
			// parameter in a CASE's result for text.
			cases.WriteString(" WHEN $" + p + " THEN CAST($" + strconv.Itoa(2*i+2) + " AS INTEGER)")
			in.WriteString("$" + p)
			args = append(args, id, add[id])
		}
		q := "UPDATE " + table + " SET " + column + " = " + column + " + CASE id" + cases.String() + " END WHERE id IN (" + in.String() + ")"
		if _, err := t.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("db: add to %s.%s: %w", table, column, MapError(t.Engine(), err))
		}
		at += n
	}
	return nil
}
