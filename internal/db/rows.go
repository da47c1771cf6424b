package db

import (
	"context"
	"database/sql"
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
		return r, sc.Scan(&r.k, &r.n)
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
