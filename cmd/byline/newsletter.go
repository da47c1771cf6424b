package main

import (
	"context"
	"log/slog"
	"time"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

// newsletterParts builds the newsletter's store and sender on d; the sender
// reads the mail server, rate and concurrency from the settings each time
// a campaign starts.
func newsletterParts(d *db.DB, outbox *mail.Outbox, articles *article.Store, settings *site.Cache, loc *time.Location, log *slog.Logger) (*newsletter.Store, *newsletter.Sender) {
	store := newsletter.NewStore(d, outbox, articles)
	sender := newsletter.NewSender(store, func(ctx context.Context) newsletter.Config {
		st := settings.Current(ctx)
		return newsletter.Config{SMTP: st.SMTP, Rate: float64(st.NewsletterRate), Concurrency: st.NewsletterConc,
			Site: newsletter.Site{Name: st.Name, BaseURL: st.BaseURL}, Location: loc, MessageHost: mail.HostOf(st.BaseURL)}
	}, log)
	return store, sender
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
