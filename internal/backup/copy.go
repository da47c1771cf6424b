package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/media"
)

// CopyOptions say how to copy.
type CopyOptions struct {
	Force    bool // replace a different site the target holds
	Progress Progress
}

// CopyResult is what a copy did.
type CopyResult struct {
	Tables  []TableInfo // every table, with the source's rows and digest
	Resumed string      // the table an earlier, interrupted copy stopped at ("" for a new copy)
	Already int         // tables found already copied (and checked), not written again
	Media   MediaInfo
	Reused  int // media files the target had already
}

// Copy copies the whole site in src (read in one snapshot) onto dst, with
// the media files from srcFiles into dstFiles: every row with its id, and
// every file. Each table is written in its own transaction, so an
// interrupted copy keeps what it finished: run again, it checks the tables
// already there against the source and goes on from the first that
// differs. At the end every table of dst is read back and compared with
// the source's digest, and every file with the source's bytes.
func Copy(ctx context.Context, src *db.DB, srcFiles media.Storage, dst *db.DB, dstFiles media.Storage, opts CopyOptions) (*CopyResult, error) {
	srcSchema, err := schemaVersion(ctx, src)
	if err != nil {
		return nil, err
	}
	dstSchema, err := schemaVersion(ctx, dst)
	if err != nil {
		return nil, err
	}
	if srcSchema != dstSchema {
		return nil, fmt.Errorf("the two databases are at different schema versions (%d and %d)", srcSchema, dstSchema)
	}
	srcAll, err := src.Tables(ctx)
	if err != nil {
		return nil, err
	}
	tables, err := ordered(srcAll)
	if err != nil {
		return nil, err
	}
	dstAll, err := dst.Tables(ctx)
	if err != nil {
		return nil, err
	}
	dstOrdered, err := ordered(dstAll)
	if err != nil {
		return nil, err
	}
	byName := map[string]db.Table{}
	for _, t := range dstOrdered {
		byName[t.Name] = t
	}
	for _, t := range tables {
		if _, ok := byName[t.Name]; !ok {
			return nil, fmt.Errorf("the target has no table %s", t.Name)
		}
	}
	isEmpty, held, err := empty(ctx, dst)
	if err != nil {
		return nil, err
	}
	res := &CopyResult{}
	var keys []string
	err = src.Snapshot(ctx, func(q db.Querier) error {
		var total, done int64
		for _, t := range tables {
			n, err := count(ctx, q, t.Name)
			if err != nil {
				return err
			}
			total += n
		}
		// Where to start: a new copy at the first table; an interrupted
		// one at the first table that differs from the source.
		from := 0
		if !isEmpty {
			for from < len(tables) {
				t := tables[from]
				s, err := tableDigest(ctx, q, t)
				if err != nil {
					return err
				}
				dt := byName[t.Name]
				dt.Columns = pick(dt.Columns, columnNames(t))
				d, err := tableDigest(ctx, dst, dt)
				if err != nil {
					return err
				}
				if s != d {
					break
				}
				res.Tables = append(res.Tables, TableInfo{Name: t.Name, Rows: s.rows, Digest: s.String()})
				done += s.rows
				from++
				res.Already++
			}
			switch {
			case from == 0 && !opts.Force:
				return fmt.Errorf("%w (%s) and it is not an interrupted copy of this one: copy onto an empty database, or give --force to replace it", ErrNotEmpty, held)
			case from > 0 && from < len(tables):
				res.Resumed = tables[from].Name
			}
		}
		if err := dst.Tx(ctx, func(tx *db.Tx) error { return clearTables(ctx, tx, dstOrdered[indexOf(dstOrdered, tables, from):]) }); err != nil {
			return err
		}
		for _, t := range tables[from:] {
			var dg digest
			cols := columnNames(t)
			err := dst.Tx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM `+quote(t.Name)); err != nil {
					return err
				}
				l, err := newLoader(tx, byName[t.Name], cols)
				if err != nil {
					return err
				}
				err = readRows(ctx, q, t, func(row []any) error {
					line, err := encodeRow(row)
					if err != nil {
						return err
					}
					dg.add(line)
					if done++; opts.Progress != nil && done%1000 == 0 {
						opts.Progress(done, total)
					}
					return l.add(ctx, row)
				})
				if err != nil {
					return err
				}
				return l.finish(ctx, cols)
			})
			if err != nil {
				return err
			}
			res.Tables = append(res.Tables, TableInfo{Name: t.Name, Rows: dg.rows, Digest: dg.String()})
		}
		if err := dst.Tx(ctx, func(tx *db.Tx) error { return resetIDs(ctx, tx, dstOrdered) }); err != nil {
			return err
		}
		// The media library's files, as its rows in this snapshot name them.
		for _, t := range tables {
			if t.Name != "media" {
				continue
			}
			vi := -1
			for i, c := range t.Columns {
				if c.Name == "variants" {
					vi = i
				}
			}
			if vi < 0 {
				return errors.New("backup: the media table has no variants column")
			}
			return readRows(ctx, q, t, func(row []any) error {
				if v, ok := row[vi].(string); ok {
					k, err := media.FileKeys(v)
					keys = append(keys, k...)
					return err
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if srcFiles == nil || dstFiles == nil {
			break
		}
		data, err := srcFiles.Get(ctx, k)
		if errors.Is(err, apperr.ErrNotFound) {
			res.Media.Missing = append(res.Media.Missing, k)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("copy media file %s: %w", k, err)
		}
		have, err := dstFiles.Get(ctx, k)
		switch {
		case err == nil && bytes.Equal(have, data):
			res.Reused++
		case err == nil || errors.Is(err, apperr.ErrNotFound):
			if err := dstFiles.Put(ctx, k, data); err != nil {
				return nil, fmt.Errorf("copy media file %s: %w", k, err)
			}
			if have, err = dstFiles.Get(ctx, k); err != nil || !bytes.Equal(have, data) {
				return nil, fmt.Errorf("media file %s reads back different from the source (%v)", k, err)
			}
		default:
			return nil, fmt.Errorf("copy media file %s: %w", k, err)
		}
		res.Media.Files++
		res.Media.Bytes += int64(len(data))
	}
	srcInfo := make([]TableInfo, len(res.Tables))
	copy(srcInfo, res.Tables)
	for i := range srcInfo {
		srcInfo[i].Columns = columnNames(tables[i])
	}
	if err := check(ctx, dst, byName, srcInfo); err != nil {
		return nil, err
	}
	return res, nil
}

// indexOf is where the first of tables[from:] stands in dst's order (the
// same order, built from the same schema).
func indexOf(dst, tables []db.Table, from int) int {
	if from >= len(tables) {
		return len(dst)
	}
	for i, t := range dst {
		if t.Name == tables[from].Name {
			return i
		}
	}
	return 0
}
