package newsletter

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"byline/internal/dbtest"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
)

// BenchmarkSend sends campaigns to 2,000 confirmed subscribers through a
// real SMTP server on 127.0.0.1 (which counts and drops them), on SQLite.
// The full-size figure (100,000, through `byline serve`) comes from
// `make bench-newsletter`.
//
//	go test -run '^$' -bench Send -benchmem ./internal/newsletter/
func BenchmarkSend(b *testing.B) {
	const n = 2000
	ctx := context.Background()
	d := dbtest.SQLite(b)
	f := &fixture{d: d}
	f.s = NewStore(d, mail.NewOutbox(d, "news.test"), nil)
	var csv strings.Builder
	csv.WriteString("email,consent\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "r%d@example.com,yes\n", i)
	}
	if _, err := f.s.Import(ctx, strings.NewReader(csv.String()), "bench"); err != nil {
		b.Fatal(err)
	}
	smtp := mailtest.Start(b)
	smtp.CountOnly()
	cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "news@news.test"}, Concurrency: 8, Site: site}
	sender := NewSender(f.s, func(context.Context) Config { return cfg }, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := f.s.CreateDraft(ctx, 0, Compose{Subject: "Bench", Intro: strings.Repeat("A paragraph of news. ", 200)})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.s.StartNow(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
		if err := sender.Send(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "msgs/s")
}
