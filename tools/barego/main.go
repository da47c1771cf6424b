// Command barego is the ceiling any Go server reaches on this machine: it
// writes files' bytes, held in memory, with nothing else. The benchmark
// compares Byline with it. Usage: barego ADDR FILE...
package main

import (
	"net/http"
	"os"
	"path/filepath"
)

func main() {
	for _, f := range os.Args[2:] {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		http.HandleFunc("/"+filepath.Base(f), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(b)
		})
	}
	panic(http.ListenAndServe(os.Args[1], nil))
}
