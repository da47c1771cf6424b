// Package mailtest runs a real SMTP server on 127.0.0.1 for tests and
// keeps what it receives, so tests read the mail a person would get.
package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one delivered message.
type Received struct {
	From    string
	To      []string
	Raw     []byte
	Header  mail.Header
	Subject string
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded
}

// Server is a running SMTP server.
type Server struct {
	Addr string
	Port int

	mu       sync.Mutex
	received []Received
	failures []int            // SMTP codes to answer the next DATA commands with
	refuse   map[string][]int // SMTP codes to answer RCPT TO for an address with, in turn
	total    int              // messages accepted, also when not kept
	keep     bool
	hold     int           // after this many messages, hold each answer...
	release  chan struct{} // ...until this closes
	drops    int           // connections to cut after the next DATA's 354
	dropped  int           // messages lost that way
	changed  chan struct{}
	srv      *smtp.Server
	l        net.Listener
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server { return StartOn(t, "127.0.0.1:0") }

// StartOn runs a server on addr (to bring back a server that was down).
func StartOn(t testing.TB, addr string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String(), Port: l.Addr().(*net.TCPAddr).Port, changed: make(chan struct{}, 1), refuse: map[string][]int{}, keep: true}
	s.l = &listener{Listener: l, s: s}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // clients that vanish mid-message are part of some tests
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(s.l)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Close stops the server (a test may then find the port refusing).
func (s *Server) Close() {
	s.srv.Close()
	s.l.Close() // Serve may not have taken the listener yet
}

// URL is the BYLINE_SMTP address that reaches this server.
func (s *Server) URL() string {
	return fmt.Sprintf("smtp://127.0.0.1:%d?tls=none&from=noreply@example.com", s.Port)
}

// FailNext makes the next len(codes) deliveries fail with those SMTP codes
// (4xx: temporary, 5xx: permanent).
func (s *Server) FailNext(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, codes...)
}

// RefuseRecipient makes RCPT TO for addr fail with these codes, one per
// attempt (4xx: try later, 5xx: no such mailbox), then succeed.
func (s *Server) RefuseRecipient(addr string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[addr] = append(s.refuse[addr], codes...)
}

// HoldAfter makes the server, once it has n messages, keep each further
// one and then hold back its answer until Release: the client's messages
// are delivered, the client does not know it yet (a client killed now
// must not send them again).
func (s *Server) HoldAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold, s.release = n, make(chan struct{})
}

// Release answers the held messages and stops holding.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.release != nil {
		close(s.release)
		s.hold, s.release = 0, nil
	}
}

// DropNext makes the server cut the connection of the next n messages in
// the middle of their DATA phase: right after its 354 answer (go ahead),
// the connection is reset, as when a server crashes or a network fails
// while the body is on its way. The client's body and final "." never
// arrive; the message is not delivered.
func (s *Server) DropNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops += n
}

// Dropped is how many messages DropNext has cut so far.
func (s *Server) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// takeDrop reports whether the DATA answer now being written must be
// followed by a reset.
func (s *Server) takeDrop() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drops == 0 {
		return false
	}
	s.drops--
	s.dropped++
	return true
}

// listener hands the SMTP server connections that can be cut mid-message.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &dropConn{Conn: c, s: l.s}, nil
}

// dropConn resets itself right after writing a 354 answer when the server
// has a drop pending: the reset follows the answer at once, in the same
// call, so the client's body meets a dead connection.
type dropConn struct {
	net.Conn
	s *Server
}

func (c *dropConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err == nil && bytes.HasPrefix(p, []byte("354")) && c.s.takeDrop() {
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, not an orderly close
		}
		c.Conn.Close()
		select {
		case c.s.changed <- struct{}{}:
		default:
		}
	}
	return n, err
}

// CountOnly makes the server count messages without keeping them (a sink
// for load).
func (s *Server) CountOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep = false
}

// Total is how many messages were accepted.
func (s *Server) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Messages returns what has arrived so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// Wait returns once n messages have arrived, or fails the test after timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("mailtest: %d messages after %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	if codes := s.refuse[to]; len(codes) > 0 {
		s.refuse[to] = codes[1:]
		s.mu.Unlock()
		return &smtp.SMTPError{Code: codes[0], Message: "mailtest: recipient refused on purpose"}
	}
	s.mu.Unlock()
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	if len(s.failures) > 0 {
		code := s.failures[0]
		s.failures = s.failures[1:]
		s.mu.Unlock()
		return &smtp.SMTPError{Code: code, Message: "mailtest: refused on purpose"}
	}
	s.total++
	if s.keep {
		rec := parse(raw)
		rec.From, rec.To = ss.from, ss.to
		s.received = append(s.received, rec)
	}
	var wait chan struct{}
	if s.release != nil && s.total > s.hold {
		wait = s.release
	}
	s.mu.Unlock()
	if wait != nil {
		<-wait
	}
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

func parse(raw []byte) Received {
	rec := Received{Raw: raw}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return rec
	}
	rec.Header = m.Header
	dec := new(mime.WordDecoder)
	rec.Subject, _ = dec.DecodeHeader(m.Header.Get("Subject"))
	walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, &rec)
	return rec
}

func walk(ctype, encoding string, body io.Reader, rec *Received) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, rec)
		}
	}
	data, _ := io.ReadAll(decode(encoding, body))
	switch mt {
	case "text/plain":
		rec.Text = string(data)
	case "text/html":
		rec.HTML = string(data)
	}
}
