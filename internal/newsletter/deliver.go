package newsletter

import (
	"bytes"
	"context"
	netmail "net/mail"
	"strconv"
	"sync"

	"byline/internal/db"
	"byline/internal/mail"
)

// How a claimed message leaves: through the mail server, or into the
// outbox when no server is set.

// deliverFunc sends one job on worker w's connection and records how it
// went; an error is the database's, not the recipient's.
type deliverFunc func(ctx context.Context, w int, j job) error

// deliverer is how a campaign's messages leave under cfg: the function,
// how many workers call it at once, and what to close when they are done.
func (s *Sender) deliverer(cfg Config, campaign int64, r *Rendered) (deliverFunc, int, func()) {
	if !cfg.SMTP.Configured() {
		return s.toOutbox(campaign, r), 1, func() {}
	}
	p := newSMTPPool(s, cfg, campaign, r)
	return p.deliver, len(p.conns), p.close
}

// toOutbox is the sender without a mail server: each message is stored
// in the outbox, in the same transaction that marks it sent, so it is
// there exactly once and goes out when a server is set.
func (s *Sender) toOutbox(campaign int64, r *Rendered) deliverFunc {
	return func(ctx context.Context, _ int, j job) error {
		return s.store.db.Tx(ctx, func(tx *db.Tx) error {
			held, err := markSent(ctx, tx, campaign, j, s.store.now())
			if err != nil || !held {
				return err // not held: another sender took it over
			}
			return s.store.mailer.Enqueue(ctx, tx, r.For(j.email, j.secret))
		})
	}
}

// smtpPool sends through the mail server with one connection per worker,
// and marks messages sent in groups (one transaction for many messages).
type smtpPool struct {
	store    *Store
	campaign int64
	r        *Rendered
	conns    []*smtpConn // worker w's is conns[w], dialled at its first message
	marks    *marker
	from     string // the From header
	envelope string // the address MAIL FROM gives
	host     string // the right-hand side of Message-IDs
}

func newSMTPPool(s *Sender, cfg Config, campaign int64, r *Rendered) *smtpPool {
	p := &smtpPool{store: s.store, campaign: campaign, r: r, conns: make([]*smtpConn, max(1, cfg.Concurrency)),
		marks: newMarker(s.store, campaign, cfg.Lease, s.log), host: cfg.MessageHost}
	for w := range p.conns {
		p.conns[w] = &smtpConn{cfg: cfg.SMTP}
	}
	p.from, p.envelope = senderAddresses(cfg)
	if p.host == "" {
		p.host = mail.FallbackHost
	}
	return p
}

// senderAddresses are the From header of the campaign's mail (under the
// site's name) and the bare address of its envelope. A sender that does
// not parse is given as it is: the mail server says what is wrong with it.
func senderAddresses(cfg Config) (header, envelope string) {
	from := mail.SiteFrom(cfg.SMTP.From, cfg.Site.Name)
	if a, err := netmail.ParseAddress(from); err == nil {
		return a.String(), a.Address
	}
	return from, from
}

// bufPool holds the buffers messages are written in.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (p *smtpPool) deliver(ctx context.Context, w int, j job) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	p.r.WriteMIME(buf, p.from, j.email, j.secret, p.messageID(j), p.store.now())
	mark := func(after func()) bool { return p.marks.inFlight(ctx, j, after) }
	outcome, why := p.conns[w].send(ctx, p.envelope, j.email, buf.Bytes(), mark)
	return p.record(ctx, j, outcome, why)
}

// messageID is made of the campaign's and the subscriber's numbers, at
// the site's host.
func (p *smtpPool) messageID(j job) string {
	return "c" + strconv.FormatInt(p.campaign, 10) + ".s" + strconv.FormatInt(j.sub, 10) + "@" + p.host
}

// record settles a delivery as its outcome says. A message accepted is
// marked sent in the next group; one whose answer was lost stays in
// flight and goes back to the queue, to be sent again under the same
// Message-ID, which tells the receiver it is the same message.
func (p *smtpPool) record(ctx context.Context, j job, outcome int, why string) error {
	switch outcome {
	case outSent:
		p.marks.sent(j)
		return nil
	case outDropped: // its claim was lost: another sender has it
		return nil
	case outBounced:
		return p.store.bounce(ctx, p.campaign, j, why)
	case outFailed:
		return p.store.settle(ctx, p.campaign, j, dFailed, why)
	case outRetryMarked:
		return p.store.refusedInFlight(ctx, p.campaign, j, why)
	default: // refused before the mark, or maybe delivered
		return p.store.retry(ctx, p.campaign, j, why)
	}
}

// close waits for the marks asked for, then ends the connections.
func (p *smtpPool) close() {
	p.marks.close()
	for _, c := range p.conns {
		c.close()
	}
}
