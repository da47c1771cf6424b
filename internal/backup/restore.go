package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"byline/internal/db"
	"byline/internal/media"
)

// ErrNotEmpty refuses to restore or copy onto a database that holds a site.
var ErrNotEmpty = errors.New("the database already holds a site")

// Verify reads a whole backup and checks it against its manifest: the
// manifest is there, last and whole, and every entry it lists is there,
// once, with its size and checksum, and nothing else. A file that is not
// a backup, is cut short or is damaged anywhere gets an error saying so.
func Verify(r io.Reader) (*Manifest, error) {
	gz, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<20))
	if err != nil {
		return nil, errors.New("this is not a Byline backup (not a gzip file)")
	}
	tr := tar.NewReader(gz)
	seen := map[string]FileInfo{}
	var m *Manifest
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damaged(err)
		}
		if m != nil {
			return nil, fmt.Errorf("the backup is damaged: %s comes after the manifest", h.Name)
		}
		if h.Name == "manifest.json" {
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, tr); err != nil {
				return nil, damaged(err)
			}
			m = &Manifest{}
			if err := json.Unmarshal(buf.Bytes(), m); err != nil {
				return nil, fmt.Errorf("the backup is damaged: its manifest cannot be read: %v", err)
			}
			continue
		}
		if _, dup := seen[h.Name]; dup {
			return nil, fmt.Errorf("the backup is damaged: %s is in it twice", h.Name)
		}
		sum := sha256.New()
		n, err := io.Copy(sum, tr)
		if err != nil {
			return nil, damaged(err)
		}
		seen[h.Name] = FileInfo{Size: n, SHA256: hex.EncodeToString(sum.Sum(nil))}
	}
	// The gzip stream's own end: a file cut after the tar's end is short
	// too.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, damaged(err)
	}
	if m == nil {
		return nil, errors.New("the backup is incomplete: it has no manifest (the file was cut short, or is not a Byline backup)")
	}
	if m.Format != Format {
		return nil, fmt.Errorf("this backup is in format %d; this version of Byline reads format %d", m.Format, Format)
	}
	for name, want := range m.Files {
		got, ok := seen[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("the backup is incomplete: %s is missing", name)
		case got != want:
			return nil, fmt.Errorf("the backup is damaged: %s does not match its checksum", name)
		}
	}
	for name := range seen {
		if _, ok := m.Files[name]; !ok {
			return nil, fmt.Errorf("the backup is damaged: %s is not in its manifest", name)
		}
	}
	return m, nil
}

func damaged(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("the backup is incomplete: the file was cut short")
	}
	return fmt.Errorf("the backup is damaged: %v", err)
}

// RestoreOptions say how to restore.
type RestoreOptions struct {
	Force    bool // replace a site the database holds
	Progress Progress
}

// Restore puts the backup in f onto the database d and its files into
// storage, migrating d to the backup's schema first and to this version's
// after. It verifies the whole file first and changes nothing if it is
// damaged; it refuses a database that holds a site unless opts.Force. The
// rows go in one transaction; at the end every table is read back and
// compared with the manifest's digests.
func Restore(ctx context.Context, d *db.DB, storage media.Storage, f io.ReadSeeker, opts RestoreOptions) (*Manifest, error) {
	m, err := Verify(f)
	if err != nil {
		return nil, err
	}
	// The rows go into the schema they were written in; the migrations
	// after it then change them as they changed every site. A database
	// already further on takes them as they are (the columns added since
	// take their defaults).
	if _, err := d.MigrateTo(ctx, m.Schema); err != nil {
		return nil, err
	}
	schema, err := schemaVersion(ctx, d)
	if err != nil {
		return nil, err
	}
	if m.Schema > schema {
		return nil, fmt.Errorf("this backup was made by a newer version of Byline (schema %d; this one has %d): restore it with that version or a later one", m.Schema, schema)
	}
	isEmpty, held, err := empty(ctx, d)
	if err != nil {
		return nil, err
	}
	if !isEmpty && !opts.Force {
		return nil, fmt.Errorf("%w (%s): restore onto an empty database, or give --force to replace it", ErrNotEmpty, held)
	}
	all, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	target, err := ordered(all)
	if err != nil {
		return nil, err
	}
	byName := map[string]db.Table{}
	for _, t := range target {
		byName[t.Name] = t
	}
	for _, t := range m.Tables {
		if _, ok := byName[t.Name]; !ok {
			return nil, fmt.Errorf("the backup has a table %s that this version of Byline does not know", t.Name)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	total := m.Rows() + int64(m.Media.Files)
	var done int64
	var next *tar.Header // the first entry after the rows
	err = d.Tx(ctx, func(tx *db.Tx) error {
		if err := clearTables(ctx, tx, target); err != nil {
			return err
		}
		for _, info := range m.Tables {
			if _, err := tx.Exec(ctx, `DELETE FROM `+quote(info.Name)); err != nil {
				return err
			}
			l, err := newLoader(tx, byName[info.Name], info.Columns)
			if err != nil {
				return err
			}
			for _, chunk := range info.Chunks {
				h, err := tr.Next()
				if err != nil {
					return damaged(err)
				}
				if h.Name != chunk {
					return fmt.Errorf("the backup is damaged: %s where %s was expected", h.Name, chunk)
				}
				sc := bufio.NewScanner(tr)
				sc.Buffer(make([]byte, 1<<20), 64<<20)
				for sc.Scan() {
					row, err := decodeRow(sc.Bytes(), info.Families)
					if err != nil {
						return fmt.Errorf("the backup is damaged: %s: %w", chunk, err)
					}
					if err := l.add(ctx, row); err != nil {
						return err
					}
					if done++; opts.Progress != nil && done%1000 == 0 {
						opts.Progress(done, total)
					}
				}
				if err := sc.Err(); err != nil {
					return damaged(err)
				}
			}
			if err := l.finish(ctx, info.Columns); err != nil {
				return err
			}
		}
		if err := resetIDs(ctx, tx, target); err != nil {
			return err
		}
		h, err := tr.Next()
		if err != nil {
			return damaged(err)
		}
		next = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The files, once the rows are in (the storage may be this database,
	// whose one writer the transaction held).
	for h := next; h.Name != "manifest.json"; {
		key, ok := strings.CutPrefix(h.Name, "media/")
		if !ok {
			return nil, fmt.Errorf("the backup is damaged: unexpected %s", h.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, damaged(err)
		}
		if storage != nil {
			if err := storage.Put(ctx, key, data); err != nil {
				return nil, fmt.Errorf("restore media file %s: %w", key, err)
			}
		}
		if done++; opts.Progress != nil {
			opts.Progress(done, total)
		}
		if h, err = tr.Next(); err != nil {
			return nil, damaged(err)
		}
	}
	if err := check(ctx, d, byName, m.Tables); err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("the rows are restored, but the migrations after the backup's schema failed: %w", err)
	}
	return m, nil
}

// check reads back every table and compares it with what was copied.
func check(ctx context.Context, d *db.DB, byName map[string]db.Table, want []TableInfo) error {
	for _, info := range want {
		t := byName[info.Name]
		t.Columns = pick(t.Columns, info.Columns)
		got, err := tableDigest(ctx, d, t)
		if err != nil {
			return err
		}
		if got.rows != info.Rows || got.String() != info.Digest {
			return fmt.Errorf("table %s was not copied whole: %d rows here, %d in the source, or their contents differ", info.Name, got.rows, info.Rows)
		}
	}
	return nil
}

// pick is the columns named, in that order.
func pick(cols []db.Column, names []string) []db.Column {
	out := make([]db.Column, 0, len(names))
	for _, n := range names {
		for _, c := range cols {
			if c.Name == n {
				out = append(out, c)
			}
		}
	}
	return out
}
