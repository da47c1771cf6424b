// Command soak runs the real byline binary under a steady mixed load for a
// bounded time (30 minutes by default, split between SQLite and
// PostgreSQL) and checks that it stays healthy: no 5xx, memory, goroutines
// and open files flat after warm-up, p99 latency steady, and every comment
// it acknowledged in the database at the end. With -fault it breaks
// something in the middle of the load for a while: pg-outage stops a
// PostgreSQL server of the soak's own, disk-full fills the small file
// system the SQLite file and pictures live on, media-ro makes the pictures'
// folder read-only. Writes must get a 503 page with Retry-After, and the
// site must recover by itself. Run it with `make soak`; it exits non-zero
// when a target fails.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to count comments at the end
)

var (
	duration  = flag.Duration("duration", 30*time.Minute, "total time under load (split between the engines)")
	engine    = flag.String("engine", "both", "sqlite, postgres or both")
	fault     = flag.String("fault", "", "pg-outage (PostgreSQL), disk-full or media-ro (SQLite; need root for a tmpfs): break it mid-load")
	outageFor = flag.Duration("outage", 10*time.Second, "how long the fault lasts")
	interval  = flag.Duration("interval", time.Minute, "how often to print figures")
	pgAdmin   = flag.String("pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server for a fresh database (never stopped)")
	pgPort    = flag.Int("pg-port", 55439, "port of the soak's own PostgreSQL with -fault pg-outage")
	anonN     = flag.Int("readers", 6, "anonymous readers")
	workDir   = flag.String("work", "", "working folder (default: a new temporary one, removed after a passing run)")
	keep      = flag.Bool("keep", false, "keep the working folder")
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func step(format string, a ...any) { fmt.Fprintf(os.Stderr, "==> "+format+"\n", a...) }

func run(ctx context.Context) (bool, error) {
	var engines []string
	switch *engine {
	case "both":
		engines = []string{"sqlite", "postgres"}
	case "sqlite", "postgres":
		engines = []string{*engine}
	default:
		return false, fmt.Errorf("-engine is sqlite, postgres or both, not %q", *engine)
	}
	switch *fault {
	case "":
	case "pg-outage":
		if *engine == "sqlite" {
			return false, errors.New("-fault pg-outage needs -engine postgres or both")
		}
	case "disk-full", "media-ro":
		if *engine == "postgres" {
			return false, fmt.Errorf("-fault %s needs -engine sqlite or both", *fault)
		}
		if os.Geteuid() != 0 {
			return false, fmt.Errorf("-fault %s mounts a small tmpfs, which needs root", *fault)
		}
	default:
		return false, fmt.Errorf("-fault is pg-outage, disk-full, media-ro or nothing, not %q", *fault)
	}
	work := *workDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "byline-soak-"); err != nil {
			return false, err
		}
	}
	step("building byline in %s", work)
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(work, "byline"), "./cmd/byline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return false, err
	}
	each := *duration / time.Duration(len(engines))
	if each >= 2**interval {
		each = each.Truncate(*interval)
	}
	allOK := true
	for _, e := range engines {
		ok, err := soak(ctx, work, e, each)
		if err != nil {
			return false, fmt.Errorf("%s: %w", e, err)
		}
		allOK = allOK && ok
	}
	if allOK && !*keep && *workDir == "" {
		if err := os.RemoveAll(work); err != nil {
			return false, err
		}
	} else {
		fmt.Printf("working folder (server logs): %s\n", work)
	}
	return allOK, nil
}

// soak runs one engine for d and prints its figures and verdict.
func soak(ctx context.Context, work, engine string, d time.Duration) (bool, error) {
	runID := strconv.FormatInt(time.Now().Unix()%1_000_000, 36) + engine[:2]
	var dsn string
	var pg *cluster
	var serveArgs []string
	var ops *faultOps
	switch {
	case engine == "sqlite":
		dir := filepath.Join(work, "sqlite")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
		dsn = filepath.Join(dir, "site.db")
		switch *fault {
		case "disk-full":
			// The file and its pictures on a file system the soak fills.
			unmount, err := tmpfs(dir, "64m")
			if err != nil {
				return false, err
			}
			defer unmount()
			ops = diskFull(dir)
		case "media-ro":
			media := filepath.Join(work, "media")
			unmount, err := tmpfs(media, "64m")
			if err != nil {
				return false, err
			}
			defer unmount()
			serveArgs = append(serveArgs, "--media-dir", media)
			ops = mediaReadOnly(media)
		}
	case *fault == "pg-outage":
		step("postgres: starting a PostgreSQL server of the soak's own on port %d (the shared one is never stopped)", *pgPort)
		var err error
		if pg, err = newCluster(work, *pgPort); err != nil {
			return false, err
		}
		defer func() {
			if err := pg.stop(); err != nil {
				fmt.Fprintln(os.Stderr, "soak:", err)
			}
		}()
		url, drop, err := freshDatabase(ctx, pg.url("postgres"), "byline_soak")
		if err != nil {
			return false, err
		}
		defer drop()
		dsn = url
		ops = pgOutage(pg)
	default:
		url, drop, err := freshDatabase(ctx, *pgAdmin, "byline_soak_"+runID)
		if err != nil {
			return false, err
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintln(os.Stderr, "soak: drop database:", err)
			}
		}()
		dsn = url
	}

	addr, err := freeAddr()
	if err != nil {
		return false, err
	}
	logPath := filepath.Join(work, engine+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return false, err
	}
	defer logf.Close()
	step("%s: starting byline serve --demo on %s (log: %s)", engine, addr, logPath)
	cmd := exec.Command(filepath.Join(work, "byline"), append([]string{"serve", "--demo", "--database", dsn, "--addr", addr, "--log-level", "warn"}, serveArgs...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return false, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stopServer := func() error {
		if stopped {
			return nil
		}
		stopped = true
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return err
		}
		select {
		case err := <-exited:
			return err
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			return errors.New("byline did not stop within 60 s of an interrupt")
		}
	}
	defer stopServer()
	base := "http://" + addr
	if err := waitReady(ctx, base, exited, 5*time.Minute); err != nil {
		return false, err
	}

	step("%s: signing in and reading the site", engine)
	anon := newClient(base, 30*time.Second)
	adm := newClient(base, 30*time.Second)
	if err := adm.signIn(ctx, admin); err != nil {
		return false, err
	}
	st, err := discover(ctx, anon, adm)
	if err != nil {
		return false, err
	}
	rd := newClient(base, 15*time.Second)
	if err := rd.signIn(ctx, reader); err != nil {
		return false, err
	}
	var cms []*client
	for _, e := range commenters {
		c := newClient(base, 15*time.Second)
		if err := c.signIn(ctx, e); err != nil {
			return false, err
		}
		cms = append(cms, c)
	}
	adm.c.Timeout = 15 * time.Second
	fmt.Printf("\n%s: %s of load: %d anonymous readers, 1 signed-in reader, %d commenters (a comment and a reply every 30 s each, votes between), 1 admin; %d articles, %d tags, %d threads\n",
		engine, d, *anonN, len(cms), len(st.articles), len(st.tags), len(st.threads))

	l := &load{base: base, site: st, col: newCollector(), runID: runID, faultW: newWindow()}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	launch := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	for i := 0; i < *anonN; i++ {
		launch(func() { l.anonymous(lctx, uint64(i+1), 20*time.Millisecond) })
	}
	launch(func() { l.signedIn(lctx, rd, 100, 100*time.Millisecond) })
	for i, c := range cms {
		launch(func() { l.commenter(lctx, c, uint64(200+i), 30*time.Second) })
		launch(func() { l.replier(lctx, c, uint64(300+i), 30*time.Second) })
	}
	launch(func() { l.administrator(lctx, adm, 400, 20*time.Second) })
	if ops != nil && ops.uploads {
		launch(func() { l.uploader(lctx, adm, time.Minute) })
	}

	start := time.Now()
	var fr faultReport
	frc := make(chan faultReport, 1)
	faultMin := map[int]bool{}
	if ops != nil {
		launch(func() { frc <- l.outage(lctx, ops, adm, start, d/2, *outageFor) })
	}
	var mins []minute
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	end := time.NewTimer(d)
	defer end.Stop()
	sample := func() {
		w := l.col.cut()
		m := minute{n: len(mins) + 1, at: time.Since(start), w: w, srv: readServer(base, cmd.Process.Pid)}
		prev := time.Duration(0)
		if len(mins) > 0 {
			prev = mins[len(mins)-1].at
		}
		m.rate = float64(w.requests) / (m.at - prev).Seconds()
		m.fault = l.overlaps(start.Add(prev), start.Add(m.at))
		mins = append(mins, m)
		fmt.Println(m.line())
	}
loop:
	for {
		select {
		case <-tick.C:
			sample()
		case <-end.C:
			break loop
		case err := <-exited:
			cancel()
			wg.Wait()
			return false, fmt.Errorf("byline exited during the load: %v (see %s)", err, logPath)
		case <-ctx.Done():
			cancel()
			wg.Wait()
			return false, ctx.Err()
		}
	}
	cancel()
	wg.Wait()
	if len(mins) == 0 || time.Since(start)-mins[len(mins)-1].at > *interval/4 {
		sample()
	}
	if ops != nil {
		fr = <-frc
	}
	for i, m := range mins {
		from := start
		if i > 0 {
			from = start.Add(mins[i-1].at)
		}
		faultMin[m.n] = l.overlaps(from, start.Add(m.at))
	}
	total := l.col.total
	final := readServer(base, cmd.Process.Pid)

	// Every comment the site acknowledged must be in the database.
	found, err := countComments(ctx, engine, dsn, runID, l.acked)
	if err != nil {
		return false, fmt.Errorf("count comments: %w", err)
	}
	if err := stopServer(); err != nil {
		fmt.Fprintf(os.Stderr, "soak: byline's exit: %v\n", err)
	}
	logErrors := countLogErrors(logPath)

	fmt.Printf("\n%s total: %d requests in %s (%.0f/s), errors %d, 5xx %d; statuses: %s\n", engine, total.requests,
		time.Since(start).Round(time.Second), float64(total.requests)/time.Since(start).Seconds(), total.errors, total.status5, statusList(total.byStatus))
	fmt.Printf("%s at the end: rss %.1f MB, goroutines %d, open files %d; comments acknowledged %d, found in the database %d; error lines in the server's log %d\n",
		engine, final.rssMB, final.goroutines, final.fds, len(l.acked), found, logErrors)
	fmt.Print("        p50/p99 ms over the run:")
	for _, k := range kindOrder {
		if lat := total.lat[k]; len(lat) > 0 {
			fmt.Printf(" %s %s/%s", k, ms(pct(lat, 50)), ms(pct(lat, 99)))
		}
	}
	fmt.Println()
	if ops != nil {
		fr.print(l, ops)
	}
	return verdict(engine, mins, faultMin, len(l.acked), found, ops, fr, l), nil
}

// countComments counts the acknowledged comments found in the database.
func countComments(ctx context.Context, engine, dsn, runID string, acked []string) (int, error) {
	driver := "pgx"
	if engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+dsn+"?mode=ro"
	}
	d, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	rows, err := d.QueryContext(ctx, `SELECT body_md FROM comments WHERE body_md LIKE $1`, "Soak "+runID+" %")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return 0, err
		}
		have[strings.TrimSpace(b)] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, b := range acked {
		if have[b] {
			n++
		}
	}
	return n, nil
}

// countLogErrors counts the server's ERROR lines.
func countLogErrors(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			n++
		}
	}
	return n
}

// readServer reads the server's memory from /proc and its goroutines and
// open files from /metrics.
func readServer(base string, pid int) server {
	var s server
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				s.rssMB = kb / 1024
			}
		}
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/metrics")
	if err == nil {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				continue
			}
			v, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "go_goroutines":
				s.goroutines = int(v)
			case "process_open_fds":
				s.fds = int(v)
			}
		}
		resp.Body.Close()
	}
	if s.fds == 0 {
		if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
			s.fds = len(ents)
		}
	}
	return s
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, base string, exited chan error, within time.Duration) error {
	end := time.Now().Add(within)
	c := &http.Client{Timeout: 5 * time.Second}
	for time.Now().Before(end) {
		resp, err := c.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("byline exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("byline not ready within %s", within)
}
