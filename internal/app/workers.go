package app

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/events"
	"byline/internal/newsletter"
	"byline/internal/ratelimit"
	"byline/internal/site"
)

// janitor deletes expired sessions, links and counters every hour.
func janitor(ctx context.Context, people *account.Store, limiter *ratelimit.Limiter, letters *newsletter.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := people.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge sessions", "err", err)
		}
		if err := limiter.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge rate limits", "err", err)
		}
		if _, err := letters.PurgePending(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge newsletter sign-ups", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publishScheduled publishes scheduled articles whose time has come and
// refreshes this node's cache at once; the other nodes see the content
// counter move.
func publishScheduled(ctx context.Context, articles *article.Store, refresh func(), log *slog.Logger) {
	n, err := articles.PublishDue(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("publish scheduled articles", "err", err)
	case n > 0:
		log.Info("published scheduled articles", "count", n)
		refresh()
	}
}

// makeDigests creates the automatic digests that are due and wakes the
// sender for them.
func makeDigests(ctx context.Context, store *newsletter.Store, sender *newsletter.Sender, settings *site.Cache, loc *time.Location, log *slog.Logger) {
	st := settings.Current(ctx)
	ids, err := store.DueDigests(ctx, newsletter.DigestSchedule{Enabled: st.Digests, Hour: st.DigestHour, Weekday: time.Weekday(st.DigestWeekday)}, loc, st.Name)
	if err != nil && ctx.Err() == nil {
		log.Error("newsletter digests", "err", err)
	}
	if len(ids) > 0 {
		log.Info("newsletter digests scheduled", "campaigns", ids)
		sender.Wake()
	}
}

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// Topics that carry changes between nodes: one person or their sessions
// (kept in memory by each node), a subscriber leaving the list, the
// redirect table.
const (
	peopleTopic     = "people"
	newsletterTopic = "newsletter" // a subscriber left the list: senders skip them
	redirectsTopic  = "redirects"  // the redirect table changed: lookups are forgotten
)

func announce(broker *events.Broker, topic string, id int64) {
	broker.Publish(events.Event{Topic: topic, Kind: topic, Data: []byte(strconv.FormatInt(id, 10))})
}

// follow applies the ids announced on topic, from any node, to fn.
func follow(ctx context.Context, broker *events.Broker, topic string, fn func(id int64)) {
	ch, cancel := broker.Subscribe(topic)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if id, err := strconv.ParseInt(string(e.Data), 10, 64); err == nil {
				fn(id)
			}
		}
	}
}
