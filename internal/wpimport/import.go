// Package wpimport brings a WordPress site into Byline from its export file
// (WXR, Tools → Export): authors, categories, tags, articles, pages,
// comments and the old addresses, which answer 301 to the new ones.
//
// Everything is keyed by its WordPress id and the site's address
// (import_keys, comment_sources, the redirect table), so an import run
// again adds nothing and changes nothing, and a newer export of the same
// site adds only what is new. What was imported once is not updated from a
// later file: it may have been edited here since.
//
// A file is read once, as a stream. A file that can be read twice (an
// *os.File) is first read to the end without writing anything, so a
// malformed or truncated file changes nothing. A stream that cannot be
// re-read is imported as it is read: an error half-way leaves the items
// before it imported, and running the same command again on a good file
// completes the import without duplicates.
//
// A dry run is given no stores at all (Import(ctx, nil, ...)): it follows
// the same path through the file, counting what it would add, with
// nothing to write with. It does not look at the database either, so it
// counts everything in the file as new.
package wpimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/importfile"
	"byline/internal/links"
	"byline/internal/media"
	"byline/internal/redirect"
	"byline/internal/slug"
	"byline/internal/wordpress"
)

// Deps are the stores an import writes through.
type Deps struct {
	DB        *db.DB
	People    *account.Store
	Articles  *article.Store
	Comments  *comment.Store
	Redirects *redirect.Store
	// Media takes the uploads' files when Options.Uploads is set.
	Media *media.Store
	// Location is this site's time zone, which dates its article addresses.
	Location *time.Location
}

// Options tune an import.
type Options struct {
	// Zone is the WordPress site's time zone (Settings → General), for the
	// few dates WordPress wrote only in local time (drafts). Nil: UTC.
	Zone *time.Location
	// DryRun reads and checks the whole file and reports what would be
	// imported; Import must then be given nil Deps.
	DryRun bool
	// Progress, if set, is told how far into the file the import is, in
	// bytes, after each record; checking is true during the first reading
	// of a file that is read twice.
	Progress func(offset int64, checking bool)
	// Uploads is a copy of the old site's wp-content/uploads folder: its
	// attachments and the pictures the content shows come into the media
	// library. Empty: no file comes across, and the report lists the
	// featured images left behind.
	Uploads string
	// BatchSize is how many comments go to the database in one
	// transaction (default 500).
	BatchSize int
}

// Import reads a WXR file from r and imports it (see the package comment
// for what a failure leaves). The report is returned with an error too: it
// says what was done before the error.
func Import(ctx context.Context, deps *Deps, r io.Reader, opts Options) (*Report, error) {
	if opts.DryRun != (deps == nil) {
		return nil, errors.New("wpimport: a dry run takes no stores, and an import needs them")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	rep := newReport(opts.DryRun)
	if opts.Uploads != "" && !opts.DryRun && deps.Media == nil {
		return nil, errors.New("wpimport: importing uploads needs the media library")
	}
	if rs, ok := r.(io.ReadSeeker); ok && !opts.DryRun {
		if err := check(rs, opts); err != nil {
			return rep, err
		}
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return rep, fmt.Errorf("wpimport: read the file again: %w", err)
		}
	}
	im := &importer{deps: deps, opts: opts, rep: rep,
		people: map[string]int64{}, users: map[int64]int64{},
		cats: map[string]term{}, tags: map[string]term{}, attachments: map[int64]wordpress.Attachment{},
		catIDs: map[int64]string{}, addresses: map[int64]string{}, fake: map[string]int64{},
		uploads: map[string]upload{}, attMedia: map[int64]int64{}, featureLater: map[int64][]int64{}}
	var after func(int64) error
	if !opts.DryRun {
		stats := deps.DB.NewAnalyzer(1 << 20) // the planner learns the tables' sizes as they grow
		after = func(at int64) error { return stats.Done(ctx, at) }
	}
	rd := wxrFile{wordpress.NewReaderOptions(r, wordpress.ReaderOptions{Location: opts.Zone})}
	// The items read before a reading error are whole: their comments and
	// addresses are written too, so that they stand as after a good file.
	err := importfile.Run(ctx, rd, func(rec wordpress.Record) error { return im.record(ctx, rec) },
		func() error { return im.finish(ctx) }, importfile.Progress(opts.Progress), after)
	if err != nil {
		return rep, err
	}
	if im.source == "" {
		return rep, errors.New("wpimport: the file has no site header")
	}
	return rep, im.finish(ctx)
}

// check reads the whole file without importing anything.
func check(r io.Reader, opts Options) error {
	return importfile.Check(wxrFile{wordpress.NewReaderOptions(r, wordpress.ReaderOptions{Location: opts.Zone})}, opts.Progress)
}

// wxrFile is the WXR reader as the import loop reads it.
type wxrFile struct{ *wordpress.Reader }

func (f wxrFile) At() int64 { return f.Offset() }

// term is a category or tag as imported: its id and slug here, and its
// archive's address.
type term struct {
	id      int64
	slug    string
	address string
	wpPath  string // a category's archive on the old site
}

type importer struct {
	deps *Deps
	opts Options
	rep  *Report

	source string // the site's address, the key of its ids

	people      map[string]int64 // author login -> person
	users       map[int64]int64  // WordPress user id -> person
	cats, tags  map[string]term  // WordPress slug -> term here
	catIDs      map[int64]string // WordPress term id -> category slug
	addresses   map[int64]string // WordPress post id -> its address here, for attachment pages
	attachments map[int64]wordpress.Attachment
	fake        map[string]int64 // a dry run's ids, by key

	uploads      map[string]upload // path under the uploads folder -> its fate this run
	attMedia     map[int64]int64   // attachment id -> its media here
	featureLater map[int64][]int64 // attachment id not read yet -> articles it is the featured image of

	comments []pendingComment
	redirs   []redirect.Entry
}

type pendingComment struct {
	im   comment.Imported
	what string
}

func (im *importer) dry() bool { return im.deps == nil }

// finish writes what is still pending.
func (im *importer) finish(ctx context.Context) error {
	if err := im.flushComments(ctx); err != nil {
		return err
	}
	return im.flushRedirects(ctx)
}

func (im *importer) record(ctx context.Context, rec wordpress.Record) error {
	if _, ok := rec.(*wordpress.Site); !ok && im.source == "" {
		return errors.New("wpimport: the file has no site header")
	}
	switch v := rec.(type) {
	case *wordpress.Site:
		return im.site(v)
	case *wordpress.Author:
		_, err := im.author(ctx, v)
		return err
	case *wordpress.Category:
		return im.category(ctx, v.Slug, v.Name, v.Parent, v.ID)
	case *wordpress.Tag:
		_, err := im.tag(ctx, v.Slug, v.Name, v.ID)
		return err
	case *wordpress.Term:
		return nil // menus, post formats and plugins' taxonomies have no place here
	case *wordpress.Item:
		if err := im.item(ctx, v); err != nil {
			return err
		}
		if len(im.redirs) >= redirectBatch {
			return im.flushRedirects(ctx)
		}
		return nil
	}
	return fmt.Errorf("wpimport: unexpected record %T", rec)
}

func (im *importer) site(s *wordpress.Site) error {
	src := strings.TrimRight(strings.TrimSpace(s.BaseSiteURL), "/")
	if src == "" {
		src = strings.TrimRight(strings.TrimSpace(s.Link), "/")
	}
	if src == "" {
		return errors.New("wpimport: the file does not give its site's address (base_site_url)")
	}
	im.source = src
	im.rep.Source = src
	return nil
}

// --- keys

// known returns the local id an earlier import made for kind and ext.
func (im *importer) known(ctx context.Context, kind, ext string) (int64, bool, error) {
	if im.dry() {
		id, ok := im.fake[kind+"\x00"+ext]
		return id, ok, nil
	}
	var id int64
	err := im.deps.DB.QueryRow(ctx, `SELECT local_id FROM import_keys WHERE source = $1 AND kind = $2 AND external_id = $3`,
		im.source, kind, ext).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("wpimport: key %s %s: %w", kind, ext, err)
	}
	return id, true, nil
}

// remember records that kind ext became local id here.
func (im *importer) remember(ctx context.Context, kind, ext string, id int64) error {
	if im.dry() {
		im.fake[kind+"\x00"+ext] = id
		return nil
	}
	_, err := im.deps.DB.Exec(ctx, `INSERT INTO import_keys (source, kind, external_id, local_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, kind, external_id) DO NOTHING`, im.source, kind, ext, id)
	if err != nil {
		return fmt.Errorf("wpimport: remember %s %s: %w", kind, ext, err)
	}
	return nil
}

// fakeID is a dry run's stand-in for a row it did not write.
func (im *importer) fakeID() int64 { return int64(len(im.fake) + 1) }

// --- people

func (im *importer) author(ctx context.Context, a *wordpress.Author) (int64, error) {
	id, err := im.person(ctx, a.Login, a.Email, displayName(a))
	if err != nil || id == 0 {
		return 0, err
	}
	if a.ID > 0 {
		im.users[a.ID] = id
	}
	return id, nil
}

func displayName(a *wordpress.Author) string {
	if n := strings.TrimSpace(a.DisplayName); n != "" {
		return n
	}
	if n := strings.TrimSpace(a.FirstName + " " + a.LastName); n != "" {
		return n
	}
	return a.Login
}

// person finds or makes the person of a WordPress login: by an earlier
// import, else by e-mail, else new, as a writer without a password (they
// choose one through the reset mail). 0 means skipped (in the report).
func (im *importer) person(ctx context.Context, login, email, name string) (int64, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return 0, nil
	}
	if id, ok := im.people[login]; ok {
		return id, nil
	}
	id, ok, err := im.known(ctx, "person", login)
	if err != nil {
		return 0, err
	}
	if ok {
		im.rep.PeopleKnown++
		im.people[login] = id
		return id, nil
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		// WXR 1.0 names authors only by login: an address that can never
		// receive mail, which an admin replaces.
		email = slug.Make(login) + "@" + hostOf(im.source) + ".invalid"
	}
	if im.dry() {
		id = im.fakeID()
		im.rep.PeopleNew++
	} else {
		known, err := im.deps.People.ByEmail(ctx, email)
		switch {
		case err == nil:
			id = known.ID
			im.rep.PeopleMatched++
		case !errors.Is(err, apperr.ErrNotFound):
			return 0, fmt.Errorf("wpimport: person %s: %w", login, err)
		default:
			p, err := im.deps.People.Create(ctx, account.NewPerson{Email: email, DisplayName: name, Roles: []account.Role{account.RoleAuthor}})
			if _, bad := apperr.AsInvalid(err); bad {
				im.rep.skip("author "+login, "%v", err)
				return 0, nil
			}
			if err != nil {
				return 0, err
			}
			id = p.ID
			im.rep.PeopleNew++
		}
	}
	im.people[login] = id
	return id, im.remember(ctx, "person", login, id)
}

// unclaimed finds, with find, what an interrupted run made before it wrote
// the key, and returns its id if no imported item claims it yet (0: none).
func (im *importer) unclaimed(ctx context.Context, kind string, find func() (int64, error)) (int64, error) {
	id, err := find()
	if errors.Is(err, apperr.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var claimed bool
	if err := im.deps.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_keys WHERE kind = $1 AND local_id = $2)`, kind, id).Scan(&claimed); err != nil {
		return 0, err
	}
	if claimed {
		return 0, nil
	}
	return id, nil
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Hostname() != "" {
		return p.Hostname()
	}
	return "wordpress"
}

// --- categories and tags

// localSlug is a WordPress slug as Byline writes slugs: WordPress keeps
// other scripts percent-encoded ("%e6%97%a5").
func localSlug(wp, name string) string {
	if s, err := url.PathUnescape(wp); err == nil {
		wp = s
	}
	if slug.Valid(wp) {
		return wp
	}
	if s := slug.Make(wp); s != "" {
		return s
	}
	return slug.Make(name)
}

func (im *importer) category(ctx context.Context, wpSlug, name, parent string, wpID int64) error {
	if _, ok := im.cats[wpSlug]; ok || wpSlug == "" {
		return nil
	}
	var up term
	if parent != "" {
		var ok bool
		if up, ok = im.cats[parent]; !ok {
			im.rep.skip("category "+wpSlug, "its parent %q is not in the file; placed at the top", parent)
		}
	}
	local := localSlug(wpSlug, name)
	t := term{slug: local, address: "/category/" + local + "/", wpPath: "/category/" + wpSlug + "/"}
	if up.id != 0 {
		t.address, t.wpPath = up.address+local+"/", up.wpPath+wpSlug+"/"
	}
	id, ok, err := im.known(ctx, "category", wpSlug)
	if err != nil {
		return err
	}
	switch {
	case ok:
		im.rep.CategoriesKnown++
		t.id = id
		if !im.dry() {
			// An editor may have moved or renamed it since: its address is
			// what it is now.
			path, err := im.deps.Articles.CategoryPath(ctx, id)
			if err != nil && !errors.Is(err, apperr.ErrNotFound) {
				return err
			}
			if len(path) > 0 {
				t.slug, t.address = path[len(path)-1].Slug, article.CategoryAddress(path)
			}
		}
	case local == "":
		im.rep.skip("category "+wpSlug, "no slug can be made of it")
		return nil
	case im.dry():
		t.id = im.fakeID()
		im.rep.CategoriesNew++
	default:
		c, err := im.deps.Articles.EnsureCategory(ctx, local, name, up.id)
		if _, bad := apperr.AsInvalid(err); bad {
			im.rep.skip("category "+wpSlug, "%v", err)
			return nil
		}
		if err != nil {
			return err
		}
		t.id = c.ID
		im.rep.CategoriesNew++
	}
	im.cats[wpSlug] = t
	if wpID > 0 {
		im.catIDs[wpID] = wpSlug
	}
	if !ok {
		if err := im.remember(ctx, "category", wpSlug, t.id); err != nil {
			return err
		}
	}
	if wpID > 0 {
		im.redirect(fmt.Sprintf("/?cat=%d", wpID), t.address)
	}
	im.redirect(t.wpPath, t.address) // dropped when the category route answers it already
	return nil
}

func (im *importer) tag(ctx context.Context, wpSlug, name string, wpID int64) (term, error) {
	if t, ok := im.tags[wpSlug]; ok || wpSlug == "" {
		return t, nil
	}
	local := localSlug(wpSlug, name)
	t := term{slug: local, address: links.Tag(local)}
	id, ok, err := im.known(ctx, "tag", wpSlug)
	if err != nil {
		return term{}, err
	}
	switch {
	case ok:
		t.id = id
		im.rep.TagsKnown++
	case local == "":
		im.rep.skip("tag "+wpSlug, "no slug can be made of it")
		return term{}, nil
	case im.dry():
		t.id = im.fakeID()
		im.rep.TagsNew++
	default:
		name = strings.Join(strings.Fields(name), " ")
		if name == "" {
			name = article.TagLabel(local)
		}
		// A tag with that slug here is the same subject (one slug space).
		tag, added, err := im.deps.Articles.EnsureTag(ctx, local, name)
		t.id = tag.ID
		if err != nil {
			return term{}, fmt.Errorf("wpimport: tag %s: %w", wpSlug, err)
		}
		if added {
			im.rep.TagsNew++
		} else {
			im.rep.TagsKnown++
		}
	}
	im.tags[wpSlug] = t
	if !ok {
		if err := im.remember(ctx, "tag", wpSlug, t.id); err != nil {
			return term{}, err
		}
	}
	im.redirect("/?tag="+url.QueryEscape(wpSlug), t.address)
	im.redirect("/tag/"+wpSlug+"/", t.address)
	_ = wpID // tags are addressed by slug on WordPress
	return t, nil
}

// --- redirects

// redirectBatch is how many old addresses are written in one transaction.
const redirectBatch = 1000

// redirect queues old → target unless they are one address (the old site
// used the same structure, or the route answers it already).
func (im *importer) redirect(old, target string) {
	if old == "" || target == "" {
		return
	}
	ko, err := redirect.Normalize(old)
	if err != nil {
		im.rep.skip("address "+old, "%v", err)
		return
	}
	if kt, err := redirect.Normalize(target); err == nil && kt == ko {
		return
	}
	im.redirs = append(im.redirs, redirect.Entry{Old: old, Target: target})
}

// oldPath is the path and query of an item's link on the old site.
func oldPath(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Path == "" && u.RawQuery == "") {
		return ""
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

func (im *importer) flushRedirects(ctx context.Context) error {
	list := im.redirs
	im.redirs = nil
	var fresh []redirect.Entry
	seen := map[string]bool{}
	for _, e := range list {
		k, _ := redirect.Normalize(e.Old) // checked when queued
		if seen[k] {
			continue
		}
		seen[k] = true
		if im.dry() {
			fresh = append(fresh, e)
			continue
		}
		known, err := im.deps.Redirects.Has(ctx, k)
		if err != nil {
			return fmt.Errorf("wpimport: redirect %s: %w", k, err)
		}
		if known {
			im.rep.RedirectsKnown++ // kept as it is: an admin may have changed it
			continue
		}
		fresh = append(fresh, e)
	}
	if im.dry() || len(fresh) == 0 {
		im.rep.RedirectsNew += len(fresh)
		return nil
	}
	refused, err := im.deps.Redirects.AddMany(ctx, fresh)
	if err != nil {
		return err
	}
	for i, e := range fresh {
		if err, bad := refused[i]; bad {
			im.rep.skip("redirect "+e.Old, "%v", err)
			continue
		}
		im.rep.RedirectsNew++
	}
	return nil
}

// --- items

func itemName(it *wordpress.Item) string {
	return fmt.Sprintf("%s %d %q", it.Type, it.ID, it.Title)
}

func (im *importer) item(ctx context.Context, it *wordpress.Item) error {
	switch it.Type {
	case "attachment":
		return im.attachment(ctx, it)
	case "post", "page":
	default:
		im.rep.OtherTypes[it.Type]++
		return nil
	}
	switch it.Status {
	case "publish", "future", "draft", "pending", "private":
	case "trash":
		// A post trashed with the status it had before (as WordPress and
		// Byline's export write it) comes into the trash here; WordPress's
		// own trash without it, and a trashed page (pages have no trash
		// here), are left out.
		if before, ok := trashedStatus(it); ok && it.Type == "post" {
			restored := *it
			restored.Status = before
			return im.post(ctx, &restored, true)
		}
		im.rep.skip(itemName(it), "its status is %q, without the status it had before%s", it.Status, withComments(it))
		return nil
	default: // auto-draft, inherit (revisions)
		im.rep.skip(itemName(it), "its status is %q%s", it.Status, withComments(it))
		return nil
	}
	if it.Type == "page" {
		return im.page(ctx, it)
	}
	return im.post(ctx, it, false)
}

// trashedStatus is the status a trashed item had before, from the meta
// WordPress restores it from.
func trashedStatus(it *wordpress.Item) (string, bool) {
	v, ok := wordpress.MetaValue(it.Meta, "_wp_trash_meta_status")
	switch v = strings.TrimSpace(v); v {
	case "publish", "future", "draft", "pending", "private":
		return v, ok
	}
	return "", false
}

// attachment keeps what galleries need, and sends the attachment's page to
// its post's.
func (im *importer) attachment(ctx context.Context, it *wordpress.Item) error {
	alt, _ := wordpress.MetaValue(it.Meta, "_wp_attachment_image_alt")
	im.attachments[it.ID] = wordpress.Attachment{URL: it.AttachmentURL, Alt: alt, Caption: it.Excerpt}
	if target, ok := im.addressOf(it.Parent); ok {
		im.redirect(oldPath(it.Link), target)
		im.redirect(fmt.Sprintf("/?attachment_id=%d", it.ID), target)
	}
	if im.opts.Uploads == "" {
		return nil
	}
	return im.attachmentUpload(ctx, it, alt)
}

// addressOf is the new address of an imported post or page read earlier
// in this run.
func (im *importer) addressOf(wpID int64) (string, bool) {
	if wpID == 0 {
		return "", false
	}
	a, ok := im.addresses[wpID]
	return a, ok
}

// status maps a WordPress status to Byline's; private and
// password-protected items are kept as drafts, never public.
func (im *importer) status(it *wordpress.Item) article.Status {
	if it.Status == "private" || it.Password != "" {
		im.rep.NotPublic = append(im.rep.NotPublic, itemName(it))
		return article.StatusDraft
	}
	switch it.Status {
	case "publish":
		return article.StatusPublished
	case "future":
		return article.StatusScheduled
	case "pending":
		return article.StatusPending
	}
	return article.StatusDraft
}

// markdownKey is the meta in which Byline's export keeps the Markdown
// source beside the rendered HTML: wpexport.MarkdownKey, spelled again so
// that the import does not depend on the export (TestRoundTrip fails if
// the two differ).
const markdownKey = "_byline_markdown"

// body is an item's text: the Markdown source when the file is a Byline
// export (exactly as the writer left it), else the HTML made Markdown.
func (im *importer) body(ctx context.Context, it *wordpress.Item) (string, error) {
	if md, ok := wordpress.MetaValue(it.Meta, markdownKey); ok {
		return md, nil
	}
	body, refs := wordpress.Content(it.Content, wordpress.ContentOptions{Attachment: func(id int64) (wordpress.Attachment, bool) {
		a, ok := im.attachments[id]
		return a, ok
	}})
	if im.opts.Uploads != "" {
		return im.rewriteMedia(ctx, body, refs)
	}
	return body, nil
}

// author of an item: its dc:creator's person, made from the login when
// the file has no wp:author for it (WXR 1.0).
func (im *importer) itemAuthor(ctx context.Context, it *wordpress.Item) (int64, error) {
	if id, ok := im.people[it.Creator]; ok {
		return id, nil
	}
	return im.person(ctx, it.Creator, "", it.Creator)
}

// post imports a post; trashed, it goes into the trash once made.
func (im *importer) post(ctx context.Context, it *wordpress.Item, trashed bool) error {
	ext := strconv.FormatInt(it.ID, 10)
	id, ok, err := im.known(ctx, "article", ext)
	if err != nil {
		return err
	}
	if ok {
		im.rep.ArticlesKnown++
		if !im.dry() {
			a, err := im.deps.Articles.ByID(ctx, id)
			if errors.Is(err, apperr.ErrNotFound) {
				im.rep.skip(itemName(it), "imported before and deleted here since%s", withComments(it))
				return nil
			}
			if err != nil {
				return err
			}
			im.articleRedirects(it, a.Status, a.PublishedAt, a.Slug)
		}
		return im.itemComments(ctx, it, id)
	}
	author, err := im.itemAuthor(ctx, it)
	if err != nil {
		return err
	}
	if author == 0 {
		im.rep.skip(itemName(it), "it has no author%s", withComments(it))
		return nil
	}
	tags, named, err := im.itemTerms(ctx, it)
	if err != nil {
		return err
	}
	body, err := im.body(ctx, it)
	if err != nil {
		return err
	}
	d := article.Draft{
		Headline:  strings.TrimSpace(it.Title),
		Slug:      localSlug(it.Name, it.Title),
		AuthorID:  author,
		BodyMD:    body,
		Excerpt:   plainText(it.Excerpt),
		Tags:      tags,
		Status:    im.status(it),
		UpdatedAt: it.Modified(),
	}
	featured, thumb := im.featured(it)
	d.FeaturedMediaID = featured
	if d.Headline == "" {
		d.Headline = "Untitled"
	}
	if d.Slug == "" {
		d.Slug = fmt.Sprintf("post-%d", it.ID)
	}
	if d.Status == article.StatusPublished || d.Status == article.StatusScheduled || !it.PostDateGMT.IsZero() {
		// A draft with a GMT date had its date set (or was published
		// once, as a Byline draft taken back or trashed keeps it).
		d.PublishedAt = it.Date()
	}
	if im.dry() {
		id = im.fakeID()
		im.rep.Articles[d.Status]++
		if trashed {
			im.rep.Trashed++
			d.Status = article.StatusDraft
		}
		return im.afterPost(ctx, it, ext, id, d.Status, d.PublishedAt, d.Slug)
	}
	a, adopted, err := im.createArticle(ctx, it, d)
	if err != nil || a.ID == 0 {
		return err
	}
	if adopted {
		im.rep.ArticlesKnown++
	} else {
		im.rep.Articles[a.Status]++
	}
	// The tags were named by slug; the article shows each tag's own name.
	if !named {
		if err := im.deps.Articles.ShowTagNames(ctx, a.ID); err != nil {
			return fmt.Errorf("wpimport: tags of %s: %w", itemName(it), err)
		}
	}
	if it.CommentStatus == "closed" {
		if err := im.deps.Articles.SetCommentsClosed(ctx, a.ID, true); err != nil {
			return err
		}
	}
	switch {
	case thumb == 0 || featured != 0 || adopted:
	case im.opts.Uploads != "":
		// Its attachment comes later in the file (or never: then the
		// attachment's absence is what the report shows).
		im.featureLater[thumb] = append(im.featureLater[thumb], a.ID)
	default:
		// Without the uploads no file comes across: the report says which
		// featured image the article is without.
		im.rep.MediaMissing = append(im.rep.MediaMissing, fmt.Sprintf("the featured image of %s: attachment %d %s", itemName(it), thumb, im.attachments[thumb].URL))
	}
	if trashed {
		// The trash takes an article back to a draft, as it does here.
		staff, err := im.deps.Articles.Step(ctx, a.ID, 0, "trash", "", operator)
		switch {
		case err == nil:
			a = staff.Article
			im.rep.Trashed++
		case adopted && errors.Is(err, article.ErrTransition): // trashed before the interruption
			a.Status = article.StatusDraft
		default:
			return fmt.Errorf("wpimport: trash %s: %w", itemName(it), err)
		}
	}
	if it.Sticky && !trashed && a.Status == article.StatusPublished {
		_, err := im.deps.Articles.Pin(ctx, a.ID, true, operator)
		switch {
		case err == nil:
			im.rep.Pinned++
		case adopted && errors.Is(err, article.ErrTransition): // pinned before the interruption
		default:
			return fmt.Errorf("wpimport: pin %s: %w", itemName(it), err)
		}
	}
	return im.afterPost(ctx, it, ext, a.ID, a.Status, a.PublishedAt, a.Slug)
}

func (im *importer) afterPost(ctx context.Context, it *wordpress.Item, ext string, id int64, st article.Status, pub time.Time, localSlug string) error {
	if err := im.remember(ctx, "article", ext, id); err != nil {
		return err
	}
	if im.dry() && it.Sticky && st == article.StatusPublished {
		im.rep.Pinned++
	}
	im.articleRedirects(it, st, pub, localSlug)
	return im.itemComments(ctx, it, id)
}

// withComments says, for a post left out, that its comments are too.
func withComments(it *wordpress.Item) string {
	if len(it.Comments) == 0 {
		return ""
	}
	return fmt.Sprintf(" (and its %d comments)", len(it.Comments))
}

// createArticle creates the article, taking an article an interrupted run
// made (same slug and headline, no key yet) rather than making it twice
// (adopted), and another slug when the slug is another article's.
func (im *importer) createArticle(ctx context.Context, it *wordpress.Item, d article.Draft) (a article.Article, adopted bool, err error) {
	for try := 0; ; try++ {
		a, err := im.deps.Articles.Create(ctx, d)
		inv, bad := apperr.AsInvalid(err)
		if !bad {
			return a, false, err
		}
		if _, slugTaken := inv.Fields["slug"]; !slugTaken || len(inv.Fields) > 1 || try > 0 {
			im.rep.skip(itemName(it), "%v%s", err, withComments(it))
			return article.Article{}, false, nil
		}
		id, err := im.unclaimed(ctx, "article", func() (int64, error) { return im.deps.Articles.IDBySlugAndHeadline(ctx, d.Slug, d.Headline) })
		if err != nil {
			return article.Article{}, false, err
		}
		if id != 0 {
			a, err := im.deps.Articles.ByID(ctx, id)
			return a, true, err
		}
		d.Slug = fmt.Sprintf("%s-%d", d.Slug, it.ID)
	}
}

// articleRedirects sends the post's old addresses to its new one, for an
// article the public can (or will) read.
func (im *importer) articleRedirects(it *wordpress.Item, st article.Status, pub time.Time, localSlug string) {
	if (st != article.StatusPublished && st != article.StatusScheduled) || pub.IsZero() {
		return
	}
	loc := time.UTC
	if im.deps != nil && im.deps.Location != nil {
		loc = im.deps.Location
	}
	target := links.Article(pub, localSlug, loc)
	im.addresses[it.ID] = target
	im.redirect(oldPath(it.Link), target)
	im.redirect(fmt.Sprintf("/?p=%d", it.ID), target)
}

// itemTerms are the slugs here of the item's categories, the primary one
// first (it is the kicker), then its tags. A Byline export (its Markdown
// meta tells it) lists them in its writer's order, whose first is the
// kicker whatever its kind: that order is kept, and so are the names as
// the article showed them (typed), when each is a name of its tag here
// (named says so); else the tags show their own names.
func (im *importer) itemTerms(ctx context.Context, it *wordpress.Item) (out []string, named bool, err error) {
	primary, _ := wordpress.MetaValue(it.Meta, "_yoast_wpseo_primary_category")
	primaryID, _ := strconv.ParseInt(strings.TrimSpace(primary), 10, 64)
	_, inOrder := wordpress.MetaValue(it.Meta, markdownKey)
	var cats, tags, typed []string
	shown := func(name, local string) {
		if name = strings.Join(strings.Fields(name), " "); name != "" && slug.Make(name) == local {
			typed = append(typed, name)
		}
	}
	for _, t := range it.Terms {
		switch t.Domain {
		case "category":
			if _, ok := im.cats[t.Nicename]; !ok {
				if err := im.category(ctx, t.Nicename, t.Name, "", 0); err != nil {
					return nil, false, err
				}
			}
			c, ok := im.cats[t.Nicename]
			if !ok || t.Nicename == "uncategorized" && len(it.Terms) > 1 {
				continue // WordPress's default when the writer chose nothing else
			}
			if inOrder {
				tags = append(tags, c.slug)
				shown(t.Name, c.slug)
			} else if primaryID != 0 && im.catIDs[primaryID] == t.Nicename {
				cats = append([]string{c.slug}, cats...)
			} else {
				cats = append(cats, c.slug)
			}
		case "post_tag":
			tg, err := im.tag(ctx, t.Nicename, t.Name, 0)
			if err != nil {
				return nil, false, err
			}
			if tg.slug != "" {
				tags = append(tags, tg.slug)
				shown(t.Name, tg.slug)
			}
		}
	}
	out = append(cats, tags...)
	if inOrder && len(typed) == len(out) {
		out, named = typed, true
	}
	if len(out) > 20 {
		im.rep.skip(itemName(it), "kept its first 20 of %d categories and tags", len(out))
		out = out[:20]
	}
	return out, named, nil
}

// plainText is an excerpt's text without its markup.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

// --- pages

func (im *importer) page(ctx context.Context, it *wordpress.Item) error {
	ext := strconv.FormatInt(it.ID, 10)
	id, ok, err := im.known(ctx, "page", ext)
	if err != nil {
		return err
	}
	skipComments := func() {
		if n := len(it.Comments); n > 0 {
			im.rep.skip(itemName(it), "its %d comments: pages take no comments here", n)
		}
	}
	if ok {
		im.rep.PagesKnown++
		if !im.dry() {
			p, err := im.deps.Articles.PageByID(ctx, id)
			if errors.Is(err, apperr.ErrNotFound) {
				return nil // deleted here since
			}
			if err != nil {
				return err
			}
			im.pageRedirects(it, p.Status, p.Slug)
		}
		skipComments()
		return nil
	}
	author, err := im.itemAuthor(ctx, it)
	if err != nil {
		return err
	}
	if author == 0 {
		im.rep.skip(itemName(it), "it has no author")
		return nil
	}
	st := article.PageDraft
	if im.status(it) == article.StatusPublished {
		st = article.PagePublished
	}
	body, err := im.body(ctx, it)
	if err != nil {
		return err
	}
	in := article.PageInput{Title: strings.TrimSpace(it.Title), Slug: localSlug(it.Name, it.Title), BodyMD: body,
		Status: st, AuthorID: author, Position: it.MenuOrder, CreatedAt: it.Date(), UpdatedAt: it.Modified()}
	if st == article.PagePublished {
		in.PublishedAt = it.Date()
	}
	if in.Title == "" {
		in.Title = "Untitled"
	}
	if !article.PageSlugFree(in.Slug) {
		in.Slug += "-page" // a section's name or a number: the page gets an address of its own
	}
	if im.dry() {
		id = im.fakeID()
	} else {
		p, cerr := im.deps.Articles.CreatePage(ctx, in)
		if _, bad := apperr.AsInvalid(cerr); bad {
			// A page an interrupted run made, before its key was written,
			// is taken back.
			var err error
			id, err = im.unclaimed(ctx, "page", func() (int64, error) { return im.deps.Articles.PageIDBySlugAndTitle(ctx, in.Slug, in.Title) })
			if err != nil {
				return err
			}
			if id == 0 {
				im.rep.skip(itemName(it), "%v", cerr)
				return nil
			}
			im.rep.PagesKnown++
		} else if cerr != nil {
			return cerr
		} else {
			id, in.Slug = p.ID, p.Slug
			im.rep.PagesNew++
		}
	}
	if im.dry() {
		im.rep.PagesNew++
	}
	if err := im.remember(ctx, "page", ext, id); err != nil {
		return err
	}
	im.pageRedirects(it, st, in.Slug)
	skipComments()
	return nil
}

func (im *importer) pageRedirects(it *wordpress.Item, st article.PageStatus, localSlug string) {
	if st != article.PagePublished {
		return
	}
	target := "/" + localSlug + "/"
	im.addresses[it.ID] = target
	im.redirect(oldPath(it.Link), target)
	im.redirect(fmt.Sprintf("/?page_id=%d", it.ID), target)
}

// operator is who the import acts for when it pins: the site's operator,
// who runs the command and has no account here. Pin asks for a person who
// may publish; this stand-in may, and its id (-1) is no one's, so it owns
// no article.
var operator = account.Person{ID: -1, Roles: []account.Role{account.RoleAdmin}}

// --- comments

// commentStatuses maps WordPress's comment_approved.
var commentStatuses = map[string]comment.Status{
	"1": comment.StatusVisible, "0": comment.StatusPending, "spam": comment.StatusSpam,
	"trash": comment.StatusTrash, "post-trashed": comment.StatusTrash,
}

// itemComments queues the post's comments, each parent before its
// replies: WordPress writes them by id, and a reply can have a smaller id
// than its parent (an imported or moved comment).
func (im *importer) itemComments(ctx context.Context, it *wordpress.Item, articleID int64) error {
	byID := map[int64]*wordpress.Comment{}
	var list []*wordpress.Comment
	for i := range it.Comments {
		c := &it.Comments[i]
		switch c.Type {
		case "", "comment":
		case "pingback", "trackback":
			im.rep.Pingbacks++
			continue
		default:
			im.rep.skip(fmt.Sprintf("comment %d on %s", c.ID, itemName(it)), "its type is %q", c.Type)
			continue
		}
		if _, ok := commentStatuses[c.Approved]; !ok {
			im.rep.skip(fmt.Sprintf("comment %d on %s", c.ID, itemName(it)), "its status is %q", c.Approved)
			continue
		}
		byID[c.ID] = c
		list = append(list, c)
	}
	children := map[int64][]*wordpress.Comment{}
	var roots []*wordpress.Comment
	for _, c := range list {
		if p, ok := byID[c.Parent]; ok && p != c {
			children[c.Parent] = append(children[c.Parent], c)
		} else {
			roots = append(roots, c) // top level, or its parent was left out
		}
	}
	placed := map[int64]bool{}
	var walk func(c *wordpress.Comment, parent int64) error
	walk = func(c *wordpress.Comment, parent int64) error {
		if placed[c.ID] {
			return nil
		}
		placed[c.ID] = true
		if err := im.queueComment(ctx, it, articleID, c, parent); err != nil {
			return err
		}
		for _, ch := range children[c.ID] {
			if err := walk(ch, c.ID); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range roots {
		if err := walk(c, 0); err != nil {
			return err
		}
	}
	for _, c := range list {
		if !placed[c.ID] { // a loop of parents: the first one read starts the thread
			if err := walk(c, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (im *importer) queueComment(ctx context.Context, it *wordpress.Item, articleID int64, c *wordpress.Comment, parent int64) error {
	member, err := im.commenter(ctx, c)
	if err != nil {
		return err
	}
	in := comment.Imported{
		Source:     "wordpress:" + im.source,
		ExternalID: strconv.FormatInt(c.ID, 10),
		ArticleID:  articleID,
		AuthorID:   member,
		Guest:      comment.Author{Name: c.Author, Email: c.AuthorEmail, URL: c.AuthorURL},
		BodyHTML:   c.Content,
		Status:     commentStatuses[c.Approved],
		IP:         c.AuthorIP,
		At:         c.Moment(),
	}
	if md, ok := wordpress.MetaValue(c.Meta, markdownKey); ok && strings.TrimSpace(md) != "" {
		in.BodyMarkdown = md // a Byline export: the writer's own Markdown
	}
	if c.Approved == "trash" && strings.TrimSpace(c.Content) == "" && in.BodyMarkdown == "" {
		// A comment its author took back: Byline's export writes it as
		// trash with no text. It comes back as the "[deleted]" placeholder
		// it was, so that the replies under it still read as a thread.
		in.Status, in.Deleted = comment.StatusVisible, true
	}
	if in.AuthorID != 0 {
		in.Guest = comment.Author{} // shown as the member, whatever they typed then
	}
	if parent != 0 {
		in.ParentExternalID = strconv.FormatInt(parent, 10)
	}
	if in.AuthorID == 0 && strings.TrimSpace(in.Guest.Name) == "" {
		in.Guest.Name = "Anonymous" // WordPress allowed a comment without a name
	}
	im.comments = append(im.comments, pendingComment{im: in, what: fmt.Sprintf("comment %d on %s", c.ID, itemName(it))})
	if len(im.comments) >= im.opts.BatchSize {
		return im.flushComments(ctx)
	}
	return nil
}

// commenter is the person here of a comment written by a WordPress user:
// the author of that user id, else the person with the comment's e-mail
// (a member who commented but wrote nothing, whom the file does not list
// as an author). 0: a guest.
func (im *importer) commenter(ctx context.Context, c *wordpress.Comment) (int64, error) {
	if c.UserID == 0 {
		return 0, nil
	}
	if id, ok := im.users[c.UserID]; ok || im.dry() {
		return id, nil
	}
	var id int64
	if email := strings.ToLower(strings.TrimSpace(c.AuthorEmail)); email != "" {
		p, err := im.deps.People.ByEmail(ctx, email)
		switch {
		case err == nil:
			id = p.ID
		case !errors.Is(err, apperr.ErrNotFound):
			return 0, fmt.Errorf("wpimport: commenter %d: %w", c.UserID, err)
		}
	}
	im.users[c.UserID] = id // a miss too: one look-up per user
	return id, nil
}

func (im *importer) flushComments(ctx context.Context) error {
	batch := im.comments
	im.comments = nil
	if len(batch) == 0 {
		return nil
	}
	if im.dry() {
		for _, p := range batch {
			im.rep.Comments[p.im.Status]++
		}
		return nil
	}
	list := make([]comment.Imported, len(batch))
	for i, p := range batch {
		list[i] = p.im
	}
	res, err := im.deps.Comments.Import(ctx, list)
	if err != nil {
		return err
	}
	for i, r := range res {
		switch {
		case r.Err != nil:
			im.rep.skip(batch[i].what, "%v", r.Err)
		case r.Added:
			im.rep.Comments[list[i].Status]++
		default:
			im.rep.CommentsKnown++
		}
	}
	return nil
}
