package events

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"byline/internal/dbtest"
)

// Events published faster than one notification a round trip reach the
// other nodes all, once each and in order: the bridge relays those
// waiting together.
func TestBridgeRelaysEveryEventInOrder(t *testing.T) {
	url := dbtest.PostgresSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(ctx, "LISTEN "+EventsChannel); err != nil {
		t.Fatal(err)
	}
	broker := New()
	bridge := NewBridge(url, broker, slog.New(slog.NewTextHandler(io.Discard, nil)))
	run, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { bridge.Run(run, func() {}); close(done) }()
	defer func() { stop(); <-done }()

	topic := fmt.Sprintf("test:%d", time.Now().UnixNano()) // other tests may notify on the same database
	const n = 600
	for i := range n {
		broker.Publish(Event{Topic: topic, Kind: "comment", Data: json.RawMessage(fmt.Sprint(i))})
	}
	for next := 0; next < n; {
		note, err := listener.WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("after %d of %d events: %v", next, n, err)
		}
		var w wire
		if err := json.Unmarshal([]byte(note.Payload), &w); err != nil || w.Topic != topic {
			continue
		}
		if w.Node != bridge.node || string(w.Data) != fmt.Sprint(next) {
			t.Fatalf("event %d: got %s from %s", next, w.Data, w.Node)
		}
		next++
	}
}
