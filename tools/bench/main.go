// Command bench measures Byline against nginx and a bare Go server on the
// very same page bytes, with wrk, all on 127.0.0.1, and prints one table.
// Run it with `make bench`, which installs nginx and wrk when missing.
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx", for the PostgreSQL row
)

var (
	duration = flag.Duration("duration", 5*time.Second, "length of each wrk run")
	rounds   = flag.Int("rounds", 5, "interleaved rounds (A, B, C, A, B, C...); runs on a 2-core machine vary by 10%, so five")
	conns    = flag.Int("c", 32, "wrk connections")
	threads  = flag.Int("t", 2, "wrk threads")
	big      = flag.Int("big", 10000, "comments on the big article")
	workDir  = flag.String("work", "", "working folder (default: a new temporary one)")
	pgServer = flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server for the comment-post row (a database is made on it and dropped); empty skips the row")
	postsOnly  = flag.Bool("posts", false, "only the comment-post rows (SQLite, then PostgreSQL), without nginx, wrk or the page rows")
	cachedOnly = flag.Bool("cached", false, "only the demo article from the cache (anonymous, signed in) against bare Go and nginx: the quick check of the hit path")
)

const (
	article = "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	bigPage = "/2012/05/30/the-most-discussed-story/"
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type target struct {
	page, server, url string
	header            string
}

// key names a target's results.
func (t target) key() string { return t.page + "|" + t.server }

type result struct {
	rps, p50, p99 float64 // requests/s, milliseconds
}

func run() error {
	work := *workDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "byline-bench-"); err != nil {
			return err
		}
	}
	work, _ = filepath.Abs(work)
	// nginx started by root serves as an unprivileged user, who must be
	// able to read the pages under a 0700 temporary directory.
	os.Chmod(work, 0o755)
	step := func(s string) { fmt.Fprintf(os.Stderr, "==> %s\n", s) }
	step("building byline and the bare Go server")
	for _, b := range [][]string{{"-o", filepath.Join(work, "byline"), "./cmd/byline"}, {"-o", filepath.Join(work, "barego"), "./tools/barego"}} {
		if out, err := exec.Command("go", append([]string{"build"}, b...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	dbPath := filepath.Join(work, "site.db")
	if _, err := os.Stat(dbPath); err != nil {
		step(fmt.Sprintf("loading the demo site and an article with %d comments", *big))
		cmd := exec.Command(filepath.Join(work, "byline"), "demo", "--database", dbPath, "--big-thread", strconv.Itoa(*big))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("byline demo: %v\n%s", err, out)
		}
	}
	if *postsOnly {
		return postRows(work, dbPath, step)
	}

	bylineAddr, nginxAddr, bareAddr := freeAddr(), freeAddr(), freeAddr()
	byline, err := startByline(work, dbPath, bylineAddr, false)
	if err != nil {
		return err
	}
	defer byline.stop()

	step("copying Byline's pages for nginx and the bare server")
	www := filepath.Join(work, "www")
	os.MkdirAll(www, 0o755)
	pages := map[string]string{"article.html": article, "big.html": bigPage}
	for file, path := range pages {
		body, header, err := fetchPage("http://" + bylineAddr + path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(www, file), body, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(www, file+".headers"), headerLines(header), 0o644); err != nil {
			return err
		}
	}
	nginx, err := startNginx(work, www, nginxAddr)
	if err != nil {
		return err
	}
	defer nginx.stop()
	bare, err := startProc(work, "barego", filepath.Join(work, "barego"), bareAddr, filepath.Join(www, "article.html"), filepath.Join(www, "big.html"))
	if err != nil {
		return err
	}
	defer bare.stop()
	waitFor(bareAddr)
	waitFor(nginxAddr)

	step("signing in a reader for the signed-in rows, and a voter")
	session, err := login("http://"+bylineAddr, "jordan.pike@example.com")
	if err != nil {
		return err
	}
	voter, err := login("http://"+bylineAddr, "commenter23@bigthread.example")
	if err != nil {
		return err
	}

	targets := []target{
		{"article, 4 comments", "byline", "http://" + bylineAddr + article, ""},
		{"article, 4 comments", "nginx", "http://" + nginxAddr + "/article.html", ""},
		{"article, 4 comments", "bare Go", "http://" + bareAddr + "/article.html", ""},
		{"article, signed in", "byline", "http://" + bylineAddr + article, "Cookie: byline_session=" + session},
		{"10,000 comments, page 1", "byline", "http://" + bylineAddr + bigPage, ""},
		{"10,000 comments, page 1", "nginx", "http://" + nginxAddr + "/big.html", ""},
		{"10,000 comments, page 1", "bare Go", "http://" + bareAddr + "/big.html", ""},
	}
	if *cachedOnly {
		targets = targets[:4]
	}
	results := map[string][]result{}
	for r := 1; r <= *rounds; r++ {
		step(fmt.Sprintf("round %d of %d", r, *rounds))
		for _, t := range targets {
			res, err := wrk(t.url, t.header)
			if err != nil {
				return err
			}
			results[t.key()] = append(results[t.key()], res)
		}
	}

	peak := byline.peakRSS()
	byline.stop()
	if *cachedOnly {
		printPages(targets, results, nil)
		fmt.Printf("peak memory (RSS) of byline: %.1f MB\nwrk -t%d -c%d -d%s, %d interleaved rounds, medians; working folder %s\n",
			float64(peak)/(1<<20), *threads, *conns, *duration, *rounds, work)
		return nil
	}

	// The pages with the cache off come before the posts: the posts land
	// on the demo article, which would then hold thousands of comments
	// and not the four its row names.
	step("the same pages with the cache off")
	if byline, err = startByline(work, dbPath, bylineAddr, true); err != nil {
		return err
	}
	// Bare Go answers again beside each row, in the same minutes: the
	// machine's speed drifts, and a ratio to figures taken minutes
	// earlier carries the drift.
	uncached := map[string][]result{}
	var votesTaken []float64
	for r := 1; r <= *rounds; r++ {
		for _, t := range targets {
			if (t.server != "byline" && t.server != "bare Go") || t.header != "" {
				continue
			}
			res, err := wrk(t.url, "")
			if err != nil {
				byline.stop()
				return err
			}
			uncached[t.key()] = append(uncached[t.key()], res)
		}
		// The busy story: the same page while votes land on it, each
		// making the next render read and draw its discussion again.
		res, votes, err := wrkWhileVoting("http://"+bylineAddr, voter, voteRate)
		if err != nil {
			byline.stop()
			return err
		}
		uncached[votedKey] = append(uncached[votedKey], res)
		votesTaken = append(votesTaken, votes)
	}
	byline.stop()

	step("posting comments through HTTP")
	if byline, err = startByline(work, dbPath, bylineAddr, false); err != nil {
		return err
	}
	posted, err := postRate("http://"+bylineAddr, 5*time.Second)
	if err != nil {
		byline.stop()
		return err
	}
	peakPosting := byline.peakRSS()
	byline.stop()

	postedPG := -1.0
	if *pgServer != "" {
		step("posting comments through HTTP on PostgreSQL")
		if postedPG, err = postRatePostgres(work, bylineAddr); err != nil {
			return err
		}
	}

	printPages(targets, results, uncached)
	sort.Float64s(votesTaken)
	if len(votesTaken) > 0 {
		fmt.Printf("votes taken during the %d votes/s rows: %.1f to %.1f a second\n", voteRate, votesTaken[0], votesTaken[len(votesTaken)-1])
	}
	fmt.Printf("\ncomments posted through HTTP (24 signed-in readers, form posts), SQLite: %.0f per second\n", posted)
	if postedPG >= 0 {
		fmt.Printf("comments posted through HTTP (24 signed-in readers, form posts), PostgreSQL: %.0f per second\n", postedPG)
	}
	fmt.Printf("peak memory (RSS) of byline: %.1f MB during the cached runs, %.1f MB while taking the comment posts (24 sign-ins included)\n",
		float64(peak)/(1<<20), float64(peakPosting)/(1<<20))
	fmt.Printf("wrk -t%d -c%d -d%s, %d interleaved rounds, medians; working folder %s\n", *threads, *conns, *duration, *rounds, work)
	return nil
}

// postRows measures only the comment posts through HTTP, on SQLite and
// (unless -postgres is empty) on PostgreSQL, as the full run does.
func postRows(work, dbPath string, step func(string)) error {
	addr := freeAddr()
	byline, err := startByline(work, dbPath, addr, false)
	if err != nil {
		return err
	}
	step("posting comments through HTTP")
	posted, err := postRate("http://"+addr, 5*time.Second)
	byline.stop()
	if err != nil {
		return err
	}
	fmt.Printf("comments posted through HTTP (24 signed-in readers, form posts), SQLite: %.0f per second\n", posted)
	if *pgServer != "" {
		step("posting comments through HTTP on PostgreSQL")
		postedPG, err := postRatePostgres(work, addr)
		if err != nil {
			return err
		}
		fmt.Printf("comments posted through HTTP (24 signed-in readers, form posts), PostgreSQL: %.0f per second\n", postedPG)
	}
	return nil
}

// postRatePostgres posts comments to Byline on a fresh PostgreSQL database
// holding the demo site and the big thread's readers, then drops it.
func postRatePostgres(work, addr string) (float64, error) {
	admin, err := sql.Open("pgx", *pgServer)
	if err != nil {
		return 0, err
	}
	defer admin.Close()
	name := fmt.Sprintf("byline_bench_%d", os.Getpid())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		return 0, fmt.Errorf("create database: %w", err)
	}
	defer func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "bench: drop database:", err)
		}
	}()
	u, err := url.Parse(*pgServer)
	if err != nil {
		return 0, err
	}
	u.Path = "/" + name
	dbURL := u.String()
	cmd := exec.Command(filepath.Join(work, "byline"), "demo", "--database", dbURL, "--big-thread", "100")
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("byline demo on PostgreSQL: %v\n%s", err, out)
	}
	p, err := startByline(work, dbURL, addr, false)
	if err != nil {
		return 0, err
	}
	defer p.stop()
	return postRate("http://"+addr, 5*time.Second)
}

func median(rs []result) result {
	if len(rs) == 0 {
		return result{}
	}
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{rps: pick(func(r result) float64 { return r.rps }), p50: pick(func(r result) float64 { return r.p50 }),
		p99: pick(func(r result) float64 { return r.p99 })}
}

var (
	rpsRe = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	pctRe = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)`)
)

func wrk(target, header string) (result, error) {
	args := []string{"-t" + strconv.Itoa(*threads), "-c" + strconv.Itoa(*conns), "-d" + duration.String(), "--latency", "--timeout", "5s"}
	if header != "" {
		args = append(args, "-H", header)
	}
	out, err := exec.Command("wrk", append(args, target)...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %v\n%s", target, err, out)
	}
	var r result
	if m := rpsRe.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	for _, m := range pctRe.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		switch string(m[3]) {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if string(m[1]) == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	if bytes.Contains(out, []byte("Non-2xx")) {
		return r, fmt.Errorf("wrk %s: errors in the responses\n%s", target, out)
	}
	return r, nil
}

type proc struct {
	cmd  *exec.Cmd
	once sync.Once
}

func startProc(work, name, bin string, args ...string) (*proc, error) {
	logf, _ := os.Create(filepath.Join(work, name+".log"))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &proc{cmd: cmd}, nil
}

func (p *proc) stop() {
	p.once.Do(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
	})
}

// peakRSS is the process's high-water mark of resident memory, in bytes.
func (p *proc) peakRSS() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(sc.Text())[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func startByline(work, db, addr string, cacheOff bool) (*proc, error) {
	// Default settings, request logs included: operators keep them on.
	args := []string{"serve", "--database", db, "--addr", addr}
	if cacheOff {
		args = append(args, "--cache-mb", "0")
	}
	p, err := startProc(work, "byline", filepath.Join(work, "byline"), args...)
	if err != nil {
		return nil, err
	}
	if err := waitFor(addr); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

func startNginx(work, www, addr string) (*proc, error) {
	conf := filepath.Join(work, "nginx.conf")
	body := fmt.Sprintf(`daemon off;
worker_processes 2;
pid %s/nginx.pid;
error_log %s/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %s/tmp; proxy_temp_path %s/tmp; fastcgi_temp_path %s/tmp; uwsgi_temp_path %s/tmp; scgi_temp_path %s/tmp;
  default_type text/html;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  server { listen %s; root %s; location / { } }
}
`, work, work, work, work, work, work, work, addr, www)
	os.MkdirAll(filepath.Join(work, "tmp"), 0o755)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		return nil, err
	}
	return startProc(work, "nginx", "nginx", "-c", conf, "-p", work)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitFor(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing answers on %s", addr)
}

func fetch(u string, c *http.Client) ([]byte, error) {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// fetchPage reads a page as wrk asks for it (no Accept-Encoding, so the
// answer is the plain bytes), with the headers it came with.
func fetchPage(u string) ([]byte, http.Header, error) {
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := c.Get(u)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, nil, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	return body, resp.Header, err
}

// headerLines are the headers the bare server repeats, one "Name: value"
// a line: all Byline sent but those every server makes for itself.
func headerLines(h http.Header) []byte {
	var b strings.Builder
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch k {
		case "Date", "Content-Length", "Connection", "Transfer-Encoding", "Keep-Alive":
			continue
		}
		for _, v := range h[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return []byte(b.String())
}

// login signs a demo reader in and returns the session cookie's value.
func login(base, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"motorledger-demo"}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "byline_session" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("signing in %s failed (%d)", email, resp.StatusCode)
}

// postRate posts comments as 24 signed-in readers (sign-ins from one address are
// limited to 30 in 15 minutes) for d and returns the
// accepted comments per second. The admin first lifts the per-person rate
// limit, as a site would for a load test.
func postRate(base string, d time.Duration) (float64, error) {
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	resp, err := admin.PostForm(base+"/login", url.Values{"email": {"helen.marsh@motorledger.example"}, "password": {"motorledger-demo"}})
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	resp, err = admin.PostForm(base+"/admin/settings", url.Values{"name": {"Motor Ledger"}, "tagline": {"Car news, reviews and the industry behind them"},
		"comments_open": {"1"}, "comment_depth": {"5"}, "per_minute": {"0"}, "max_links": {"2"}, "hold_first": {"0"}, "close_after_days": {"0"}, "reports_to_hold": {"3"}})
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	page, err := fetch(base+article, nil)
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`data-article="(\d+)"`).FindSubmatch(page)
	if m == nil {
		return 0, fmt.Errorf("no article id")
	}
	articleID := string(m[1])
	var sessions []string
	for i := 0; i < 24; i++ {
		s, err := login(base, fmt.Sprintf("commenter%d@bigthread.example", i))
		if err != nil {
			return 0, err
		}
		sessions = append(sessions, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var ok, seq atomic.Int64
	var wg sync.WaitGroup
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := time.Now()
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{CheckRedirect: noRedirect}
			for ctx.Err() == nil {
				form := url.Values{"article_id": {articleID}, "body": {fmt.Sprintf("Load test comment %d.", seq.Add(1))}}
				if postAs(ctx, c, base+"/comments", s, form) {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), nil
}

// votedKey names the rows of the 10,000-comment page read while voteRate
// votes a second land on its comments.
const (
	votedKey = "10,000 comments, page 1, voted|byline"
	voteRate = 20
)

// wrkWhileVoting is wrk on the 10,000-comment page while one signed-in
// reader votes on its comments, rate times a second (up, then taking the
// vote back, so each vote changes the discussion), and the votes a second
// taken.
func wrkWhileVoting(base, session string, rate int) (result, float64, error) {
	page, err := fetch(base+bigPage, nil)
	if err != nil {
		return result{}, 0, err
	}
	var ids []string
	for _, m := range regexp.MustCompile(`data-reply="(\d+)"`).FindAllSubmatch(page, -1) {
		ids = append(ids, string(m[1]))
	}
	if len(ids) == 0 {
		return result{}, 0, fmt.Errorf("no comments to vote on at %s", bigPage)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var taken atomic.Int64
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			value := []string{"1", "0"}[i/len(ids)%2]
			if postAs(ctx, c, base+"/comments/"+ids[i%len(ids)]+"/vote", session, url.Values{"value": {value}}) {
				taken.Add(1)
			}
		}
	}()
	res, err := wrk(base+bigPage, "")
	cancel()
	<-done
	return res, float64(taken.Load()) / time.Since(start).Seconds(), err
}

// postAs sends form to u as the reader signed in with session, and says
// whether it was taken (answered with a redirect, as the site answers a
// form it accepted). A request that fails is not taken.
func postAs(ctx context.Context, c *http.Client, u, session string, form url.Values) bool {
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "byline_session", Value: session})
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return false
	}
	return resp.StatusCode == http.StatusSeeOther
}

// printPages is the table of the page rows: medians, and the ratios to
// bare Go and nginx on the same bytes.
func printPages(targets []target, results, uncached map[string][]result) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "page\tserver\treq/s\tp50 ms\tp99 ms\tx bare Go\tx nginx\t\n")
	med := func(k string) result { return median(results[k]) }
	for _, t := range targets {
		m := med(t.key())
		bareRes, nginxRes := med(t.page+"|bare Go"), med(t.page+"|nginx")
		if t.page == "article, signed in" {
			bareRes, nginxRes = med("article, 4 comments|bare Go"), med("article, 4 comments|nginx")
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", t.page, t.server, m.rps, m.p50, m.p99, m.rps/bareRes.rps, m.rps/nginxRes.rps)
	}
	for _, page := range []string{"article, 4 comments", "10,000 comments, page 1"} {
		if uncached == nil {
			break
		}
		m, bare := median(uncached[page+"|byline"]), median(uncached[page+"|bare Go"])
		fmt.Fprintf(tw, "%s\tbyline, cache off\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", page, m.rps, m.p50, m.p99,
			m.rps/bare.rps, m.rps/med(page+"|nginx").rps)
		fmt.Fprintf(tw, "%s\tbare Go, beside it\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", page, bare.rps, bare.p50, bare.p99,
			1.0, bare.rps/med(page+"|nginx").rps)
		if v, ok := uncached[votedKey]; ok && page == "10,000 comments, page 1" {
			m := median(v)
			fmt.Fprintf(tw, "%s\tbyline, cache off, %d votes/s on it\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", page, voteRate, m.rps, m.p50, m.p99,
				m.rps/bare.rps, m.rps/med(page+"|nginx").rps)
		}
	}
	tw.Flush()
	// The machine's speed drifts between rounds; Byline and bare Go run
	// seconds apart within one, so each round's own ratio shows the spread
	// a single figure hides.
	for _, t := range targets[:min(4, len(targets))] {
		if t.server != "byline" {
			continue
		}
		by, bare := results[t.key()], results["article, 4 comments|bare Go"]
		var ratios []float64
		for i := range min(len(by), len(bare)) {
			ratios = append(ratios, by[i].rps/bare[i].rps)
		}
		sort.Float64s(ratios)
		if len(ratios) > 0 {
			fmt.Printf("%s x bare Go, round by round: lowest %.2f, median %.2f, highest %.2f\n",
				t.page, ratios[0], ratios[len(ratios)/2], ratios[len(ratios)-1])
		}
	}
}
