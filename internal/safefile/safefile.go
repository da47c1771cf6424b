// Package safefile writes a file so that a reader never finds half of it
// under its name: through a file beside it, synced, then renamed.
package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a file beside path and, if it succeeds, renames
// that file to path; on any error the file beside is removed and path is
// untouched. The file is readable by its owner only (exports and backups
// hold personal data). It returns the bytes written.
func Write(path string, write func(io.Writer) error) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	cw := &Counter{W: f}
	err = write(cw)
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		if rmErr := os.Remove(tmp); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
		return 0, err
	}
	return cw.N, nil
}

// Counter counts the bytes written through it to W.
type Counter struct {
	W io.Writer
	N int64
}

func (c *Counter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}
