package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"time"

	"byline/internal/article"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

// runNewsletterSend sends a campaign (or a digest made now) in the
// foreground with a progress bar, and prints its report. Stopped (Ctrl-C,
// a crash), it resumes where it was the next time, from this command or a
// server: nobody gets the campaign twice.
func runNewsletterSend(ctx context.Context, env *environment, args []string) error {
	var campaign int64
	var digest, smtpURL, baseURL string
	var rate, conc int
	var lease time.Duration
	cfg, d, _, err := openCommand(ctx, env, "newsletter send", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&campaign, "campaign", 0, "the newsletter to send (its number on the admin's Newsletter screen)")
		fs.StringVar(&digest, "digest", "", "instead, make a digest now of the articles of the last day (daily) or week (weekly) and send it to those readers")
		fs.IntVar(&rate, "rate", -1, "messages per second, 0 for no limit (default: the Newsletter screen's setting)")
		fs.IntVar(&conc, "concurrency", 0, "connections to the mail server (default: the Newsletter screen's setting)")
		fs.DurationVar(&lease, "lease", 0, "how long a claimed batch is reserved before another sender may take it over (default 30s)")
		fs.StringVar(&smtpURL, "smtp", env.getenv("BYLINE_SMTP"), "mail server, as for serve (env BYLINE_SMTP; default: the Settings screen's)")
		fs.StringVar(&baseURL, "base-url", env.getenv("BYLINE_BASE_URL"), "the site's public address for links in the mail (env BYLINE_BASE_URL; default: the Settings screen's)")
	}, func(rest []string) error {
		if (campaign == 0) == (digest == "") {
			return usageError{"give --campaign N or --digest daily|weekly"}
		}
		if digest != "" && digest != newsletter.Daily && digest != newsletter.Weekly {
			return usageError{fmt.Sprintf("--digest %q: use daily or weekly", digest)}
		}
		if baseURL != "" {
			if u, err := url.Parse(baseURL); err != nil || u.Host == "" {
				return usageError{fmt.Sprintf("--base-url %q is not an absolute address", baseURL)}
			}
		}
		return noArgs(rest)
	})
	if err != nil {
		return err
	}
	defer d.Close()
	log := newLogger(env, cfg)
	if baseURL == "" {
		baseURL = "http://localhost:8080"
	}
	settings := site.NewCache(site.NewStore(d), site.Defaults(cfg.SiteName, cfg.Tagline), baseURL, log)
	if smtpURL != "" {
		if settings.SMTPOverride, err = mail.ParseURL(smtpURL); err != nil {
			return usageError{err.Error()}
		}
	}
	outbox := mail.NewOutbox(d, "").WithDomain(func(ctx context.Context) string { return mail.HostOf(settings.Current(ctx).BaseURL) })
	articles := article.NewStore(d)
	store, _ := newsletterParts(d, outbox, articles, settings, cfg.Location, log)
	sender := newsletter.NewSender(store, func(ctx context.Context) newsletter.Config {
		st := settings.Current(ctx)
		c := newsletter.Config{SMTP: st.SMTP, Rate: float64(st.NewsletterRate), Concurrency: st.NewsletterConc,
			Site: newsletter.Site{Name: st.Name, BaseURL: st.BaseURL}, Location: cfg.Location, MessageHost: mail.HostOf(st.BaseURL), Lease: lease}
		if rate >= 0 {
			c.Rate = float64(rate)
		}
		if conc > 0 {
			c.Concurrency = conc
		}
		return c
	}, log)

	if digest != "" {
		span := 24 * time.Hour
		if digest == newsletter.Weekly {
			span *= 7
		}
		page, err := articles.List(ctx, article.ListQuery{From: time.Now().Add(-span), Limit: 50})
		if err != nil {
			return err
		}
		var ids []int64
		for _, a := range page.Articles {
			ids = append(ids, a.ID)
		}
		st := settings.Current(ctx)
		c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: fmt.Sprintf("%s: your %s digest, %s", st.Name, digest, time.Now().In(cfg.Location).Format("January 2, 2006")),
			Audience: digest, ArticleIDs: ids})
		if err != nil {
			return describe(err)
		}
		campaign = c.ID
	}
	c, err := store.Campaign(ctx, campaign)
	if err != nil {
		return describe(err)
	}
	switch c.Status {
	case newsletter.Draft, newsletter.Scheduled:
		if err := store.StartNow(ctx, c.ID); err != nil {
			return err
		}
	case newsletter.Sending:
	default:
		return fmt.Errorf("newsletter %d is %s: there is nothing to send", c.ID, c.Status)
	}
	if !settings.Current(ctx).SMTP.Configured() {
		fmt.Fprintln(env.stdout, "no mail server is set (--smtp or the Settings screen): the newsletter goes to the outbox, shown on the admin's Mail screen")
	}

	bar := newProgress(env.stdout, "")
	began := time.Now()
	done := make(chan error, 1)
	go func() {
		for {
			// Send returns when nothing is due; retries wait their backoff.
			if err := sender.Send(ctx, c.ID); err != nil {
				done <- err
				return
			}
			c, err := store.Campaign(ctx, c.ID)
			if err != nil || c.Status != newsletter.Sending {
				done <- err
				return
			}
			select {
			case <-ctx.Done():
				done <- ctx.Err()
				return
			case <-time.After(time.Second):
			}
		}
	}()
	show := func() newsletter.Progress {
		p, _ := store.Progress(context.WithoutCancel(ctx), c.ID)
		secs := time.Since(began).Seconds()
		bar.what = fmt.Sprintf("sent, %d failed, %d bounced, %.0f/s", p.Failed, p.Bounced, float64(p.Sent)/max(secs, 0.001))
		bar.update(p.Done(), p.Total)
		return p
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			p := show()
			bar.done()
			secs := time.Since(began).Seconds()
			fmt.Fprintf(env.stdout, "newsletter %d: %d sent, %d failed, %d bounced, %d skipped, %d left, in %.1fs (%.0f messages a second)\n",
				c.ID, p.Sent, p.Failed, p.Bounced, p.Skipped, p.Remaining(), secs, float64(p.Sent)/max(secs, 0.001))
			if errors.Is(err, context.Canceled) {
				return errors.New("stopped; run the same command again to finish (nobody gets it twice)")
			}
			return err
		case <-tick.C:
			show()
		}
	}
}
