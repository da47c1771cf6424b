package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"byline/internal/comment"
	"byline/internal/markdown"
)

// loadSize is how much load adds.
type loadSize struct {
	Articles, Comments, Readers int
}

// loadStats is what load did and how long it took.
type loadStats struct {
	rows, comments        int64
	copyTime, commentTime time.Duration
	analyzeTime           time.Duration
}

// Generated articles fall in the ten years before the demo's first one, so
// they are the site's archive and the demo's pages stay what they were.
var (
	archiveStart = time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
	archiveEnd   = time.Date(2011, 12, 31, 0, 0, 0, 0, time.UTC)
)

// maxDepth is the deepest reply generated (the demo's big thread nests 8
// levels: depths 0 to 7).
const maxDepth = 7

// commentBatch is how many comments one COPY writes: each COPY is its own
// transaction, so the foreign-key checks PostgreSQL queues until the end
// of a statement stay small.
const commentBatch = 50_000

// loader writes the generated site through one connection.
type loader struct {
	ctx  context.Context
	conn *pgx.Conn
	size loadSize
	rng  *rand.Rand

	firstUser, firstArticle, firstComment, firstTag int64
	contributors                                    []int64
	readerIDs                                       []int64
	readerPick                                      *zipf // which reader writes a comment
	tags                                            []tagRow
	tagPick                                         *zipf
	wordPick                                        *zipf

	commentBodies []markdown.Result
	commentMD     []string

	// rows written, for the progress line
	rowsDone, commentsDone atomic.Int64
	stats                  loadStats
}

type tagRow struct {
	id   int64
	name string
}

// load adds the generated site to the database at database, which holds
// the demo.
func load(ctx context.Context, database string, size loadSize) (loadStats, error) {
	conn, err := pgx.Connect(ctx, database)
	if err != nil {
		return loadStats{}, err
	}
	defer conn.Close(ctx)
	l := &loader{ctx: ctx, conn: conn, size: size, rng: rand.New(rand.NewPCG(2012, 4))}
	stop := l.progress()
	began := time.Now()
	err = l.run()
	stop()
	if err != nil {
		return l.stats, err
	}
	l.stats.copyTime = time.Since(began)
	l.stats.rows = l.rowsDone.Load()
	t := time.Now()
	if err := l.finish(); err != nil {
		return l.stats, err
	}
	l.stats.analyzeTime = time.Since(t)
	return l.stats, l.verify()
}

// verify checks the whole database for what the pages trust without
// counting: each article's stored comment counts, each thread's stored
// replies, each tag's article count, and paths that sort a thread in
// display order.
func (l *loader) verify() error {
	step("checking the stored counts against the rows")
	checks := []struct{ what, sql string }{
		{"articles whose comment_count or comment_threads is wrong", `SELECT count(*) FROM articles a LEFT JOIN (
			SELECT article_id, count(*) FILTER (WHERE deleted_at IS NULL) AS shown, count(*) FILTER (WHERE depth = 0) AS threads
			FROM comments WHERE status = 'visible' GROUP BY article_id) c ON c.article_id = a.id
			WHERE a.comment_count <> COALESCE(c.shown, 0) OR a.comment_threads <> COALESCE(c.threads, 0)`},
		{"threads whose stored replies are wrong", `SELECT count(*) FROM comments r LEFT JOIN (
			SELECT thread_id, count(*) AS n FROM comments WHERE status = 'visible' AND thread_id <> id GROUP BY thread_id) x ON x.thread_id = r.id
			WHERE r.depth = 0 AND r.replies <> COALESCE(x.n, 0)`},
		{"tags whose article_count is wrong", `SELECT count(*) FROM tags t WHERE article_count <> (SELECT count(*) FROM article_tags at
			JOIN articles a ON a.id = at.article_id WHERE at.tag_id = t.id AND a.status IN ('published', 'scheduled'))`},
		{"replies not under their parent's path", `SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id
			WHERE c.thread_id <> p.thread_id OR c.depth <> p.depth + 1 OR c.path NOT LIKE p.path || '.%'`},
		{"published articles dated in the future", `SELECT count(*) FROM articles WHERE status = 'published' AND published_at > now()`},
	}
	for _, c := range checks {
		var n int64
		if err := l.conn.QueryRow(l.ctx, c.sql).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", c.what, err)
		}
		if n != 0 {
			return fmt.Errorf("check: %d %s", n, c.what)
		}
	}
	return nil
}

func (l *loader) run() error {
	if err := l.start(); err != nil {
		return err
	}
	if err := l.readers(); err != nil {
		return err
	}
	if err := l.topics(); err != nil {
		return err
	}
	return l.archive()
}

// progress prints a line with counts and rates every half second until
// the returned function is called.
func (l *loader) progress() func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	began := time.Now()
	go func() {
		defer close(finished)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprintln(os.Stderr)
				return
			case <-tick.C:
			}
			el := time.Since(began).Seconds()
			c := l.commentsDone.Load()
			share := float64(c) / float64(max(1, l.size.Comments))
			const width = 30
			bar := strings.Repeat("#", int(share*width)) + strings.Repeat(".", width-int(share*width))
			eta := "?"
			if c > 0 {
				eta = time.Duration(el / share * (1 - share) * float64(time.Second)).Round(time.Second).String()
			}
			fmt.Fprintf(os.Stderr, "\r    [%s] %5.1f%%  comments %s/%s  rows %s  %s rows/s  %s  eta %s   ", bar, share*100,
				commas(c), commas(int64(l.size.Comments)), commas(l.rowsDone.Load()), commas(int64(float64(l.rowsDone.Load())/el)),
				time.Duration(el*float64(time.Second)).Round(time.Second), eta)
		}
	}()
	return func() { close(done); <-finished }
}

// start finds the demo's writers and tags and the first free ids.
func (l *loader) start() error {
	rows, err := l.conn.Query(l.ctx, `SELECT user_id FROM user_roles WHERE role = 'contributor' ORDER BY user_id`)
	if err != nil {
		return err
	}
	if l.contributors, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	if len(l.contributors) == 0 {
		return fmt.Errorf("load: the database has no demo site")
	}
	for _, next := range []struct {
		table string
		id    *int64
	}{{"users", &l.firstUser}, {"articles", &l.firstArticle}, {"comments", &l.firstComment}, {"tags", &l.firstTag}} {
		if err := l.conn.QueryRow(l.ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+next.table).Scan(next.id); err != nil {
			return err
		}
	}
	// The demo's tags lead the popularity order, so a demo tag page is one
	// of the big ones.
	rows, err = l.conn.Query(l.ctx, `SELECT id, name FROM tags ORDER BY article_count DESC, id`)
	if err != nil {
		return err
	}
	l.tags, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tagRow, error) {
		var t tagRow
		err := r.Scan(&t.id, &t.name)
		return t, err
	})
	return err
}

// copyRows writes rows into table with COPY and counts them.
func (l *loader) copyRows(table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	n, err := l.conn.CopyFrom(l.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	l.rowsDone.Add(n)
	return nil
}

var (
	firstNames = strings.Fields("Ava Ben Carla Dmitri Elena Farid Grace Hiro Ines Jonas Kofi Lena Mateo Nora Oscar Paula Quinn Rosa Sami Tara Umar Vera Wes Xenia Yusuf Zoe Anders Bianca Chidi Dana")
	lastNames  = strings.Fields("Abbott Brennan Costa Dube Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Lopez Moreau Novak Okoye Petrov Quist Rossi Sato Tanaka Ueda Varga Weber Xu Yilmaz Zhou Mills Hart Lund Shaw")
	countries  = strings.Fields("US US US US CA CA GB DE FR JP MX AU")
)

// readers writes the reader accounts that write the comments, with the
// reader role, as account.Store.Create stores a reader.
func (l *loader) readers() error {
	var users, roles [][]any
	for i := 0; i < l.size.Readers; i++ {
		id := l.firstUser + int64(i)
		first, last := firstNames[l.rng.IntN(len(firstNames))], lastNames[l.rng.IntN(len(lastNames))]
		joined := archiveStart.Add(time.Duration(l.rng.Int64N(int64(archiveEnd.Sub(archiveStart)))))
		users = append(users, []any{id, fmt.Sprintf("reader%d@large.example", i), fmt.Sprintf("%s-%s-%d", strings.ToLower(first), strings.ToLower(last), i),
			first + " " + last, countries[l.rng.IntN(len(countries))], joined, joined, joined})
		roles = append(roles, []any{id, "reader"})
		l.readerIDs = append(l.readerIDs, id)
	}
	if err := l.copyRows("users", []string{"id", "email", "slug", "display_name", "country", "email_verified_at", "created_at", "updated_at"}, users); err != nil {
		return err
	}
	// Some readers write much more than others.
	l.readerPick = newZipf(l.rng, len(l.readerIDs), 0.9)
	return l.copyRows("user_roles", []string{"user_id", "role"}, roles)
}

var (
	makes    = strings.Fields("Ford Toyota Honda Nissan Infiniti Lexus Audi BMW Volvo Kia Hyundai Subaru Mazda Jeep Ram Porsche Tesla Fiat Buick Acura")
	subjects = []string{"plant", "recall", "hybrid", "pickup", "crossover", "sedan", "sales", "engine", "battery", "dealer", "tariff", "safety rating", "concept", "racing team", "price cut", "redesign", "supplier", "factory", "strike", "fuel economy"}
	verbs    = []string{"expands", "delays", "unveils", "recalls", "cuts", "doubles", "rethinks", "tests", "drops", "wins", "loses", "boosts", "reviews", "moves", "shows"}
	// Common words; an article's subject words (subjects) are written in
	// only where it is about them, so a search for one matches a few
	// thousand articles, not all of them.
	common = strings.Fields("the new model year brings changes to a crowded market where buyers compare towing capacity ratings and price dealers report steady demand while sales hold up in the midwest analysts expect the company to add a shift and the union watches closely a test drive shows a quiet cabin firm brakes and a gearbox that shifts smoothly on the highway")
)

// vocabulary is the generated articles' words: the common ones and a few
// thousand made of syllables, drawn with a Zipf skew as real text is.
var vocabulary = func() []string {
	syl := strings.Fields("ka ro mi tel san dor vex lu pra mon ti gra sel qua ber nor fen zi ash col")
	out := append([]string(nil), common...)
	for i := 0; len(out) < 4000; i++ {
		out = append(out, syl[i%len(syl)]+syl[(i/len(syl))%len(syl)]+syl[(i/len(syl)/len(syl)+i)%len(syl)])
	}
	return out
}()

// topics writes the generated site's tags after the demo's.
func (l *loader) topics() error {
	var rows [][]any
	for i := 0; i < 300; i++ {
		id := l.firstTag + int64(i)
		subject := subjects[(i/len(makes)+i)%len(subjects)]
		name := fmt.Sprintf("%s %s", makes[i%len(makes)], strings.ToUpper(subject[:1])+subject[1:])
		if i >= len(makes)*len(subjects) {
			name = fmt.Sprintf("Topic %d", i)
		}
		rows = append(rows, []any{id, fmt.Sprintf("%s-%d", strings.ToLower(strings.ReplaceAll(name, " ", "-")), i), name})
		l.tags = append(l.tags, tagRow{id: id, name: name})
	}
	l.tagPick = newZipf(l.rng, len(l.tags), 1.0)
	return l.copyRows("tags", []string{"id", "slug", "name"}, rows)
}

// sentence makes a sentence of n words.
func (l *loader) sentence(n int) string {
	if l.wordPick == nil {
		l.wordPick = newZipf(l.rng, len(vocabulary), 1.0)
	}
	w := make([]string, n)
	for i := range w {
		w[i] = vocabulary[l.wordPick.next()]
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// body makes an article's Markdown about a make and a subject: a few
// paragraphs, sometimes a link, now and then another subject mentioned.
func (l *loader) body(brand, subject string) string {
	var b strings.Builder
	for p := 0; p < 3+l.rng.IntN(4); p++ {
		if p > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "The %s %s story goes on. ", brand, subject)
		if l.rng.IntN(40) == 0 {
			fmt.Fprintf(&b, "Some compare it with the %s. ", subjects[l.rng.IntN(len(subjects))])
		}
		for s := 0; s < 2+l.rng.IntN(4); s++ {
			if s > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(l.sentence(8 + l.rng.IntN(12)))
		}
		if l.rng.IntN(4) == 0 {
			b.WriteString(" Read the [full report](https://example.com/report).")
		}
	}
	return b.String()
}

// commentShares is how the comments fall on articles: most articles get a
// few, a long tail gets many, and a few in the archive get huge
// discussions (a share of all comments each).
var hugeShares = []struct {
	at    time.Time
	share float64
}{
	{time.Date(2003, 11, 12, 0, 0, 0, 0, time.UTC), 0.03},
	{time.Date(2006, 6, 20, 0, 0, 0, 0, time.UTC), 0.016},
	{time.Date(2008, 9, 15, 0, 0, 0, 0, time.UTC), 0.01},
	{time.Date(2011, 3, 11, 0, 0, 0, 0, time.UTC), 0.006},
}

// spread decides each article's number of comments: a quarter none, the
// rest log-normal (median a handful, a tail of thousands), and the huge
// discussions; the total is exactly size.Comments.
func (l *loader) spread() []int {
	n := l.size.Articles
	per := make([]int, n)
	total := l.size.Comments
	span := archiveEnd.Sub(archiveStart)
	huge := 0
	for _, h := range hugeShares {
		i := int(float64(n) * float64(h.at.Sub(archiveStart)) / float64(span))
		if i >= 0 && i < n {
			per[i] = int(float64(total) * h.share)
			huge += per[i]
		}
	}
	weights := make([]float64, n)
	sum := 0.0
	for i := range weights {
		if per[i] > 0 || l.rng.IntN(4) == 0 {
			continue
		}
		weights[i] = math.Exp(l.rng.NormFloat64() * 1.6)
		sum += weights[i]
	}
	rest := total - huge
	given := 0
	for i, w := range weights {
		if w > 0 {
			per[i] = int(float64(rest) * w / sum)
			given += per[i]
		}
	}
	for given < rest { // what rounding left, one at a time at random
		i := l.rng.IntN(n)
		if weights[i] > 0 {
			per[i]++
			given++
		}
	}
	return per
}

// archive writes the articles with their tags, then their discussions.
func (l *loader) archive() error {
	per := l.spread()
	// Fifty comment texts, rendered once as the comment store renders them.
	for i := 0; i < 50; i++ {
		md := l.sentence(6 + l.rng.IntN(20))
		if i%5 == 0 {
			md += "\n\n" + l.sentence(5+l.rng.IntN(10))
		}
		if i%7 == 0 {
			md += " See *this* [review](https://example.com/review)."
		}
		l.commentMD = append(l.commentMD, md)
		l.commentBodies = append(l.commentBodies, markdown.Comment().Render(md))
	}
	// Articles first (with their comment counts, from a dry run of the
	// discussions' shapes), then tags, then the comments.
	shapes := make([]shape, l.size.Articles)
	for i := range shapes {
		shapes[i] = l.shape(per[i])
	}
	render := markdown.Article()
	span := archiveEnd.Sub(archiveStart)
	var arts, tags [][]any
	published := make([]time.Time, l.size.Articles)
	slugs := make([]string, l.size.Articles)
	artCols := []string{"id", "slug", "headline", "author_id", "status", "published_at", "body_md", "body_html", "body_text", "excerpt",
		"created_at", "updated_at", "comment_count", "comment_threads"}
	for i := 0; i < l.size.Articles; i++ {
		id := l.firstArticle + int64(i)
		at := archiveStart.Add(time.Duration(int64(span)/int64(l.size.Articles)*int64(i)) + time.Duration(l.rng.IntN(3600))*time.Second)
		published[i] = at
		mk, subject := makes[l.rng.IntN(len(makes))], subjects[l.rng.IntN(len(subjects))]
		headline := fmt.Sprintf("%s %s %s %s", mk, verbs[l.rng.IntN(len(verbs))], subject, []string{"in Detroit", "for next year", "after a long wait", "as sales slow", "amid new rules", "in Japan", "on the track", "for families"}[l.rng.IntN(8)])
		slugs[i] = fmt.Sprintf("%s-%d", strings.ToLower(strings.NewReplacer(" ", "-").Replace(headline)), i)
		md := l.body(mk, subject)
		r := render.Render(md)
		arts = append(arts, []any{id, slugs[i], headline, l.contributors[l.rng.IntN(len(l.contributors))], "published", at, md, r.HTML, r.Text, r.FirstParagraph,
			at, at, shapes[i].visible, shapes[i].roots})
		seen := map[int]bool{}
		for pos := 0; pos < 1+l.rng.IntN(4); pos++ {
			t := l.tagPick.next()
			if seen[t] {
				continue
			}
			seen[t] = true
			tags = append(tags, []any{id, l.tags[t].id, at, pos, l.tags[t].name})
		}
		if len(arts) == 5000 {
			if err := l.copyRows("articles", artCols, arts); err != nil {
				return err
			}
			arts = arts[:0]
		}
	}
	if err := l.copyRows("articles", artCols, arts); err != nil {
		return err
	}
	if err := l.copyRows("article_tags", []string{"article_id", "tag_id", "published_at", "position", "name"}, tags); err != nil {
		return err
	}
	began := time.Now()
	d := &discussions{l: l, next: l.firstComment}
	for i := 0; i < l.size.Articles; i++ {
		if err := d.write(l.firstArticle+int64(i), published[i], shapes[i]); err != nil {
			return err
		}
	}
	if err := d.flush(); err != nil {
		return err
	}
	l.stats.commentTime = time.Since(began)
	l.stats.comments = l.commentsDone.Load()
	return nil
}

// shape is an article's discussion decided in advance: how many comments,
// which start threads, the statuses (so the article's stored counts are
// known before its comments are written), and the seed that writes it.
type shape struct {
	n, roots, visible int
	kind              []byte // 'v'isible, 'p'ending, 's'pam; upper case: starts a thread
	seed              uint64
}

// shape decides a discussion of n comments. A big discussion has
// relatively fewer top-level comments: people reply to what is there.
func (l *loader) shape(n int) shape {
	s := shape{n: n, seed: l.rng.Uint64()}
	if n == 0 {
		return s
	}
	share := 0.45
	switch {
	case n > 10_000:
		share = 0.04
	case n > 500:
		share = 0.15
	}
	s.kind = make([]byte, n)
	rng := rand.New(rand.NewPCG(s.seed, 1))
	for j := range s.kind {
		k := byte('v')
		// 1% wait for a moderator and 0.5% were caught as spam: never
		// the first, so every discussion has a shown thread to reply to.
		if j > 0 {
			switch x := rng.IntN(1000); {
			case x < 10:
				k = 'p'
			case x < 15:
				k = 's'
			}
		}
		root := j == 0 || rng.Float64() < share
		if k == 'v' {
			s.visible++
			if root {
				s.roots++
			}
		}
		if root {
			k -= 'a' - 'A'
		}
		s.kind[j] = k
	}
	return s
}

// discussions writes comments and votes in batches.
type discussions struct {
	l              *loader
	next           int64
	comments, vote [][]any
}

var commentCols = []string{"id", "article_id", "parent_id", "thread_id", "depth", "path", "author_id", "guest_name", "guest_email",
	"body_md", "body_html", "body_text", "status", "up", "down", "rank", "reply_notified", "created_at", "replies"}

// made is a comment already written in the current discussion.
type made struct {
	id, thread int64
	depth      int
	path       string
}

var statuses = map[byte]string{'v': "visible", 'p': "pending", 's': "spam"}

// write writes one article's discussion as its shape says: a reply
// answers an earlier shown comment (a fifth of the time one of the last
// few, as a conversation goes; in a huge discussion a tenth of the time
// one in its first thread, which grows famous), at most maxDepth deep;
// held and spam comments get no replies.
func (d *discussions) write(aid int64, published time.Time, s shape) error {
	l := d.l
	rng := rand.New(rand.NewPCG(s.seed, 2))
	var shown, famous []made // the comments one may reply to; those of the first thread
	var rows, votes [][]any  // written after the article's comments
	roots := map[int64]int{} // a thread's top-level comment: its row
	at := published
	for j := 0; j < s.n; j++ {
		id := d.next
		d.next++
		k := s.kind[j]
		root := k >= 'A' && k <= 'Z'
		if root {
			k += 'a' - 'A'
		}
		m := made{id: id, thread: id, path: comment.RootPath(id)}
		var parent any
		if !root {
			var p made
			for {
				switch x := rng.IntN(10); {
				case x == 0 && s.n > 10_000:
					p = famous[rng.IntN(len(famous))]
				case x < 3:
					p = shown[max(0, len(shown)-1-rng.IntN(8))]
				default:
					p = shown[rng.IntN(len(shown))]
				}
				if p.depth < maxDepth {
					break
				}
			}
			m.thread, m.depth, m.path, parent = p.thread, p.depth+1, comment.ReplyPath(p.path, id), p.id
		}
		status := statuses[k]
		if root {
			roots[id] = len(rows)
		}
		if status == "visible" {
			shown = append(shown, m)
			if len(shown) == 1 || m.thread == shown[0].thread {
				famous = append(famous, m)
			}
		}
		// Comments come quickly at first, then slow down.
		at = at.Add(time.Duration(5+rng.IntN(60+min(j/10, 600))) * time.Second)
		var author any
		guestName, guestEmail := "", ""
		if rng.IntN(50) == 0 {
			guestName, guestEmail = fmt.Sprintf("%s (guest)", firstNames[rng.IntN(len(firstNames))]), fmt.Sprintf("guest%d@mail.example", rng.IntN(100000))
		} else {
			author = l.readerIDs[l.readerPick.nextWith(rng)]
		}
		up, down := 0, 0
		// A tenth of the shown comments got a few votes, a few many.
		if status == "visible" && rng.IntN(10) == 0 {
			voters := 1 + rng.IntN(min(5, len(l.readerIDs)))
			if rng.IntN(20) == 0 {
				voters = rng.IntN(min(60, len(l.readerIDs)))
			}
			seen := map[int64]bool{}
			for v := 0; v < voters; v++ {
				u := l.readerIDs[rng.IntN(len(l.readerIDs))]
				if seen[u] {
					continue
				}
				seen[u] = true
				value := 1
				if rng.IntN(5) == 0 {
					value = -1
					down++
				} else {
					up++
				}
				votes = append(votes, []any{id, u, value, at.Add(time.Duration(1+rng.IntN(3600)) * time.Second)})
			}
		}
		b := rng.IntN(len(l.commentBodies))
		rows = append(rows, []any{id, aid, parent, m.thread, m.depth, m.path, author, guestName, guestEmail,
			l.commentMD[b], l.commentBodies[b].HTML, l.commentBodies[b].Text, status, up, down, comment.Rank(up, down), status == "visible", at, 0})
		// A top-level comment stores its thread's shown replies, as the
		// comment store keeps them.
		if !root && status == "visible" {
			rows[roots[m.thread]][len(commentCols)-1] = rows[roots[m.thread]][len(commentCols)-1].(int) + 1
		}
	}
	for _, r := range rows {
		d.comments = append(d.comments, r)
		if len(d.comments) >= commentBatch {
			if err := d.flush(); err != nil {
				return err
			}
		}
	}
	// Votes wait for a flush after their comments'.
	d.vote = append(d.vote, votes...)
	return nil
}

// flush writes the waiting comments, then their votes.
func (d *discussions) flush() error {
	if err := d.l.copyRows("comments", commentCols, d.comments); err != nil {
		return err
	}
	d.l.commentsDone.Add(int64(len(d.comments)))
	d.comments = d.comments[:0]
	if err := d.l.copyRows("comment_votes", []string{"comment_id", "user_id", "value", "created_at"}, d.vote); err != nil {
		return err
	}
	d.vote = d.vote[:0]
	return nil
}

// finish stores what the rows imply and the app keeps by itself: the tags'
// counts (as the article store recounts them), the identity counters, and
// the planner's statistics.
func (l *loader) finish() error {
	step("counting tags, advancing sequences, VACUUM ANALYZE")
	if _, err := l.conn.Exec(l.ctx, `UPDATE tags SET article_count = (
		SELECT count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id
		WHERE at.tag_id = tags.id AND a.status IN ('published', 'scheduled'))`); err != nil {
		return fmt.Errorf("count tags: %w", err)
	}
	for _, t := range []string{"users", "articles", "comments", "tags"} {
		if _, err := l.conn.Exec(l.ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT max(id) FROM `+t+`))`); err != nil {
			return fmt.Errorf("advance the %s sequence: %w", t, err)
		}
	}
	for _, t := range []string{"users", "user_roles", "tags", "articles", "article_search", "article_tags", "comments", "comment_votes"} {
		if _, err := l.conn.Exec(l.ctx, `VACUUM (ANALYZE) `+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}

// vacuumAnalyze has PostgreSQL look at a freshly loaded database, as it
// would have by itself after a while.
func vacuumAnalyze(ctx context.Context, database string) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, database)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	t := time.Now()
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return 0, fmt.Errorf("vacuum: %w", err)
	}
	return time.Since(t), nil
}

// zipf picks 0..n-1 with a Zipf-like skew (s near 1: the first few far
// more often than the rest).
type zipf struct {
	rng *rand.Rand
	cum []float64
}

func newZipf(rng *rand.Rand, n int, s float64) *zipf {
	z := &zipf{rng: rng, cum: make([]float64, n)}
	sum := 0.0
	for i := range z.cum {
		sum += 1 / math.Pow(float64(i+1), s)
		z.cum[i] = sum
	}
	for i := range z.cum {
		z.cum[i] /= sum
	}
	return z
}

func (z *zipf) next() int { return z.nextWith(z.rng) }

func (z *zipf) nextWith(rng *rand.Rand) int {
	x := rng.Float64()
	lo, hi := 0, len(z.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z.cum[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
