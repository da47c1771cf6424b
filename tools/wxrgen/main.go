// Command wxrgen writes a made-up magazine as a WordPress export (WXR 1.2)
// of any size, for measuring imports: the same flags give the same file.
//
//	go run ./tools/wxrgen -articles 100000 -comments 10 -o big.xml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"byline/internal/wordpress"
)

func main() {
	articles := flag.Int("articles", 100_000, "posts to write")
	comments := flag.Int("comments", 10, "comments on each post")
	seed := flag.Uint64("seed", 1, "seed of the generator")
	base := flag.String("base", "https://magazine.example", "the old site's address")
	out := flag.String("o", "-", "file to write (- for standard output)")
	flag.Parse()
	if err := run(*out, wordpress.GenerateOptions{
		Articles: *articles, CommentsPerArticle: *comments, Seed: *seed, BaseURL: *base,
	}); err != nil {
		fmt.Fprintln(os.Stderr, "wxrgen:", err)
		os.Exit(1)
	}
}

func run(path string, opts wordpress.GenerateOptions) (err error) {
	var w io.Writer = os.Stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := wordpress.Generate(bw, opts); err != nil {
		return err
	}
	return bw.Flush()
}
