package main

import (
	"bytes"
	"errors"
	"io"
	"log"
	"net"
	netmail "net/mail"
	"regexp"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server that keeps, for every message it accepts, whom
// it was for, its Message-ID and its unsubscribe link.
type sink struct {
	srv *smtp.Server
	l   net.Listener

	mu     sync.Mutex
	got    []received
	tokens []string // newsletter unsubscribe tokens not yet handed out
}

type received struct {
	to        string
	messageID string
}

var unsubLink = regexp.MustCompile(`/newsletter/unsubscribe\?t=([A-Za-z0-9_-]+)`)

func startSink() (*sink, error) {
	s := &sink{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.l = l
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain, s.srv.AllowInsecureAuth = "localhost", true
	s.srv.MaxMessageBytes = 8 << 20
	// Connections cut by the kills are expected: not worth a line each.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() {
		if err := s.srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			say("smtp sink: %v", err)
		}
	}()
	return s, nil
}

func (s *sink) addr() string { return s.l.Addr().String() }

func (s *sink) close() {
	if err := s.srv.Close(); err != nil {
		say("closing the smtp sink: %v", err)
	}
}

// messages is a copy of what arrived.
func (s *sink) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// takeToken hands out an unsubscribe token seen in a newsletter, once.
func (s *sink) takeToken() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tokens) == 0 {
		return "", false
	}
	t := s.tokens[len(s.tokens)-1]
	s.tokens = s.tokens[:len(s.tokens)-1]
	return t, true
}

type sinkSession struct {
	s  *sink
	to []string
}

func (ss *sinkSession) Reset()                               { ss.to = nil }
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, strings.ToLower(to))
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id, unsub := "", ""
	if m, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		id = m.Header.Get("Message-Id")
		unsub = m.Header.Get("List-Unsubscribe")
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	for _, to := range ss.to {
		ss.s.got = append(ss.s.got, received{to: to, messageID: id})
	}
	if m := unsubLink.FindStringSubmatch(unsub); m != nil && strings.HasPrefix(id, "<c") {
		ss.s.tokens = append(ss.s.tokens, m[1])
	}
	return nil
}
