package events

import (
	"testing"
	"testing/synctest"
)

func TestBroker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := New()
		a, cancelA := b.Subscribe("article:1")
		other, cancelOther := b.Subscribe("article:2")
		defer cancelOther()
		b.Publish(Event{Topic: "article:1", Kind: "comment", Data: []byte(`{}`)})
		if e := <-a; e.Kind != "comment" {
			t.Fatalf("got %+v", e)
		}
		select {
		case e := <-other:
			t.Fatalf("other topic got %+v", e)
		default:
		}
		// A listener that never reads does not block the publisher.
		for i := 0; i < 100; i++ {
			b.Publish(Event{Topic: "article:1", Kind: "score"})
		}
		cancelA()
		if b.Subscribers("article:1") != 0 {
			t.Fatal("cancel did not unsubscribe")
		}
		cancelA() // twice is harmless
	})
}
