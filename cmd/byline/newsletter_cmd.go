package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"byline/internal/article"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

// runNewsletterSend sends a campaign (or a digest made now) in the
// foreground with a progress bar, and prints its report. Stopped (Ctrl-C,
// a crash), it resumes where it was the next time, from this command or a
// server: nobody gets the campaign twice.
func runNewsletterSend(ctx context.Context, env *environment, args []string) error {
	var f newsletterSendFlags
	cfg, d, _, err := openCommand(ctx, env, "newsletter send", args, f.define(env), f.check)
	if err != nil {
		return err
	}
	defer d.Close()
	log := newLogger(env, cfg)
	settings, err := f.settings(d, cfg, log)
	if err != nil {
		return err
	}
	outbox := mail.NewOutbox(d, "").WithDomain(func(ctx context.Context) string { return mail.HostOf(settings.Current(ctx).BaseURL) })
	articles := article.NewStore(d)
	store, _ := newsletterParts(d, outbox, articles, settings, cfg.Location, log)
	sender := newsletter.NewSender(store, f.config(settings, cfg.Location), log)
	id, err := f.campaignID(ctx, store, articles, settings, cfg.Location)
	if err != nil {
		return err
	}
	if err := startSending(ctx, store, id); err != nil {
		return err
	}
	if !settings.Current(ctx).SMTP.Configured() {
		fmt.Fprintln(env.stdout, "no mail server is set (--smtp or the Settings screen): the newsletter goes to the outbox, shown on the admin's Mail screen")
	}
	return sendWithProgress(ctx, env.stdout, store, sender, id)
}

// newsletterSendFlags are the command's own flags.
type newsletterSendFlags struct {
	campaign                 int64
	digest, smtpURL, baseURL string
	rate, conc               int
	lease                    time.Duration
}

func (f *newsletterSendFlags) define(env *environment) func(fs *flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		fs.Int64Var(&f.campaign, "campaign", 0, "the newsletter to send (its number on the admin's Newsletter screen)")
		fs.StringVar(&f.digest, "digest", "", "instead, make a digest now of the articles of the last day (daily) or week (weekly) and send it to those readers")
		fs.IntVar(&f.rate, "rate", -1, "messages per second, 0 for no limit (default: the Newsletter screen's setting)")
		fs.IntVar(&f.conc, "concurrency", 0, "connections to the mail server (default: the Newsletter screen's setting)")
		fs.DurationVar(&f.lease, "lease", 0, "how long a claimed batch is reserved before another sender may take it over (default 30s)")
		fs.StringVar(&f.smtpURL, "smtp", env.getenv("BYLINE_SMTP"), "mail server, as for serve (env BYLINE_SMTP; default: the Settings screen's)")
		fs.StringVar(&f.baseURL, "base-url", env.getenv("BYLINE_BASE_URL"), "the site's public address for links in the mail (env BYLINE_BASE_URL; default: the Settings screen's)")
	}
}

// check refuses flags that do not go together, before the database is
// opened.
func (f *newsletterSendFlags) check(rest []string) error {
	if (f.campaign == 0) == (f.digest == "") {
		return usageError{"give --campaign N or --digest daily|weekly"}
	}
	if f.digest != "" && f.digest != newsletter.Daily && f.digest != newsletter.Weekly {
		return usageError{fmt.Sprintf("--digest %q: use daily or weekly", f.digest)}
	}
	if f.baseURL != "" {
		if u, err := url.Parse(f.baseURL); err != nil || u.Host == "" {
			return usageError{fmt.Sprintf("--base-url %q is not an absolute address", f.baseURL)}
		}
	}
	return noArgs(rest)
}

// settings are the site's, with the mail server of --smtp if given.
func (f *newsletterSendFlags) settings(d *db.DB, cfg *config.Config, log *slog.Logger) (*site.Cache, error) {
	baseURL := f.baseURL
	if baseURL == "" {
		baseURL = "http://localhost:8080"
	}
	settings := site.NewCache(site.NewStore(d), site.Defaults(cfg.SiteName, cfg.Tagline), baseURL, log)
	if f.smtpURL != "" {
		smtp, err := mail.ParseURL(f.smtpURL)
		if err != nil {
			return nil, usageError{err.Error()}
		}
		settings.SMTPOverride = smtp
	}
	return settings, nil
}

// config is the sender's configuration: the settings', but for the rate,
// concurrency and lease given as flags.
func (f *newsletterSendFlags) config(settings *site.Cache, loc *time.Location) func(ctx context.Context) newsletter.Config {
	return func(ctx context.Context) newsletter.Config {
		st := settings.Current(ctx)
		c := newsletter.Config{SMTP: st.SMTP, Rate: float64(st.NewsletterRate), Concurrency: st.NewsletterConc,
			Site: newsletter.Site{Name: st.Name, BaseURL: st.BaseURL}, Location: loc, MessageHost: mail.HostOf(st.BaseURL), Lease: f.lease}
		if f.rate >= 0 {
			c.Rate = float64(f.rate)
		}
		if f.conc > 0 {
			c.Concurrency = f.conc
		}
		return c
	}
}

// campaignID is the campaign to send: --campaign's, or a digest of the
// last day's or week's articles made now for --digest.
func (f *newsletterSendFlags) campaignID(ctx context.Context, store *newsletter.Store, articles *article.Store, settings *site.Cache, loc *time.Location) (int64, error) {
	if f.digest == "" {
		return f.campaign, nil
	}
	span := 24 * time.Hour
	if f.digest == newsletter.Weekly {
		span *= 7
	}
	page, err := articles.List(ctx, article.ListQuery{From: time.Now().Add(-span), Limit: 50})
	if err != nil {
		return 0, err
	}
	var ids []int64
	for _, a := range page.Articles {
		ids = append(ids, a.ID)
	}
	subject := fmt.Sprintf("%s: your %s digest, %s", settings.Current(ctx).Name, f.digest, time.Now().In(loc).Format("January 2, 2006"))
	c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: subject, Audience: f.digest, ArticleIDs: ids})
	if err != nil {
		return 0, describe(err)
	}
	return c.ID, nil
}

// startSending starts a draft or scheduled campaign now; one being sent is
// taken up where it is.
func startSending(ctx context.Context, store *newsletter.Store, id int64) error {
	c, err := store.Campaign(ctx, id)
	if err != nil {
		return describe(err)
	}
	switch c.Status {
	case newsletter.Draft, newsletter.Scheduled:
		return store.StartNow(ctx, c.ID)
	case newsletter.Sending:
		return nil
	default:
		return fmt.Errorf("newsletter %d is %s: there is nothing to send", c.ID, c.Status)
	}
}

// sendWithProgress sends the campaign until nothing of it is left to send
// or ctx ends, drawing a progress bar, and prints the report.
func sendWithProgress(ctx context.Context, out io.Writer, store *newsletter.Store, sender *newsletter.Sender, id int64) error {
	bar := newProgress(out, "")
	began := time.Now()
	done := make(chan error, 1)
	go func() { done <- sendUntilDone(ctx, store, sender, id) }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			p, perr := showProgress(ctx, bar, store, id, began)
			bar.done()
			if perr != nil {
				return errors.Join(err, perr)
			}
			secs := time.Since(began).Seconds()
			fmt.Fprintf(out, "newsletter %d: %d sent, %d failed, %d bounced, %d skipped, %d left, in %.1fs (%.0f messages a second)\n",
				id, p.Sent, p.Failed, p.Bounced, p.Skipped, p.Remaining(), secs, float64(p.Sent)/max(secs, 0.001))
			if errors.Is(err, context.Canceled) {
				return errors.New("stopped; run the same command again to finish (nobody gets it twice)")
			}
			return err
		case <-tick.C:
			showProgress(ctx, bar, store, id, began) // a reading that failed leaves the bar as it was; the last one is reported
		}
	}
}

// sendUntilDone sends the campaign until it is no longer being sent. Send
// returns when nothing is due; retries wait their backoff, so it looks
// again every second.
func sendUntilDone(ctx context.Context, store *newsletter.Store, sender *newsletter.Sender, id int64) error {
	for {
		if err := sender.Send(ctx, id); err != nil {
			return err
		}
		c, err := store.Campaign(ctx, id)
		if err != nil || c.Status != newsletter.Sending {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// showProgress draws where the campaign stands (also once ctx ended: the
// report is printed after a stop).
func showProgress(ctx context.Context, bar *progress, store *newsletter.Store, id int64, began time.Time) (newsletter.Progress, error) {
	p, err := store.Progress(context.WithoutCancel(ctx), id)
	if err != nil {
		return p, fmt.Errorf("newsletter %d: its progress: %w", id, err)
	}
	secs := time.Since(began).Seconds()
	bar.what = fmt.Sprintf("sent, %d failed, %d bounced, %.0f/s", p.Failed, p.Bounced, float64(p.Sent)/max(secs, 0.001))
	bar.update(p.Done(), p.Total)
	return p, nil
}
