// Command crashtest kills `byline serve` with SIGKILL at random moments
// while concurrent clients write to it over HTTP (comments, replies,
// votes, sign-ups, newsletter sign-ups and unsubscribes, quote requests,
// article saves) and a newsletter goes out to an SMTP sink, restarts it on
// the same database each time, and at the end checks the database and
// the sink: no acknowledged write lost, none stored twice, every
// subscriber's newsletter received under one Message-ID. Run it with
// `make crashtest`; the exit status is 1 when a target fails.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates the test database
)

var (
	engineFlag  = flag.String("engine", "both", "sqlite, postgres or both")
	roundsFlag  = flag.Int("rounds", 0, "kills per engine (default 20 on SQLite, 10 on PostgreSQL)")
	seedFlag    = flag.Uint64("seed", 0, "random seed (default: from the clock; printed, to run the same kills again)")
	clientsFlag = flag.Int("clients", 6, "concurrent HTTP clients")
	subsFlag    = flag.Int("subscribers", 2000, "newsletter subscribers the campaign goes to")
	rateFlag    = flag.Int("rate", 100, "newsletter messages a second")
	minKill     = flag.Duration("min", 500*time.Millisecond, "shortest load before a kill")
	maxKill     = flag.Duration("max", 4*time.Second, "longest load before a kill")
	pgAdmin     = flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the test database on")
	workFlag    = flag.String("work", "", "working folder (default: a new temporary one, removed when every target is met)")
	settleFlag  = flag.Duration("settle", 3*time.Minute, "how long to wait after the last kill for the newsletter and the outbox to finish")
)

func main() {
	flag.Parse()
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Println("FAIL: a target was missed (see above)")
		os.Exit(1)
	}
	fmt.Println("PASS: no acknowledged write lost, none doubled, every subscriber's newsletter received once")
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run() (bool, error) {
	var engines []string
	switch *engineFlag {
	case "both":
		engines = []string{"sqlite", "postgres"}
	case "sqlite", "postgres":
		engines = []string{*engineFlag}
	default:
		return false, fmt.Errorf("-engine is sqlite, postgres or both, not %q", *engineFlag)
	}
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	work := *workFlag
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "byline-crashtest-"); err != nil {
			return false, err
		}
	}
	say("seed %d, working folder %s", seed, work)
	say("building byline")
	bin, err := buildByline(work)
	if err != nil {
		return false, fmt.Errorf("build: %w", err)
	}
	allOK := true
	var reports []string
	for i, eng := range engines {
		rounds := *roundsFlag
		if rounds == 0 {
			rounds = map[string]int{"sqlite": 20, "postgres": 10}[eng]
		}
		rep, ok, err := runEngine(eng, rounds, bin, filepath.Join(work, eng), rand.New(rand.NewPCG(seed, uint64(i))))
		if err != nil {
			return false, fmt.Errorf("%s: %w", eng, err)
		}
		fmt.Print(rep)
		reports = append(reports, rep)
		allOK = allOK && ok
	}
	if len(reports) > 1 {
		fmt.Println()
		fmt.Println("==== all engines ====")
		fmt.Print(strings.Join(reports, "\n"))
	}
	if allOK && *workFlag == "" {
		fmt.Printf("seed %d\n", seed)
		return true, os.RemoveAll(work)
	}
	fmt.Printf("seed %d; server logs and databases kept in %s\n", seed, work)
	return allOK, nil
}

// runEngine runs the rounds on one engine and returns its report.
func runEngine(eng string, rounds int, bin, work string, rng *rand.Rand) (string, bool, error) {
	ctx := context.Background()
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", false, err
	}
	dsn := filepath.Join(work, "site.db")
	if eng == "postgres" {
		name := fmt.Sprintf("crashtest_%d", os.Getpid())
		admin, err := sql.Open("pgx", *pgAdmin)
		if err != nil {
			return "", false, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			return "", false, fmt.Errorf("is PostgreSQL running at %s? %w", *pgAdmin, err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return "", false, err
		}
		defer func() {
			if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				say("dropping %s: %v", name, err)
			}
		}()
		dsn = strings.Replace(*pgAdmin, "/postgres?", "/"+name+"?", 1)
	}
	say("%s: loading the demo site and %d subscribers, starting a newsletter", eng, *subsFlag)
	fx, err := prepare(ctx, dsn, *subsFlag, *rateFlag)
	if err != nil {
		return "", false, fmt.Errorf("prepare: %w", err)
	}
	sk, err := startSink()
	if err != nil {
		return "", false, err
	}
	defer sk.close()
	addr, err := freeAddr()
	if err != nil {
		return "", false, err
	}
	srv := &server{bin: bin, dsn: dsn, addr: addr, smtp: sk.addr(), logPath: filepath.Join(work, "byline.log")}
	if err := srv.start(ctx); err != nil {
		return "", false, err
	}
	defer func() {
		// Stopped below; this only covers an early return.
		if err := srv.stop(); err != nil {
			say("stopping byline: %v", err)
		}
	}()
	ld := &load{base: srv.base(), fx: fx, sink: sk, eng: eng, ledger: &ledger{}}
	if err := ld.signIn(ctx); err != nil {
		return "", false, fmt.Errorf("sign in: %w", err)
	}
	for round := 1; round <= rounds; round++ {
		wait := *minKill + time.Duration(rng.Int64N(int64(*maxKill-*minKill)+1))
		lctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for c := 0; c < *clientsFlag; c++ {
			wg.Go(func() { ld.client(lctx, round, c, rand.New(rand.NewPCG(rng.Uint64(), uint64(c)))) })
		}
		time.Sleep(wait)
		if err := srv.kill(); err != nil {
			stop()
			return "", false, err
		}
		stop()
		wg.Wait()
		acked, unknown := ld.ledger.counts()
		say("%s round %d/%d: killed after %s; writes so far %d acknowledged, %d unknown; mails received by the sink %d",
			eng, round, rounds, wait.Round(time.Millisecond), acked, unknown, len(sk.messages()))
		if err := srv.start(ctx); err != nil {
			return "", false, fmt.Errorf("restart after round %d: %w", round, err)
		}
	}
	say("%s: waiting for the newsletter and the outbox to finish (lease of killed claims included)", eng)
	if err := settle(ctx, dsn, fx.campaign, *settleFlag); err != nil {
		say("%s: %v", eng, err)
	}
	if err := srv.stop(); err != nil {
		return "", false, err
	}
	return check(ctx, eng, dsn, rounds, fx, ld.ledger, sk)
}
