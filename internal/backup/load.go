package backup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"byline/internal/db"
)

// loader writes canonical rows into a table of the target database, many
// to a statement.
type loader struct {
	tx    *db.Tx
	table string
	head  string
	fams  []string // the target's family of each column the rows carry
	self  []int    // columns that refer to this table's own id
	idPos int      // the id column, or -1
	buf   [][]any
	later [][3]any // references to rows further on: id, column, value
	rows  int64
}

const loadBatch = 256

// newLoader loads rows of cols (the source's columns, in their order) into
// target, which must have each of them.
func newLoader(tx *db.Tx, target db.Table, cols []string) (*loader, error) {
	l := &loader{tx: tx, table: target.Name, idPos: -1}
	byName := map[string]db.Column{}
	for _, c := range target.Columns {
		byName[c.Name] = c
	}
	quoted := make([]string, len(cols))
	for i, name := range cols {
		c, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("backup: table %s here has no column %s: the backup was made by another version of Byline", target.Name, name)
		}
		l.fams = append(l.fams, c.Family)
		quoted[i] = quote(name)
		if name == "id" {
			l.idPos = i
		}
		if slices.ContainsFunc(target.Refs, func(r db.Ref) bool { return r.Column == name && r.Table == target.Name && r.To == "id" }) {
			l.self = append(l.self, i)
		}
	}
	l.head = `INSERT INTO ` + quote(target.Name) + ` (` + strings.Join(quoted, ", ") + `)`
	return l, nil
}

// add queues one canonical row.
func (l *loader) add(ctx context.Context, row []any) error {
	vals := make([]any, len(row))
	for i, v := range row {
		if n, ok := v.(int64); ok && l.fams[i] == "boolean" {
			vals[i] = n != 0
		} else {
			vals[i] = v
		}
	}
	// Rows come in the order of their ids: one that refers to a row of
	// its own table further on (a category moved under a newer one) gets
	// that reference once the table is loaded.
	if l.idPos >= 0 {
		if id, ok := vals[l.idPos].(int64); ok {
			for _, i := range l.self {
				if ref, ok := vals[i].(int64); ok && ref >= id {
					l.later = append(l.later, [3]any{id, i, ref})
					vals[i] = nil
				}
			}
		}
	}
	l.buf = append(l.buf, vals)
	l.rows++
	if len(l.buf) >= loadBatch {
		return l.flush(ctx)
	}
	return nil
}

func (l *loader) flush(ctx context.Context) error {
	if len(l.buf) == 0 {
		return nil
	}
	err := l.tx.InsertRows(ctx, l.head, "", l.buf)
	l.buf = l.buf[:0]
	if err != nil {
		return fmt.Errorf("backup: load %s: %w", l.table, err)
	}
	return nil
}

// finish writes what is queued and the references held back.
func (l *loader) finish(ctx context.Context, cols []string) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	for _, r := range l.later {
		if _, err := l.tx.Exec(ctx, `UPDATE `+quote(l.table)+` SET `+quote(cols[r[1].(int)])+` = $2 WHERE id = $1`, r[0], r[2]); err != nil {
			return fmt.Errorf("backup: load %s: %w", l.table, err)
		}
	}
	return nil
}

// clearTables deletes the rows of tables, the ones referring to others first.
func clearTables(ctx context.Context, tx *db.Tx, tables []db.Table) error {
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := tx.Exec(ctx, `DELETE FROM `+quote(tables[i].Name)); err != nil {
			return fmt.Errorf("backup: empty %s: %w", tables[i].Name, err)
		}
	}
	return nil
}

// resetIDs makes every table's next id follow the largest loaded.
func resetIDs(ctx context.Context, tx *db.Tx, tables []db.Table) error {
	for _, t := range tables {
		if len(t.Key) == 1 && t.Key[0] == "id" {
			if err := tx.ResetID(ctx, t.Name); err != nil {
				return err
			}
		}
	}
	return nil
}
