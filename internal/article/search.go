package article

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"strings"
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

// The two engines' full-text search differs in every clause, so each has
// its whole query here, side by side. $1 is the match expression, $2 now,
// $3 the offset. (A bound LIMIT makes SQLite prepare the statement again
// on every use, so limits are written into the text.) Snippets mark matches with \x01 ... \x02, which
// stored text never contains (markdown.Render drops control characters).
var searchSQL = map[db.Engine]string{
	db.SQLite: `SELECT ` + summaryCols + `, snippet(articles_fts, 1, char(1), char(2), '…', 40)
		FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid JOIN users u ON u.id = a.author_id
		WHERE articles_fts MATCH $1 AND ` + visibleAt(2) + `
		ORDER BY bm25(articles_fts, 4.0, 1.0), a.published_at DESC
		LIMIT ` + searchLimit + ` OFFSET $3`,
	db.Postgres: `SELECT ` + summaryCols + `,
			ts_headline('english', a.body_text, q, 'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=40, MinWords=20, MaxFragments=2, FragmentDelimiter=" … "')
		FROM articles a JOIN users u ON u.id = a.author_id, websearch_to_tsquery('english', $1) q
		WHERE a.search @@ q AND ` + visibleAt(2) + `
		ORDER BY ts_rank_cd(a.search, q) DESC, a.published_at DESC
		LIMIT ` + searchLimit + ` OFFSET $3`,
}

// countCap is how many matches a search counts at most: as many as its
// pages can show, and one more to know there are more. Counting every
// match of a common word read every article carrying it (300 ms for
// 90,000 matches on PostgreSQL), to print a number nobody pages through.
var countCap = maxSearchPage * SearchPerPage

// searchCountSQL counts the matches, up to countCap+1, for "12 results"
// (same $1, $2).
func searchCountSQL(e db.Engine) string {
	limit := ` LIMIT ` + strconv.Itoa(countCap+1) + `) m`
	if e == db.SQLite {
		return `SELECT count(*) FROM (SELECT 1 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
		WHERE articles_fts MATCH $1 AND ` + visibleAt(2) + limit
	}
	return `SELECT count(*) FROM (SELECT 1 FROM articles a, websearch_to_tsquery('english', $1) q
		WHERE a.search @@ q AND ` + visibleAt(2) + limit
}

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
	rows, err := s.db.Query(ctx, searchSQL[s.db.Engine], match, s.now(), (res.Page-1)*SearchPerPage)
	if err != nil {
		return res, fmt.Errorf("article: search %q: %w", query, err)
	}
	res.Hits, err = db.Collect(rows, func(sc db.Scanner) (Hit, error) {
		var h Hit
		var snip string
		err := scanSummary(sc, &h.Article, &snip)
		h.Snippet = markSnippet(snip)
		return h, err
	})
	if err != nil {
		return res, fmt.Errorf("article: search %q: %w", query, err)
	}
	if len(res.Hits) > SearchPerPage {
		res.Hits, res.HasNext = res.Hits[:SearchPerPage], true
	}
	// The count is needed only when the page does not tell it by itself.
	switch {
	case res.Page == 1 && !res.HasNext:
		res.Total = len(res.Hits)
	default:
		if err := s.db.QueryRow(ctx, searchCountSQL(s.db.Engine), match, s.now()).Scan(&res.Total); err != nil {
			return res, fmt.Errorf("article: count matches of %q: %w", query, err)
		}
		if res.Total > countCap {
			res.Total, res.More = countCap, true
		}
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
