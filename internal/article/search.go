package article

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"

	"byline/internal/db"
)

// Hit is one search result.
type Hit struct {
	Article
	// Snippet is HTML: escaped text with the matched words in <mark>.
	Snippet string
}

// SearchPage is one page of results.
type SearchPage struct {
	Query   string
	Hits    []Hit
	Page    int
	HasNext bool
	Total   int  // matches in all pages, counted up to countCap
	More    bool // more than Total match
}

// SearchPerPage is how many results a page shows.
const SearchPerPage = 10

// searchLimit reads one more than a page, to know if another follows.
var searchLimit = strconv.Itoa(SearchPerPage + 1)

// maxSearchPage bounds how deep offset pagination may go.
const maxSearchPage = 50

// Ranking every match costs as much as there are matches (ts_rank_cd read
// and scored 5,405 articles for "hybrid" on a site of 100,000: 76 ms), so
// search works as news sites' search does: it takes the matches newest
// first, ranks only the newest searchPool of them (headline matches first,
// then the engine's relevance, then the newer), and lists the older ones
// after them, newest first. The same pass counts the matches, so no second
// query reads them again for "12 results".
var searchPool = 50

// The two engines' full-text search differs in every clause, so each has
// its whole query here, side by side. $1 is the match expression, $2 now,
// $3 the offset, $4 how many matches to read newest first (the pool, or as
// far as the page reaches), $5 the pool; SQLite's $6 is $1 limited to the
// headline. (A bound LIMIT makes SQLite prepare the statement again on
// every use, so its page limit is written into the text; $4 and $5 are
// compared with row numbers instead.) Snippets mark matches with \x01 ...
// \x02, which stored text never contains (markdown.Render drops control
// characters). Each row carries the number of matches.
var searchSQL = map[db.Engine]string{
	db.SQLite: `WITH hits AS MATERIALIZED (
			SELECT a.id, row_number() OVER (ORDER BY a.published_at DESC, a.id DESC) AS n, count(*) OVER () AS total
			FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
			WHERE articles_fts MATCH $1 AND ` + visibleAt(2) + `),
		pool AS MATERIALIZED (SELECT id FROM hits WHERE n <= $5),
		scored AS MATERIALIZED (
			SELECT rowid AS id, bm25(articles_fts, 4.0, 1.0) AS score FROM articles_fts
			WHERE articles_fts MATCH $1 AND rowid IN (SELECT id FROM pool)),
		titled AS MATERIALIZED (
			SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH $6 AND rowid IN (SELECT id FROM pool))
		SELECT ` + summaryCols + `, snippet(articles_fts, 1, char(1), char(2), '…', 40), h.total
		FROM articles_fts JOIN hits h ON h.id = articles_fts.rowid JOIN articles a ON a.id = h.id JOIN users u ON u.id = a.author_id
		LEFT JOIN scored r ON r.id = h.id
		WHERE articles_fts MATCH $1 AND h.n <= $4
		ORDER BY h.n > $5, h.id NOT IN (SELECT id FROM titled), r.score, h.n
		LIMIT ` + searchLimit + ` OFFSET $3`,
	// All matches are read before the newest are taken (matches, then
	// hits): with the LIMIT beside the count, the planner walks the date
	// index testing each article, 13 s cold on 100,000 articles. They are
	// read from article_search, a narrow copy of the articles' status,
	// date and tsvector kept by triggers (migration 0037): a match read
	// there is a few dozen bytes, where an articles row is kilobytes.
	// The page's rows are chosen first (page) and only they get a snippet
	// (not the one read to know a next page follows): with ts_headline
	// beside the OFFSET, page 5 drew 51 snippets to show 10. A headline
	// match is read from the stored vector's headline words (weight A),
	// not found by parsing each headline again.
	db.Postgres: `WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', $1) AS q, ` + snippetNear + ` AS near, $2::timestamptz AS now),
		matches AS MATERIALIZED (
			SELECT a.article_id AS id, a.published_at FROM article_search a, q
			WHERE a.search @@ q.q AND /*visible*/` + visibleAt(2) + `/*visible*/),
		hits AS MATERIALIZED (
			SELECT id, published_at, count(*) OVER () AS total FROM matches
			ORDER BY published_at DESC, id DESC LIMIT $4),
		pool AS MATERIALIZED (SELECT id FROM hits ORDER BY published_at DESC, id DESC LIMIT $5),
		page AS MATERIALIZED (
			SELECT id, total, ord FROM (
				SELECT h.id, h.total, row_number() OVER (ORDER BY p.id IS NOT NULL DESC,
					CASE WHEN p.id IS NOT NULL THEN ts_filter(a.search, '{a}') @@ q.q END DESC,
					CASE WHEN p.id IS NOT NULL THEN ts_rank_cd(a.search, q.q) END DESC,
					h.published_at DESC, h.id DESC) AS ord
				FROM hits h JOIN articles a ON a.id = h.id CROSS JOIN q LEFT JOIN pool p ON p.id = h.id) ranked
			WHERE ord > $3 ORDER BY ord LIMIT ` + searchLimit + `)
		SELECT ` + summaryCols + `,
			CASE WHEN pg.ord <= $3 + ` + strconv.Itoa(SearchPerPage) + ` THEN
				ts_headline('english', ` + snippetText + `, q.q, 'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "')
				ELSE '' END,
			pg.total
		FROM page pg JOIN articles a ON a.id = pg.id JOIN users u ON u.id = a.author_id CROSS JOIN q
		ORDER BY pg.ord`,
}

// snippetText is the part of an article's text PostgreSQL draws a
// snippet from, and snippetNear what it is found by: ts_headline parses
// all the text it is given, a millisecond and a half for a page of long
// articles. It is given 600 characters, from about 20 words before the
// first place the query's first searched word (its stem, as the search
// matched it: not a stop word, not a word excluded with "-") appears, cut
// to five letters so "batteries" (batteri) finds "battery" too: room for
// its two fragments of up to 40 words (1,500 characters cost 0.6 ms more
// a page of ten on the large site). A stem shorter than four letters, or
// one the text does not hold as written, gets the whole text, as before.
const (
	snippetNear = `(SELECT left(l, 5) FROM substring(querytree(websearch_to_tsquery('english', $1)) from '(?:^|[^!])''([^'']{4,})''') AS l)`
	snippetText = `CASE WHEN strpos(lower(a.body_text), q.near) > 0
		THEN substr(a.body_text, greatest(1, strpos(lower(a.body_text), q.near) - 120), 600) ELSE a.body_text END`
)

// searchWindowSQL is PostgreSQL's search of the matches published from
// from to newest (the newest visible article). Reading the matches newest
// first reads every one (PostgreSQL's full-text index knows no dates):
// 5,405 rows scattered over a table larger than its cache for "hybrid".
// Bounded by dates, the full-text index and the date index are intersected
// before any row is read.
//
// The dates are written into the text, not passed: a prepared statement
// gets, from its sixth run, a plan made for any values, and with the dates
// as values that plan walked the date index (110 ms), so each search was
// planned anew (1 ms of the large site's 6). Written in, they let that
// plan intersect the indexes as a plan made for them does, and the text
// changes only when an article is published. "Visible" is then "at most
// as new as the newest visible article", the same articles; now ($2) is
// still named in q, unused, so the statement has the same values.
func searchWindowSQL(from, newest time.Time) string {
	return strings.Replace(searchSQL[db.Postgres], "/*visible*/"+visibleAt(2)+"/*visible*/", spanVisible(from, newest), 1)
}

// searchWindows are the spans back from the newest article within which
// PostgreSQL looks first; a span is taken when it holds more matches than
// the count reports (so it holds the pages' matches, and the count is
// "more than"), else the next, and at last the whole archive. A rare word
// so costs a few small reads, a common one the rows of one span. An
// archive younger than the widest span is read whole at once.
var searchWindows = []time.Duration{90 * 24 * time.Hour, 2 * 365 * 24 * time.Hour}

// searchSpanSQL counts, for each span starting at one of starts and
// ending at newest, its matches up to limit: one statement reading the
// narrow article_search, so ruling a span out costs a fraction of a
// search. The dates and the limit are written in, as in searchWindowSQL:
// with them as values, the plan made for any values walked the date index
// testing each article against the query, expecting the limit to stop it
// early (41 ms for two years of the large site, against 1 ms).
func searchSpanSQL(starts []time.Time, newest time.Time, limit int) string {
	var counts []string
	for _, from := range starts {
		counts = append(counts, `(SELECT count(*) FROM (SELECT 1 FROM article_search a, q
			WHERE a.search @@ q.q AND `+spanVisible(from, newest)+` LIMIT `+strconv.Itoa(limit)+`) span)`)
	}
	return `WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', $1) AS q) SELECT ` + strings.Join(counts, ", ")
}

// spanVisible is visible for the articles published from from to newest,
// the newest visible article: the same articles, the dates written in.
func spanVisible(from, newest time.Time) string {
	lit := func(t time.Time) string { return "'" + t.UTC().Format(time.RFC3339Nano) + "'" }
	return strings.Replace(visible, "a.published_at <= $1", "a.published_at BETWEEN "+lit(from)+" AND "+lit(newest), 1)
}

// searchSpan is where PostgreSQL's search first reads its matches from:
// the start of the narrowest span holding more matches than the count
// reports, or else of the widest span (whose search says whether it held
// enough; if not, the whole archive is searched). The narrower spans are
// counted first, in one statement; the widest is not, as its search
// counts it anyway. The zero time means the whole archive: no spans, or
// an archive younger than the widest (spans would only add queries).
func (s *Store) searchSpan(ctx context.Context, match string, now time.Time) (from, newest time.Time, err error) {
	if len(searchWindows) == 0 {
		return time.Time{}, time.Time{}, nil
	}
	var first, last sql.NullTime
	if err := s.db.QueryRow(ctx, `SELECT min(a.published_at), max(a.published_at) FROM articles a WHERE `+visibleAt(1), now).Scan(&first, &last); err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("archive dates: %w", err)
	}
	newest = last.Time
	widest := searchWindows[len(searchWindows)-1]
	if !last.Valid || !first.Time.Before(newest.Add(-widest)) {
		return time.Time{}, time.Time{}, nil
	}
	narrower := searchWindows[:len(searchWindows)-1]
	if len(narrower) > 0 {
		starts := make([]time.Time, len(narrower))
		counts := make([]any, len(narrower))
		for i, span := range narrower {
			starts[i] = newest.Add(-span)
			counts[i] = new(int)
		}
		if err := s.db.QueryRow(ctx, searchSpanSQL(starts, newest, countCap+1), match).Scan(counts...); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("spans: %w", err)
		}
		for i := range narrower {
			if *counts[i].(*int) > countCap {
				return starts[i], newest, nil
			}
		}
	}
	return newest.Add(-widest), newest, nil
}

// countCap is how many matches a search reports at most: as many as its
// pages can show; past it the page says "more than".
var countCap = maxSearchPage * SearchPerPage

// Search finds public articles matching what a person typed, best first.
// Any text is accepted: words are matched, punctuation and operators are
// taken literally, so no query can fail to parse.
func (s *Store) Search(ctx context.Context, query string, page int) (SearchPage, error) {
	query = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(query, ""))
	query = strings.Join(strings.Fields(query), " ")
	if len([]rune(query)) > 200 {
		query = string([]rune(query)[:200])
	}
	res := SearchPage{Query: query, Page: max(page, 1)}
	if res.Page > maxSearchPage {
		return res, nil
	}
	match := query
	if s.db.Engine == db.SQLite {
		match = fts5Query(query)
	}
	if match == "" {
		return res, nil
	}
	now := s.now()
	offset := (res.Page - 1) * SearchPerPage
	need := max(searchPool, offset+SearchPerPage+1)
	args := []any{match, now, offset, need, searchPool}
	run := func(q string, args ...any) error {
		rows, err := s.db.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("article: search %q: %w", query, err)
		}
		res.Total = 0
		res.Hits, err = db.Collect(rows, func(sc db.Scanner) (Hit, error) {
			var h Hit
			var snip string
			err := scanSummary(sc, &h.Article, &snip, &res.Total)
			h.Snippet = markSnippet(snip)
			return h, err
		})
		if err != nil {
			return fmt.Errorf("article: search %q: %w", query, err)
		}
		return nil
	}
	found := false
	if s.db.Engine == db.Postgres {
		from, newest, err := s.searchSpan(ctx, match, now)
		if err != nil {
			return res, fmt.Errorf("article: search %q: %w", query, err)
		}
		if !from.IsZero() {
			if err := run(searchWindowSQL(from, newest), args...); err != nil {
				return res, err
			}
			found = res.Total > countCap && res.Total >= need
		}
	}
	if !found {
		if s.db.Engine == db.SQLite {
			args = append(args, "headline : ("+match+")")
		}
		if err := run(searchSQL[s.db.Engine], args...); err != nil {
			return res, err
		}
	}
	if len(res.Hits) > SearchPerPage {
		res.Hits, res.HasNext = res.Hits[:SearchPerPage], true
	}
	if res.Total > countCap {
		res.Total, res.More = countCap, true
	}
	return res, nil
}

// fts5Query turns typed text into an FTS5 expression that cannot be a
// syntax error: every word becomes a quoted string (all must match), and
// the last one also matches as a prefix, so "infin" finds "Infiniti".
func fts5Query(q string) string {
	var terms []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	if len(terms) == 0 {
		return ""
	}
	if len(terms) > 16 {
		terms = terms[:16]
	}
	terms[len(terms)-1] += "*"
	return strings.Join(terms, " ")
}

// markSnippet escapes a snippet and turns the match markers into <mark>.
func markSnippet(s string) string {
	// Text indexed before plain text unescaped the typographer's entities
	// still holds "&rsquo;": unescape first, so it is shown as the character.
	s = html.EscapeString(html.UnescapeString(s))
	var b strings.Builder
	open := false
	for _, r := range s {
		switch r {
		case '\x01':
			if !open {
				b.WriteString("<mark>")
				open = true
			}
		case '\x02':
			if open {
				b.WriteString("</mark>")
				open = false
			}
		default:
			b.WriteRune(r)
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}
