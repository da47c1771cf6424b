package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channels of the bridge.
const (
	ContentChannel = "byline_content" // the database's triggers notify here
	EventsChannel  = "byline_events"  // nodes relay events here
)

// Bridge joins the nodes of a site running on one PostgreSQL: events
// published on one node are delivered on all of them (LISTEN/NOTIFY), and
// content changes are announced as soon as they commit.
type Bridge struct {
	url    string
	node   string
	broker *Broker
	log    *slog.Logger
	out    chan Event
}

type wire struct {
	Node  string          `json:"n"`
	Topic string          `json:"t"`
	Kind  string          `json:"k"`
	Data  json.RawMessage `json:"d,omitempty"`
}

// NewBridge relays broker's events through the database at url.
func NewBridge(url string, broker *Broker, log *slog.Logger) *Bridge {
	b := make([]byte, 8)
	rand.Read(b)
	br := &Bridge{url: url, node: hex.EncodeToString(b), broker: broker, log: log, out: make(chan Event, 1024)}
	broker.SetRemote(func(e Event) {
		select {
		case br.out <- e:
		default:
			log.Warn("events: bridge backlog full, an event stays on this node", "topic", e.Topic)
		}
	})
	return br
}

// Run listens and sends until ctx ends, reconnecting after failures.
// onContent is called when content changed anywhere.
func (b *Bridge) Run(ctx context.Context, onContent func()) {
	go b.send(ctx)
	for ctx.Err() == nil {
		if err := b.listen(ctx, onContent); err != nil && ctx.Err() == nil {
			b.log.Warn("events: listener lost its connection; reconnecting", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (b *Bridge) listen(ctx context.Context, onContent func()) error {
	conn, err := pgx.Connect(ctx, b.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range []string{ContentChannel, EventsChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	onContent() // changes made while not listening
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch n.Channel {
		case ContentChannel:
			onContent()
		case EventsChannel:
			var w wire
			if json.Unmarshal([]byte(n.Payload), &w) != nil || w.Node == b.node {
				continue
			}
			b.broker.Deliver(Event{Topic: w.Topic, Kind: w.Kind, Data: w.Data})
		}
	}
}

// maxRelay bounds the events relayed in one statement.
const maxRelay = 256

// send relays this node's events to the others, on its own connection.
// The events waiting are relayed together, in one statement: each
// statement is a transaction whose commit waits for the disk (a
// notification needs one), so one per event would cap a busy site's live
// updates (a comment posted is one) at the disk's commits per second,
// and take them from the writes.
func (b *Bridge) send(ctx context.Context) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		var first Event
		select {
		case <-ctx.Done():
			return
		case first = <-b.out:
		}
		payloads := b.payloads(nil, first)
		for waiting := true; waiting && len(payloads) < maxRelay; {
			select {
			case e := <-b.out:
				payloads = b.payloads(payloads, e)
			default:
				waiting = false
			}
		}
		if len(payloads) == 0 {
			continue
		}
		var err error
		for attempt := 0; attempt < 3; attempt++ {
			if conn == nil {
				if conn, err = pgx.Connect(ctx, b.url); err != nil {
					conn = nil
					time.Sleep(200 * time.Millisecond)
					continue
				}
			}
			// In the order published: a function scan keeps the array's.
			if _, err = conn.Exec(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", EventsChannel, payloads); err == nil {
				break
			}
			conn.Close(context.WithoutCancel(ctx))
			conn = nil
		}
		if err != nil && ctx.Err() == nil {
			b.log.Warn("events: could not relay events", "events", len(payloads), "err", err)
		}
	}
}

// payloads appends e as the bridge sends it to list (nothing when it is
// too long for a notification: NOTIFY payloads stop at 8000 bytes).
func (b *Bridge) payloads(list []string, e Event) []string {
	payload, err := json.Marshal(wire{Node: b.node, Topic: e.Topic, Kind: e.Kind, Data: e.Data})
	if err != nil || len(payload) > 7900 {
		return list
	}
	return append(list, string(payload))
}
