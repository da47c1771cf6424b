package newsletter

import (
	"context"
	"log/slog"
	"time"

	"byline/internal/db"
)

// The group committer: it records, for the messages of all connections
// that are ready, in one transaction, that each is in flight (its whole
// body is with the server, its final "." about to be written) or that the
// server accepted it, and writes the final "." of each message marked in
// flight right after the commit.

const (
	markGroup = 64               // at most this many marks a commit
	markWait  = time.Millisecond // how long the first mark of a group waits for others
)

// marker records marks for many messages in one transaction: each worker
// waits a moment for the others, so a campaign costs a commit per group,
// not per message. A group holds both kinds of mark, so in a steady send
// the "sent" marks of the messages just accepted ride in the commit of
// the next messages' "in flight" marks.
type marker struct {
	st       *Store
	campaign int64
	lease    time.Duration // an in-flight message's lease starts again
	log      *slog.Logger
	reqs     chan markReq
	done     chan struct{}
}

type markReq struct {
	j     job
	sent  bool   // the server accepted the message; otherwise it goes in flight
	after func() // ends an in-flight message on its connection, once marked
	ok    chan bool
}

func newMarker(st *Store, campaign int64, lease time.Duration, log *slog.Logger) *marker {
	m := &marker{st: st, campaign: campaign, lease: lease, log: log, reqs: make(chan markReq), done: make(chan struct{})}
	go m.run()
	return m
}

// inFlight records j in flight and, if its claim held, runs after at
// once: the marker ends each message of a group right after the commit.
// A crash after the commit leaves j in flight, and whoever takes the row
// next sends it again under the same Message-ID.
func (m *marker) inFlight(ctx context.Context, j job, after func()) bool {
	ok := make(chan bool, 1)
	select {
	case m.reqs <- markReq{j: j, after: after, ok: ok}:
	case <-ctx.Done():
		return false
	}
	return <-ok
}

// sent records j accepted by the server, without waiting for the commit:
// until it is written, j is in flight, which at worst sends it again
// under the same Message-ID. It is asked even when the worker's context
// has ended, so a message accepted is recorded.
func (m *marker) sent(j job) {
	m.reqs <- markReq{j: j, sent: true, ok: make(chan bool, 1)}
}

// close stops the marker once the marks asked for are written.
func (m *marker) close() {
	close(m.reqs)
	<-m.done
}

func (m *marker) run() {
	defer close(m.done)
	for first := range m.reqs {
		group := m.gather(first)
		held := m.commit(group)
		for i, r := range group {
			if held[i] && r.after != nil {
				r.after()
			}
		}
		for i, r := range group {
			r.ok <- held[i]
		}
	}
}

// gather is first and the marks that come within markWait of it, up to
// markGroup.
func (m *marker) gather(first markReq) []markReq {
	group := []markReq{first}
	timer := time.NewTimer(markWait)
	defer timer.Stop()
	for len(group) < markGroup {
		select {
		case r, ok := <-m.reqs:
			if !ok {
				return group
			}
			group = append(group, r)
		case <-timer.C:
			return group
		}
	}
	return group
}

// commit writes a group's marks in one transaction and says, for each,
// whether its claim held; none did if the transaction failed (its
// in-flight messages are then not ended, and go back to the queue; its
// accepted ones stay in flight).
func (m *marker) commit(group []markReq) []bool {
	held := make([]bool, len(group))
	now := m.st.now()
	ctx := context.Background() // a group is committed even when a worker's context ends
	err := m.st.db.Tx(ctx, func(tx *db.Tx) error {
		for i, r := range group {
			var ok bool
			var err error
			if r.sent {
				ok, err = markSent(ctx, tx, m.campaign, r.j, now)
			} else {
				ok, err = markInFlight(ctx, tx, m.campaign, r.j, now, now.Add(m.lease))
			}
			if err != nil {
				return err
			}
			held[i] = ok
		}
		return nil
	})
	if err != nil {
		m.log.Error("newsletter: mark deliveries", "campaign", m.campaign, "messages", len(group), "err", err)
		return make([]bool, len(group))
	}
	return held
}
