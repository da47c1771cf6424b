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
	"discussion_versions": "the discussions' counters themselves",
	"article_views":       "Most Read: time alone changes it, and pages expire after pagecache.MaxAge",
	"users INSERT":        "a new person shows on no page until they write or comment (those rows move the counter)",
	"users DELETE":        "people are never deleted in place: deletion is an UPDATE of deleted_at",
	"media INSERT":        "an upload shows on no page until an article uses it (the article's save moves the counter)",
	"settings DELETE":     "the settings row is never deleted",
	"comments UPDATE":     "covered per column: status, body and deletion move the counter, votes move the article's version",
	"user_roles UPDATE":   "roles are inserted and deleted, never updated",
	"article_tags UPDATE": "tags of an article are inserted and deleted, never updated",
	"media UPDATE":        "covered per column: the alt text is the only one pages show",
	"users UPDATE":        "covered per column: those a page shows (name, slug, country, bio, avatar, suspension, deletion)",
}

// notShown are the columns of tables whose update triggers name columns
// that no cached page shows, or that never change on their own. Every
// other column must be named by a trigger: a new column fails
// TestColumnsPagesShowMoveTheCounter until it is put in one place or the
// other.
var notShown = map[string]map[string]string{
	"comments": {
		"id": "never changes", "article_id": "never changes", "parent_id": "never changes", "author_id": "never changes",
		"created_at": "never changes", "thread_id": "set in the transaction that inserts the comment", "depth": "set with the insert",
		"path": "set in the transaction that inserts the comment", "body_md": "changes only with body_html",
		"body_text": "changes only with body_html", "rank": "changes only with up and down", "reports": "not shown",
		"spam_score": "not shown", "spam_label": "not shown", "ip": "not shown", "reply_notified": "not shown",
		"guest_name": "set with the insert (imports), never changes", "guest_url": "set with the insert (imports), never changes",
		"guest_email": "not shown", "body_hash": "not shown; changes only with body_html",
		"replies": "changes only by trigger, with an insert, a deletion or a status change of a reply, which move the counter",
	},
	"users": {
		"id": "never changes", "email": "not shown", "password_hash": "not shown", "email_verified_at": "not shown",
		"created_at": "not shown", "banned_until": "not shown", "notify_replies": "not shown", "notify_token": "not shown",
		"avatar_url":               "not shown: avatar_kind and the avatars table are",
		"comments_removal_pending": "not shown: the comments' own rows move the counter as they are removed",
		"webauthn_handle":          "not shown: it names the person to their passkeys only",
	},
	"media": {
		"id": "never changes", "filename": "never changes", "content_type": "never changes", "width": "never changes",
		"height": "never changes", "bytes": "never changes", "variants": "never changes", "uploaded_by": "not shown",
		"created_at": "never changes",
	},
}

// tablePattern finds the tables a statement reads.
var tablePattern = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)`)

// cteNames finds the names a statement gives its common table expressions.
var ctePattern = regexp.MustCompile(`(?i)(?:\bWITH(?:\s+RECURSIVE)?|,)\s*([a-z_][a-z0-9_]*)\s*(?:\([^)]*\))?\s+AS\s*(?:(?:NOT\s+)?MATERIALIZED\s*)?\(`)

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
		demoArticle + "feed/", demoArticle + "?cpage=1"}
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
	_, art := anonGet(t, srv.URL+demoArticle, nil)
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
		if !movesPages(up) {
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

// movesPages says whether a trigger's text (upper case) moves what page
// caches follow: the content counter or an article's version. Other
// counters kept beside them (the settings', the people's, the
// discussions') do not stand in for those.
func movesPages(def string) bool {
	return strings.Contains(def, "UPDATE CONTENT_VERSION SET VERSION") || strings.Contains(def, "ARTICLE_VERSIONS") ||
		strings.Contains(def, "BUMP_CONTENT_VERSION()") || strings.Contains(def, "BUMP_ARTICLE_VERSION()")
}

// A trigger that names columns moves the counter only when those change;
// every other column of its table must be one no page shows.
func TestColumnsPagesShowMoveTheCounter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		named := map[string]map[string]bool{} // table -> columns named by counter triggers
		if d.Engine == db.Postgres {
			rows, err := d.Query(ctx, `SELECT c.event_object_table, c.event_object_column, MIN(t.action_statement)
				FROM information_schema.triggered_update_columns c
				JOIN information_schema.triggers t ON t.trigger_schema = c.trigger_schema AND t.trigger_name = c.trigger_name
				WHERE c.trigger_schema = current_schema() GROUP BY 1, 2`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var table, column, action string
				if err := rows.Scan(&table, &column, &action); err != nil {
					t.Fatal(err)
				}
				if movesPages(strings.ToUpper(action)) {
					addColumn(named, table, column)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		} else {
			rows, err := d.Query(ctx, `SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%UPDATE OF%'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			of := regexp.MustCompile(`(?is)UPDATE OF (.*?) ON `)
			for rows.Next() {
				var table, def string
				if err := rows.Scan(&table, &def); err != nil {
					t.Fatal(err)
				}
				if !movesPages(strings.ToUpper(def)) {
					continue
				}
				for _, c := range strings.Split(of.FindStringSubmatch(def)[1], ",") {
					addColumn(named, table, strings.TrimSpace(c))
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		if len(named) == 0 {
			t.Fatal("no trigger names columns: the query missed them")
		}
		for table, cols := range named {
			all := columns(t, d, table)
			for _, c := range all {
				if !cols[c] && notShown[table][c] == "" {
					t.Errorf("%s.%s: a change to it moves no counter; name it in the table's trigger (a migration), or say in notShown why no page shows it", table, c)
				}
			}
			for c := range notShown[table] {
				if !slices.Contains(all, c) {
					t.Errorf("notShown lists %s.%s, which the table does not have", table, c)
				}
			}
		}
	})
}

func addColumn(m map[string]map[string]bool, table, column string) {
	if m[table] == nil {
		m[table] = map[string]bool{}
	}
	m[table][strings.ToLower(column)] = true
}

// columns lists a table's columns.
func columns(t *testing.T, d *db.DB, table string) []string {
	t.Helper()
	q := `SELECT name FROM pragma_table_info($1)`
	if d.Engine == db.Postgres {
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`
	}
	rows, err := d.Query(context.Background(), q, table)
	if err != nil {
		t.Fatal(err)
	}
	names, err := db.Collect(rows, func(r db.Scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
