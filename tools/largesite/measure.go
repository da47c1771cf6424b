package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/links"
)

// target is a page to measure: a path, and how many "older" links of its
// list to follow from it (keyset pages have no address known in advance).
type target struct {
	Path string
	Hops int
}

func (t target) String() string {
	if t.Hops == 0 {
		return t.Path
	}
	return fmt.Sprintf("%s, page %d", t.Path, t.Hops+1)
}

// rows are the table's pages in order. The demo side of the pages only a
// large site has is the nearest demo page (its busiest article, its first
// list page).
var rows = []string{
	"demo article",
	"home",
	"tag",
	"author",
	"10,000-comment article p1",
	"10,000-comment article last page",
	"search",
	"home page 2 / page 50",
	"tag page 1 / page 20",
	"author page 1 / page 20",
	"month archive",
	"search page 1 / page 5",
	"busiest article p1",
	"busiest article last page",
}

const (
	demoArticle = "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	bigThread   = "/2012/05/30/the-most-discussed-story/"
	searchWord  = "hybrid"
	tagPath     = "/tag/luxury/"
	authorPath  = "/author/marcus-delaney/"
)

// listPage is how many articles a list page shows (the site's pageSize):
// a demo list as long is compared page 1 with page 1. The table's page
// list prints how many articles each page measured showed.
const listPage = 10

// lists are the tag and author rows' lists, and how to find their articles,
// oldest first ($1 is the list's slug).
var lists = map[string]struct{ slug, oldest string }{
	"tag": {"luxury", `SELECT at.published_at, at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id
		JOIN articles a ON a.id = at.article_id
		WHERE t.slug = $1 AND a.status IN ('published', 'scheduled') AND a.published_at <= now()
		ORDER BY at.published_at, at.article_id`},
	"author": {"marcus-delaney", `SELECT a.published_at, a.id FROM articles a JOIN users u ON u.id = a.author_id
		WHERE u.slug = $1 AND a.status IN ('published', 'scheduled') AND a.published_at <= now()
		ORDER BY a.published_at, a.id`},
}

// listLengths counts the articles of the tag and author rows' lists on
// the demo site, as many as a page shows at most.
func listLengths(ctx context.Context, database string) (map[string]int, error) {
	conn, err := pgx.Connect(ctx, database)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	out := map[string]int{}
	for row, l := range lists {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM (`+l.oldest+` LIMIT `+fmt.Sprint(listPage)+`) x`, l.slug).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", row, err)
		}
		out[row] = n
	}
	return out, nil
}

// targets are the pages of each row on one site: the demo's when large is
// false. lengths are listLengths of the demo, for the large site.
func targets(ctx context.Context, database string, large bool, lengths map[string]int) (map[string]target, error) {
	conn, err := pgx.Connect(ctx, database)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	var bigThreads int
	if err := conn.QueryRow(ctx, `SELECT comment_threads FROM articles WHERE slug = 'the-most-discussed-story'`).Scan(&bigThreads); err != nil {
		return nil, fmt.Errorf("the 10,000-comment article: %w", err)
	}
	last := func(threads int) string {
		return fmt.Sprintf("?cpage=%d", max(1, (threads+comment.PerPage-1)/comment.PerPage))
	}
	t := map[string]target{
		"demo article":                     {Path: demoArticle},
		"home":                             {Path: "/"},
		"tag":                              {Path: tagPath},
		"author":                           {Path: authorPath},
		"10,000-comment article p1":        {Path: bigThread},
		"10,000-comment article last page": {Path: bigThread + last(bigThreads)},
		"search":                           {Path: links.Search(searchWord)},
		"home page 2 / page 50":            {Path: "/", Hops: 1},
		"tag page 1 / page 20":             {Path: tagPath},
		"author page 1 / page 20":          {Path: authorPath},
		"month archive":                    {Path: "/2012/04/"},
		"search page 1 / page 5":           {Path: links.Search(searchWord)},
		"busiest article p1":               {Path: bigThread},
		"busiest article last page":        {Path: bigThread + last(bigThreads)},
	}
	if !large {
		return t, nil
	}
	// The generated article with the most comments, deep in the archive.
	var published time.Time
	var slug string
	var threads int
	err = conn.QueryRow(ctx, `SELECT published_at, slug, comment_threads FROM articles
		WHERE published_at < '2012-01-01' ORDER BY comment_count DESC LIMIT 1`).Scan(&published, &slug, &threads)
	if err != nil {
		return nil, fmt.Errorf("the busiest archive article: %w", err)
	}
	busiest := links.Article(published, slug, time.UTC)
	// Like with like: the demo's tag and author pages list fewer articles
	// than a page holds (6 and 4), and a list page costs what it lists
	// (each article drawn with its tags and picture), so page 1 of the
	// large site's lists (10) was measured against less work. Their rows
	// take the oldest page of the same list that holds as many articles as
	// the demo's page: the same page but for the size of the site, and
	// the deepest keyset page. The "page 20" rows keep full pages.
	for row, l := range lists {
		n := lengths[row]
		if n >= listPage {
			continue
		}
		var c article.Cursor
		if err := conn.QueryRow(ctx, l.oldest+` OFFSET $2 LIMIT 1`, l.slug, n).Scan(&c.At, &c.ID); err != nil {
			return nil, fmt.Errorf("the oldest page of %s: %w", row, err)
		}
		t[row] = target{Path: t[row].Path + "?before=" + url.QueryEscape(c.String())}
	}
	t["home page 2 / page 50"] = target{Path: "/", Hops: 49}
	t["tag page 1 / page 20"] = target{Path: tagPath, Hops: 19}
	t["author page 1 / page 20"] = target{Path: authorPath, Hops: 19}
	t["month archive"] = target{Path: "/2005/06/"}
	t["search page 1 / page 5"] = target{Path: links.Search(searchWord) + "&page=5"}
	t["busiest article p1"] = target{Path: busiest}
	t["busiest article last page"] = target{Path: busiest + last(threads)}
	return t, nil
}

// result is one page's figures.
type result struct {
	Path     string
	N        int           // sequential requests
	P50, P99 time.Duration // sequential
	CN       int           // concurrent requests
	CP50     time.Duration
	CP99     time.Duration
	RPS      float64 // concurrent requests a second
	Bytes    int
	Articles int // articles the page shows (listed)
}

// measureAll serves each database and measures every row's page on each,
// one site after the other for each page, so that both sites' figures of
// a page are taken under the same load of the machine.
func measureAll(ctx context.Context, bin string, databases []string, pages []map[string]target) (out []map[string]result, err error) {
	var bases []string
	for _, database := range databases {
		base, stop, err := serve(ctx, bin, database)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, stop()) }()
		bases = append(bases, base)
		out = append(out, map[string]result{})
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2, DisableCompression: true}}
	for _, name := range rows {
		if *only != "" && !strings.Contains(name, *only) {
			continue
		}
		for i, base := range bases {
			path, err := resolve(client, base, pages[i][name])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			r, err := measure(client, base+path)
			if err != nil {
				return nil, fmt.Errorf("%s (%s): %w", name, path, err)
			}
			r.Path = path
			fmt.Fprintf(os.Stderr, "    %-34s p50 %7s p99 %7s  %6.0f req/s (%d clients)  %s\n", name, ms(r.P50), ms(r.P99), r.RPS, *conc, path)
			out[i][name] = r
		}
	}
	return out, nil
}

var olderLink = regexp.MustCompile(`href="([^"]*before=[^"]*)"`)

// resolve follows a list's "older" link t.Hops times.
func resolve(client *http.Client, base string, t target) (string, error) {
	path := t.Path
	for i := 0; i < t.Hops; i++ {
		body, err := get(client, base+path)
		if err != nil {
			return "", err
		}
		m := olderLink.FindSubmatch(body)
		if m == nil {
			return "", fmt.Errorf("%s has no older page (page %d of %s)", path, i+1, t.Path)
		}
		path = html.UnescapeString(string(m[1]))
	}
	return path, nil
}

func get(client *http.Client, u string) ([]byte, error) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}

// measure requests u one at a time for -seq, then from -concurrency
// clients for -conc-time.
func measure(client *http.Client, u string) (result, error) {
	var r result
	for i := 0; i < 5; i++ { // warm the server's and the database's caches
		if _, err := get(client, u); err != nil {
			return r, err
		}
	}
	var seq []time.Duration
	for end := time.Now().Add(*seqDur); time.Now().Before(end) || len(seq) < 20; {
		t := time.Now()
		body, err := get(client, u)
		if err != nil {
			return r, err
		}
		seq = append(seq, time.Since(t))
		r.Bytes, r.Articles = len(body), listed(body)
	}
	r.N, r.P50, r.P99 = len(seq), pct(seq, 50), pct(seq, 99)

	var mu sync.Mutex
	var all []time.Duration
	var first error
	var wg sync.WaitGroup
	began := time.Now()
	end := began.Add(*concDur)
	for c := 0; c < *conc; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(end) {
				t := time.Now()
				if _, err := get(client, u); err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if first != nil {
		return r, first
	}
	r.CN, r.CP50, r.CP99 = len(all), pct(all, 50), pct(all, 99)
	r.RPS = float64(len(all)) / time.Since(began).Seconds()
	return r, nil
}

// listed counts the articles a list or search page shows: teasers, the
// home page's cards and lead story (comments are <article>s too).
func listed(body []byte) int {
	n := 0
	for _, c := range []string{`<article class="teaser`, `<li class="teaser`, `<article class="card`, `<article class="lead-story`} {
		n += bytes.Count(body, []byte(c))
	}
	return n
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// printTable prints the two sites' figures side by side: sequential
// latency (p50 and p99), the ratio of large to demo, and concurrent
// requests a second.
func printTable(w io.Writer, demo, large map[string]result) {
	fmt.Fprintf(w, "\nSequential latency (one request at a time, %s a page) and throughput with %d clients (%s a page); cache off.\n", *seqDur, *conc, *concDur)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tdemo p50\tdemo p99\tlarge p50\tlarge p99\tratio p50\tratio p99\tdemo req/s\tlarge req/s\t")
	for _, name := range rows {
		d, ok1 := demo[name]
		l, ok2 := large[name]
		if !ok1 || !ok2 {
			continue
		}
		flag := ""
		if float64(l.P50) > 1.5*float64(d.P50) {
			flag = " over"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2fx%s\t%.2fx\t%.0f\t%.0f\t\n", name, ms(d.P50), ms(d.P99), ms(l.P50), ms(l.P99),
			float64(l.P50)/float64(d.P50), flag, float64(l.P99)/float64(d.P99), d.RPS, l.RPS)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nPages (demo | large):")
	for _, name := range rows {
		d, ok1 := demo[name]
		l, ok2 := large[name]
		if !ok1 || !ok2 {
			continue
		}
		fmt.Fprintf(w, "  %-34s %s (%d KB, %d articles) | %s (%d KB, %d articles)\n", name, d.Path, d.Bytes/1024, d.Articles, l.Path, l.Bytes/1024, l.Articles)
	}
}

// waitReady waits for the server to answer its health check.
func waitReady(ctx context.Context, base string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s not ready: %w", base, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
