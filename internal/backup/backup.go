// Package backup makes and reads Byline's backups, and copies a whole site
// between databases (SQLite to PostgreSQL and back).
//
// A backup is one gzip-compressed tar file, in Byline's own portable format,
// so that a backup of either engine restores onto either:
//
//	tables/NAME/000001.jsonl  rows of a table, one JSON array per line
//	media/KEY                 the media library's files
//	manifest.json             last: the version, the schema's migration,
//	                          each table's columns, rows and digest, and
//	                          every entry's size and SHA-256
//
// The rows are read in one snapshot (SQLite's WAL, PostgreSQL's repeatable
// read), so the site keeps running and its readers are not blocked.
package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/media"
)

// Format is the version of the file format this package writes and reads.
const Format = 1

// Manifest says what a backup holds.
type Manifest struct {
	Format    int                 `json:"format"`
	Version   string              `json:"byline_version"`
	Engine    string              `json:"engine"`
	Schema    int                 `json:"schema"` // the last migration applied
	CreatedAt time.Time           `json:"created_at"`
	Tables    []TableInfo         `json:"tables"`
	Media     MediaInfo           `json:"media"`
	Files     map[string]FileInfo `json:"files"` // every entry but the manifest
}

// TableInfo is one table of a backup.
type TableInfo struct {
	Name     string   `json:"name"`
	Columns  []string `json:"columns"`
	Families []string `json:"families"`
	Rows     int64    `json:"rows"`
	Digest   string   `json:"digest"` // of its rows, in any order (see digest)
	Chunks   []string `json:"chunks"` // its entries, in order
}

// MediaInfo counts the media library's files.
type MediaInfo struct {
	Files   int      `json:"files"`
	Bytes   int64    `json:"bytes"`
	Missing []string `json:"missing,omitempty"` // files a row names that the storage did not have
}

// FileInfo is one entry of the archive.
type FileInfo struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Rows returns the number of rows of every table.
func (m *Manifest) Rows() int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// Progress hears how far a long run is: done of total units (rows and
// files).
type Progress func(done, total int64)

// chunkBytes bounds an entry of rows, which is held in memory until it is
// written (a tar entry's size comes before its bytes).
const chunkBytes = 8 << 20

// Write writes a backup of the site in d, with the files of storage (nil
// for none), to w.
func Write(ctx context.Context, d *db.DB, storage media.Storage, w io.Writer, progress Progress) (*Manifest, error) {
	all, err := d.Tables(ctx)
	if err != nil {
		return nil, err
	}
	tables, err := ordered(all)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: Format, Version: version(), Engine: string(d.Engine), CreatedAt: time.Now().UTC(), Files: map[string]FileInfo{}}
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	aw := &archiveWriter{tw: tar.NewWriter(gz), m: m}
	var keys []string
	err = d.Snapshot(ctx, func(q db.Querier) error {
		var err error
		if m.Schema, err = schemaVersion(ctx, q); err != nil {
			return err
		}
		var total, done int64
		counts := make([]int64, len(tables))
		for i, t := range tables {
			if counts[i], err = count(ctx, q, t.Name); err != nil {
				return err
			}
			total += counts[i]
		}
		for _, t := range tables {
			info := TableInfo{Name: t.Name, Columns: columnNames(t), Families: families(t)}
			var dg digest
			var chunk bytes.Buffer
			flush := func() error {
				if chunk.Len() == 0 {
					return nil
				}
				name := fmt.Sprintf("tables/%s/%06d.jsonl", t.Name, len(info.Chunks)+1)
				info.Chunks = append(info.Chunks, name)
				err := aw.add(name, chunk.Bytes())
				chunk.Reset()
				return err
			}
			variants := -1
			if t.Name == "media" {
				for i, c := range info.Columns {
					if c == "variants" {
						variants = i
					}
				}
			}
			err := readRows(ctx, q, t, func(row []any) error {
				line, err := encodeRow(row)
				if err != nil {
					return fmt.Errorf("backup: %s: %w", t.Name, err)
				}
				dg.add(line)
				chunk.Write(line)
				chunk.WriteByte('\n')
				if variants >= 0 {
					if v, ok := row[variants].(string); ok {
						k, err := media.FileKeys(v)
						if err != nil {
							return err
						}
						keys = append(keys, k...)
					}
				}
				done++
				if progress != nil && done%1000 == 0 {
					progress(done, total+int64(len(keys)))
				}
				if chunk.Len() >= chunkBytes {
					return flush()
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := flush(); err != nil {
				return err
			}
			info.Rows, info.Digest = dg.rows, dg.String()
			m.Tables = append(m.Tables, info)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The files after the snapshot: a file is written once under its key
	// and never changed, so the file of a row read is the file it named
	// (unless the picture was deleted since: then it is listed missing).
	rows := m.Rows()
	for i, k := range keys {
		if storage == nil {
			break
		}
		data, err := storage.Get(ctx, k)
		if errors.Is(err, apperr.ErrNotFound) {
			m.Media.Missing = append(m.Media.Missing, k)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("backup: media file %s: %w", k, err)
		}
		if err := aw.add("media/"+k, data); err != nil {
			return nil, err
		}
		m.Media.Files++
		m.Media.Bytes += int64(len(data))
		if progress != nil {
			progress(rows+int64(i+1), rows+int64(len(keys)))
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := aw.write("manifest.json", manifest); err != nil {
		return nil, err
	}
	if err := aw.tw.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

type archiveWriter struct {
	tw *tar.Writer
	m  *Manifest
}

// add writes an entry and records its checksum in the manifest.
func (a *archiveWriter) add(name string, data []byte) error {
	sum := sha256.Sum256(data)
	a.m.Files[name] = FileInfo{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	return a.write(name, data)
}

func (a *archiveWriter) write(name string, data []byte) error {
	if err := a.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: a.m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := a.tw.Write(data); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// version is this build's version, as the Go toolchain recorded it.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
