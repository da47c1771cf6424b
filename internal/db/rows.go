package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Scanner is a row to read: *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Collect reads every row of a query with scan and closes the rows.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Value scans a row of one column: db.Collect(rows, db.Value[int64]).
func Value[T any](sc Scanner) (T, error) {
	var v T
	err := sc.Scan(&v)
	return v, err
}

// CountBy runs a query of (key, count) rows, such as
// SELECT status, count(*) ... GROUP BY status, into a map.
func (d *DB) CountBy(ctx context.Context, query string, args ...any) (map[string]int, error) {
	type kv struct {
		k string
		n int
	}
	q, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	rows, err := Collect(q, func(sc Scanner) (kv, error) {
		var r kv
		err := sc.Scan(&r.k, &r.n)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.k] += r.n
	}
	return out, nil
}

// CountBuckets counts rows by the interval their time column col falls in:
// bucket i is [edges[i], edges[i+1]). from is the rows' "FROM ... WHERE
// ..." text. The bucketing runs in SQL, so the answer is one row a bucket
// however many rows are counted; the edges come from Go, so calendar days
// and weeks in the site's time zone stay right across clock changes.
func (d *DB) CountBuckets(ctx context.Context, from, col string, edges []time.Time) ([]int, error) {
	by, err := d.CountBucketsBy(ctx, from, col, "", edges)
	if err != nil || len(edges) < 2 {
		return nil, err
	}
	if out, ok := by[""]; ok {
		return out, nil
	}
	return make([]int, len(edges)-1), nil
}

// CountBucketsBy is CountBuckets counted apart for each value of the
// expression key ("" for none), such as a make's name.
func (d *DB) CountBucketsBy(ctx context.Context, from, col, key string, edges []time.Time) (map[string][]int, error) {
	n := len(edges) - 1
	if n < 1 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString("SELECT CASE")
	args := make([]any, len(edges))
	for i, e := range edges {
		args[i] = e
		if i > 0 {
			fmt.Fprintf(&b, " WHEN %s < $%d THEN %d", col, i+1, i-1)
		}
	}
	keyCol, group := "''", "bucket"
	if key != "" {
		keyCol, group = key, "bucket, "+key
	}
	fmt.Fprintf(&b, " END AS bucket, %s, count(*) %s AND %s >= $1 AND %s < $%d GROUP BY %s", keyCol, from, col, col, len(edges), group)
	rows, err := d.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	type row struct {
		bucket int
		key    string
		n      int
	}
	counts, err := Collect(rows, func(sc Scanner) (row, error) {
		var r row
		err := sc.Scan(&r.bucket, &r.key, &r.n)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]int{}
	for _, c := range counts {
		if c.bucket < 0 || c.bucket >= n {
			continue
		}
		if out[c.key] == nil {
			out[c.key] = make([]int, n)
		}
		out[c.key][c.bucket] += c.n
	}
	return out, nil
}

// Edges are the starts of n calendar periods of days each from start, in
// start's time zone, and the end of the last: n+1 times.
func Edges(start time.Time, days, n int) []time.Time {
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = start.AddDate(0, 0, days*i)
	}
	return out
}
