package comment

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"byline/internal/db"
)

// The spam filter is a naive Bayes classifier that runs here, with no
// outside service: it learns from what moderators mark as spam and what
// they approve, scores each new comment, and holds the likely spam.
const (
	// SpamThreshold: a comment scoring above it waits for a moderator.
	SpamThreshold = 0.9
	// minTraining: the filter abstains until it has seen this many
	// comments of each kind.
	minTraining = 10
	// interesting: how many of the most telling tokens decide a score.
	interesting = 20
)

var linkRe = regexp.MustCompile(`https?://[^\s)\]>"']+`)

// tokens splits a comment into the features the filter counts: words,
// the domains of its links, and a few shapes (many links, shouting).
func tokens(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	links := linkRe.FindAllString(text, -1)
	for _, l := range links {
		if u, err := url.Parse(l); err == nil && u.Hostname() != "" {
			add("host:" + strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."))
		}
	}
	switch {
	case len(links) >= 3:
		add("shape:many-links")
	case len(links) > 0:
		add("shape:link")
	}
	letters, upper := 0, 0
	for _, w := range strings.FieldsFunc(linkRe.ReplaceAllString(text, " "), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '$' }) {
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
		}
		w = strings.ToLower(w)
		if n := len(w); n >= 2 && n <= 30 {
			add(w)
		}
	}
	if letters > 20 && upper*2 > letters {
		add("shape:shouting")
	}
	return out
}

// spamScore is the probability, from 0 to 1, that text is spam, or -1 when
// the filter has not learned enough to say.
func spamScore(ctx context.Context, q db.Querier, text string) (float64, error) {
	spamDocs, hamDocs, err := spamTotals(ctx, q)
	if err != nil {
		return -1, err
	}
	return scoreWith(ctx, q, text, spamDocs, hamDocs)
}

// scoreWith is spamScore with the filter's totals already read.
func scoreWith(ctx context.Context, q db.Querier, text string, spamDocs, hamDocs int) (float64, error) {
	if spamDocs < minTraining || hamDocs < minTraining {
		return -1, nil
	}
	toks := tokens(text)
	if len(toks) == 0 {
		return 0.5, nil
	}
	if len(toks) > 500 {
		toks = toks[:500]
	}
	counts, err := tokenCounts(ctx, q, toks)
	if err != nil {
		return -1, err
	}
	// Each known token's spamminess, smoothed toward 0.5 when rarely seen
	// (Robinson's method), then the most telling ones combined.
	var probs []float64
	for _, c := range counts {
		ps := float64(c.spam) / float64(spamDocs)
		ph := float64(c.ham) / float64(hamDocs)
		if ps+ph == 0 {
			continue
		}
		p := ps / (ps + ph)
		n := float64(c.spam + c.ham)
		const strength, prior = 1.0, 0.5
		probs = append(probs, (strength*prior+n*p)/(strength+n))
	}
	if len(probs) == 0 {
		return 0.5, nil
	}
	return combine(probs), nil
}

// totalsFresh is how long a node keeps the filter's totals. Every post of
// a reader not yet trusted needs them, and they move only when the filter
// learns (a moderator's verdict, an import): read once a second, they are
// not a statement per post on a busy story. What this node teaches the
// filter it sees at once (forgetTotals); another node's lesson within a
// second, which moves no score by much.
const totalsFresh = time.Second

// totalsMemo is a node's copy of the filter's totals.
type totalsMemo struct {
	mu        sync.Mutex
	read      time.Time // when they were read; zero: never
	gen       int       // moved by forgetTotals
	spam, ham int
}

// spamTotals is the filter's totals, read again when older than
// totalsFresh.
func (s *Store) spamTotals(ctx context.Context, q db.Querier) (spamDocs, hamDocs int, err error) {
	m := &s.totals
	m.mu.Lock()
	if !m.read.IsZero() && time.Since(m.read) < totalsFresh {
		spamDocs, hamDocs = m.spam, m.ham
		m.mu.Unlock()
		return spamDocs, hamDocs, nil
	}
	gen := m.gen
	m.mu.Unlock()
	start := time.Now()
	if spamDocs, hamDocs, err = spamTotals(ctx, q); err != nil {
		return 0, 0, err
	}
	m.mu.Lock()
	// Kept unless the filter learned meanwhile (what was read may be from
	// before the lesson) or a later read is kept already.
	if gen == m.gen && start.After(m.read) {
		m.read, m.spam, m.ham = start, spamDocs, hamDocs
	}
	m.mu.Unlock()
	return spamDocs, hamDocs, nil
}

// forgetTotals drops the node's copy once the filter has learned
// something (after the lesson's commit).
func (s *Store) forgetTotals() {
	s.totals.mu.Lock()
	s.totals.read = time.Time{}
	s.totals.gen++
	s.totals.mu.Unlock()
}

// spamTotals is how many comments the filter has learned as spam and as ham.
func spamTotals(ctx context.Context, q db.Querier) (spamDocs, hamDocs int, err error) {
	rows, err := q.Query(ctx, `SELECT label, docs FROM spam_totals`)
	if err != nil {
		return 0, 0, err
	}
	type total struct {
		label string
		docs  int
	}
	totals, err := db.Collect(rows, func(sc db.Scanner) (total, error) {
		var t total
		err := sc.Scan(&t.label, &t.docs)
		return t, err
	})
	for _, t := range totals {
		if t.label == "spam" {
			spamDocs = t.docs
		} else {
			hamDocs = t.docs
		}
	}
	return spamDocs, hamDocs, err
}

// tokenCount is how often a token was seen in spam and in ham.
type tokenCount struct{ spam, ham int }

// tokenCounts are the counts of those of toks the filter knows.
func tokenCounts(ctx context.Context, q db.Querier, toks []string) ([]tokenCount, error) {
	args := make([]any, len(toks))
	marks := make([]string, len(toks))
	for i, t := range toks {
		args[i] = t
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := q.Query(ctx, `SELECT spam, ham FROM spam_tokens WHERE token IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(sc db.Scanner) (tokenCount, error) {
		var c tokenCount
		err := sc.Scan(&c.spam, &c.ham)
		return c, err
	})
}

// combine is the spam probability the most telling of probs give together.
func combine(probs []float64) float64 {
	sort.Slice(probs, func(i, j int) bool { return math.Abs(probs[i]-0.5) > math.Abs(probs[j]-0.5) })
	if len(probs) > interesting {
		probs = probs[:interesting]
	}
	// Combine in log space so long comments cannot underflow.
	var logSpam, logHam float64
	for _, p := range probs {
		p = min(max(p, 0.01), 0.99)
		logSpam += math.Log(p)
		logHam += math.Log(1 - p)
	}
	return 1 / (1 + math.Exp(logHam-logSpam))
}

// train counts text as spam or ham (delta +1), or takes a count back (-1).
func train(ctx context.Context, tx *db.Tx, text, label string, delta int) error {
	col := "ham"
	if label == "spam" {
		col = "spam"
	}
	for _, t := range tokens(text) {
		if _, err := tx.Exec(ctx, `INSERT INTO spam_tokens (token, `+col+`) VALUES ($1, CASE WHEN $2 > 0 THEN $2 ELSE 0 END)
			ON CONFLICT (token) DO UPDATE SET `+col+` = CASE WHEN spam_tokens.`+col+` + $2 < 0 THEN 0 ELSE spam_tokens.`+col+` + $2 END`, t, delta); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE spam_totals SET docs = docs + $2 WHERE label = $1 AND docs + $2 >= 0`, col, delta)
	return err
}

// spamCounts is what a bulk load teaches the filter, summed: per token,
// how many ham and spam documents hold it.
type spamCounts struct {
	tokens     map[string]*[2]int // ham, spam
	order      []string
	ham, spams int
}

func (c *spamCounts) add(text, label string) {
	if label == "" || text == "" {
		return
	}
	col := 0
	if label == "spam" {
		col = 1
		c.spams++
	} else {
		c.ham++
	}
	if c.tokens == nil {
		c.tokens = map[string]*[2]int{}
	}
	for _, t := range tokens(text) {
		n, ok := c.tokens[t]
		if !ok {
			n = new([2]int)
			c.tokens[t] = n
			c.order = append(c.order, t)
		}
		n[col]++
	}
}

// write adds the sums to the filter's counts, each token once.
func (c *spamCounts) write(ctx context.Context, tx *db.Tx) error {
	// In one order, so that two loads lock the same rows in turn.
	slices.Sort(c.order)
	rows := make([][]any, 0, len(c.order))
	for _, t := range c.order {
		n := c.tokens[t]
		rows = append(rows, []any{t, n[0], n[1]})
	}
	if err := tx.InsertRows(ctx, `INSERT INTO spam_tokens (token, ham, spam)`,
		`ON CONFLICT (token) DO UPDATE SET ham = spam_tokens.ham + excluded.ham, spam = spam_tokens.spam + excluded.spam`, rows); err != nil {
		return err
	}
	for _, t := range []struct {
		label string
		n     int
	}{{"ham", c.ham}, {"spam", c.spams}} {
		if t.n == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE spam_totals SET docs = docs + $2 WHERE label = $1`, t.label, t.n); err != nil {
			return err
		}
	}
	return nil
}

// learn records a moderator's verdict on a comment, undoing an earlier
// opposite one, so each comment counts once.
func learn(ctx context.Context, tx *db.Tx, id int64, text, prev, label string) error {
	if prev == label || text == "" {
		return nil
	}
	if prev != "" {
		if err := train(ctx, tx, text, prev, -1); err != nil {
			return err
		}
	}
	if err := train(ctx, tx, text, label, 1); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE comments SET spam_label = $2 WHERE id = $1`, id, label)
	return err
}
