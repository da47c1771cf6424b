package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"byline/internal/safefile"
	"byline/internal/site"
	"byline/internal/wpexport"
)

const exportHelp = `Usage: byline export wordpress [flags] [FILE]

Writes the whole site as a WordPress export (WXR 1.2) to FILE, or to the
standard output without one: the people who wrote, categories and tags,
media addresses, articles of every status, pages, and every comment with
its parent. WordPress's Tools → Import → WordPress reads it, as does
'byline import wordpress'.

The file holds personal data, which belongs to the site's owner: the
e-mail addresses of the writers and of everyone who commented (members and
guests) and the IP address of each comment. Keep it as you keep the
database.

Flags:
`

func runExportWordPress(ctx context.Context, env *environment, args []string) error {
	var baseURL string
	cfg, d, rest, err := openCommand(ctx, env, "export wordpress", args, func(fs *flag.FlagSet) {
		fs.StringVar(&baseURL, "base-url", env.getenv("BYLINE_BASE_URL"),
			"the site's public address, for links and media addresses in the file (env BYLINE_BASE_URL; default: the Settings screen's)")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), exportHelp)
			fs.PrintDefaults()
		}
	}, func(rest []string) error {
		if len(rest) > 1 {
			return usageError{fmt.Sprintf("unexpected argument %q: give one FILE, or none for the standard output", rest[1])}
		}
		if baseURL != "" {
			if u, err := url.Parse(baseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				return usageError{fmt.Sprintf("--base-url %q is not an absolute http or https address", baseURL)}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer d.Close()

	st, err := site.NewStore(d).Load(ctx, site.Defaults(cfg.SiteName, cfg.Tagline))
	if err != nil {
		return err
	}
	if baseURL == "" {
		baseURL = st.BaseURL
	}
	if baseURL == "" {
		baseURL = "http://localhost:8080" // what serve answers at by default
	}
	s := wpexport.Site{Name: st.Name, Tagline: st.Tagline, BaseURL: baseURL, Location: cfg.Location}

	began := time.Now()
	bar := newProgress(env.stderr, "articles")
	var counts wpexport.Counts
	var size int64
	if len(rest) == 0 {
		cw := &safefile.Counter{W: env.stdout}
		counts, err = wpexport.Export(ctx, d, s, cw, bar.update)
		size = cw.N
	} else {
		counts, size, err = exportToFile(ctx, rest[0], func(w io.Writer) (wpexport.Counts, error) {
			return wpexport.Export(ctx, d, s, w, bar.update)
		})
	}
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "exported %d people, %d categories, %d tags, %d articles, %d pages, %d comments and %d media (%s in %s)\n",
		counts.People, counts.Categories, counts.Tags, counts.Articles, counts.Pages, counts.Comments, counts.Media,
		megabytes(size), time.Since(began).Round(time.Millisecond))
	return nil
}

// exportToFile writes through write to path, never leaving a truncated
// file under the name asked for (see safefile).
func exportToFile(ctx context.Context, path string, write func(io.Writer) (wpexport.Counts, error)) (wpexport.Counts, int64, error) {
	var counts wpexport.Counts
	n, err := safefile.Write(path, func(w io.Writer) error {
		var err error
		if counts, err = write(w); err == nil {
			err = ctx.Err()
		}
		return err
	})
	return counts, n, err
}

func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f kB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
