package newsletter

import (
	"bytes"
	"context"
	"html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"byline/internal/article"
	"byline/internal/links"
	"byline/internal/mail"
)

// Item is one article in a newsletter.
type Item struct {
	Headline string
	URL      string
	Author   string
	Date     string
	Excerpt  string
}

// Content is a campaign as its mail shows it, the same for every
// recipient but for the links that name them.
type Content struct {
	Site      Site
	Subject   string
	Intro     []string // paragraphs
	Items     []Item
	PrefsURL  string
	UnsubURL  string
	Preheader string
}

// tokenMark stands for a recipient's token in rendered mail; each
// recipient's copy replaces it. Letters only, so no escaping changes it.
const tokenMark = "BYLINESUBSCRIBERTOKEN"

// Rendered is a campaign's mail, cut where each recipient's token goes.
type Rendered struct {
	Subject string
	text    []string
	html    []string
	unsub   string // the one-click address, with tokenMark

	subjectHeader  string
	qpText, qpHTML []string // the parts' pieces, encoded for mail
}

// Render builds a campaign's mail once, for every recipient.
func (s *Store) Render(ctx context.Context, c Campaign, site Site, loc *time.Location) (*Rendered, error) {
	content := Content{Site: site, Subject: c.Subject, PrefsURL: prefsURL(site, tokenMark), UnsubURL: prefsURL(site, tokenMark) + "#unsubscribe"}
	for _, p := range strings.Split(strings.ReplaceAll(c.Intro, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			content.Intro = append(content.Intro, p)
		}
	}
	for _, id := range c.ArticleIDs {
		a, err := s.arts.PublicByID(ctx, id)
		if err != nil {
			continue // unpublished since it was picked: leave it out
		}
		content.Items = append(content.Items, itemOf(a, site, loc))
	}
	if len(content.Items) > 0 {
		content.Preheader = content.Items[0].Headline
	} else if len(content.Intro) > 0 {
		content.Preheader = content.Intro[0]
	}
	var t, h bytes.Buffer
	if err := digestText.Execute(&t, content); err != nil {
		return nil, err
	}
	if err := digestHTML.Execute(&h, content); err != nil {
		return nil, err
	}
	r := &Rendered{Subject: c.Subject, text: strings.Split(t.String(), tokenMark), html: strings.Split(h.String(), tokenMark),
		unsub: unsubscribeURL(site, tokenMark), subjectHeader: mail.EncodeHeader(c.Subject)}
	r.qpText, r.qpHTML = encodeSegments(r.text), encodeSegments(r.html)
	return r, nil
}

func itemOf(a article.Article, site Site, loc *time.Location) Item {
	return Item{Headline: a.Headline, URL: site.BaseURL + links.Article(a.PublishedAt, a.Slug, loc), Author: a.Author.Name,
		Date: a.PublishedAt.In(loc).Format("January 2, 2006"), Excerpt: a.Excerpt}
}

func prefsURL(site Site, secret string) string {
	return site.BaseURL + "/newsletter/preferences?t=" + secret
}

func unsubscribeURL(site Site, secret string) string {
	return site.BaseURL + "/newsletter/unsubscribe?t=" + secret
}

// listHeaders are the headers of the list's mail that let mail programs
// offer a one-click unsubscribe button (RFC 8058), in the order they are
// written; a campaign (bulk) adds Precedence.
func listHeaders(unsubURL string, bulk bool) [][2]string {
	h := [][2]string{{"List-Unsubscribe", "<" + unsubURL + ">"}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}}
	if bulk {
		h = append(h, [2]string{"Precedence", "bulk"})
	}
	return h
}

// headerMap is headers as a mail.Message keeps them.
func headerMap(headers [][2]string) map[string]string {
	m := make(map[string]string, len(headers))
	for _, h := range headers {
		m[h[0]] = h[1]
	}
	return m
}

// For is one recipient's copy: their links, and the list's headers.
func (r *Rendered) For(to, secret string) mail.Message {
	return mail.Message{
		To:      to,
		Subject: r.Subject,
		Text:    strings.Join(r.text, secret),
		HTML:    strings.Join(r.html, secret),
		Headers: headerMap(r.headers(secret)),
	}
}

// headers are the list's headers of one recipient's copy.
func (r *Rendered) headers(secret string) [][2]string {
	return listHeaders(strings.ReplaceAll(r.unsub, tokenMark, secret), true)
}

// Preview is the campaign's HTML as a recipient would see it (with links
// that lead nowhere in particular).
func (r *Rendered) Preview() string { return strings.Join(r.html, "preview") }

// SendTest mails a campaign to one address (an editor's own) through the
// outbox, marked as a test.
func (s *Store) SendTest(ctx context.Context, r *Rendered, to string) error {
	m := r.For(to, "test")
	m.Subject = "[Test] " + m.Subject
	return s.mailer.Enqueue(ctx, s.db, m)
}

func confirmMail(site Site, to, secret string) mail.Message {
	link := site.BaseURL + "/newsletter/confirm?t=" + secret
	var t, h bytes.Buffer
	data := struct {
		Site Site
		Link string
	}{site, link}
	confirmText.Execute(&t, data)
	confirmHTML.Execute(&h, data)
	return mail.Message{To: to, Subject: "Confirm your subscription to " + site.Name, Text: t.String(), HTML: h.String()}
}

var confirmText = texttemplate.Must(texttemplate.New("t").Parse(`Hello,

Someone, probably you, asked to receive the {{.Site.Name}} e-newsletter at this address. To confirm, open this link:

{{.Link}}

If it was not you, ignore this mail: nothing will be sent to you, and the request is forgotten in a week.

-- 
{{.Site.Name}}
`))

var confirmHTML = template.Must(template.New("h").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Confirm your subscription</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1c1b19; max-width: 36rem; margin: 0 auto; padding: 1.5rem;">
<p style="font: 700 1.3rem Georgia, serif;">{{.Site.Name}}</p>
<p>Someone, probably you, asked to receive the {{.Site.Name}} e-newsletter at this address.</p>
<p><a href="{{.Link}}" style="display: inline-block; background: #b3261e; color: #fff; padding: .6rem 1.1rem; border-radius: 6px; text-decoration: none; font-weight: 600;">Confirm my subscription</a></p>
<p style="font-size: .9rem; color: #5e5a53;">Or paste this address into your browser:<br>{{.Link}}</p>
<p style="font-size: .9rem; color: #5e5a53;">If it was not you, ignore this mail: nothing will be sent to you, and the request is forgotten in a week.</p>
</body></html>
`))

// welcomeMail greets a subscriber whose subscription is confirmed, with
// the link to their preferences (how often, or unsubscribe).
func welcomeMail(site Site, sub Subscriber) mail.Message {
	prefs := prefsURL(site, sub.Token)
	var t, h bytes.Buffer
	data := struct {
		Site      Site
		Frequency string
		Prefs     string
	}{site, sub.Frequency, prefs}
	welcomeText.Execute(&t, data)
	welcomeHTML.Execute(&h, data)
	return mail.Message{To: sub.Email, Subject: "Welcome to the " + site.Name + " e-newsletter", Text: t.String(), HTML: h.String(),
		Headers: headerMap(listHeaders(unsubscribeURL(site, sub.Token), false))}
}

var welcomeText = texttemplate.Must(texttemplate.New("t").Parse(`Hello,

Your subscription to the {{.Site.Name}} e-newsletter is confirmed: the {{.Frequency}} digest will come to this address.

To receive it more or less often, or to unsubscribe, use your preferences page (keep this mail to find it again):

{{.Prefs}}

-- 
{{.Site.Name}}
`))

var welcomeHTML = template.Must(template.New("h").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Welcome</title></head>
<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1c1b19; max-width: 36rem; margin: 0 auto; padding: 1.5rem;">
<p style="font: 700 1.3rem Georgia, serif;">{{.Site.Name}}</p>
<p>Your subscription to the {{.Site.Name}} e-newsletter is confirmed: the {{.Frequency}} digest will come to this address.</p>
<p>To receive it more or less often, or to unsubscribe, use <a href="{{.Prefs}}">your preferences page</a> (keep this mail to find it again).</p>
<p style="font-size: .9rem; color: #5e5a53;">Or paste this address into your browser:<br>{{.Prefs}}</p>
</body></html>
`))

var digestText = texttemplate.Must(texttemplate.New("t").Parse(`{{.Site.Name}}
{{.Subject}}
{{range .Intro}}
{{.}}
{{end}}{{range .Items}}
* {{.Headline}}
  By {{.Author}}, {{.Date}}
{{- with .Excerpt}}
  {{.}}{{end}}
  {{.URL}}
{{end}}
-- 
You receive this because you subscribed to the {{.Site.Name}} e-newsletter.
Change how often, or unsubscribe: {{.PrefsURL}}
`))

var digestHTML = template.Must(template.New("h").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin: 0; padding: 0; background: #f4f1ec;">
<div style="display: none; max-height: 0; overflow: hidden;">{{.Preheader}}</div>
<div style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1c1b19; max-width: 38rem; margin: 0 auto; padding: 1.5rem; background: #ffffff;">
<p style="font: 700 1.5rem Georgia, serif; margin: 0 0 .25rem; border-bottom: 3px solid #b3261e; padding-bottom: .5rem;"><a href="{{.Site.BaseURL}}/" style="color: #1c1b19; text-decoration: none;">{{.Site.Name}}</a></p>
<h1 style="font: 600 1.15rem system-ui, sans-serif; color: #5e5a53; margin: .5rem 0 1rem;">{{.Subject}}</h1>
{{range .Intro}}<p>{{.}}</p>
{{end}}{{range .Items}}<div style="margin: 1.25rem 0; padding-top: 1rem; border-top: 1px solid #e4dfd6;">
<h2 style="font: 700 1.2rem/1.3 Georgia, serif; margin: 0 0 .25rem;"><a href="{{.URL}}" style="color: #1c1b19;">{{.Headline}}</a></h2>
<p style="margin: 0 0 .5rem; font-size: .85rem; color: #5e5a53;">By {{.Author}} · {{.Date}}</p>
{{with .Excerpt}}<p style="margin: 0 0 .5rem;">{{.}}</p>{{end}}
<p style="margin: 0;"><a href="{{.URL}}" style="color: #b3261e; font-weight: 600;">Read the article →</a></p>
</div>
{{end}}<p style="font-size: .85rem; color: #5e5a53; border-top: 1px solid #e4dfd6; padding-top: 1rem; margin-top: 2rem;">You receive this because you subscribed to the {{.Site.Name}} e-newsletter.<br>
<a href="{{.PrefsURL}}" style="color: #5e5a53;">Change how often</a> · <a href="{{.UnsubURL}}" style="color: #5e5a53;">Unsubscribe</a></p>
</div>
</body></html>
`))

// WriteMIME writes one recipient's copy as a complete message (headers, a
// text and an HTML part, quoted-printable), for senders that talk SMTP.
// The parts were encoded once for the campaign; only the token changes.
func (r *Rendered) WriteMIME(w *bytes.Buffer, from, to, secret, messageID string, date time.Time) {
	boundary := "byline-" + strings.SplitN(messageID, "@", 2)[0]
	w.WriteString("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + r.subjectHeader + "\r\nDate: " + date.Format(time.RFC1123Z) +
		"\r\nMessage-ID: <" + messageID + ">\r\nMIME-Version: 1.0\r\n")
	for _, h := range r.headers(secret) {
		w.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	w.WriteString("Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n")
	for _, p := range []struct {
		ctype string
		segs  []string
	}{{"text/plain", r.qpText}, {"text/html", r.qpHTML}} {
		w.WriteString("--" + boundary + "\r\nContent-Type: " + p.ctype + "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		for i, seg := range p.segs {
			if i > 0 {
				// Soft line breaks around the token keep every line short
				// and vanish when the part is decoded.
				w.WriteString("=\r\n" + secret + "=\r\n")
			}
			w.WriteString(seg)
		}
		w.WriteString("\r\n")
	}
	w.WriteString("--" + boundary + "--\r\n")
}

// encodeSegments quoted-printable-encodes each piece of a part.
func encodeSegments(segs []string) []string {
	out := make([]string, len(segs))
	for i, seg := range segs {
		var b bytes.Buffer
		mail.QuotedPrintable(&b, seg)
		out[i] = b.String()
	}
	return out
}
