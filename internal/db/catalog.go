package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Column is one column of a table as the engines' catalogues describe it.
type Column struct {
	Name string
	// Family is the engine-neutral kind of its values: integer, boolean,
	// text, timestamp, real or blob. SQLite keeps some flags in INTEGER
	// columns that are boolean on PostgreSQL: values cross between the two
	// as 0 and 1.
	Family  string
	NotNull bool
}

// Ref is a foreign key: Column of the table refers to To of Table.
type Ref struct{ Column, Table, To string }

// Table is a table that holds the site's data (not an index the engine
// keeps for itself, such as SQLite's full-text shadow tables).
type Table struct {
	Name    string
	Columns []Column // without generated columns, which the engine computes
	Key     []string // the primary key's columns
	Refs    []Ref
}

// Family is the engine-neutral family of a column's declared type, or
// "unknown ..." for a type the site does not use.
func Family(e Engine, decl string) string {
	if e == SQLite {
		switch strings.ToUpper(strings.TrimSpace(decl)) {
		case "INTEGER", "INT", "BIGINT", "SMALLINT":
			return "integer"
		case "TEXT":
			return "text"
		case "TIMESTAMP", "DATETIME":
			return "timestamp"
		case "REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT":
			return "real"
		case "BLOB":
			return "blob"
		case "BOOLEAN":
			return "boolean"
		}
		return "unknown SQLite type " + decl
	}
	switch decl {
	case "integer", "bigint", "smallint":
		return "integer"
	case "text", "character varying", "character":
		return "text"
	case "timestamp with time zone", "timestamp without time zone":
		return "timestamp"
	case "double precision", "real", "numeric":
		return "real"
	case "bytea":
		return "blob"
	case "boolean":
		return "boolean"
	case "tsvector":
		return "tsvector"
	}
	return "unknown PostgreSQL type " + decl
}

// indexTables are tables that are an index kept by triggers from other
// tables' rows, as SQLite's full-text tables are kept by the engine: not
// the site's rows, so not listed (a restore fills them as it loads).
var indexTables = map[string]bool{
	"article_search": true, // PostgreSQL's narrow copy of articles for search
}

// Tables lists the tables of the site's schema, by name, with their
// columns, keys and foreign keys.
func (d *DB) Tables(ctx context.Context) ([]Table, error) {
	var out []Table
	var err error
	if d.Engine == SQLite {
		out, err = d.sqliteTables(ctx)
	} else {
		out, err = d.postgresTables(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("db: catalogue: %w", err)
	}
	out = slices.DeleteFunc(out, func(t Table) bool { return indexTables[t.Name] })
	slices.SortFunc(out, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (d *DB) sqliteTables(ctx context.Context) ([]Table, error) {
	type master struct{ name, sql string }
	var all []master
	err := d.queryEach(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`, nil, func(r *sql.Rows) error {
		var m master
		all = append(all, m)
		return r.Scan(&all[len(all)-1].name, &all[len(all)-1].sql)
	})
	if err != nil {
		return nil, err
	}
	// A virtual table (FTS5) and the shadow tables it made are the
	// engine's index, rebuilt from the rows they index.
	var virtual []string
	for _, m := range all {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(m.sql)), "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, m.name)
		}
	}
	var out []Table
	for _, m := range all {
		if slices.ContainsFunc(virtual, func(v string) bool { return m.name == v || strings.HasPrefix(m.name, v+"_") }) {
			continue
		}
		t := Table{Name: m.name}
		type keyCol struct {
			pos  int
			name string
		}
		var keys []keyCol
		err := d.queryEach(ctx, `SELECT name, type, "notnull", pk, hidden FROM pragma_table_xinfo($1)`, []any{m.name}, func(r *sql.Rows) error {
			var name, decl string
			var notNull, pk, hidden int
			if err := r.Scan(&name, &decl, &notNull, &pk, &hidden); err != nil {
				return err
			}
			if hidden != 0 { // generated
				return nil
			}
			t.Columns = append(t.Columns, Column{Name: name, Family: Family(SQLite, decl), NotNull: notNull != 0 || pk > 0})
			if pk > 0 {
				keys = append(keys, keyCol{pk, name})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(keys, func(a, b keyCol) int { return a.pos - b.pos })
		for _, k := range keys {
			t.Key = append(t.Key, k.name)
		}
		err = d.queryEach(ctx, `SELECT "from", "table", COALESCE("to", '') FROM pragma_foreign_key_list($1)`, []any{m.name}, func(r *sql.Rows) error {
			var ref Ref
			if err := r.Scan(&ref.Column, &ref.Table, &ref.To); err != nil {
				return err
			}
			t.Refs = append(t.Refs, ref)
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (d *DB) postgresTables(ctx context.Context) ([]Table, error) {
	byName := map[string]*Table{}
	var order []string
	err := d.queryEach(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
		FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.is_generated = 'NEVER'
		ORDER BY c.table_name, c.ordinal_position`, nil, func(r *sql.Rows) error {
		var table, name, typ string
		var notNull bool
		if err := r.Scan(&table, &name, &typ, &notNull); err != nil {
			return err
		}
		t, ok := byName[table]
		if !ok {
			t = &Table{Name: table}
			byName[table] = t
			order = append(order, table)
		}
		t.Columns = append(t.Columns, Column{Name: name, Family: Family(Postgres, typ), NotNull: notNull})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = d.queryEach(ctx, `SELECT cl.relname, a.attname FROM pg_index i
		JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
		WHERE i.indisprimary AND n.nspname = current_schema()
		ORDER BY cl.relname, array_position(i.indkey::int2[], a.attnum)`, nil, func(r *sql.Rows) error {
		var table, col string
		if err := r.Scan(&table, &col); err != nil {
			return err
		}
		if t, ok := byName[table]; ok {
			t.Key = append(t.Key, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = d.queryEach(ctx, `SELECT src.relname, a.attname, dst.relname, af.attname FROM pg_constraint c
		JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = c.connamespace
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND n.nspname = current_schema()
		ORDER BY src.relname, a.attname`, nil, func(r *sql.Rows) error {
		var table string
		var ref Ref
		if err := r.Scan(&table, &ref.Column, &ref.Table, &ref.To); err != nil {
			return err
		}
		if t, ok := byName[table]; ok {
			t.Refs = append(t.Refs, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out, nil
}

func (d *DB) queryEach(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	return eachRow(ctx, d, q, args, fn)
}

// Snapshot runs fn in a read-only transaction that sees the database as it
// was when it began, while writers go on (SQLite's WAL, PostgreSQL's
// repeatable read): what a backup reads is one consistent moment.
func (d *DB) Snapshot(ctx context.Context, fn func(q Querier) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if d.Engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := d.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // read-only: nothing to keep
	// SQLite starts the snapshot at the first read, not at BEGIN.
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("db: snapshot: %w", err)
	}
	return fn(snapshotTx{tx})
}

// snapshotTx is a *sql.Tx as a Querier, with times stored as the rest of
// the package stores them.
type snapshotTx struct{ tx *sql.Tx }

func (s snapshotTx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.tx.ExecContext(ctx, q, normArgs(args)...)
}
func (s snapshotTx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.tx.QueryContext(ctx, q, normArgs(args)...)
}
func (s snapshotTx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.tx.QueryRowContext(ctx, q, normArgs(args)...)
}
