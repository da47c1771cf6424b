package newsletter

import (
	"context"
	"log/slog"
	"time"

	"byline/internal/db"
)

// The group committer: it records "sent" for the messages of all
// connections that are ready in one transaction, and ends each marked
// message (its final ".") right after the commit.

const (
	markGroup = 64               // at most this many marks a commit
	markWait  = time.Millisecond // how long the first mark of a group waits for others
)

// marker records "sent" for many messages in one transaction: each worker
// waits a moment for the others, so a campaign costs a commit per group,
// not per message.
type marker struct {
	st       *Store
	campaign int64
	log      *slog.Logger
	reqs     chan markReq
	done     chan struct{}
}

type markReq struct {
	j     job
	after func() // ends the message on its connection, once marked
	ok    chan bool
}

func newMarker(st *Store, campaign int64, log *slog.Logger) *marker {
	m := &marker{st: st, campaign: campaign, log: log, reqs: make(chan markReq), done: make(chan struct{})}
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

// close stops the marker once the marks asked for are answered.
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
			if held[i] {
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

// commit marks a group sent in one transaction and says, for each, whether
// its claim held; none did if the transaction failed (its messages are
// then not ended, and go back to the queue).
func (m *marker) commit(group []markReq) []bool {
	held := make([]bool, len(group))
	now := m.st.now()
	ctx := context.Background() // a group is committed even when a worker's context ends
	err := m.st.db.Tx(ctx, func(tx *db.Tx) error {
		for i, r := range group {
			ok, err := markSent(ctx, tx, m.campaign, r.j, now)
			if err != nil {
				return err
			}
			held[i] = ok
		}
		return nil
	})
	if err != nil {
		m.log.Error("newsletter: mark sent", "campaign", m.campaign, "messages", len(group), "err", err)
		return make([]bool, len(group))
	}
	return held
}
