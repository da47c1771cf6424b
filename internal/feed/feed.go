// Package feed writes RSS 2.0 and Atom 1.0 documents from one description
// of a feed, with absolute links, RFC 822 / RFC 3339 dates and stable ids.
package feed

import (
	"encoding/xml"
	"io"
	"strings"
	"time"
)

// Feed describes a feed; every URL in it must be absolute.
type Feed struct {
	Title    string
	Subtitle string
	Link     string // the HTML page the feed follows
	Self     string // the feed's own URL
	Updated  time.Time
	Language string
	Items    []Item
}

// Item is one entry.
type Item struct {
	Title      string
	Link       string
	ID         string // a permanent, unique URI (the permalink is fine)
	Published  time.Time
	Updated    time.Time
	Author     string
	AuthorURL  string
	Summary    string // plain text
	Content    string // HTML
	Categories []string
}

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Content string     `xml:"xmlns:content,attr"`
	DC      string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Self          atomLink  `xml:"atom:link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	Generator     string    `xml:"generator"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title      string   `xml:"title"`
	Link       string   `xml:"link"`
	GUID       rssGUID  `xml:"guid"`
	PubDate    string   `xml:"pubDate"`
	Creator    string   `xml:"dc:creator,omitempty"`
	Categories []string `xml:"category"`
	Desc       string   `xml:"description"`
	Content    cdata    `xml:"content:encoded"`
}

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

// RSS writes f as RSS 2.0.
func RSS(w io.Writer, f Feed) error {
	doc := rss{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Content: "http://purl.org/rss/1.0/modules/content/",
		DC: "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{Title: f.Title, Link: f.Link, Description: f.Subtitle, Language: f.Language,
			Self:      atomLink{Href: f.Self, Rel: "self", Type: "application/rss+xml"},
			Generator: "Byline"}}
	if doc.Channel.Description == "" {
		doc.Channel.Description = f.Title
	}
	if !f.Updated.IsZero() {
		doc.Channel.LastBuildDate = f.Updated.UTC().Format(time.RFC1123Z)
	}
	for _, it := range f.Items {
		doc.Channel.Items = append(doc.Channel.Items, rssItem{Title: it.Title, Link: it.Link,
			GUID: rssGUID{IsPermaLink: it.ID == it.Link, Value: it.ID}, PubDate: it.Published.UTC().Format(time.RFC1123Z),
			Creator: it.Author, Categories: it.Categories, Desc: it.Summary, Content: cdata{xmlChars(it.Content)}})
	}
	return write(w, doc)
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr,omitempty"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	ID       string      `xml:"id"`
	Updated  string      `xml:"updated"`
	Links    []atomLink  `xml:"link"`
	Gen      string      `xml:"generator"`
	Entries  []atomEntry `xml:"entry"`
}

type atomEntry struct {
	Title      string         `xml:"title"`
	Links      []atomLink     `xml:"link"`
	ID         string         `xml:"id"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Author     atomPerson     `xml:"author"`
	Categories []atomCategory `xml:"category"`
	Summary    string         `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

// Atom writes f as Atom 1.0.
func Atom(w io.Writer, f Feed) error {
	updated := f.Updated
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	doc := atomFeed{Lang: f.Language, Title: f.Title, Subtitle: f.Subtitle, ID: f.Self, Gen: "Byline",
		Updated: updated.UTC().Format(time.RFC3339),
		Links: []atomLink{{Href: f.Link, Rel: "alternate", Type: "text/html"},
			{Href: f.Self, Rel: "self", Type: "application/atom+xml"}}}
	for _, it := range f.Items {
		up := it.Updated
		if up.IsZero() || up.Before(it.Published) {
			up = it.Published
		}
		e := atomEntry{Title: it.Title, ID: it.ID, Published: it.Published.UTC().Format(time.RFC3339),
			Updated: up.UTC().Format(time.RFC3339), Author: atomPerson{Name: it.Author, URI: it.AuthorURL},
			Links:   []atomLink{{Href: it.Link, Rel: "alternate", Type: "text/html"}},
			Summary: it.Summary, Content: atomText{Type: "html", Value: it.Content}}
		for _, c := range it.Categories {
			e.Categories = append(e.Categories, atomCategory{Term: c})
		}
		doc.Entries = append(doc.Entries, e)
	}
	return write(w, doc)
}

func write(w io.Writer, doc any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlChars drops characters XML 1.0 forbids; encoding/xml escapes text
// but copies CDATA as it is.
func xmlChars(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
}
