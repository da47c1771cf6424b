// Package accesslog is the process's log output, made cheap for the line
// every request writes.
//
// A request line is formatted by hand into a shared buffer, byte for byte
// as log/slog's text or JSON handler would have written it, and a
// background goroutine writes the buffer out a few times a second: the
// request waits for neither a formatter's reflection nor a system call.
// Every other log line (slog's, through Write) goes out at once, after the
// request lines buffered before it, so the output keeps its order. Close
// writes what is left; a full buffer makes requests wait for the writer
// rather than drop lines.
package accesslog

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Writer buffers request lines and passes every other write through.
type Writer struct {
	json  bool
	every time.Duration

	mu     sync.Mutex // guards the chunks and closed
	cur    []byte     // the chunk being filled
	filled [][]byte   // chunks waiting for the writer, oldest first
	free   [][]byte   // written chunks, kept for reuse
	room   sync.Cond  // signalled when a flush takes the filled chunks

	outMu sync.Mutex // one write to out at a time, in the order taken
	out   io.Writer
	err   error // the last write's error, kept for Close

	kick   chan struct{}
	done   chan struct{}
	closed bool
}

// Lines go into chunks of a fixed size, taken from a free list and given
// back once written: a busy log neither grows nor copies a buffer. A
// filled chunk wakes the writer; at maxChunks waiting, requests wait for it.
const (
	chunkSize = 64 << 10
	maxChunks = 64 // 4 MB
)

// NewWriter writes to out, request lines in slog's JSON format when json
// is set (its text format otherwise), at most every interval apart.
func NewWriter(out io.Writer, json bool, every time.Duration) *Writer {
	w := &Writer{json: json, every: every, out: out, kick: make(chan struct{}, 1), done: make(chan struct{}),
		cur: make([]byte, 0, chunkSize)}
	w.room.L = &w.mu
	go w.loop()
	return w
}

func (w *Writer) loop() {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-w.kick:
		case <-w.done:
			return
		}
		w.mu.Lock()
		w.flushLocked(nil)
	}
}

// flushLocked writes the buffered chunks, then p, to out. It is called
// with mu held and returns with it released: out is written outside mu
// (requests keep logging meanwhile) but inside outMu, taken before mu is
// let go, so writes leave in the order they were taken.
func (w *Writer) flushLocked(p []byte) error {
	if len(w.filled) == 0 && len(w.cur) == 0 && len(p) == 0 {
		w.mu.Unlock()
		return nil
	}
	out := w.filled
	w.filled = nil
	if len(w.cur) > 0 {
		out = append(out, w.cur)
		w.cur = w.chunkLocked()
	}
	w.room.Broadcast()
	w.outMu.Lock()
	w.mu.Unlock()
	var err error
	for _, c := range out {
		if _, werr := w.out.Write(c); err == nil {
			err = werr
		}
	}
	if len(p) > 0 {
		if _, perr := w.out.Write(p); err == nil {
			err = perr
		}
	}
	if err != nil {
		w.err = err
	}
	w.outMu.Unlock()
	w.mu.Lock()
	for _, c := range out {
		if len(w.free) < maxChunks && cap(c) == chunkSize {
			w.free = append(w.free, c[:0])
		}
	}
	w.mu.Unlock()
	return err
}

// chunkLocked is an empty chunk: a written one if there is one.
func (w *Writer) chunkLocked() []byte {
	if n := len(w.free); n > 0 {
		c := w.free[n-1]
		w.free = w.free[:n-1]
		return c
	}
	return make([]byte, 0, chunkSize)
}

// Write sends p out now, after the request lines buffered before it. It is
// what slog's handler writes through.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if err := w.flushLocked(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes what is buffered and stops the background writer. Lines
// logged after Close are written at once.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.done)
	}
	err := w.flushLocked(nil)
	w.outMu.Lock()
	if err == nil {
		err = w.err
	}
	w.outMu.Unlock()
	return err
}

// Request is one request's line: the fields the request logs carry.
type Request struct {
	Time      time.Time
	Level     slog.Level
	ID        string
	Method    string
	Path      string
	Route     string
	Status    int
	Bytes     int
	Duration  time.Duration
	Remote    string
	RouteText string // Route as the text format writes it, when known (see Quote)
}

// Log buffers a request's line.
func (w *Writer) Log(r *Request) {
	var tmp [512]byte // formatted outside the lock
	var line []byte
	if w.json {
		line = appendJSON(tmp[:0], r)
	} else {
		line = appendText(tmp[:0], r)
	}
	w.mu.Lock()
	kick := false
	for len(w.cur)+len(line) > cap(w.cur) && len(w.cur) > 0 {
		if len(w.filled) >= maxChunks && !w.closed {
			w.room.Wait() // the writer is behind: wait for it rather than lose the line
			continue      // and look again: it may have taken this chunk too
		}
		w.filled = append(w.filled, w.cur)
		w.cur = w.chunkLocked()
		kick = true
	}
	w.cur = append(w.cur, line...) // a line longer than a chunk gets a chunk of its own size
	if w.closed {
		w.flushLocked(nil)
		return
	}
	w.mu.Unlock()
	if kick {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// Quote is s as the text format writes a value: bare, or quoted when slog
// would quote it. A caller that logs the same value often (a route) makes
// it once and passes it as Request.RouteText.
func Quote(s string) string { return string(appendTextString(nil, s)) }

func appendText(b []byte, r *Request) []byte {
	b = append(b, "time="...)
	b = appendRFC3339Millis(b, r.Time)
	b = append(b, " level="...)
	b = append(b, r.Level.String()...)
	b = append(b, " msg=request request_id="...)
	b = appendTextString(b, r.ID)
	b = append(b, " method="...)
	b = appendTextString(b, r.Method)
	b = append(b, " path="...)
	b = appendTextString(b, r.Path)
	b = append(b, " route="...)
	if r.RouteText != "" {
		b = append(b, r.RouteText...)
	} else {
		b = appendTextString(b, r.Route)
	}
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, int64(r.Bytes), 10)
	b = append(b, " duration_ms="...)
	if millisPlain(r.Duration) {
		b = appendMillis(b, r.Duration)
	} else {
		b = strconv.AppendFloat(b, durationMS(r.Duration), 'g', -1, 64) // 1e+06 and up: an exponent
	}
	b = append(b, " remote="...)
	b = appendTextString(b, r.Remote)
	return append(b, '\n')
}

// durationMS is the duration in milliseconds, to the microsecond.
func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// millisPlain says whether appendMillis writes d as slog would: from 0
// to 1e+06 ms, where the text handler writes no exponent.
func millisPlain(d time.Duration) bool { return d >= 0 && d < 1000*time.Second }

// appendMillis writes durationMS(d) as slog's handlers do (the shortest
// decimal) without formatting a float, for millisPlain durations: whole
// milliseconds, then the microseconds with trailing zeros dropped.
func appendMillis(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	if frac == 0 {
		return b
	}
	digits := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	n := 4
	for digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// appendRFC3339Millis is slog's time format in text: RFC 3339 with exactly
// three decimals.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	sec := seconds(t)
	b = append(b, sec.date...)
	ms := t.Nanosecond() / 1e6
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, sec.zone...)
}

// appendRFC3339Nano is the JSON format's time: RFC 3339 with the
// nanoseconds, trailing zeros dropped.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	sec := seconds(t)
	b = append(b, sec.date...)
	if ns := t.Nanosecond(); ns != 0 {
		var d [10]byte
		d[0] = '.'
		for i := 9; i >= 1; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return append(b, sec.zone...)
}

// second is one second of the clock formatted: the date and time to the
// second, and the zone. Lines logged in the same second share it, so a
// line formats only its fraction.
type second struct {
	unix       int64
	loc        *time.Location
	date, zone string
}

var lastSecond atomic.Pointer[second]

func seconds(t time.Time) *second {
	unix, loc := t.Unix(), t.Location()
	if s := lastSecond.Load(); s != nil && s.unix == unix && s.loc == loc {
		return s
	}
	f := t.Truncate(time.Second).Format(time.RFC3339) // whole seconds: no fraction
	i := len("2006-01-02T15:04:05")
	s := &second{unix: unix, loc: loc, date: f[:i], zone: f[i:]}
	lastSecond.Store(s)
	return s
}

func appendTextString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// quoteASCII are the ASCII bytes that make slog quote a text value: the
// control characters, space, '=' and '"' (a backslash alone does not).
var quoteASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < 0x20 || c == ' ' || c == '=' || c == '"'
	}
	return t
}()

// needsQuoting is slog's rule for text values.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	return quotingFrom(s, plainPrefix(s))
}

// quotingFrom is needsQuoting on s[i:], a byte at a time.
func quotingFrom(s string, i int) bool {
	for i < len(s) {
		b := s[i]
		if b < utf8.RuneSelf {
			if quoteASCII[b] {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// plainPrefix is the length of s's leading run, in whole 8-byte words, of
// printable ASCII that slog leaves bare: a word at a time, since every
// request logs a path. A word with anything else (or a '!', which the test
// cannot tell from '"') is left to needsQuoting's byte loop.
func plainPrefix(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		eq := x ^ (ones * '=')
		if x&highs != 0 || (x-ones*0x23)&^x&highs != 0 || (eq-ones)&^eq&highs != 0 {
			break // a byte >= 0x80, < '#' or '='
		}
	}
	return i
}

func appendJSON(b []byte, r *Request) []byte {
	for _, s := range [...]string{r.ID, r.Method, r.Path, r.Route, r.Remote} {
		if !plainJSON(s) {
			return slogJSON(b, r) // a rare value to escape: let slog do it
		}
	}
	b = append(b, `{"time":"`...)
	b = appendRFC3339Nano(b, r.Time)
	b = append(b, `","level":"`...)
	b = append(b, r.Level.String()...)
	b = append(b, `","msg":"request","request_id":"`...)
	b = append(b, r.ID...)
	b = append(b, `","method":"`...)
	b = append(b, r.Method...)
	b = append(b, `","path":"`...)
	b = append(b, r.Path...)
	b = append(b, `","route":"`...)
	b = append(b, r.Route...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(r.Bytes), 10)
	b = append(b, `,"duration_ms":`...)
	if millisPlain(r.Duration) {
		b = appendMillis(b, r.Duration)
	} else {
		b = strconv.AppendFloat(b, durationMS(r.Duration), 'f', -1, 64) // what encoding/json writes for 1e-6 <= x < 1e21, and 0
	}
	b = append(b, `,"remote":"`...)
	b = append(b, r.Remote...)
	return append(b, "\"}\n"...)
}

// plainJSON says whether s goes into a JSON string as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// slogJSON formats r with slog's own JSON handler.
func slogJSON(b []byte, r *Request) []byte {
	var buf bytes.Buffer
	rec := slog.NewRecord(r.Time, r.Level, "request", 0)
	rec.AddAttrs(slog.String("request_id", r.ID), slog.String("method", r.Method), slog.String("path", r.Path),
		slog.String("route", r.Route), slog.Int("status", r.Status), slog.Int("bytes", r.Bytes),
		slog.Float64("duration_ms", durationMS(r.Duration)), slog.String("remote", r.Remote))
	if err := slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}).Handle(context.Background(), rec); err != nil {
		// A bytes.Buffer does not fail; keep the line's facts if it ever does.
		return append(b, `{"msg":"request","error":"unformattable line"}`+"\n"...)
	}
	return append(b, buf.Bytes()...)
}
