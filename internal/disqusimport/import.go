// Package disqusimport brings a site's Disqus comments into Byline from a
// Disqus export: each thread is matched to an article by its link, and its
// posts become comments on that article, replies under their parents.
//
// A thread's link leads to an article the way a reader's request would:
// its path is the article's own address (/YYYY/MM/DD/slug/, found by slug
// as the site finds it, so a day off still leads there), or an old address
// the redirect table sends to one (a WordPress import puts the old
// permalinks and /?p=ID there). The WordPress plugin's thread identifier
// ("17 https://old.example/?p=17") is tried as /?p=17 when the link leads
// nowhere. Threads that lead to no article are reported, not imported.
//
// Comments are keyed by the forum and the Disqus post id (source
// "disqus:FORUM" in comment_sources), so running the same export again adds
// nothing and a newer export adds only the posts written since.
//
// A file that can be read twice (an *os.File) is read to its end before
// anything is written, so a malformed one changes nothing. A dry run reads
// the database to match threads but writes nothing: it counts every post of
// a matched thread as one it would import.
package disqusimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/disqus"
	"byline/internal/importfile"
	"byline/internal/redirect"
)

// Deps are the stores an import reads and writes through.
type Deps struct {
	DB        *db.DB // for the planner's statistics as the import grows; nil: left to autovacuum
	People    *account.Store
	Articles  *article.Store
	Comments  *comment.Store
	Redirects *redirect.Store
	// Location is this site's time zone, which dates its article addresses.
	Location *time.Location
}

// Options tune an import.
type Options struct {
	// DryRun matches threads and counts posts, writing nothing.
	DryRun bool
	// Progress, if set, is told how far into the file the import is, in
	// bytes; checking is true during the first reading of a file read
	// twice.
	Progress func(offset int64, checking bool)
	// BatchSize is how many comments go to the database in one
	// transaction (default 300).
	BatchSize int
}

// Import reads a Disqus export from r and imports its comments. The
// report is returned with an error too: it says what was done before it.
func Import(ctx context.Context, deps *Deps, r io.Reader, opts Options) (*Report, error) {
	if deps == nil || deps.Articles == nil || deps.Redirects == nil || deps.People == nil || (deps.Comments == nil && !opts.DryRun) {
		return nil, errors.New("disqusimport: the stores are missing")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 300
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	rep := newReport(opts.DryRun)
	if rs, ok := r.(io.ReadSeeker); ok {
		if err := check(rs, opts); err != nil {
			return rep, err
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return rep, fmt.Errorf("disqusimport: read the file again: %w", err)
		}
	}
	im := &importer{deps: deps, opts: opts, rep: rep, threads: map[string]*thread{}, seen: map[string]bool{},
		waiting: map[string][]disqus.Post{}, members: map[string]int64{}}
	var after func(int64) error
	if !opts.DryRun && deps.DB != nil {
		stats := deps.DB.NewAnalyzer(1 << 20) // the planner learns the tables' sizes as they grow
		after = func(at int64) error { return stats.Done(ctx, at) }
	}
	// What was read before a reading error is whole: it is written, and
	// the same command on a good file completes the import.
	err := importfile.Run(ctx, newFile(r), func(item disqus.Item) error { return im.item(ctx, item) },
		func() error { return im.flush(ctx) }, importfile.Progress(opts.Progress), after)
	if err != nil {
		return rep, err
	}
	if err := im.finish(ctx); err != nil {
		return rep, err
	}
	im.unmatched()
	return rep, nil
}

// check reads the whole file without importing anything.
func check(r io.Reader, opts Options) error {
	return importfile.Check(newFile(r), opts.Progress)
}

// file is the Disqus reader as the import loop reads it, with the bytes
// read so far.
type file struct {
	*disqus.Reader
	cr *counter
}

func newFile(r io.Reader) file {
	cr := &counter{r: r}
	return file{disqus.NewReader(cr), cr}
}

func (f file) At() int64 { return f.cr.n }

// counter counts the bytes read, for the progress bar.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// thread is a Disqus thread as matched here.
type thread struct {
	t         disqus.Thread
	articleID int64  // 0: no article
	reason    string // why it has none
	posts     int
}

type importer struct {
	deps *Deps
	opts Options
	rep  *Report

	threads map[string]*thread
	// seen are the posts queued in this run: a reply to one of them can
	// be queued at once. waiting are replies read before their parent,
	// by the parent's id.
	seen    map[string]bool
	waiting map[string][]disqus.Post
	members map[string]int64 // e-mail -> verified member, 0 for none

	queue []queued
}

type queued struct {
	im   comment.Imported
	what string
}

func (im *importer) item(ctx context.Context, item disqus.Item) error {
	switch v := item.(type) {
	case *disqus.Thread:
		return im.thread(ctx, v)
	case *disqus.Post:
		return im.post(ctx, *v)
	}
	return nil // a category: its forum is also on each thread
}

// thread matches a thread to an article.
func (im *importer) thread(ctx context.Context, t *disqus.Thread) error {
	if _, dup := im.threads[t.ID]; dup {
		im.rep.skip("thread "+t.ID, "it is in the export twice: the first is kept")
		return nil
	}
	th := &thread{t: *t}
	im.threads[t.ID] = th
	if t.Forum == "" {
		th.reason = "it names no forum"
		return nil
	}
	id, how, reason, err := im.match(ctx, t)
	if err != nil {
		return err
	}
	th.articleID, th.reason = id, reason
	if id != 0 {
		im.rep.ThreadsMatched++
		if how == byRedirect {
			im.rep.ThreadsByRedirect++
		}
		im.rep.addForum(t.Forum)
	}
	return nil
}

type matchedBy int

const (
	byAddress matchedBy = iota
	byRedirect
)

// match finds the article a thread's link leads to.
func (im *importer) match(ctx context.Context, t *disqus.Thread) (int64, matchedBy, string, error) {
	if t.Deleted {
		return 0, 0, "the thread was deleted on Disqus", nil
	}
	u, err := url.Parse(t.Link)
	if err != nil || t.Link == "" {
		return 0, 0, "its link is not an address", nil
	}
	if id, err := im.articleAt(ctx, u.Path); id != 0 || err != nil {
		return id, byAddress, "", err
	}
	id, err := im.redirected(ctx, u.Path, u.RawQuery)
	if id != 0 || err != nil {
		return id, byRedirect, "", err
	}
	// The WordPress plugin's identifier: "ID address".
	if n, _, ok := strings.Cut(t.Ident, " "); ok {
		if _, err := strconv.ParseInt(n, 10, 64); err == nil {
			id, err := im.redirected(ctx, "/", "p="+n)
			if id != 0 || err != nil {
				return id, byRedirect, "", err
			}
		}
	}
	return 0, 0, "no article here has this address, and no redirect leads from it to one", nil
}

// redirected is the article an old address leads to through the redirect
// table, or 0.
func (im *importer) redirected(ctx context.Context, path, rawQuery string) (int64, error) {
	if path == "" {
		path = "/"
	}
	r, found, err := im.deps.Redirects.Lookup(ctx, path, rawQuery)
	if err != nil || !found || !strings.HasPrefix(r.Target, "/") {
		return 0, err
	}
	target, _, _ := strings.Cut(r.Target, "?")
	target, _, _ = strings.Cut(target, "#")
	return im.articleAt(ctx, target)
}

// articleAt is the public article at an address of the shape
// /YYYY/MM/DD/slug/, or 0. It is found by its slug as the site finds it:
// the site answers the slug under another date with a 301 to the article.
func (im *importer) articleAt(ctx context.Context, path string) (int64, error) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 4 {
		return 0, nil
	}
	for _, p := range parts[:3] {
		if _, err := strconv.Atoi(p); err != nil {
			return 0, nil
		}
	}
	slug, err := url.PathUnescape(parts[3])
	if err != nil || slug == "" {
		return 0, nil
	}
	a, err := im.deps.Articles.Public(ctx, slug)
	if errors.Is(err, apperr.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("disqusimport: article at %s: %w", path, err)
	}
	return a.ID, nil
}

// post queues a post under its parent: at once when the parent is queued
// already or it has none, else when the parent is read.
func (im *importer) post(ctx context.Context, p disqus.Post) error {
	th := im.threads[p.ThreadID]
	if th == nil {
		im.rep.skip("post "+p.ID, "its thread %s is not in the export", p.ThreadID)
		return nil
	}
	th.posts++
	if th.articleID == 0 {
		return nil // listed with its thread
	}
	if im.seen[p.ID] {
		im.rep.skip("post "+p.ID, "it is in the export twice: the first is kept")
		return nil
	}
	if p.ParentID != "" && !im.seen[p.ParentID] {
		im.waiting[p.ParentID] = append(im.waiting[p.ParentID], p)
		return nil
	}
	// The post, then the replies that waited for it, depth first.
	stack := []disqus.Post{p}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if err := im.queuePost(ctx, cur); err != nil {
			return err
		}
		kids := im.waiting[cur.ID]
		delete(im.waiting, cur.ID)
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, kids[k])
		}
	}
	return nil
}

// finish queues the replies whose parent never came (imported by an
// earlier run, or missing: the comment store says which), in the order
// disqus.ParentsFirst gives, and writes what is left.
func (im *importer) finish(ctx context.Context) error {
	var rest []disqus.Post
	for _, list := range im.waiting {
		rest = append(rest, list...)
	}
	im.waiting = nil
	// Map order is random: the export's order (creation time, then id)
	// makes the run repeatable.
	sortPosts(rest)
	for _, p := range disqus.ParentsFirst(rest) {
		if err := im.queuePost(ctx, p); err != nil {
			return err
		}
	}
	return im.flush(ctx)
}

func (im *importer) queuePost(ctx context.Context, p disqus.Post) error {
	th := im.threads[p.ThreadID]
	im.seen[p.ID] = true
	in := comment.Imported{
		Source:           "disqus:" + th.t.Forum,
		ExternalID:       p.ID,
		ParentExternalID: p.ParentID,
		ArticleID:        th.articleID,
		BodyHTML:         p.Message,
		Status:           comment.StatusVisible,
		IP:               p.IP,
		At:               p.CreatedAt,
	}
	switch {
	case p.Spam:
		in.Status = comment.StatusSpam // kept whole, for moderators and the filter
	case p.Deleted:
		in.Deleted = true // a placeholder above its replies
	}
	member, err := im.member(ctx, p.Author.Email)
	if err != nil {
		return err
	}
	if member != 0 {
		in.AuthorID = member
	} else {
		name := p.Author.Name
		if name == "" {
			name = p.Author.Username
		}
		if name == "" {
			name = "Anonymous"
		}
		in.Guest = comment.Author{Name: name, Email: p.Author.Email}
	}
	im.queue = append(im.queue, queued{im: in, what: fmt.Sprintf("post %s on %s", p.ID, th.t.Link)})
	if len(im.queue) >= im.opts.BatchSize {
		return im.flush(ctx)
	}
	return nil
}

// member is the person here whose confirmed address is email, or 0. An
// unconfirmed address proves nothing: anyone may register with another's
// address, and would then be shown as the author of their comments.
func (im *importer) member(ctx context.Context, email string) (int64, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, nil
	}
	if id, ok := im.members[email]; ok {
		return id, nil
	}
	p, err := im.deps.People.ByEmail(ctx, email)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		p = account.Person{}
	case err != nil:
		return 0, fmt.Errorf("disqusimport: person %s: %w", email, err)
	}
	var id int64
	if p.ID != 0 && p.Verified() && !p.Deleted() {
		id = p.ID
	}
	im.members[email] = id
	return id, nil
}

// flush writes the queued comments in one transaction.
func (im *importer) flush(ctx context.Context) error {
	batch := im.queue
	im.queue = nil
	if len(batch) == 0 {
		return nil
	}
	if im.opts.DryRun {
		for _, q := range batch {
			im.rep.count(q.im, true)
		}
		return nil
	}
	list := make([]comment.Imported, len(batch))
	for i, q := range batch {
		list[i] = q.im
	}
	res, err := im.deps.Comments.Import(ctx, list)
	if err != nil {
		return fmt.Errorf("disqusimport: %w", err)
	}
	for i, r := range res {
		switch {
		case r.Err != nil:
			im.rep.skip(batch[i].what, "%v", r.Err)
		default:
			im.rep.count(list[i], r.Added)
		}
	}
	return nil
}

// unmatched lists the threads that lead to no article, in the export's
// order; those without posts are only counted.
func (im *importer) unmatched() {
	for _, th := range im.threads {
		if th.articleID != 0 {
			continue
		}
		if th.posts == 0 {
			im.rep.ThreadsEmpty++
			continue
		}
		im.rep.Unmatched = append(im.rep.Unmatched, Unmatched{ThreadID: th.t.ID, Link: th.t.Link, Title: th.t.Title, Posts: th.posts, Reason: th.reason})
	}
	sortUnmatched(im.rep.Unmatched)
}
