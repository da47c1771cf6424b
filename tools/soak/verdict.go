package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"
)

// faultReport is what happened around the database outage.
type faultReport struct {
	ran                     bool
	stopAt, startAt, backAt time.Time // stopped, started again, answering again
	err                     error
}

// outage breaks what ops breaks at offset at for hold, mends it, and waits
// until the site takes the probe's request again.
func (l *load) outage(ctx context.Context, ops *faultOps, probe *client, start time.Time, at, hold time.Duration) faultReport {
	var f faultReport
	pause(ctx, time.Until(start.Add(at)))
	if ctx.Err() != nil {
		return f
	}
	f.ran = true
	f.stopAt = time.Now()
	l.faultFrom.Store(f.stopAt.UnixNano())
	step("%s: for %s", ops.what, hold)
	if f.err = ops.begin(); f.err != nil {
		return f
	}
	pause(ctx, hold) // the outage itself
	if f.err = ops.end(); f.err != nil {
		return f
	}
	f.startAt = time.Now()
	step("%s: over after %s", ops.name, f.startAt.Sub(f.stopAt).Round(100*time.Millisecond))
	deadline := time.Now().Add(60 * time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if ops.probe(ctx, l, probe) {
			f.backAt = time.Now()
			l.faultTo.Store(f.backAt.UnixNano())
			step("%s: the site takes %s again %s after", ops.name, ops.probeWhat, f.backAt.Sub(f.startAt).Round(10*time.Millisecond))
			return f
		}
		pause(ctx, ops.probeEvery)
	}
	f.err = fmt.Errorf("the site did not take %s within 60 s of the fault's end", ops.probeWhat)
	l.faultTo.Store(time.Now().UnixNano())
	return f
}

func (f faultReport) print(l *load, ops *faultOps) {
	w := l.faultW
	fmt.Printf("%s: lasted %s; the site took %s again %s after its end\n", ops.name,
		f.startAt.Sub(f.stopAt).Round(100*time.Millisecond), ops.probeWhat, f.backAt.Sub(f.startAt).Round(10*time.Millisecond))
	fmt.Printf("        %d requests during the outage; statuses: %s\n", w.requests, statusList(w.byStatus))
	for _, k := range append([]string{kOutWrite}, kindOrder...) {
		if lat := w.lat[k]; len(lat) > 0 {
			fmt.Printf("        %-8s n %4d  p50 %s ms  max %s ms\n", k, len(lat), ms(pct(lat, 50)), ms(pct(lat, 100)))
		}
	}
	if l.first.body != "" {
		fmt.Printf("        the 503 page: %q, Retry-After: %s\n", l.first.body, l.first.retry)
	}
	for _, s := range w.samples {
		fmt.Printf("        ! %s\n", s)
	}
}

// verdict prints the targets and whether each was met.
func verdict(engine string, mins []minute, faultMin map[int]bool, acked, found int, ops *faultOps, f faultReport, l *load) bool {
	ok := true
	check := func(pass bool, format string, a ...any) {
		mark := "PASS"
		if !pass {
			mark, ok = "FAIL", false
		}
		fmt.Printf("  %s  %s\n", mark, fmt.Sprintf(format, a...))
	}
	fmt.Printf("\n%s verdict:\n", engine)
	// Outside the fault, which is judged below.
	s5, errs := l.col.outside5xx, l.col.outsideErrors
	check(s5 == 0, "no 5xx answers (%d)", s5)
	check(errs == 0, "no failed requests (%d)", errs)
	check(acked > 0 && found == acked, "every acknowledged comment is in the database (%d of %d)", found, acked)

	// Flatness: the first minutes after warm-up against the last ones,
	// leaving out minutes the fault touched.
	var steady []minute
	warm := max(1, len(mins)/5)
	for _, m := range mins[min(warm, len(mins)):] {
		if !faultMin[m.n] {
			steady = append(steady, m)
		}
	}
	if len(steady) < 2 {
		check(false, "memory, goroutines and p99 flat after warm-up: too few minutes to compare (%d after a %d-minute warm-up); run longer", len(steady), warm)
	} else {
		flat(check, steady)
	}
	if ops != nil {
		faultVerdict(check, ops, f, l)
	}
	if ok {
		fmt.Printf("%s: all targets met\n", engine)
	} else {
		fmt.Printf("%s: a target failed\n", engine)
	}
	return ok
}

// flat compares the first minutes after warm-up with the last ones.
func flat(check func(bool, string, ...any), steady []minute) {
	k := max(1, len(steady)/3)
	first, last := steady[:k], steady[len(steady)-k:]
	mean := func(ms []minute, f func(minute) float64) float64 {
		var t float64
		for _, m := range ms {
			t += f(m)
		}
		return t / float64(len(ms))
	}
	rss := func(m minute) float64 { return m.srv.rssMB }
	gor := func(m minute) float64 { return float64(m.srv.goroutines) }
	fds := func(m minute) float64 { return float64(m.srv.fds) }
	span := fmt.Sprintf("minutes %d-%d against %d-%d", first[0].n, first[len(first)-1].n, last[0].n, last[len(last)-1].n)
	r0, r1 := mean(first, rss), mean(last, rss)
	check(r1 <= r0*1.2+8, "memory flat: rss %.1f MB -> %.1f MB (%s; allowed +20%% +8 MB)", r0, r1, span)
	g0, g1 := mean(first, gor), mean(last, gor)
	check(g1 <= g0+math.Max(10, g0*0.2), "goroutines flat: %.0f -> %.0f (allowed +20%%, at least +10)", g0, g1)
	f0, f1 := mean(first, fds), mean(last, fds)
	check(f1 <= f0+math.Max(10, f0*0.2), "open files flat: %.0f -> %.0f (allowed +20%%, at least +10)", f0, f1)
	for _, kind := range kindOrder {
		var a, b []time.Duration
		for _, m := range first {
			a = append(a, m.w.lat[kind]...)
		}
		for _, m := range last {
			b = append(b, m.w.lat[kind]...)
		}
		if len(a) < 20 || len(b) < 20 {
			continue
		}
		// The p99 of fewer than 500 requests is one of their slowest five
		// or fewer: for the sparse kinds (comments, saves) p90 says more.
		q, name := 99.0, "p99"
		if min(len(a), len(b)) < 500 {
			q, name = 90, fmt.Sprintf("p90 (%d and %d requests)", len(a), len(b))
		}
		p0, p1 := pct(a, q), pct(b, q)
		check(p1 <= 2*p0+25*time.Millisecond, "%s steady, %s: %s ms -> %s ms (allowed 2x +25 ms)", name, kind, ms(p0), ms(p1))
	}
}

// faultVerdict judges the answers during the fault and the recovery.
func faultVerdict(check func(bool, string, ...any), ops *faultOps, f faultReport, l *load) {
	w := l.faultW
	check(f.err == nil && f.ran, "%s began and ended (%v)", ops.name, f.err)
	n503 := w.byStatus[http.StatusServiceUnavailable]
	var other5, none int
	for st, n := range w.byStatus {
		switch {
		case st == 0:
			none += n
		case st >= 500 && st != http.StatusServiceUnavailable:
			other5 += n
		}
	}
	check(n503 > 0, "what the site cannot do during the fault is refused with 503 (%d answers 503; %d writes tried)", n503, len(w.lat[kOutWrite]))
	check(other5 == 0 && none == 0, "no other 5xx and no unanswered request during the outage (%d other 5xx, %d without an answer)", other5, none)
	check(w.errors == 0, "every 503 carries Retry-After, and nothing else failed (%d)", w.errors)
	var slowest time.Duration
	for _, lat := range w.lat {
		slowest = max(slowest, pct(lat, 100))
	}
	check(slowest < 10*time.Second, "no request hung during the outage (slowest %s)", slowest.Round(time.Millisecond))
	back := f.backAt.Sub(f.startAt)
	check(!f.backAt.IsZero() && back < 30*time.Second, "recovers by itself within 30 s of the fault's end (%s)", back.Round(10*time.Millisecond))
}
