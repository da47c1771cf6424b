package web_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// Cached pages stay fresh by one path: the database's triggers move the
// content counter (or, for a vote, the article's version), and every node
// follows those counters. So every table a cached public page reads needs
// triggers for each kind of change, or a reason here why that kind of
// change cannot alter a page.
var noTrigger = map[string]string{
	"content_version":     "the counter itself",
	"article_versions":    "the articles' counters themselves",
	"article_views":       "Most Read: time alone changes it, and pages expire after pagecache.MaxAge",
	"users INSERT":        "a new person shows on no page until they write or comment (those rows move the counter)",
	"users DELETE":        "people are never deleted in place: deletion is an UPDATE of deleted_at",
	"tags INSERT":         "a new tag shows on no page until an article carries it (article_tags moves the counter)",
	"tags DELETE":         "a tag is removed only with its last article_tags row, which moves the counter",
	"media INSERT":        "an upload shows on no page until an article uses it (the article's save moves the counter)",
	"settings DELETE":     "the settings row is never deleted",
	"comments UPDATE":     "covered per column: status, body and deletion move the counter, votes move the article's version",
	"user_roles UPDATE":   "roles are inserted and deleted, never updated",
	"article_tags UPDATE": "tags of an article are inserted and deleted, never updated",
	"media UPDATE":        "covered per column: the alt text is the only one pages show",
	"users UPDATE":        "covered per column: those a page shows (name, slug, country, bio, avatar, suspension, deletion)",
}

// tablePattern finds the tables a statement reads.
var tablePattern = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)`)

// cteNames finds the names a statement gives its common table expressions.
var ctePattern = regexp.MustCompile(`(?i)(?:\bWITH(?:\s+RECURSIVE)?|,)\s*([a-z_][a-z0-9_]*)\s*(?:\([^)]*\))?\s+AS\s*\(`)

func TestEveryTableAPublicPageReadsKeepsItFresh(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, ts := serveSite(t, d, "")
	read := map[string]bool{}
	d.Trace(func(q string) {
		ctes := map[string]bool{}
		for _, m := range ctePattern.FindAllStringSubmatch(q, -1) {
			ctes[strings.ToLower(m[1])] = true
		}
		for _, m := range tablePattern.FindAllStringSubmatch(q, -1) {
			if name := strings.ToLower(m[1]); !ctes[name] && name != "json_each" {
				read[name] = true
			}
		}
	})
	defer d.Trace(nil)

	// The pages: everything the sitemap lists, and the pages it does not
	// (archives, feeds, the catalogue, threads).
	_, sitemap := anonGet(t, srv.URL+"/sitemap.xml", nil)
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(sitemap), &set); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/feed/", "/feed/atom/", "/comments/feed/", "/2012/", "/2012/04/", "/2012/04/05/", "/cars/", "/cars/quote",
		infiniti + "feed/", infiniti + "?cpage=1"}
	for _, u := range set.URLs {
		loc, err := url.Parse(u.Loc)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, loc.Path)
		if strings.HasPrefix(loc.Path, "/tag/") || strings.HasPrefix(loc.Path, "/author/") {
			paths = append(paths, loc.Path+"feed/")
		}
	}
	_, home := anonGet(t, srv.URL+"/cars/", nil)
	for _, m := range regexp.MustCompile(`href="(/cars/[a-z0-9-]+/(?:[a-z0-9-]+/)?)"`).FindAllStringSubmatch(home, 6) {
		paths = append(paths, m[1])
	}
	_, art := anonGet(t, srv.URL+infiniti, nil)
	if m := regexp.MustCompile(`href="(/comments/\d+/thread)"`).FindStringSubmatch(art); m != nil {
		paths = append(paths, m[1])
	}
	sort.Strings(paths)
	paths = slices.Compact(paths)
	ts.cache.Clear()
	for _, p := range paths {
		before := ts.cache.Stats().Entries
		if resp, _ := anonGet(t, srv.URL+p, nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if ts.cache.Stats().Entries == before {
			t.Errorf("%s was not cached: it does not belong in this list", p)
		}
	}
	if len(read) < 10 {
		t.Fatalf("the pages read only %v: the trace missed them", read)
	}

	// The triggers each engine has, by table and kind of change.
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		have := triggers(t, d)
		var missing []string
		for table := range read {
			if _, ok := noTrigger[table]; ok {
				continue
			}
			for _, kind := range []string{"INSERT", "UPDATE", "DELETE"} {
				if have[table+" "+kind] {
					continue
				}
				if _, ok := noTrigger[table+" "+kind]; !ok {
					missing = append(missing, table+" "+kind)
				}
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("public pages read these tables, but these changes reach no cache (add a trigger in a migration, or say why in noTrigger): %v", missing)
		}
	})
}

// triggers lists "table KIND" for every trigger that moves a counter
// (whole-table triggers; those on some columns only are listed too, their
// columns are the noTrigger reasons').
func triggers(t *testing.T, d *db.DB) map[string]bool {
	t.Helper()
	ctx := context.Background()
	q := `SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`
	if d.Engine == db.Postgres {
		q = `SELECT event_object_table, event_manipulation || ' ' || action_statement FROM information_schema.triggers WHERE trigger_schema = current_schema()`
	}
	rows, err := d.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var table, def string
		if err := rows.Scan(&table, &def); err != nil {
			t.Fatal(err)
		}
		up := strings.ToUpper(def)
		if !strings.Contains(up, "CONTENT_VERSION") && !strings.Contains(up, "ARTICLE_VERSION") {
			continue
		}
		for _, kind := range []string{"INSERT", "UPDATE", "DELETE"} {
			if strings.Contains(up, "AFTER "+kind) || strings.Contains(up, "OR "+kind) || strings.HasPrefix(up, kind+" ") {
				have[table+" "+kind] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return have
}
