// Package mail builds messages and delivers them: an SMTP sender, and a
// durable outbox table that a background worker drains with retries, so a
// mail server that is down loses nothing.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Message is one mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string            // the plain-text part (always)
	HTML    string            // the HTML alternative (optional)
	Headers map[string]string // extra headers, e.g. List-Unsubscribe

	Attachments []Attachment
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// CleanAddress lower-cases and trims an e-mail address a person typed and
// reports whether it is a plain address (name@example.com).
func CleanAddress(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 254 {
		return s, false
	}
	a, err := netmail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	return s, err == nil && a.Address == s && at > 0 && strings.Contains(s[at:], ".")
}

// AddressProblem says what is wrong with an address CleanAddress refused.
func AddressProblem(s string) string {
	if s == "" {
		return "an e-mail address is required"
	}
	return "that does not look like an e-mail address (name@example.com)"
}

// EncodeHeader writes a header value in ASCII (RFC 2047 for other text).
func EncodeHeader(s string) string { return mime.QEncoding.Encode("utf-8", s) }

// QuotedPrintable writes s quoted-printable, lines ending in CRLF.
func QuotedPrintable(w io.Writer, s string) {
	qw := quotedprintable.NewWriter(w)
	qw.Write([]byte(s))
	qw.Close()
}

// Sender delivers a message now.
type Sender interface {
	Send(ctx context.Context, from string, m Message, messageID string) error
}

// ErrPermanent marks a failure that retrying will not fix (a 5xx answer).
var ErrPermanent = errors.New("permanent delivery failure")

// TLS modes of an SMTP connection.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (required)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: local relays and tests only
)

// SMTP is how to reach a mail server.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	From     string // the sender address, e.g. "Motor Ledger <news@example.com>"
	Timeout  time.Duration
}

// Configured reports whether a server is set.
func (c SMTP) Configured() bool { return c.Host != "" }

// ParseURL reads smtp://user:pass@host:587?tls=starttls&from=news@example.com
// (the form of BYLINE_SMTP).
func ParseURL(s string) (SMTP, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return SMTP{}, fmt.Errorf("SMTP URL %q: want smtp://user:password@host:port?tls=starttls&from=address", redact(s))
	}
	c := SMTP{Host: u.Hostname(), TLS: TLSStartTLS, Port: 587, From: u.Query().Get("from")}
	if u.Scheme == "smtps" {
		c.TLS, c.Port = TLSImplicit, 465
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil {
			return SMTP{}, fmt.Errorf("SMTP URL: bad port %q", p)
		}
	}
	if t := u.Query().Get("tls"); t != "" {
		c.TLS = t
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, c.Validate()
}

// Validate checks the settings.
func (c SMTP) Validate() error {
	if !c.Configured() {
		return nil
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("SMTP TLS mode %q: use starttls, tls or none", c.TLS)
	}
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("SMTP port %d is out of range", c.Port)
	}
	if c.From == "" {
		return errors.New("SMTP needs a sender (from) address")
	}
	return nil
}

func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return s
}

// DefaultTimeout is how long a mail server may take (to connect, or to
// answer during a message) when SMTP.Timeout is not set.
const DefaultTimeout = 30 * time.Second

// IOTimeout is c.Timeout, or DefaultTimeout when it is not set.
func (c SMTP) IOTimeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// client is a go-mail client for c: the one place where the settings (TLS
// mode, sign-in, timeout, HELO name) become go-mail options, for
// transactional mail and the newsletter alike.
func (c SMTP) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.IOTimeout()), gomail.WithHELO(Helo())}
	switch c.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if c.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return gomail.NewClient(c.Host, opts...)
}

// Dial opens a connection to the server that stays open for many messages
// (the newsletter's), greeted, encrypted and signed in as for any mail.
// The connection's deadline is IOTimeout from now: move it on
// (UpdateDeadline) before each message. The caller ends it with Quit or
// Close.
func (c SMTP) Dial(ctx context.Context) (*smtp.Client, error) {
	client, err := c.client()
	if err != nil {
		return nil, err
	}
	return client.DialToSMTPClientWithContext(ctx)
}

// smtpSender sends through one server, a connection per message.
type smtpSender struct{ c SMTP }

// NewSMTP returns a Sender for c.
func NewSMTP(c SMTP) Sender { return &smtpSender{c: c} }

func (s *smtpSender) Send(ctx context.Context, from string, m Message, messageID string) error {
	msg, err := build(from, m, messageID)
	if err != nil {
		return err
	}
	client, err := s.c.client()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return fmt.Errorf("%w: %v", ErrPermanent, err)
		}
		return err
	}
	return nil
}

// build makes m a go-mail message; a part it cannot take is a permanent
// failure.
func build(from string, m Message, messageID string) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("%w: sender %q: %v", ErrPermanent, from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %v", ErrPermanent, m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(messageID)
	msg.SetDate()
	msg.SetUserAgent("Byline")
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("%w: attachment %s: %v", ErrPermanent, a.Name, err)
		}
	}
	return msg, nil
}

// SiteFrom is the From of the site's mail: the configured sender, shown
// under the site's name (`"Car Magazine" <news@example.com>`) unless the
// setting gives a name of its own. A sender that does not parse is kept as
// it is (the mail server says what is wrong with it).
func SiteFrom(from, siteName string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return from
	}
	if a.Name == "" {
		a.Name = strings.TrimSpace(siteName)
	}
	return a.String()
}

// FallbackHost ends Message-IDs when the site's address names no host.
const FallbackHost = "byline.localhost"

// HostOf is the host name of a site's base URL, the right-hand side of
// its Message-IDs ("" when the URL has none).
func HostOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// Helo is the name this host gives mail servers.
func Helo() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \t") {
		return h
	}
	return "localhost"
}
