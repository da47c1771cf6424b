// Package events is in-process publish/subscribe: the site announces what
// changed (a comment posted, a score moved) to whoever listens, such as the
// live-update streams of open article pages. Slow listeners miss events
// rather than slow the publisher.
package events

import "sync"

// Event is one announcement on a topic.
type Event struct {
	Topic string
	Kind  string // e.g. "comment", "score"
	Data  []byte // JSON
}

// Broker fans events out to subscribers by topic.
type Broker struct {
	mu     sync.Mutex
	subs   map[string]map[chan Event]struct{}
	remote func(Event) // also sends events to the other nodes, if set
}

// SetRemote makes Publish also hand each event to send (the bridge to the
// other nodes). Events arriving from there are delivered with Deliver.
func (b *Broker) SetRemote(send func(Event)) {
	b.mu.Lock()
	b.remote = send
	b.mu.Unlock()
}

// New returns an empty Broker.
func New() *Broker { return &Broker{subs: map[string]map[chan Event]struct{}{}} }

// Subscribe listens on topic until cancel is called.
func (b *Broker) Subscribe(topic string) (<-chan Event, func()) {
	ch := make(chan Event, 16)
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan Event]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[topic][ch]; ok {
			delete(b.subs[topic], ch)
			if len(b.subs[topic]) == 0 {
				delete(b.subs, topic)
			}
			close(ch)
		}
		b.mu.Unlock()
	}
}

// Publish sends e to the topic's subscribers, here and on the other nodes,
// without waiting for any.
func (b *Broker) Publish(e Event) {
	b.Deliver(e)
	b.mu.Lock()
	send := b.remote
	b.mu.Unlock()
	if send != nil {
		send(e)
	}
}

// Deliver sends e to this node's subscribers only.
func (b *Broker) Deliver(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[e.Topic] {
		select {
		case ch <- e:
		default: // a full buffer: that listener misses this one
		}
	}
}

// Subscribers counts listeners on a topic (for tests and metrics).
func (b *Broker) Subscribers(topic string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[topic])
}
