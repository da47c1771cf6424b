package newsletter

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"byline/internal/mail"
)

// How the sender works, and why no subscriber loses a campaign or gets it
// twice:
//
// Starting a campaign writes one delivery row per confirmed subscriber of
// its audience, in the same transaction that marks it sending. Senders
// (any number, on any node) claim batches of due rows with a fresh claim
// token and a lease (FOR UPDATE SKIP LOCKED on PostgreSQL). For each
// message the sender hands the whole message to the SMTP server but for
// the final "." that ends it; then it marks the row in flight (sent_at
// set, still 'sending'), but only if its claim still holds; then it sends
// the "."; and once the server answers 250 it marks the row sent. A
// server never delivers a message whose "." it did not receive, so a
// crash before the in-flight mark leaves a row that nobody got, which a
// restart sends. A crash after it leaves a row in flight, which the
// server may or may not have taken: whoever takes the row over sends it
// again under the same Message-ID (made of the campaign's and the
// subscriber's numbers), which tells a receiver it is the same message.
// So a crash never loses a message, and at worst hands one over twice
// under one Message-ID (SMTP has that gap anyway, RFC 1047: a server that
// took a message whose answer never arrived). A claim that expired (its
// node too slow or gone) is taken over by another sender, and the slow
// one's in-flight mark then fails: it drops the message unsent. The mark
// starts the message's lease again, so a message in flight is not taken
// over while its sender waits for the server's answer.
//
// Marks are written in groups (one commit for the messages of all
// connections that are ready; the "sent" marks of the messages just
// accepted ride with the next "in flight" ones), and the marker writes
// each in-flight message's "." right after its commit.
//
// The files: this one runs a pass over a campaign (Send); deliveries.go
// is the queue of rows in the database; deliver.go sends one message
// (through the mail server, or into the outbox); smtpconn.go is a
// connection to the mail server; marker.go commits the marks in groups.

// Config is how to send, read when a campaign starts.
type Config struct {
	SMTP        mail.SMTP // not configured: messages go to the outbox (the admin's mail view)
	Rate        float64   // messages per second, 0 for as fast as the server takes them
	Concurrency int       // SMTP connections
	Site        Site
	Location    *time.Location
	MessageHost string // the right-hand side of Message-IDs
	// Lease is how long a claimed batch is reserved for one sender before
	// another may take it over (default 30 s), and an in-flight message
	// from its mark. Taking over never sends two different messages (see
	// above); a short lease only wastes work on a slow node.
	Lease time.Duration
}

// Sender sends campaigns from the database's queue.
type Sender struct {
	store  *Store
	config func(ctx context.Context) Config
	log    *slog.Logger
	wake   chan struct{}

	mu   sync.Mutex
	gone map[int64]bool // unsubscribed since their campaign started

	// OnProgress, when set, hears after each batch of a campaign.
	OnProgress func(campaignID int64)
}

// NewSender returns a sender for store's campaigns.
func NewSender(store *Store, config func(ctx context.Context) Config, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.Default()
	}
	return &Sender{store: store, config: config, log: log, wake: make(chan struct{}, 1), gone: map[int64]bool{}}
}

// Gone tells the sender a subscriber left the list: nothing more is sent
// to them, from this moment.
func (s *Sender) Gone(subscriberID int64) {
	s.mu.Lock()
	if len(s.gone) >= 100_000 {
		s.gone = map[int64]bool{} // claims check the list as well; this only makes it instant
	}
	s.gone[subscriberID] = true
	s.mu.Unlock()
}

func (s *Sender) isGone(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone[id]
}

// stillThere clears what the sender heard of people who left and are on
// the list again (confirmed when their batch was claimed).
func (s *Sender) stillThere(jobs []job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gone) == 0 {
		return
	}
	for _, j := range jobs {
		delete(s.gone, j.sub)
	}
}

// Wake makes the sender look for work now.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due campaigns until ctx ends, looking every interval and when
// woken.
func (s *Sender) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("newsletter", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// Tick starts campaigns whose time has come and sends what is due of
// every campaign being sent.
func (s *Sender) Tick(ctx context.Context) error {
	if err := s.store.startDue(ctx); err != nil {
		return err
	}
	ids, err := s.store.sendingIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Send(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Send sends what is due of one campaign now and returns when nothing
// more is due (retries later are picked up by a later call).
func (s *Sender) Send(ctx context.Context, campaign int64) error {
	cfg := s.settings(ctx)
	c, err := s.store.Campaign(ctx, campaign)
	if err != nil {
		return err
	}
	if c.Status != Sending {
		return nil
	}
	r, err := s.store.Render(ctx, c, cfg.Site, cfg.Location)
	if err != nil {
		return err
	}
	deliver, workers, closeAll := s.deliverer(cfg, campaign, r)
	p := &pass{s: s, campaign: campaign, lease: cfg.Lease, limiter: newLimiter(cfg.Rate), deliver: deliver, work: make(chan job, claimBatch)}
	go p.claimAhead(ctx)
	p.runWorkers(ctx, workers)
	// The marks asked for are written before what is left is given back
	// or the campaign is counted finished.
	closeAll()
	if ctx.Err() != nil || p.failed() {
		return p.stop(ctx)
	}
	if _, err := s.store.finish(ctx, campaign); err != nil {
		return err
	}
	s.progress(campaign)
	return nil
}

// settings is the configuration now, with its defaults filled in.
func (s *Sender) settings(ctx context.Context) Config {
	cfg := s.config(ctx)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Lease <= 0 {
		cfg.Lease = defaultLease
	}
	return cfg
}

func (s *Sender) progress(campaign int64) {
	if s.OnProgress != nil {
		s.OnProgress(campaign)
	}
}

// pass is one call of Send on a campaign: one goroutine claims batches
// ahead of the workers, so no worker waits at a batch's end, and the
// workers keep their connections.
type pass struct {
	s        *Sender
	campaign int64
	lease    time.Duration
	limiter  *rate.Limiter
	deliver  deliverFunc
	work     chan job

	mu       sync.Mutex
	firstErr error
	claims   []string // every batch claimed, to give back what is left on a stop
}

func (p *pass) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstErr == nil {
		p.firstErr = err
	}
}

func (p *pass) failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstErr != nil
}

// claimAhead claims batches and hands their messages to the workers, at
// the configured rate, until none is due, ctx ends or a worker fails.
func (p *pass) claimAhead(ctx context.Context) {
	defer close(p.work)
	for ctx.Err() == nil && !p.failed() {
		jobs, err := p.s.store.claim(ctx, p.campaign, p.lease)
		if err != nil {
			p.fail(err)
			return
		}
		p.s.stillThere(jobs) // confirmed at the claim: an earlier leave is over
		if len(jobs) == 0 {
			return
		}
		if n := inFlightBefore(jobs); n > 0 {
			p.s.log.Info("newsletter: sending again messages a stopped sender left in flight, under their Message-IDs", "campaign", p.campaign, "messages", n)
		}
		p.mu.Lock()
		p.claims = append(p.claims, jobs[0].claim)
		p.mu.Unlock()
		if !p.handOut(ctx, jobs) {
			return
		}
		p.s.progress(p.campaign)
	}
}

// handOut gives a batch to the workers, but for those who left the list
// since it was claimed; false when ctx ended.
func (p *pass) handOut(ctx context.Context, jobs []job) bool {
	for _, j := range jobs {
		if p.s.isGone(j.sub) {
			if err := p.s.store.settle(ctx, p.campaign, j, dSkipped, "left the list"); err != nil {
				p.fail(err)
			}
			continue
		}
		if pace(ctx, p.limiter) != nil {
			return false
		}
		select {
		case p.work <- j:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// runWorkers delivers what the claimer hands out, n messages at a time,
// until it is done.
func (p *pass) runWorkers(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for j := range p.work {
				if ctx.Err() != nil || p.failed() {
					continue // drain: what is left goes back in stop
				}
				if err := p.deliver(ctx, w, j); err != nil {
					p.fail(err)
				}
			}
		})
	}
	wg.Wait()
}

// stop gives what the claimed batches did not reach back to the queue now
// rather than when their leases end, and says why the pass stopped.
func (p *pass) stop(ctx context.Context) error {
	p.mu.Lock()
	claims, failure := p.claims, p.firstErr
	p.mu.Unlock()
	for _, c := range claims {
		if err := p.s.store.release(context.WithoutCancel(ctx), p.campaign, c); err != nil {
			return err
		}
	}
	if failure != nil {
		return failure
	}
	return ctx.Err()
}

// inFlightBefore counts the jobs a sender left in flight.
func inFlightBefore(jobs []job) int {
	n := 0
	for _, j := range jobs {
		if j.again {
			n++
		}
	}
	return n
}

// newLimiter spaces messages to perSecond (no limit for 0): the first at
// once, then one every 1/perSecond, never a burst after a pause.
func newLimiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}

// pace waits for the next message's turn, or until ctx ends. (Unlike
// Limiter.Wait, it does not give up at once when the turn falls after
// ctx's deadline: a pass stops when ctx ends, and not before.)
func pace(ctx context.Context, l *rate.Limiter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	turn := l.Reserve() // always granted: one message at a time, within the burst
	d := turn.Delay()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		turn.Cancel()
		return ctx.Err()
	}
}
