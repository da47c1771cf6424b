package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"byline/internal/db"
	"byline/internal/markdown"
)

// Size is how much a generated site holds.
type Size struct {
	Articles, People, Comments int
}

// Large is the site the issue of speed asks for: page cost must not grow
// with it.
var Large = Size{Articles: 100_000, People: 500_000, Comments: 5_000_000}

// Generate adds a big generated site to the demo: readers, articles in the
// ten years before the demo's, and their discussions (threads up to 8 deep).
// It writes many rows per statement in large transactions; the demo must be
// loaded first. progress, if not nil, is called as rows are written.
func Generate(ctx context.Context, d *db.DB, size Size, progress func(what string, done, total int)) error {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	g := &generator{ctx: ctx, d: d, size: size, progress: progress, b: newBulk(d, ctx), now: time.Now().UTC()}
	if err := g.start(); err != nil {
		return err
	}
	if err := g.readers(); err != nil {
		return err
	}
	if err := g.topics(); err != nil {
		return err
	}
	if err := g.articles(); err != nil {
		return err
	}
	return g.finish()
}

// generator writes a generated site: the steps of Generate, in order.
type generator struct {
	ctx      context.Context
	d        *db.DB
	size     Size
	progress func(what string, done, total int)
	b        *bulk
	now      time.Time

	contributors                          []int64
	firstUser, firstArticle, firstComment int64 // the ids the new rows start from
	tags                                  []int64
}

// start finds the demo's writers and the first free id of each table.
func (g *generator) start() error {
	rows, err := g.d.Query(g.ctx, `SELECT user_id FROM user_roles WHERE role = 'contributor' ORDER BY user_id`)
	if err != nil {
		return err
	}
	if g.contributors, err = db.Collect(rows, db.Value[int64]); err != nil {
		return err
	}
	if len(g.contributors) == 0 {
		return fmt.Errorf("generate: load the demo site first")
	}
	for _, next := range []struct {
		table string
		id    *int64
	}{{"users", &g.firstUser}, {"articles", &g.firstArticle}, {"comments", &g.firstComment}} {
		if err := g.d.QueryRow(g.ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+next.table).Scan(next.id); err != nil {
			return err
		}
	}
	return nil
}

// readers writes the generated readers, all with the demo's password.
func (g *generator) readers() error {
	hash := passwordHash()
	for i := 0; i < g.size.People; i++ {
		id := g.firstUser + int64(i)
		if err := g.b.add("users", "id, email, slug, display_name, country, bio, avatar_url, password_hash, email_verified_at, created_at, updated_at",
			id, fmt.Sprintf("reader%d@large.example", i), fmt.Sprintf("reader-%d", i), fmt.Sprintf("Reader %d", i), "US", "", "", hash, g.now, g.now, g.now); err != nil {
			return err
		}
		if err := g.b.add("user_roles", "user_id, role", id, "reader"); err != nil {
			return err
		}
		if (i+1)%10000 == 0 {
			g.progress("people", i+1, g.size.People)
		}
	}
	return g.b.flush()
}

// topics writes the 200 tags the articles are filed under.
func (g *generator) topics() error {
	g.tags = make([]int64, 0, 200)
	for i := 0; i < 200; i++ {
		var id int64
		err := g.d.Tx(g.ctx, func(tx *db.Tx) error {
			return tx.QueryRow(g.ctx, `INSERT INTO tags (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`,
				fmt.Sprintf("topic-%d", i), fmt.Sprintf("Topic %d", i)).Scan(&id)
		})
		if err != nil {
			return err
		}
		g.tags = append(g.tags, id)
	}
	return nil
}

// The generated texts: every article and every comment says the same.
const (
	largeBody = "A generated story about **engines**, factories and the people who buy what they make.\n\n" +
		"It has a second paragraph, so the page reads like an article, with a [link](https://example.com/)."
	largeComment = "A generated comment with *some* words, as readers write them."
)

// articles writes the articles, spread evenly over 2002 to 2011, each
// followed by its comments. The comments fall on articles at random, from
// a fixed seed, so every generated site is the same.
func (g *generator) articles() error {
	r := markdown.Article().Render(largeBody)
	rng := rand.New(rand.NewPCG(42, 7))
	perArticle := make([]int, g.size.Articles)
	for i := 0; i < g.size.Comments; i++ {
		perArticle[rng.IntN(g.size.Articles)]++
	}
	start := time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2011, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start)
	c := &discussion{g: g, rng: rng, next: g.firstComment, body: markdown.Comment().Render(largeComment)}
	written := 0
	for i := 0; i < g.size.Articles; i++ {
		aid := g.firstArticle + int64(i)
		published := start.Add(time.Duration(int64(span) / int64(g.size.Articles) * int64(i)))
		n := perArticle[i]
		roots := max(1, n*2/5)
		if n == 0 {
			roots = 0
		}
		if err := g.b.add("articles", "id, slug, headline, author_id, status, published_at, body_md, body_html, body_text, excerpt, created_at, updated_at, comment_count, comment_threads",
			aid, fmt.Sprintf("generated-story-%d", i), fmt.Sprintf("Generated story %d about engines and factories", i),
			g.contributors[i%len(g.contributors)], "published", published, largeBody, r.HTML, r.Text, r.FirstParagraph, published, published, n, roots); err != nil {
			return err
		}
		for _, t := range []int64{g.tags[i%len(g.tags)], g.tags[(i*7+3)%len(g.tags)]} {
			if err := g.b.add("article_tags", "article_id, tag_id, published_at", aid, t, published); err != nil {
				return err
			}
		}
		if err := c.write(aid, published, n, roots); err != nil {
			return err
		}
		written += n
		if (i+1)%1000 == 0 {
			g.progress("articles and comments", written, g.size.Comments)
		}
	}
	return g.b.flush()
}

// discussion writes the comments of one article after another.
type discussion struct {
	g    *generator
	rng  *rand.Rand
	next int64 // the next comment's id
	body markdown.Result
}

// write writes an article's n comments: roots threads, and replies to
// comments before them at random, at most 8 deep.
func (c *discussion) write(aid int64, published time.Time, n, roots int) error {
	type made struct {
		id, thread int64
		depth      int
		path       string
	}
	var mine []made
	for j := 0; j < n; j++ {
		id := c.next
		c.next++
		m := made{id: id, thread: id, path: fmt.Sprintf("%010d", id)}
		var parent any
		if j >= roots {
			p := mine[c.rng.IntN(len(mine))]
			for p.depth >= 7 {
				p = mine[c.rng.IntN(len(mine))]
			}
			m.thread, m.depth, m.path, parent = p.thread, p.depth+1, p.path+"."+m.path, p.id
		}
		mine = append(mine, m)
		author := c.g.firstUser + int64(c.rng.IntN(max(c.g.size.People, 1)))
		at := published.Add(time.Duration(j+1) * time.Minute)
		if err := c.g.b.add("comments", "id, article_id, parent_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status, created_at",
			id, aid, parent, m.thread, m.depth, m.path, author, largeComment, c.body.HTML, c.body.Text, "visible", at); err != nil {
			return err
		}
	}
	return nil
}

// finish stores the tags' and threads' counts and sets the identity counters
// PostgreSQL keeps, then has the planner look at the new tables.
func (g *generator) finish() error {
	if _, err := g.d.Exec(g.ctx, `UPDATE tags SET article_count = (SELECT count(*) FROM article_tags at WHERE at.tag_id = tags.id)`); err != nil {
		return err
	}
	// Each new thread's shown replies, as the comment store keeps them
	// (rows inserted whole are not counted by its triggers).
	if _, err := g.d.Exec(g.ctx, `UPDATE comments SET replies = (SELECT count(*) FROM comments x
		WHERE x.thread_id = comments.id AND x.id <> comments.id AND x.status = 'visible') WHERE depth = 0 AND id >= $1`, g.firstComment); err != nil {
		return err
	}
	if g.d.Engine == db.Postgres {
		for _, t := range []string{"users", "articles", "comments"} {
			if _, err := g.d.Exec(g.ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT max(id) FROM `+t+`))`); err != nil {
				return err
			}
		}
	}
	_, err := g.d.Exec(g.ctx, `ANALYZE`)
	return err
}

// bulk writes rows many to a statement and many statements to a
// transaction. Rows wait per table; a table's rows are written only after
// the rows of the tables they refer to (the order of bulkOrder).
type bulk struct {
	d       *db.DB
	ctx     context.Context
	cols    map[string]string
	pending map[string][][]any
	tx      []func(*db.Tx, map[string]*sql.Stmt) error
}

var bulkOrder = []string{"users", "user_roles", "articles", "article_tags", "comments"}

func newBulk(d *db.DB, ctx context.Context) *bulk {
	return &bulk{d: d, ctx: ctx, cols: map[string]string{}, pending: map[string][][]any{}}
}

// rowsPerStatement keeps a statement under both engines' limit on
// parameters (SQLite 32,766; PostgreSQL 65,535).
const rowsPerStatement = 500

func (b *bulk) add(table, cols string, vals ...any) error {
	b.cols[table] = cols
	b.pending[table] = append(b.pending[table], vals)
	if len(b.pending[table]) == rowsPerStatement {
		return b.statement(table)
	}
	return nil
}

// statement writes table's pending rows as one INSERT, after those of the
// tables before it; every 100 statements the transaction is written.
func (b *bulk) statement(table string) error {
	for _, t := range bulkOrder {
		if t == table {
			break
		}
		if err := b.one(t); err != nil {
			return err
		}
	}
	return b.one(table)
}

// one queues table's pending rows as one step of the transaction, in the
// form that is quickest on the engine, and writes the transaction every
// 100 steps.
func (b *bulk) one(table string) error {
	rows := b.pending[table]
	if len(rows) == 0 {
		return nil
	}
	b.pending[table] = nil
	if b.d.Engine == db.SQLite {
		b.tx = append(b.tx, b.prepared(table, rows))
	} else {
		b.tx = append(b.tx, b.multiRow(table, rows))
	}
	if len(b.tx) >= 100 {
		return b.write()
	}
	return nil
}

// prepared writes rows with one prepared single-row INSERT run for every
// row: SQLite parses a statement slowly and runs it fast, so this beats a
// long one parsed each time.
func (b *bulk) prepared(table string, rows [][]any) func(*db.Tx, map[string]*sql.Stmt) error {
	marks := make([]string, len(rows[0]))
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	query := "INSERT INTO " + table + " (" + b.cols[table] + ") VALUES (" + strings.Join(marks, ",") + ")"
	return func(tx *db.Tx, stmts map[string]*sql.Stmt) error {
		st := stmts[query]
		if st == nil {
			var err error
			if st, err = tx.Prepare(b.ctx, query); err != nil {
				return err
			}
			stmts[query] = st
		}
		for _, row := range rows {
			if _, err := st.ExecContext(b.ctx, row...); err != nil {
				return err
			}
		}
		return nil
	}
}

// multiRow writes rows as one INSERT of many rows (PostgreSQL).
func (b *bulk) multiRow(table string, rows [][]any) func(*db.Tx, map[string]*sql.Stmt) error {
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " (" + b.cols[table] + ") VALUES ")
	var args []any
	for i, row := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				q.WriteByte(',')
			}
			args = append(args, v)
			fmt.Fprintf(&q, "$%d", len(args))
		}
		q.WriteByte(')')
	}
	query := q.String()
	return func(tx *db.Tx, _ map[string]*sql.Stmt) error {
		_, err := tx.Exec(b.ctx, query, args...)
		return err
	}
}

func (b *bulk) write() error {
	steps := b.tx
	b.tx = nil
	return b.d.Tx(b.ctx, func(tx *db.Tx) error {
		stmts := map[string]*sql.Stmt{}
		defer func() {
			for _, st := range stmts {
				st.Close()
			}
		}()
		for _, s := range steps {
			if err := s(tx, stmts); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
		}
		return nil
	})
}

// flush writes everything still waiting.
func (b *bulk) flush() error {
	for _, t := range bulkOrder {
		if err := b.one(t); err != nil {
			return err
		}
	}
	if len(b.tx) > 0 {
		return b.write()
	}
	return nil
}
