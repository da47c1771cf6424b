package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// The two engines' migrations are written by hand, side by side; this test
// migrates a fresh database of each and compares what they built: tables,
// columns, nullability, type family, indexes (by columns, order, uniqueness
// and partialness) and which tables move the content counter. Triggers
// themselves differ by design (row triggers on SQLite, statement triggers
// calling one function on PostgreSQL) and are not compared.

// column is one column as the test compares it.
type column struct {
	family  string // see sqliteFamily and postgresFamily
	notNull bool
	decl    string // the engine's own type name, for messages
}

// catalogue is what one engine's migrations built.
type catalogue struct {
	tables  map[string]map[string]column // table -> column -> column
	indexes map[string]map[string]string // table -> index key -> index name
	counted map[string]string            // table -> a content-version trigger on it
}

// Type families are db.Family's. SQLite has no boolean type: flags are
// INTEGER columns holding 0 and 1, so an SQLite INTEGER matches a
// PostgreSQL integer or boolean. Every other family must match exactly.
func sqliteFamily(decl string) string { return db.Family(db.SQLite, decl) }

func postgresFamily(dataType string) string { return db.Family(db.Postgres, dataType) }

func compatible(sqlite, postgres string) bool {
	return sqlite == postgres || (sqlite == "integer" && postgres == "boolean")
}

// Differences by design, each with its reason. Anything else that differs
// fails the test.
var (
	// Full-text search: SQLite keeps an FTS5 virtual table (and the shadow
	// tables FTS5 creates for it), PostgreSQL a generated tsvector column
	// with a GIN index on the articles table itself.
	sqliteOnlyTables = map[string]string{
		"articles_fts":         "FTS5 index of articles (PostgreSQL: articles.search)",
		"articles_fts_data":    "FTS5 shadow table",
		"articles_fts_idx":     "FTS5 shadow table",
		"articles_fts_docsize": "FTS5 shadow table",
		"articles_fts_config":  "FTS5 shadow table",
	}
	// Search's narrow copy of what it filters on: SQLite's FTS5 table is
	// narrow already.
	postgresOnlyTables = map[string]string{
		"article_search": "status, date and tsvector of each article, for search (SQLite: articles_fts)",
	}
	postgresOnlyColumns = map[string]string{
		"articles.search": "tsvector for full-text search (SQLite: articles_fts)",
	}
	postgresOnlyIndexes = map[string]string{
		"articles_search": "GIN index on articles.search (SQLite: articles_fts)",
	}
)

func TestSchemaParity(t *testing.T) {
	ctx := context.Background()
	s := sqliteCatalogue(ctx, t, dbtest.SQLite(t))
	p := postgresCatalogue(ctx, t, dbtest.Postgres(t))
	diffs := compareCatalogues(s, p)
	if len(diffs) > 0 {
		t.Fatalf("the SQLite and PostgreSQL migrations build different schemas (%d differences):\n  %s",
			len(diffs), strings.Join(diffs, "\n  "))
	}
	if len(s.tables) < 10 || len(s.counted) < 5 {
		t.Fatalf("catalogue looks empty: %d tables, %d counted", len(s.tables), len(s.counted))
	}
	// An exception for something that no longer exists would hide the
	// next difference of that name: each must still be there.
	for tbl := range sqliteOnlyTables {
		if _, ok := s.tables[tbl]; !ok {
			t.Errorf("allowed difference: SQLite table %s no longer exists; drop the exception", tbl)
		}
	}
	for col := range postgresOnlyColumns {
		tbl, name, _ := strings.Cut(col, ".")
		if _, ok := p.tables[tbl][name]; !ok {
			t.Errorf("allowed difference: PostgreSQL column %s no longer exists; drop the exception", col)
		}
	}
	for tbl := range postgresOnlyTables {
		if _, ok := p.tables[tbl]; !ok {
			t.Errorf("allowed difference: PostgreSQL table %s no longer exists; drop the exception", tbl)
		}
	}
	for name := range postgresOnlyIndexes {
		found := false
		for _, idx := range p.indexes {
			for _, n := range idx {
				found = found || n == name
			}
		}
		if !found {
			t.Errorf("allowed difference: PostgreSQL index %s no longer exists; drop the exception", name)
		}
	}
}

// Migration 0017 rebuilds SQLite tables so their text primary keys refuse
// NULL: a database made before it keeps its rows, and the settings keep
// moving the content counter.
func TestSQLitePrimaryKeysNotNullUpgrade(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ms, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	// Bring the database to 0016, as a site made before 0017 is.
	if _, err := d.Exec(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version >= 17 {
			break
		}
		if _, err := d.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("migration %04d: %v", m.Version, err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (email, slug, display_name, created_at, updated_at) VALUES ('a@example.com', 'a', 'A', $1, $1)`, []any{now}},
		{`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('s1', 1, $1, $1, $1)`, []any{now}},
		{`INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ('t1', 1, 'verify', $1, $1)`, []any{now}},
		{`INSERT INTO rate_limits (key, hits, window_start) VALUES ('login:a', 3, $1)`, []any{now}},
		{`INSERT INTO settings (key, value) VALUES ('site.title', 'Old')`, nil},
		{`INSERT INTO spam_tokens (token, spam, ham) VALUES ('cheap', 4, 1)`, nil},
		{`UPDATE spam_totals SET docs = 7 WHERE label = 'spam'`, nil},
		{`INSERT INTO media_files (key, data) VALUES ('a.jpg', X'FFD8')`, nil},
		// What SQLite let through before 0017.
		{`INSERT INTO settings (key, value) VALUES (NULL, 'lost')`, nil},
	} {
		if _, err := d.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != 17 {
		t.Fatalf("applied %v, want 17 first", applied)
	}
	for q, want := range map[string]string{
		`SELECT user_id FROM sessions WHERE token_hash = 's1'`:             "1",
		`SELECT purpose FROM account_tokens WHERE token_hash = 't1'`:       "verify",
		`SELECT hits FROM rate_limits WHERE key = 'login:a'`:               "3",
		`SELECT value FROM settings WHERE key = 'site.title'`:              "Old",
		`SELECT count(*) FROM settings`:                                    "1",
		`SELECT spam || '/' || ham FROM spam_tokens WHERE token = 'cheap'`: "4/1",
		`SELECT docs FROM spam_totals WHERE label = 'spam'`:                "7",
		`SELECT hex(data) FROM media_files WHERE key = 'a.jpg'`:            "FFD8",
	} {
		var got string
		if err := d.QueryRow(ctx, q).Scan(&got); err != nil || got != want {
			t.Errorf("%s: got %q (%v), want %q", q, got, err, want)
		}
	}
	for _, q := range []string{
		`INSERT INTO settings (key, value) VALUES (NULL, 'x')`,
		`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (NULL, 1, 0, 0, 0)`,
		`INSERT INTO media_files (key, data) VALUES (NULL, X'00')`,
	} {
		if _, err := d.Exec(ctx, q); err == nil {
			t.Errorf("%s: accepted a NULL key", q)
		}
	}
	var before, after int64
	if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, `UPDATE settings SET value = 'New' WHERE key = 'site.title'`); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before+1 {
		t.Fatalf("changing a setting moved the content counter from %d to %d", before, after)
	}
}

func compareCatalogues(s, p catalogue) []string {
	var diffs []string
	add := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }

	for _, tbl := range sortedKeys(s.tables) {
		if _, ok := sqliteOnlyTables[tbl]; ok {
			continue
		}
		if _, ok := p.tables[tbl]; !ok {
			add("table %s: only on SQLite", tbl)
		}
	}
	for _, tbl := range sortedKeys(p.tables) {
		pc := p.tables[tbl]
		sc, ok := s.tables[tbl]
		if !ok {
			if _, ok := postgresOnlyTables[tbl]; !ok {
				add("table %s: only on PostgreSQL", tbl)
			}
			continue
		}
		for _, col := range sortedKeys(sc) {
			if _, ok := pc[col]; !ok {
				add("column %s.%s: only on SQLite", tbl, col)
			}
		}
		for _, col := range sortedKeys(pc) {
			pcol := pc[col]
			scol, ok := sc[col]
			if !ok {
				if _, ok := postgresOnlyColumns[tbl+"."+col]; !ok {
					add("column %s.%s: only on PostgreSQL", tbl, col)
				}
				continue
			}
			if !compatible(scol.family, pcol.family) {
				add("column %s.%s: type SQLite %s (%s), PostgreSQL %s (%s)", tbl, col, scol.decl, scol.family, pcol.decl, pcol.family)
			}
			if scol.notNull != pcol.notNull {
				add("column %s.%s: %s on SQLite, %s on PostgreSQL", tbl, col, nullability(scol.notNull), nullability(pcol.notNull))
			}
		}

		si, pi := s.indexes[tbl], p.indexes[tbl]
		for _, key := range sortedKeys(si) {
			if _, ok := pi[key]; !ok {
				add("index %s on %s: only on SQLite (%s)", si[key], tbl, key)
			}
		}
		for _, key := range sortedKeys(pi) {
			if _, ok := si[key]; !ok {
				if _, ok := postgresOnlyIndexes[pi[key]]; !ok {
					add("index %s on %s: only on PostgreSQL (%s)", pi[key], tbl, key)
				}
			}
		}

		_, sOK := s.counted[tbl]
		_, pOK := p.counted[tbl]
		switch {
		case sOK && !pOK:
			add("table %s: moves the content counter on SQLite (%s), not on PostgreSQL", tbl, s.counted[tbl])
		case pOK && !sOK:
			add("table %s: moves the content counter on PostgreSQL (%s), not on SQLite", tbl, p.counted[tbl])
		}
	}
	return diffs
}

func nullability(notNull bool) string {
	if notNull {
		return "NOT NULL"
	}
	return "nullable"
}

// indexKey names an index by what it does, not by its name: constraint
// indexes are named by each engine its own way.
func indexKey(cols []string, unique, partial bool) string {
	k := "(" + strings.Join(cols, ", ") + ")"
	if unique {
		k = "UNIQUE " + k
	}
	if partial {
		k += " WHERE ..."
	}
	return k
}

func sqliteCatalogue(ctx context.Context, t *testing.T, d *db.DB) catalogue {
	t.Helper()
	c := catalogue{tables: map[string]map[string]column{}, indexes: map[string]map[string]string{}, counted: map[string]string{}}
	type obj struct{ typ, name, tbl, sql string }
	var objs []obj
	rows, err := d.Query(ctx, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatalf("sqlite_master: %v", err)
	}
	for rows.Next() {
		var o obj
		if err := rows.Scan(&o.typ, &o.name, &o.tbl, &o.sql); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	for _, o := range objs {
		switch o.typ {
		case "table":
			c.tables[o.name] = sqliteColumns(ctx, t, d, o.name)
			c.indexes[o.name] = sqliteIndexes(ctx, t, d, o.name)
		case "trigger":
			if strings.Contains(strings.ToLower(o.sql), "content_version") {
				c.counted[o.tbl] = o.name
			}
		}
	}
	return c
}

func sqliteColumns(ctx context.Context, t *testing.T, d *db.DB, table string) map[string]column {
	t.Helper()
	rows, err := d.Query(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info($1)`, table)
	if err != nil {
		t.Fatalf("table_info %s: %v", table, err)
	}
	defer rows.Close()
	cols := map[string]column{}
	for rows.Next() {
		var name, typ string
		var notNull bool
		var pkPos int
		if err := rows.Scan(&name, &typ, &notNull, &pkPos); err != nil {
			t.Fatal(err)
		}
		cols[name] = column{family: sqliteFamily(typ), notNull: notNull, decl: typ}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// An INTEGER PRIMARY KEY is the rowid, which is never NULL whatever
	// the declaration says.
	if pk := sqliteIntegerPK(ctx, t, d, table); pk != "" {
		c := cols[pk]
		c.notNull = true
		cols[pk] = c
	}
	return cols
}

func sqliteIndexes(ctx context.Context, t *testing.T, d *db.DB, table string) map[string]string {
	t.Helper()
	type idx struct {
		name            string
		unique, partial bool
	}
	var list []idx
	rows, err := d.Query(ctx, `SELECT name, "unique", partial FROM pragma_index_list($1)`, table)
	if err != nil {
		t.Fatalf("index_list %s: %v", table, err)
	}
	for rows.Next() {
		var i idx
		if err := rows.Scan(&i.name, &i.unique, &i.partial); err != nil {
			t.Fatal(err)
		}
		list = append(list, i)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	out := map[string]string{}
	for _, i := range list {
		rows, err := d.Query(ctx, `SELECT COALESCE(name, '<expression>'), "desc" FROM pragma_index_xinfo($1) WHERE key = 1 ORDER BY seqno`, i.name)
		if err != nil {
			t.Fatalf("index_xinfo %s: %v", i.name, err)
		}
		var cols []string
		for rows.Next() {
			var name string
			var desc bool
			if err := rows.Scan(&name, &desc); err != nil {
				t.Fatal(err)
			}
			if desc {
				name += " DESC"
			}
			cols = append(cols, name)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[indexKey(cols, i.unique, i.partial)] = i.name
	}
	// A single INTEGER PRIMARY KEY is the rowid and has no index of its
	// own; PostgreSQL builds one for every primary key.
	pk := sqliteIntegerPK(ctx, t, d, table)
	if pk != "" {
		out[indexKey([]string{pk}, true, false)] = "rowid"
	}
	return out
}

func sqliteIntegerPK(ctx context.Context, t *testing.T, d *db.DB, table string) string {
	t.Helper()
	rows, err := d.Query(ctx, `SELECT name, type FROM pragma_table_info($1) WHERE pk > 0`, table)
	if err != nil {
		t.Fatalf("table_info %s: %v", table, err)
	}
	defer rows.Close()
	var names, types []string
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		names, types = append(names, n), append(types, ty)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(names) == 1 && strings.EqualFold(types[0], "INTEGER") {
		return names[0]
	}
	return ""
}

func postgresCatalogue(ctx context.Context, t *testing.T, d *db.DB) catalogue {
	t.Helper()
	c := catalogue{tables: map[string]map[string]column{}, indexes: map[string]map[string]string{}, counted: map[string]string{}}

	rows, err := d.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable
		FROM information_schema.columns
		WHERE table_schema = current_schema()
		  AND table_name IN (SELECT table_name FROM information_schema.tables
		                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')`)
	if err != nil {
		t.Fatalf("information_schema.columns: %v", err)
	}
	for rows.Next() {
		var tbl, col, typ, nullable string
		if err := rows.Scan(&tbl, &col, &typ, &nullable); err != nil {
			t.Fatal(err)
		}
		if c.tables[tbl] == nil {
			c.tables[tbl] = map[string]column{}
			c.indexes[tbl] = map[string]string{}
		}
		c.tables[tbl][col] = column{family: postgresFamily(typ), notNull: nullable == "NO", decl: typ}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	// One row per index column, in order; DESC is bit 0 of indoption.
	rows, err = d.Query(ctx, `SELECT tc.relname, ic.relname, i.indisunique, i.indpred IS NOT NULL,
			k.n, pg_get_indexdef(i.indexrelid, k.n::int, true), (i.indoption[k.n - 1] & 1) = 1
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class tc ON tc.oid = i.indrelid
		JOIN pg_namespace ns ON ns.oid = tc.relnamespace
		CROSS JOIN LATERAL generate_series(1, i.indnkeyatts) AS k(n)
		WHERE ns.nspname = current_schema()
		ORDER BY tc.relname, ic.relname, k.n`)
	if err != nil {
		t.Fatalf("pg_index: %v", err)
	}
	type idx struct {
		tbl             string
		unique, partial bool
		cols            []string
	}
	found := map[string]*idx{}
	var order []string
	for rows.Next() {
		var tbl, name, col string
		var unique, partial, desc bool
		var n int
		if err := rows.Scan(&tbl, &name, &unique, &partial, &n, &col, &desc); err != nil {
			t.Fatal(err)
		}
		i := found[name]
		if i == nil {
			i = &idx{tbl: tbl, unique: unique, partial: partial}
			found[name] = i
			order = append(order, name)
		}
		// pg_get_indexdef quotes names that are keywords ("position").
		col = strings.Trim(col, `"`)
		if desc {
			col += " DESC"
		}
		i.cols = append(i.cols, col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, name := range order {
		i := found[name]
		if c.indexes[i.tbl] == nil {
			c.indexes[i.tbl] = map[string]string{}
		}
		c.indexes[i.tbl][indexKey(i.cols, i.unique, i.partial)] = name
	}

	// A trigger moves the content counter when its function touches
	// content_version.
	rows, err = d.Query(ctx, `SELECT tc.relname, tg.tgname
		FROM pg_trigger tg
		JOIN pg_class tc ON tc.oid = tg.tgrelid
		JOIN pg_namespace ns ON ns.oid = tc.relnamespace
		JOIN pg_proc pr ON pr.oid = tg.tgfoid
		WHERE ns.nspname = current_schema() AND NOT tg.tgisinternal
		  AND pr.prosrc ILIKE '%content_version%'`)
	if err != nil {
		t.Fatalf("pg_trigger: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tbl, name string
		if err := rows.Scan(&tbl, &name); err != nil {
			t.Fatal(err)
		}
		c.counted[tbl] = name
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
