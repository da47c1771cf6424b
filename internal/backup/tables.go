package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"byline/internal/db"
)

// Tables that are not copied as rows:
var (
	// skipped: the target keeps its own migration history, and the media
	// library's files travel as files (media/KEY), whatever storage each
	// side keeps them in.
	skipped = map[string]bool{"schema_migrations": true, "media_files": true}
	// loadedLast: counters that triggers move when other tables change;
	// loaded after everything else, they end as the source had them.
	loadedLast = []string{"article_versions", "discussion_versions", "content_version"}
)

// ordered is the tables to copy, each after the tables it refers to, and
// loadedLast at the end.
func ordered(all []db.Table) ([]db.Table, error) {
	byName := map[string]db.Table{}
	for _, t := range all {
		if !skipped[t.Name] {
			byName[t.Name] = t
		}
	}
	var out []db.Table
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("backup: the tables refer to each other in a loop: %s", strings.Join(append(path, name), " → "))
		}
		t, ok := byName[name]
		if !ok {
			return nil
		}
		state[name] = 1
		for _, r := range t.Refs {
			if r.Table != name {
				if err := visit(r.Table, append(path, name)); err != nil {
					return err
				}
			}
		}
		state[name] = 2
		if !slices.Contains(loadedLast, name) {
			out = append(out, t)
		}
		return nil
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	for _, n := range loadedLast {
		if t, ok := byName[n]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

func columnNames(t db.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

func families(t db.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Family
	}
	return out
}

// quote is an identifier as both engines read it.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// readRows calls fn with each row of t, canonical, in the order of its key
// (a table that refers to itself gets the rows referred to first, as ids
// grow).
func readRows(ctx context.Context, q db.Querier, t db.Table, fn func(row []any) error) error {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = quote(c.Name)
	}
	query := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + quote(t.Name)
	if len(t.Key) > 0 {
		keys := make([]string, len(t.Key))
		for i, k := range t.Key {
			keys[i] = quote(k)
		}
		query += ` ORDER BY ` + strings.Join(keys, ", ")
	}
	rows, err := q.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("backup: read %s: %w", t.Name, err)
	}
	defer rows.Close()
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("backup: read %s: %w", t.Name, err)
		}
		row := make([]any, len(cols))
		for i, v := range raw {
			c, err := canon(t.Columns[i].Family, v)
			if err != nil {
				return fmt.Errorf("backup: %s.%s: %w", t.Name, t.Columns[i].Name, err)
			}
			row[i] = c
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backup: read %s: %w", t.Name, err)
	}
	return nil
}

// tableDigest reads t and sums its rows.
func tableDigest(ctx context.Context, q db.Querier, t db.Table) (digest, error) {
	var d digest
	err := readRows(ctx, q, t, func(row []any) error {
		line, err := encodeRow(row)
		if err != nil {
			return err
		}
		d.add(line)
		return nil
	})
	return d, err
}

// count is how many rows t has.
func count(ctx context.Context, q db.Querier, table string) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, `SELECT count(*) FROM `+quote(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("backup: count %s: %w", table, err)
	}
	return n, nil
}

// schemaVersion is the last migration applied.
func schemaVersion(ctx context.Context, q db.Querier) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("backup: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// contentTables are those whose rows make a site: a database with none is
// empty, whatever its migrations put in the others.
var contentTables = []string{"users", "articles", "pages", "comments", "subscribers", "leads", "media"}

// empty reports whether the database holds no site, and which content it
// holds if it does.
func empty(ctx context.Context, d *db.DB) (bool, string, error) {
	var held []string
	for _, t := range contentTables {
		n, err := count(ctx, d, t)
		if err != nil {
			return false, "", err
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d %s", n, t))
		}
	}
	return len(held) == 0, strings.Join(held, ", "), nil
}
