package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// slogLine is the line slog's own handler writes for r.
func slogLine(t testing.TB, json bool, r *Request) string {
	var buf bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h slog.Handler = slog.NewTextHandler(&buf, opts)
	if json {
		h = slog.NewJSONHandler(&buf, opts)
	}
	rec := slog.NewRecord(r.Time, r.Level, "request", 0)
	rec.Add("request_id", r.ID, "method", r.Method, "path", r.Path, "route", r.Route, "status", r.Status,
		"bytes", r.Bytes, "duration_ms", float64(r.Duration.Microseconds())/1000, "remote", r.Remote)
	if err := h.Handle(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestLinesAsSlogWritesThem compares the hand-made lines with slog's, for
// values that need no quoting, need quoting, and need escaping.
func TestLinesAsSlogWritesThem(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	times := []time.Time{time.Now(), time.Date(2026, 11, 29, 20, 1, 2, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 999999999, paris),
		time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC)}
	paths := []string{"/", "/2012/04/05/infiniti-to-move-production-out-of-japan/", "/a b", "/a=b", `/a"b`, `/a\b`, "/tab\there",
		"/new\nline", "/ünïcode", "/\u00a0nbsp", "/\u2028", "/bad\xffutf8", "", "/<script>&", "/\x7f"}
	routes := []string{"GET /{year}/{month}/{day}/{slug}/{$}", "", "GET /static/{file}"}
	durations := []time.Duration{0, time.Microsecond, 1500 * time.Microsecond, 3 * time.Second, 20 * time.Minute, 999 * time.Nanosecond, 10 * time.Millisecond, 120 * time.Microsecond, 123456789 * time.Microsecond, 7 * time.Hour, -1500 * time.Second, -3 * time.Millisecond}
	i := 0
	for _, tm := range times {
		for _, p := range paths {
			for _, d := range durations {
				r := &Request{Time: tm, Level: []slog.Level{slog.LevelInfo, slog.LevelError, slog.LevelDebug}[i%3], ID: fmt.Sprintf("ab12-%d", i),
					Method: "GET", Path: p, Route: routes[i%len(routes)], Status: []int{200, 304, 404, 500}[i%4], Bytes: i * 997,
					Duration: d, Remote: []string{"127.0.0.1", "2001:db8::1", ""}[i%3]}
				i++
				for _, json := range []bool{false, true} {
					var got []byte
					if json {
						got = appendJSON(nil, r)
					} else {
						got = appendText(nil, r)
						r2 := *r
						r2.RouteText = Quote(r.Route)
						if g2 := appendText(nil, &r2); !bytes.Equal(g2, got) {
							t.Fatalf("with RouteText:\n got %q\nwant %q", g2, got)
						}
					}
					if want := slogLine(t, json, r); string(got) != want {
						t.Fatalf("json=%v:\n got %q\nwant %q", json, got, want)
					}
				}
			}
		}
	}
}

// TestOrderKeptAndNothingLost logs request lines from many goroutines
// with slog lines in between, closes, and finds every line once, each
// slog line after the request lines its goroutine logged before it.
func TestOrderKeptAndNothingLost(t *testing.T) {
	out := &bytes.Buffer{}                // read after Close: the writer's writes are done
	w := NewWriter(out, false, time.Hour) // only size and Close flush
	log := slog.New(slog.NewTextHandler(w, nil))
	const workers, each = 8, 3000
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				w.Log(&Request{Time: time.Now(), ID: fmt.Sprintf("g%d-%d", g, i), Method: "GET", Path: "/", Route: "GET /{$}", Status: 200, Remote: "127.0.0.1"})
				if i%500 == 499 {
					log.Info("mark", "after", fmt.Sprintf("g%d-%d", g, i))
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if want := workers*each + workers*(each/500); len(lines) != want {
		t.Fatalf("%d lines, want %d", len(lines), want)
	}
	seen := map[string]int{}
	for n, l := range lines {
		if _, rest, ok := strings.Cut(l, "request_id="); ok {
			id, _, _ := strings.Cut(rest, " ")
			if _, dup := seen[id]; dup {
				t.Fatalf("%s logged twice", id)
			}
			seen[id] = n
			continue
		}
		_, after, ok := strings.Cut(l, "after=")
		if !ok {
			t.Fatalf("unexpected line %q", l)
		}
		if at, ok := seen[after]; !ok || at > n {
			t.Fatalf("the mark after %s came before it (line %d)", after, n)
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("%d request lines, want %d", len(seen), workers*each)
	}
}

// TestFlushesOnItsOwn finds a line written by the background writer,
// without Close.
func TestFlushesOnItsOwn(t *testing.T) {
	out := make(chanWriter, 16)
	w := NewWriter(out, true, 10*time.Millisecond)
	defer w.Close()
	w.Log(&Request{Time: time.Now(), ID: "x1", Method: "GET", Path: "/", Route: "", Status: 200})
	select {
	case b := <-out:
		if !strings.Contains(string(b), `"request_id":"x1"`) {
			t.Fatalf("wrote %q", b)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the line was never written")
	}
}

// chanWriter hands each write to the test.
type chanWriter chan []byte

func (c chanWriter) Write(p []byte) (int, error) {
	c <- bytes.Clone(p)
	return len(p), nil
}

// blockingWriter holds every write until released.
type blockingWriter struct {
	release      chan struct{}
	bytes.Buffer // read after Close
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.Buffer.Write(p)
}

// TestFullBufferWaits fills the buffer while the output is stuck: logging
// waits instead of dropping, and every line arrives once it moves again.
func TestFullBufferWaits(t *testing.T) {
	out := &blockingWriter{release: make(chan struct{})}
	w := NewWriter(out, false, time.Millisecond)
	path := "/" + strings.Repeat("p", 1000)
	n := 3 * maxChunks * chunkSize / 1000 // more than the chunks hold
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			w.Log(&Request{Time: time.Now(), ID: "r", Method: "GET", Path: path, Status: 200})
		}
		close(done)
	}()
	close(out.release)
	<-done
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != n {
		t.Fatalf("%d lines, want %d", got, n)
	}
}

func BenchmarkLog(b *testing.B) {
	w := NewWriter(discard{}, false, 100*time.Millisecond)
	defer w.Close()
	route := Quote("GET /{year}/{month}/{day}/{slug}/{$}")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := &Request{ID: "ab12cd34-1x", Method: "GET", Path: "/2012/04/05/infiniti-to-move-production-out-of-japan/",
			Route: "GET /{year}/{month}/{day}/{slug}/{$}", RouteText: route, Status: 200, Bytes: 21000, Remote: "127.0.0.1"}
		for pb.Next() {
			r.Time = time.Now()
			w.Log(r)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestPlainPrefixAgreesWithTheByteLoop holds the word-at-a-time test to
// the byte loop, for every byte in every position of a word.
func TestPlainPrefixAgreesWithTheByteLoop(t *testing.T) {
	check := func(s string) {
		if got, want := needsQuoting(s), quotingFrom(s, 0); got != want {
			t.Fatalf("needsQuoting(%q) = %v, the byte loop says %v", s, got, want)
		}
	}
	base := "/2012/04/05/infiniti-to-move"
	for c := 0; c < 256; c++ {
		for at := 0; at < 17; at++ {
			check(base[:at] + string([]byte{byte(c)}) + base[at:])
		}
	}
	for _, s := range []string{"/caf\u00e9/na\u00efve-\u00fcber-stra\u00dfe", "/a\u00a0b/cdefghij", "/abcdefg\u2028hij", "/abc!defgh", "/abcdefg\x7f"} {
		check(s)
	}
}
