// Command largesite measures Byline's page latency on a large site on
// PostgreSQL against the demo site: it makes a fresh database, loads the
// demo (with its 10,000-comment article) through `byline demo`, measures
// the public pages through `byline serve --cache-mb 0`, adds a large
// generated archive with COPY (100,000 articles and 5,000,000 comments by
// default), measures again and prints one table with the ratios. Run it
// with `make bench-large`.
//
// Loading takes a while: -keep leaves the large database in place and
// -reuse NAME measures one kept before (the demo baseline is then measured
// on a fresh demo database of its own).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	pgURL    = flag.String("pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to make the databases on (its database is used only to create and drop them)")
	keep     = flag.Bool("keep", false, "keep the large database at the end (its name is printed)")
	reuse    = flag.String("reuse", "", "measure this database, kept by an earlier -keep run, instead of loading a new one")
	articles = flag.Int("articles", 100_000, "generated articles")
	comments = flag.Int("comments", 5_000_000, "generated comments")
	readers  = flag.Int("readers", 5_000, "generated reader accounts")
	seqDur   = flag.Duration("seq", 3*time.Second, "how long each page is requested one request at a time")
	concDur  = flag.Duration("conc-time", 3*time.Second, "how long each page is requested concurrently")
	conc     = flag.Int("concurrency", 8, "concurrent clients for the concurrent measurement")
	only     = flag.String("only", "", "measure only the pages whose name contains this")
	workDir  = flag.String("work", "", "working folder for the binary (default: a new temporary one)")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "largesite:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "==> %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run() error {
	ctx := context.Background()
	work := *workDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "largesite-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "byline")
	step("building byline")
	build := exec.Command("go", "build", "-o", bin, "./cmd/byline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}

	admin, err := pgx.Connect(ctx, *pgURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", *pgURL, err)
	}
	defer admin.Close(ctx)

	// The demo baseline: the database that then grows, or, with -reuse, a
	// fresh demo database of its own.
	name := fmt.Sprintf("byline_large_%d", os.Getpid())
	demoName := name
	if *reuse != "" {
		demoName = name + "_demo"
	}
	if err := createDB(ctx, admin, demoName); err != nil {
		return err
	}
	dropDemo := demoName != *reuse && (demoName != name || !*keep)
	defer func() {
		if dropDemo {
			if err := dropDB(context.Background(), admin, demoName); err != nil {
				fmt.Fprintln(os.Stderr, "largesite:", err)
			}
		}
	}()
	demoURL := dbURL(*pgURL, demoName)
	step("loading the demo site into %s (byline demo --big-thread 10000)", demoName)
	demoCmd := exec.Command(bin, "demo", "--big-thread", "10000", "--database", demoURL)
	demoCmd.Stdout, demoCmd.Stderr = os.Stderr, os.Stderr
	if err := demoCmd.Run(); err != nil {
		return fmt.Errorf("byline demo: %w", err)
	}
	if _, err := vacuumAnalyze(ctx, demoURL); err != nil {
		return err
	}

	demoPages, err := targets(ctx, demoURL, false, nil)
	if err != nil {
		return err
	}
	lengths, err := listLengths(ctx, demoURL)
	if err != nil {
		return err
	}
	var before, after map[string]result
	if *reuse == "" {
		step("measuring the demo site")
		got, err := measureAll(ctx, bin, []string{demoURL}, []map[string]target{demoPages})
		if err != nil {
			return err
		}
		before = got[0]
		began := time.Now()
		step("adding %d articles and %d comments with COPY", *articles, *comments)
		st, err := load(ctx, demoURL, loadSize{Articles: *articles, Comments: *comments, Readers: *readers})
		if err != nil {
			return err
		}
		step("loaded %d rows in %s (%s rows/s; %d comments at %s comments/s), then VACUUM ANALYZE in %s",
			st.rows, st.copyTime.Round(time.Second), commas(int64(float64(st.rows)/st.copyTime.Seconds())),
			st.comments, commas(int64(float64(st.comments)/st.commentTime.Seconds())), st.analyzeTime.Round(time.Second))
		step("whole load %s", time.Since(began).Round(time.Second))
	}
	largeName := cmp.Or(*reuse, name)
	largeURL := dbURL(*pgURL, largeName)
	if *keep || *reuse != "" {
		defer step("the large site is kept in database %s (reuse it with -reuse %s)", largeName, largeName)
	}
	largePages, err := targets(ctx, largeURL, true, lengths)
	if err != nil {
		return err
	}
	if *reuse == "" {
		step("measuring the large site (%s)", largeName)
		got, err := measureAll(ctx, bin, []string{largeURL}, []map[string]target{largePages})
		if err != nil {
			return err
		}
		after = got[0]
	} else {
		// Both sites at once, page by page.
		step("measuring the demo site (%s) and the large site (%s), page by page", demoName, largeName)
		got, err := measureAll(ctx, bin, []string{demoURL, largeURL}, []map[string]target{demoPages, largePages})
		if err != nil {
			return err
		}
		before, after = got[0], got[1]
	}
	printTable(os.Stdout, before, after)
	return nil
}

// dbURL is base with its database replaced by name.
func dbURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func createDB(ctx context.Context, admin *pgx.Conn, name string) error {
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDB(ctx context.Context, admin *pgx.Conn, name string) error {
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// freePort finds a port to serve on.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// serve starts `byline serve` on database with the page cache off, so
// every request renders, and returns its base URL and a stop function.
func serve(ctx context.Context, bin, database string) (string, func() error, error) {
	addr, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "serve", "--database", database, "--addr", addr, "--cache-mb", "0", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return err
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil // stopped by the signal
		}
		return err
	}
	base := "http://" + addr
	if err := waitReady(ctx, base, 2*time.Minute); err != nil {
		return "", nil, errors.Join(err, stop())
	}
	return base, stop, nil
}

// commas writes n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
