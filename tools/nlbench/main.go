// Command nlbench measures the newsletter sender: a campaign to many
// confirmed subscribers (100,000 by default) through a running `byline
// serve` to an SMTP sink on 127.0.0.1, with messages a second, the
// server's peak memory and CPU, and page latency before and during the
// send. Run it with `make bench-newsletter`.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

var (
	subscribers = flag.Int("subscribers", 100_000, "confirmed subscribers to send to")
	conc        = flag.Int("concurrency", 8, "SMTP connections of the sender")
	workDir     = flag.String("work", "", "working folder (default: a new temporary one)")
	timeout     = flag.Duration("timeout", 10*time.Minute, "give up after this long")
)

const page = "/2012/04/05/infiniti-to-move-production-out-of-japan/"

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "nlbench:", err)
		os.Exit(1)
	}
}

func step(s string) { fmt.Fprintf(os.Stderr, "==> %s\n", s) }

// sink is an SMTP server that counts what it accepts.
type sink struct{ n atomic.Int64 }

type sinkSession struct{ s *sink }

func (ss sinkSession) Reset()                               {}
func (ss sinkSession) Logout() error                        { return nil }
func (ss sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.n.Add(1)
	return nil
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	work := *workDir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "byline-nlbench-"); err != nil {
			return err
		}
	}
	step("building byline")
	build := exec.Command("go", "build", "-o", filepath.Join(work, "byline"), "./cmd/byline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return err
	}

	step(fmt.Sprintf("loading the demo site and importing %d subscribers", *subscribers))
	dbPath := filepath.Join(work, "site.db")
	os.Remove(dbPath)
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	if err := demo.Load(ctx, d, time.UTC, nil); err != nil {
		return err
	}
	var csv bytes.Buffer
	csv.WriteString("email,consent,frequency\n")
	for i := 0; i < *subscribers; i++ {
		fmt.Fprintf(&csv, "reader%06d@bench.example,yes,weekly\n", i)
	}
	store := newsletter.NewStore(d, mail.NewOutbox(d, "bench.example"), article.NewStore(d))
	began := time.Now()
	rep, err := store.Import(ctx, &csv, "nlbench")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "    imported %d in %s\n", rep.Added, time.Since(began).Round(time.Millisecond))
	// Only the imported readers: the demo's own would add a few hundred.
	if _, err := d.Exec(ctx, `UPDATE subscribers SET status = 'unsubscribed' WHERE email NOT LIKE '%@bench.example'`); err != nil {
		return err
	}
	st, err := site.NewStore(d).Load(ctx, demo.Settings)
	if err != nil {
		return err
	}
	st.NewsletterRate, st.NewsletterConc, st.Digests = 0, *conc, false
	if err := site.NewStore(d).Save(ctx, st); err != nil {
		return err
	}

	step("starting the SMTP sink and byline serve")
	var sk sink
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{&sk}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	go srv.Serve(l)
	defer srv.Close()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	logf, _ := os.Create(filepath.Join(work, "byline.log"))
	cmd := exec.Command(filepath.Join(work, "byline"), "serve", "--database", dbPath, "--addr", addr, "--log-level", "warn",
		"--smtp", fmt.Sprintf("smtp://%s?tls=none&from=news@bench.example", l.Addr()))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(ctx, base); err != nil {
		return err
	}

	step("page latency before the send (4 readers, 5 s)")
	before := readers(ctx, base, 5*time.Second, nil)

	step("sending")
	c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: "Benchmark digest", Intro: "A digest for the benchmark.",
		ArticleIDs: firstArticles(ctx, d)})
	if err != nil {
		return err
	}
	cpu0, _ := cpuSeconds(cmd.Process.Pid)
	if err := store.StartNow(ctx, c.ID); err != nil {
		return err
	}
	// The server's sender looks for work every 5 s; time from the first
	// message to the last.
	for sk.n.Load() == 0 {
		if ctx.Err() != nil {
			return errors.New("no message arrived")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	done := make(chan struct{})
	var during []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); during = readers(ctx, base, 0, done) }()
	last, lastAt := int64(0), time.Now()
	for {
		n := sk.n.Load()
		if n >= int64(*subscribers) {
			break
		}
		if n/10_000 != last/10_000 {
			fmt.Fprintf(os.Stderr, "    %d / %d\n", n/10_000*10_000, *subscribers)
		}
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > 30*time.Second {
			return fmt.Errorf("stalled at %d messages; see %s", n, filepath.Join(work, "byline.log"))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	close(done)
	wg.Wait()
	cpu1, _ := cpuSeconds(cmd.Process.Pid)
	rss := peakRSS(cmd.Process.Pid)
	p, _ := store.Progress(ctx, c.ID)

	fmt.Printf("newsletter to %d confirmed subscribers, %d SMTP connections, no rate limit, SQLite, SMTP sink on 127.0.0.1\n", *subscribers, *conc)
	fmt.Printf("  messages a second:          %.0f (%d accepted by the sink in %s)\n", float64(*subscribers)/elapsed.Seconds(), sk.n.Load(), elapsed.Round(time.Millisecond))
	fmt.Printf("  deliveries recorded:        %d sent, %d failed, %d left\n", p.Sent, p.Failed, p.Remaining())
	fmt.Printf("  byline peak memory (RSS):   %.1f MB\n", float64(rss)/(1<<20))
	fmt.Printf("  byline CPU during the send: %.1f s (%.0f%% of one core)\n", cpu1-cpu0, (cpu1-cpu0)/elapsed.Seconds()*100)
	fmt.Printf("  article page (4 readers):   before p50 %s p99 %s (%d requests); during p50 %s p99 %s (%d requests)\n",
		pct(before, 50), pct(before, 99), len(before), pct(during, 50), pct(during, 99), len(during))
	fmt.Printf("  working folder: %s\n", work)
	return nil
}

func firstArticles(ctx context.Context, d *db.DB) []int64 {
	p, err := article.NewStore(d).List(ctx, article.ListQuery{Limit: 5})
	if err != nil {
		return nil
	}
	var ids []int64
	for _, a := range p.Articles {
		ids = append(ids, a.ID)
	}
	return ids
}

// readers fetch the article page in a loop, four at a time, for d or
// until stop closes, and return the latencies.
func readers(ctx context.Context, base string, d time.Duration, stop chan struct{}) []time.Duration {
	var mu sync.Mutex
	var out []time.Duration
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if stop == nil && time.Now().After(end) {
					return
				}
				if stop != nil {
					select {
					case <-stop:
						return
					default:
					}
				}
				t := time.Now()
				resp, err := client.Get(base + page)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				out = append(out, time.Since(t))
				mu.Unlock()
				time.Sleep(5 * time.Millisecond) // readers, not a load test
			}
		}()
	}
	wg.Wait()
	return out
}

func pct(lat []time.Duration, p int) string {
	if len(lat) == 0 {
		return "-"
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return (s[min(len(s)-1, len(s)*p/100)]).Round(10 * time.Microsecond).String()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(ctx context.Context, base string) error {
	for ctx.Err() == nil {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("byline did not start")
}

// cpuSeconds is a process's user and system CPU time so far.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100, nil // clock ticks: 100 a second on Linux
}

func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
