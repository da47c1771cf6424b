// Command barego is the ceiling any Go server reaches on this machine: it
// writes files' bytes, held in memory, with nothing else. The benchmark
// compares Byline with it, so it answers as well as Byline does: with
// Content-Length (not chunked) and the very headers Byline sent with the
// page, read from FILE.headers ("Name: value" lines) when there is one.
// Usage: barego ADDR FILE...
package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	for _, f := range os.Args[2:] {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
		if err := readHeaders(f+".headers", h); err != nil {
			panic(err)
		}
		h.Set("Content-Length", strconv.Itoa(len(b)))
		http.HandleFunc("/"+filepath.Base(f), func(w http.ResponseWriter, r *http.Request) {
			dst := w.Header()
			for k, v := range h {
				dst[k] = v
			}
			w.Write(b)
		})
	}
	panic(http.ListenAndServe(os.Args[1], nil))
}

// readHeaders adds the headers kept in file to h; no file, none.
func readHeaders(file string, h http.Header) error {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			continue
		}
		k = http.CanonicalHeaderKey(k)
		if !seen[k] { // the file's value replaces the default
			h.Del(k)
			seen[k] = true
		}
		h.Add(k, v)
	}
	return sc.Err()
}
