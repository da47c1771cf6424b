package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws a bar on a terminal and prints nothing elsewhere, so
// logs and pipes stay clean.
type progress struct {
	w     io.Writer
	what  string
	tty   bool
	drawn bool
}

func newProgress(w io.Writer, what string) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, what: what, tty: tty}
}

func (p *progress) update(done, total int) {
	if !p.tty || total <= 0 {
		return
	}
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %s", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, p.what)
	p.drawn = true
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// importReport is what an import command prints at its end: a pointer to
// the import's report.
type importReport[T any] interface {
	*T
	Added() int
	Write(io.Writer) error
}

// runImport runs an import of a file of size bytes with the two bars an
// import shows (the file is checked to its end before anything is
// written), then prints its report. On an error, what came before it
// stays imported, and the report of it goes to stderr: the same command
// completes the import.
func runImport[T any, R importReport[T]](env *environment, name string, size int64, run func(progress func(off int64, checking bool)) (R, error)) error {
	checking := newProgress(env.stderr, "bytes checked")
	reading := newProgress(env.stderr, "bytes read")
	rep, err := run(func(off int64, check bool) {
		if check {
			checking.update(int(off), int(size))
			return
		}
		checking.done()
		reading.update(int(off), int(size))
	})
	checking.done()
	reading.done()
	if err != nil {
		if rep != nil && rep.Added() > 0 {
			if werr := rep.Write(env.stderr); werr != nil {
				err = errors.Join(err, werr)
			}
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return rep.Write(env.stdout)
}

// importFileArg parses args, whose flags may come before or after the
// file's name, and returns that one name; what says which file it must be.
func importFileArg(fs *flag.FlagSet, args []string, what string) (string, error) {
	var files []string
	for {
		if err := parse(fs, args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return "", usageError{"name one " + what}
	}
	return files[0], nil
}

// openImportFile opens the file to import and says how long it is, for
// the progress bar.
func openImportFile(name string) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", name, errors.Unwrap(err))
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, errors.Join(err, f.Close())
	}
	return f, st.Size(), nil
}
