package web_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// checkFeed parses a feed with a real feed parser and checks the rules the
// W3C validator applies: absolute links, RFC 822 / RFC 3339 dates, unique ids.
func checkFeed(t *testing.T, base, path, ctype, body string) {
	t.Helper()
	atom := strings.HasSuffix(path, "/atom/")
	wantType := "application/rss+xml"
	if atom {
		wantType = "application/atom+xml"
	}
	if !strings.HasPrefix(ctype, wantType) {
		t.Errorf("%s: content type %q, want %s", path, ctype, wantType)
	}
	f, err := gofeed.NewParser().ParseString(body)
	if err != nil {
		t.Fatalf("%s: feed parser: %v", path, err)
	}
	if (atom && f.FeedType != "atom") || (!atom && f.FeedType != "rss") {
		t.Errorf("%s: parsed as %s", path, f.FeedType)
	}
	if len(f.Items) == 0 {
		t.Fatalf("%s: no items", path)
	}
	if !strings.HasPrefix(f.FeedLink, base) || !strings.HasPrefix(f.Link, base) {
		t.Errorf("%s: feed links not absolute: self %q, link %q", path, f.FeedLink, f.Link)
	}
	ids := map[string]bool{}
	for _, it := range f.Items {
		if !strings.HasPrefix(it.Link, base+"/") {
			t.Errorf("%s: item link not absolute: %q", path, it.Link)
		}
		if ids[it.GUID] || it.GUID == "" {
			t.Errorf("%s: item id %q missing or repeated", path, it.GUID)
		}
		ids[it.GUID] = true
		if it.PublishedParsed == nil {
			t.Errorf("%s: item %q has no parseable date", path, it.Title)
		}
		if it.Content == "" || len(it.Authors) == 0 {
			t.Errorf("%s: item %q lacks content or author", path, it.Title)
		}
	}
	// Dates in the exact formats the specs name.
	var raw struct {
		Updated string `xml:"updated"`
		Entries []struct {
			Published string `xml:"published"`
			Updated   string `xml:"updated"`
		} `xml:"entry"`
		Channel struct {
			LastBuild string `xml:"lastBuildDate"`
			Items     []struct {
				PubDate string `xml:"pubDate"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	check := func(layout, v string) {
		if _, err := time.Parse(layout, v); err != nil {
			t.Errorf("%s: date %q not in %s", path, v, layout)
		}
	}
	if atom {
		check(time.RFC3339, raw.Updated)
		for _, e := range raw.Entries {
			check(time.RFC3339, e.Published)
			check(time.RFC3339, e.Updated)
		}
	} else {
		check(time.RFC1123Z, raw.Channel.LastBuild)
		for _, it := range raw.Channel.Items {
			check(time.RFC1123Z, it.PubDate)
		}
	}
}
