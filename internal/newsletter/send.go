package newsletter

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"sync"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// How the sender works, and why no subscriber gets a campaign twice:
//
// Starting a campaign writes one delivery row per confirmed subscriber of
// its audience, in the same transaction that marks it sending. Senders
// (any number, on any node) claim batches of due rows with a fresh claim
// token and a lease (FOR UPDATE SKIP LOCKED on PostgreSQL). For each
// message the sender hands the whole message to the SMTP server but for
// the final "." that ends it; then it marks the row sent, but only if its
// claim still holds; and only then sends the ".". A server never delivers
// a message whose "." it did not receive, so a crash before the mark
// leaves a row that a restart sends again, and nobody got it; a crash
// after the mark leaves a row that is not sent again. A claim that
// expired (its node too slow or gone) is taken over by another sender,
// and the slow one's mark then fails: it drops the message unsent.
//
// Marks are written in groups (one commit for the messages of all
// connections that are ready) and the marker writes each marked message's
// "." right after its commit, in a tight loop. The one gap left: a crash
// in the few microseconds between that commit and those writes loses the
// group's messages rather than sending them twice. (SMTP itself has the
// opposite gap, RFC 1047: a server that took a message but whose answer
// never arrived.)

// Delivery statuses.
const (
	dQueued  = "queued"
	dSending = "sending"
	dSent    = "sent"
	dFailed  = "failed"
	dBounced = "bounced"
	dSkipped = "skipped"
)

const (
	claimBatch   = 200
	defaultLease = 30 * time.Second
	maxAttempts  = 6
)

// Config is how to send, read when a campaign starts.
type Config struct {
	SMTP        mail.SMTP // not configured: messages go to the outbox (the admin's mail view)
	Rate        float64   // messages per second, 0 for as fast as the server takes them
	Concurrency int       // SMTP connections
	Site        Site
	Location    *time.Location
	MessageHost string // the right-hand side of Message-IDs
	// Lease is how long a claimed batch is reserved for one sender before
	// another may take it over (default 30 s). Taking over never sends
	// twice (see above); a short lease only wastes work on a slow node.
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
func (s *Sender) stillThere(ids []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.gone) == 0 {
		return
	}
	for _, id := range ids {
		delete(s.gone, id)
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

// startDue moves scheduled campaigns whose time has come to sending, with a
// delivery row for each recipient; one node wins each.
func (st *Store) startDue(ctx context.Context) error {
	rows, err := st.db.Query(ctx, `SELECT id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at LIMIT 10`, st.now())
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := st.start(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// StartNow starts a draft or scheduled campaign at once: its recipients
// are fixed, and senders may take it.
func (st *Store) StartNow(ctx context.Context, id int64) error {
	if err := st.Schedule(ctx, id, time.Time{}); err != nil {
		return err
	}
	return st.start(ctx, id)
}

func (st *Store) start(ctx context.Context, id int64) error {
	now := st.now()
	return st.db.Tx(ctx, func(tx *db.Tx) error {
		var audience string
		err := tx.QueryRow(ctx, `UPDATE campaigns SET status = 'sending', started_at = $2 WHERE id = $1 AND status = 'scheduled' RETURNING audience`, id, now).Scan(&audience)
		if err != nil {
			if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound) {
				return nil // another node started it
			}
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (campaign_id, subscriber_id, status, next_at)
			SELECT $1, id, 'queued', $2 FROM subscribers WHERE status = 'confirmed' AND ($3 = 'all' OR frequency = $3)
			ON CONFLICT DO NOTHING`, id, now, audience)
		return err
	})
}

func (st *Store) sendingIDs(ctx context.Context) ([]int64, error) {
	rows, err := st.db.Query(ctx, `SELECT id FROM campaigns WHERE status = 'sending' ORDER BY started_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// job is one message to send.
type job struct {
	sub    int64
	email  string
	secret string
	claim  string
}

// claimSQL takes a batch of due deliveries for one sender. On PostgreSQL
// rows another node holds are skipped, not waited for.
var claimSQL = map[db.Engine]string{
	db.SQLite: `UPDATE deliveries SET status = 'sending', claim = $2, lease_until = $3, attempts = attempts + 1
		WHERE campaign_id = $1 AND subscriber_id IN (SELECT subscriber_id FROM deliveries
			WHERE campaign_id = $1 AND ((status = 'queued' AND next_at <= $4) OR (status = 'sending' AND lease_until < $4))
			ORDER BY subscriber_id LIMIT ` + strconv.Itoa(claimBatch) + `)`,
	db.Postgres: `UPDATE deliveries SET status = 'sending', claim = $2, lease_until = $3, attempts = attempts + 1
		WHERE campaign_id = $1 AND subscriber_id IN (SELECT subscriber_id FROM deliveries
			WHERE campaign_id = $1 AND ((status = 'queued' AND next_at <= $4) OR (status = 'sending' AND lease_until < $4))
			ORDER BY subscriber_id LIMIT ` + strconv.Itoa(claimBatch) + ` FOR UPDATE SKIP LOCKED)`,
}

// claim takes a batch; subscribers who left the list are settled as skipped.
func (st *Store) claim(ctx context.Context, campaign int64, lease time.Duration) ([]job, error) {
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	now := st.now()
	res, err := st.db.Exec(ctx, claimSQL[st.db.Engine], campaign, token, now.Add(lease), now)
	if err != nil {
		return nil, fmt.Errorf("newsletter: claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	rows, err := st.db.Query(ctx, `SELECT d.subscriber_id, COALESCE(s.email, ''), COALESCE(s.token, ''), COALESCE(s.status, '')
		FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.campaign_id = $1 AND d.status = 'sending' AND d.claim = $2 ORDER BY d.subscriber_id`, campaign, token)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []job
	var gone []int64
	for rows.Next() {
		var j job
		var status string
		if err := rows.Scan(&j.sub, &j.email, &j.secret, &status); err != nil {
			return nil, err
		}
		j.claim = token
		if status != Confirmed {
			gone = append(gone, j.sub)
			continue
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for _, id := range gone {
		if err := st.settle(ctx, campaign, job{sub: id, claim: token}, dSkipped, "left the list"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// release returns a claim's unsent deliveries to the queue.
func (st *Store) release(ctx context.Context, campaign int64, claim string) error {
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = 'queued', lease_until = NULL WHERE campaign_id = $1 AND claim = $2 AND status = 'sending'`, campaign, claim)
	return err
}

// settle records how one delivery ended (or that it waits for another try).
func (st *Store) settle(ctx context.Context, campaign int64, j job, status, why string) error {
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = $4, error = $5, lease_until = NULL
		WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3`, campaign, j.sub, j.claim, status, why)
	return err
}

// retry puts a delivery back in the queue after a temporary failure, or
// gives up after maxAttempts.
func (st *Store) retry(ctx context.Context, campaign int64, j job, why string) error {
	var attempts int
	if err := st.db.QueryRow(ctx, `SELECT attempts FROM deliveries WHERE campaign_id = $1 AND subscriber_id = $2`, campaign, j.sub).Scan(&attempts); err != nil {
		return err
	}
	if attempts >= maxAttempts {
		return st.settle(ctx, campaign, j, dFailed, why)
	}
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = 'queued', next_at = $4, error = $5, lease_until = NULL
		WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3`, campaign, j.sub, j.claim, st.now().Add(mail.Backoff(attempts)), why)
	return err
}

// bounce settles a delivery the server refused for good and takes the
// address off the list.
func (st *Store) bounce(ctx context.Context, campaign int64, j job, why string) error {
	if err := st.settle(ctx, campaign, j, dBounced, why); err != nil {
		return err
	}
	return st.setStatus(ctx, j.sub, Bounced, why)
}

// finish marks a campaign sent once nothing of it is left to send.
func (st *Store) finish(ctx context.Context, campaign int64) (bool, error) {
	res, err := st.db.Exec(ctx, `UPDATE campaigns SET status = 'sent', finished_at = $2 WHERE id = $1 AND status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM deliveries WHERE campaign_id = $1 AND status IN ('queued', 'sending'))`, campaign, st.now())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Send sends what is due of one campaign now and returns when nothing
// more is due (retries later are picked up by a later call).
func (s *Sender) Send(ctx context.Context, campaign int64) error {
	cfg := s.config(ctx)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
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
	var deliver deliverFunc
	var closeAll func()
	if cfg.SMTP.Configured() {
		deliver, closeAll = s.smtpPool(cfg, campaign, r)
	} else {
		deliver, closeAll = s.toOutbox(campaign, r), func() {}
	}
	defer closeAll()
	conc := max(1, cfg.Concurrency)
	if !cfg.SMTP.Configured() {
		conc = 1
	}
	pace := newPacer(cfg.Rate)
	lease := cfg.Lease
	if lease <= 0 {
		lease = defaultLease
	}
	// One goroutine claims batches ahead of the workers, so no worker
	// waits at a batch's end; the workers keep their connections.
	var (
		errMu    sync.Mutex
		firstErr error
		claims   []string
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	failed := func() bool {
		errMu.Lock()
		defer errMu.Unlock()
		return firstErr != nil
	}
	work := make(chan job, claimBatch)
	go func() {
		defer close(work)
		for ctx.Err() == nil && !failed() {
			jobs, err := s.store.claim(ctx, campaign, lease)
			if err != nil {
				fail(err)
				return
			}
			ids := make([]int64, len(jobs))
			for i, j := range jobs {
				ids[i] = j.sub
			}
			s.stillThere(ids) // confirmed at the claim: an earlier leave is over
			if len(jobs) == 0 {
				return
			}
			errMu.Lock()
			claims = append(claims, jobs[0].claim)
			errMu.Unlock()
			for _, j := range jobs {
				if s.isGone(j.sub) {
					if err := s.store.settle(ctx, campaign, j, dSkipped, "left the list"); err != nil {
						fail(err)
					}
					continue
				}
				if pace.wait(ctx) != nil {
					return
				}
				select {
				case work <- j:
				case <-ctx.Done():
					return
				}
			}
			if s.OnProgress != nil {
				s.OnProgress(campaign)
			}
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range work {
				if ctx.Err() != nil || failed() {
					continue // drain: what is left goes back below
				}
				if err := deliver(ctx, w, j); err != nil {
					fail(err)
				}
			}
		}(w)
	}
	wg.Wait()
	if ctx.Err() != nil || failed() {
		// Stopping: what the claimed batches did not reach goes back to
		// the queue now rather than when their leases end.
		for _, c := range claims {
			if err := s.store.release(context.WithoutCancel(ctx), campaign, c); err != nil {
				return err
			}
		}
		if firstErr != nil {
			return firstErr
		}
		return ctx.Err()
	}
	if _, err := s.store.finish(ctx, campaign); err != nil {
		return err
	}
	if s.OnProgress != nil {
		s.OnProgress(campaign)
	}
	return nil
}

// deliverFunc sends one job on worker w's connection and records how it
// went; an error is the database's, not the recipient's.
type deliverFunc func(ctx context.Context, w int, j job) error

// toOutbox is the sender without a mail server: each message is stored
// in the outbox, in the same transaction that marks it sent, so it is
// there exactly once and goes out when a server is set.
func (s *Sender) toOutbox(campaign int64, r *Rendered) deliverFunc {
	return func(ctx context.Context, _ int, j job) error {
		return s.store.db.Tx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'sent', sent_at = $4, lease_until = NULL
				WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3 AND status = 'sending'`, campaign, j.sub, j.claim, s.store.now())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another sender took it over
			}
			return s.store.mailer.Enqueue(ctx, tx, r.For(j.email, j.secret))
		})
	}
}

// smtpPool sends through cfg.SMTP with one connection per worker, marks
// sent in groups (one transaction for many messages), and closes the
// connections when done.
func (s *Sender) smtpPool(cfg Config, campaign int64, r *Rendered) (deliverFunc, func()) {
	conns := make([]*smtpConn, max(1, cfg.Concurrency))
	marks := newMarker(s.store, campaign)
	from := mail.SiteFrom(cfg.SMTP.From, cfg.Site.Name)
	fromAddr := from
	if a, err := netmail.ParseAddress(from); err == nil {
		fromAddr, from = a.Address, a.String()
	}
	host := cfg.MessageHost
	if host == "" {
		host = "byline.localhost"
	}
	deliver := func(ctx context.Context, w int, j job) error {
		if conns[w] == nil {
			conns[w] = &smtpConn{cfg: cfg.SMTP}
		}
		c := conns[w]
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		buf.Reset()
		r.WriteMIME(buf, from, j.email, j.secret, "c"+strconv.FormatInt(campaign, 10)+".s"+strconv.FormatInt(j.sub, 10)+"@"+host, s.store.now())
		outcome, why := c.send(ctx, fromAddr, j.email, buf.Bytes(), func(after func()) bool { return marks.mark(ctx, j, after) })
		switch outcome {
		case outSent, outDropped:
			return nil
		case outBounced:
			return s.store.bounce(ctx, campaign, j, why)
		case outFailed:
			return s.store.settle(ctx, campaign, j, dFailed, why)
		default: // refused for now, before or after the mark
			return s.store.retry(ctx, campaign, j, why)
		}
	}
	return deliver, func() {
		marks.close()
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
	}
}

// bufPool holds the buffers messages are written in.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Outcomes of one SMTP delivery.
const (
	outSent        = iota // accepted (or handed over and the answer lost: assumed delivered)
	outRetry              // refused for now, or the connection failed before the mark
	outRetryMarked        // refused for now after the mark
	outBounced            // the recipient refused for good
	outFailed             // the message refused for good (not the address)
	outDropped            // the claim was lost: not sent, another sender has it
)

// smtpConn is one connection to the mail server, kept open between
// messages.
type smtpConn struct {
	cfg mail.SMTP
	c   *smtp.Client
}

func (sc *smtpConn) dial(ctx context.Context) error {
	timeout := sc.cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	addr := net.JoinHostPort(sc.cfg.Host, strconv.Itoa(sc.cfg.Port))
	d := net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if sc.cfg.TLS == mail.TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: sc.cfg.Host}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return err
	}
	c, err := smtp.NewClient(conn, sc.cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	if err := c.Hello(mail.Helo()); err != nil {
		c.Close()
		return err
	}
	if sc.cfg.TLS == mail.TLSStartTLS {
		if err := c.StartTLS(&tls.Config{ServerName: sc.cfg.Host}); err != nil {
			c.Close()
			return err
		}
	}
	if sc.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", sc.cfg.Username, sc.cfg.Password, sc.cfg.Host)); err != nil {
			c.Close()
			return err
		}
	}
	sc.c = c
	return nil
}

func (sc *smtpConn) close() {
	if sc.c != nil {
		sc.c.Quit()
		sc.c = nil
	}
}

// drop closes the connection without ending the message in flight: the
// server discards it.
func (sc *smtpConn) drop() {
	if sc.c != nil {
		sc.c.Close()
		sc.c = nil
	}
}

// send delivers one message; mark records it sent before its final "."
// (which mark's argument writes) and reports whether the claim held.
func (sc *smtpConn) send(ctx context.Context, from, to string, msg []byte, mark func(after func()) bool) (int, string) {
	if sc.c == nil {
		if err := sc.dial(ctx); err != nil {
			return outRetry, "cannot reach the mail server: " + err.Error()
		}
	}
	// Only a permanent refusal of the recipient (RCPT) says the address is
	// bad. A refusal of the sender (MAIL) is this site's problem: tried
	// again later, never held against the reader. One of the message
	// itself (DATA, or after the ".") fails this delivery only.
	refused := func(err error, permanent int) (int, string) {
		var te *textproto.Error
		if errors.As(err, &te) {
			sc.c.Reset()
			if te.Code >= 500 {
				return permanent, err.Error()
			}
			return outRetry, err.Error()
		}
		sc.drop()
		return outRetry, err.Error()
	}
	if err := sc.c.Mail(from); err != nil {
		return refused(err, outRetry)
	}
	if err := sc.c.Rcpt(to); err != nil {
		return refused(err, outBounced)
	}
	// The DATA phase is written here rather than through Client.Data so the
	// body goes out in one write and the final "." waits for the mark.
	id, err := sc.c.Text.Cmd("DATA")
	if err != nil {
		sc.drop()
		return outRetry, err.Error()
	}
	sc.c.Text.StartResponse(id)
	_, _, err = sc.c.Text.ReadResponse(354)
	sc.c.Text.EndResponse(id)
	if err != nil {
		return refused(err, outFailed)
	}
	// A body that did not all go out (the connection died mid-message) is
	// not marked: the server discards it, and the delivery is tried again.
	if _, err = sc.c.Text.W.Write(dotStuff(msg)); err == nil {
		err = sc.c.Text.W.Flush() // the server has it all but the end while we mark
	}
	if err != nil {
		sc.drop()
		return outRetry, "connection lost while sending the message: " + err.Error()
	}
	var end uint
	var endErr error
	if !mark(func() { end, endErr = sc.c.Text.Cmd(".") }) {
		sc.drop() // no "." is sent: the server drops the message
		return outDropped, ""
	}
	if endErr != nil {
		// The "." could not be written, so the server never had the whole
		// message: it is not delivered, whatever the mark says.
		sc.drop()
		return outRetryMarked, "connection lost before the end of the message: " + endErr.Error()
	}
	id = end
	sc.c.Text.StartResponse(id)
	_, _, err = sc.c.Text.ReadResponse(250)
	sc.c.Text.EndResponse(id)
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			if te.Code >= 500 {
				return outFailed, err.Error()
			}
			return outRetryMarked, err.Error()
		}
		sc.drop()
		return outSent, "" // handed over, answer lost: assumed delivered
	}
	return outSent, ""
}

// dotStuff doubles the dot that starts any line (RFC 5321 4.5.2); msg
// ends with CRLF, so the terminator can follow it.
func dotStuff(msg []byte) []byte {
	if bytes.HasPrefix(msg, []byte(".")) {
		msg = append([]byte("."), msg...)
	}
	if !bytes.Contains(msg, []byte("\r\n.")) {
		return msg
	}
	return bytes.ReplaceAll(msg, []byte("\r\n."), []byte("\r\n.."))
}

// marker records "sent" for many messages in one transaction: each worker
// waits a moment for the others, so a campaign costs a commit per group,
// not per message.
type marker struct {
	st       *Store
	campaign int64
	reqs     chan markReq
	done     chan struct{}
}

type markReq struct {
	j     job
	after func() // ends the message on its connection, once marked
	ok    chan bool
}

func newMarker(st *Store, campaign int64) *marker {
	m := &marker{st: st, campaign: campaign, reqs: make(chan markReq), done: make(chan struct{})}
	go m.run()
	return m
}

// mark records j sent and, if its claim held, runs after at once: the
// marker ends each message of a group right after the commit, in a tight
// loop, so a crash finds almost no message marked but not ended.
func (m *marker) mark(ctx context.Context, j job, after func()) bool {
	ok := make(chan bool, 1)
	select {
	case m.reqs <- markReq{j, after, ok}:
	case <-ctx.Done():
		return false
	}
	return <-ok
}

func (m *marker) close() {
	close(m.reqs)
	<-m.done
}

func (m *marker) run() {
	defer close(m.done)
	for first := range m.reqs {
		group := []markReq{first}
		timer := time.NewTimer(time.Millisecond)
	collect:
		for len(group) < 64 {
			select {
			case r, ok := <-m.reqs:
				if !ok {
					break collect
				}
				group = append(group, r)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		results := make([]bool, len(group))
		now := m.st.now()
		err := m.st.db.Tx(context.Background(), func(tx *db.Tx) error {
			for i, r := range group {
				res, err := tx.Exec(context.Background(), `UPDATE deliveries SET status = 'sent', sent_at = $4, lease_until = NULL
					WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3 AND status = 'sending'`, m.campaign, r.j.sub, r.j.claim, now)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				results[i] = n == 1
			}
			return nil
		})
		for i, r := range group {
			if err == nil && results[i] {
				r.after()
			}
		}
		for i, r := range group {
			r.ok <- err == nil && results[i]
		}
	}
}

// pacer spaces messages to a rate.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newPacer(rate float64) *pacer {
	p := &pacer{}
	if rate > 0 {
		p.every = time.Duration(float64(time.Second) / rate)
	}
	return p
}

func (p *pacer) wait(ctx context.Context) error {
	if p.every == 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.every)
	p.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
