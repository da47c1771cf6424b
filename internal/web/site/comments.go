package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/links"
	"byline/internal/web/core"
)

const sortCookie = "byline_csort"

// commentView is a comment as the thread shows it to this reader. It
// holds the comment as a named field, not embedded: templates look fields
// up by name, and embedded structs make every lookup a costly search.
type commentView struct {
	C         *comment.Comment
	Level     int
	InReplyTo string
	MyVote    int
	Badges    []string
	Mine      bool
	Editable  bool
	CanAct    bool // the reader may vote and report
	Anon      bool // nobody is signed in: the arrows lead to sign-in
	// CanModerate offers the moderator's steps on the page itself.
	CanModerate bool
	More        int // replies shown only on the thread's page
	Kids        []commentView

	// Precomputed for the template: a function call per comment costs far
	// more than reading a field.
	// AuthorURL is a member's page, or the web address a guest gave ("":
	// none); Avatar is the picture's address.
	AuthorURL, Avatar, ISO, Title, When string
	UpValue, DownValue                  int
	IDText                              string // C.ID written out, when already known
}

// authorURL is where a comment's author's name leads: a member's page, a
// guest's own web address (checked when it was stored), or nowhere.
func authorURL(a comment.Author) string {
	if a.Guest {
		return a.URL
	}
	return links.Author(a.Slug)
}

// commentAvatar is the address of a comment's author's picture: a
// member's, or one drawn from a guest's avatar key (a hash: the address
// says nothing of their e-mail).
func commentAvatar(a comment.Author) string {
	if a.Guest {
		return "/avatar/" + guestAvatar + a.AvatarKey()
	}
	return "/avatar/" + url.PathEscape(a.Slug)
}

// threadView is the discussion part of an article page.
type threadView struct {
	ArticleID  int64
	Heading    string
	Count      int
	Comments   []commentView
	Page       comment.Page
	Sorts      []core.NavItem
	Prev, Next string
	Closed     bool
	CanComment bool
	Why        string // why the reader cannot comment
	LoginURL   string
	Permalink  string             // the article's address
	ParentID   int64              // a reply page's parent
	CanClose   bool               // the reader moderates: offer to close or open comments
	Providers  []account.Provider // sign-in providers' buttons for a signed-out reader
	// HTML is Comments drawn for a signed-out reader, when kept from an
	// earlier page (Comments is then empty) or drawn to be kept.
	HTML []byte
}

// shown reports whether the page has comments to show.
func (tv *threadView) shown() bool { return len(tv.Comments) > 0 || len(tv.HTML) > 0 }

// commentSort is the reader's order: the query, else their last choice.
func (s *Server) commentSort(w http.ResponseWriter, r *http.Request) comment.Sort {
	if q := r.URL.Query().Get("csort"); q != "" {
		srt := comment.ParseSort(q)
		http.SetCookie(w, &http.Cookie{Name: sortCookie, Value: string(srt), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.Secure(r)})
		return srt
	}
	if c, err := r.Cookie(sortCookie); err == nil {
		return comment.ParseSort(c.Value)
	}
	return comment.SortOldest
}

// thread loads page n of an article's discussion for the viewer; with
// root set, that one thread whole instead.
func (s *Server) thread(w http.ResponseWriter, r *http.Request, a article.Article, n int, root int64) (threadView, error) {
	canonical := links.Article(a.PublishedAt, a.Slug, s.Location)
	srt := s.commentSort(w, r)
	page, err := s.readThread(r.Context(), a.ID, srt, n, root)
	if err != nil {
		return threadView{}, err
	}
	tv := threadView{ArticleID: a.ID, Heading: commentHeading(a.CommentCount, a.Headline), Count: a.CommentCount, Page: page,
		Permalink: canonical, LoginURL: loginURL(canonical + "#respond")}
	tv.paging(canonical, srt)
	if tv.Providers, err = s.providerButtons(r); err != nil {
		return threadView{}, err
	}
	tv.Closed = s.Rules(r).ClosedFor(a.CommentsClosed, a.PublishedAt, time.Now())
	v := core.CurrentViewer(r)
	s.respondFor(&tv, v)
	if m := metaOf(r); m != nil {
		m.remember(tv, a.CommentsClosed)
	}
	who, err := s.staff(r)
	if err != nil {
		return threadView{}, err
	}
	keep := v == nil && root == 0 // what a signed-out reader sees of a page of the discussion
	key := htmlKey{article: a.ID, sort: page.Sort, n: page.Number}
	st := htmlState{ver: page.Versions, author: a.Author.ID, badges: who.sig, depth: s.Site(r).CommentDepth, loc: s.Location}
	now := time.Now()
	if keep {
		if html, ok := s.discussions.get(key, st, now); ok {
			tv.HTML = html
			return tv, nil
		}
	}
	if tv.Comments, err = s.commentViews(r, a, page, v, who, now); err != nil {
		return threadView{}, err
	}
	if keep {
		var b bytes.Buffer
		b.Grow(len(page.Comments) * 1600)
		writeComments(&b, tv.Comments)
		tv.HTML = b.Bytes() // b is not used again
		s.discussions.put(key, st, tv.HTML, keepFor(page, now))
	}
	return tv, nil
}

// staff are the people whose comments wear a badge, read once for each
// version of the content.
func (s *Server) staff(r *http.Request) (staff, error) {
	return s.badged.Get(s.Server, func() (staff, error) {
		roles, err := s.People.WithRoles(r.Context(), account.RoleEditor, account.RoleModerator)
		return newStaff(roles), err
	})
}

// readThread reads page n of an article's discussion, or the whole thread
// under root.
func (s *Server) readThread(ctx context.Context, articleID int64, srt comment.Sort, n int, root int64) (comment.Page, error) {
	if root == 0 {
		return s.Comments.Thread(ctx, articleID, srt, n)
	}
	page := comment.Page{Number: 1, Pages: 1, Sort: srt}
	var err error
	page.Comments, err = s.Comments.WholeThread(ctx, root, 2000)
	return page, err
}

// paging links the discussion's orders and its neighbouring pages.
func (tv *threadView) paging(canonical string, srt comment.Sort) {
	for _, o := range []comment.Sort{comment.SortOldest, comment.SortNewest, comment.SortBest} {
		tv.Sorts = append(tv.Sorts, core.NavItem{Label: string(o), Href: canonical + "?csort=" + string(o) + "#comments", Current: o == srt})
	}
	if tv.Page.Number > 1 {
		tv.Prev = canonical + "?cpage=" + strconv.Itoa(tv.Page.Number-1) + "#comments"
	}
	if tv.Page.Number < tv.Page.Pages {
		tv.Next = canonical + "?cpage=" + strconv.Itoa(tv.Page.Number+1) + "#comments"
	}
}

// remember keeps what the cached page needs to draw a signed-in reader's
// parts: the anonymous thread and its comments' authors and times.
func (m *cacheMeta) remember(tv threadView, closed bool) {
	anon := tv
	m.thread, m.closed = &anon, closed
	for _, c := range tv.Page.Comments {
		if !c.Deleted() {
			m.comments = append(m.comments, commentMeta{id: c.ID, author: c.Author.ID, created: c.CreatedAt, idText: strconv.FormatInt(c.ID, 10)})
		}
	}
}

// commentViews nests a page's comments for the template, with their
// authors' badges and the reader's own votes: one query each for the page.
func (s *Server) commentViews(r *http.Request, a article.Article, page comment.Page, v *core.Viewer, who staff, now time.Time) ([]commentView, error) {
	roles := who.roles
	votes := map[int64]int{}
	if v != nil && len(page.Comments) > 0 {
		ids := make([]int64, len(page.Comments))
		for i, c := range page.Comments {
			ids[i] = c.ID
		}
		var err error
		if votes, err = s.Comments.Votes(r.Context(), v.ID, ids); err != nil {
			return nil, err
		}
	}
	var build func(nodes []*comment.Node) []commentView
	build = func(nodes []*comment.Node) []commentView {
		out := make([]commentView, 0, len(nodes))
		for _, n := range nodes {
			cv := commentView{C: &n.Comment, Level: n.Level, InReplyTo: n.InReplyTo, MyVote: votes[n.ID], Badges: badges(roles[n.Author.ID], n.Author.ID == a.Author.ID),
				CanAct: v != nil && v.Can(account.PermComment), Anon: v == nil, CanModerate: v != nil && v.Can(account.PermModerate), More: page.Hidden[n.ID],
				AuthorURL: authorURL(n.Author), Avatar: commentAvatar(n.Author), ISO: n.CreatedAt.UTC().Format(time.RFC3339)}
			var date string
			cv.Title, date = core.LongTimes(n.CreatedAt.In(s.Location))
			cv.When = since(n.CreatedAt, now, date)
			cv.UpValue, cv.DownValue = flipVote(cv.MyVote, 1), flipVote(cv.MyVote, -1)
			if v != nil && v.ID == n.Author.ID && !n.Deleted() {
				cv.Mine, cv.Editable = true, n.Editable(now)
			}
			cv.Kids = build(n.Children)
			out = append(out, cv)
		}
		return out
	}
	return build(comment.Nest(page.Comments, s.Site(r).CommentDepth)), nil
}

// respondFor decides what the reply box offers reader v (nil: anonymous).
func (s *Server) respondFor(tv *threadView, v *core.Viewer) {
	tv.CanComment, tv.Why = false, ""
	tv.CanClose = v != nil && v.Can(account.PermModerate)
	switch {
	case tv.Closed:
		tv.Why = "Comments are closed on this article."
	case v == nil:
	case v.Can(account.PermComment):
		tv.CanComment = true
	case !v.Verified():
		tv.Why = "Confirm your e-mail address to comment: follow the link we sent to " + v.Email + ", or have a new one sent from your account page."
	default:
		tv.Why = "Your account may not comment."
	}
}

// flipVote is the value a vote button sends: its own, or 0 to take the
// reader's vote back.
func flipVote(my, want int) int {
	if my == want {
		return 0
	}
	return want
}

// when is "3 hours ago" for recent times and a date for older ones.
func (s *Server) when(t, now time.Time) string {
	if recent(t, now) {
		return core.Since(now.Sub(t))
	}
	_, date := core.LongTimes(t.In(s.Location))
	return date
}

// since is when with the date already written.
func since(t, now time.Time, date string) string {
	if recent(t, now) {
		return core.Since(now.Sub(t))
	}
	return date
}

// recent is a time in the last week, which pages show as "3 hours ago".
func recent(t, now time.Time) bool {
	d := now.Sub(t)
	return d >= 0 && d < recentFor
}

// recentFor is how long a time reads as a time ago.
const recentFor = 7 * 24 * time.Hour

// badges are the staff labels shown beside a commenter's name.
func badges(roles []account.Role, isAuthor bool) []string {
	var out []string
	if isAuthor {
		out = append(out, "Author")
	}
	for _, r := range roles {
		switch r {
		case account.RoleEditor:
			out = append(out, "Editor")
		case account.RoleModerator:
			out = append(out, "Moderator")
		}
	}
	return out
}

// commentPermalink sends a reader to the page of the thread that holds a
// comment, whatever its page is now.
func (s *Server) commentPermalink(w http.ResponseWriter, r *http.Request) error {
	id, err := core.PathID(r)
	if err != nil {
		return err
	}
	return s.RedirectToComment(w, r, id, core.Notice{})
}

func (s *Server) RedirectToComment(w http.ResponseWriter, r *http.Request, id int64, flash core.Notice) error {
	return s.redirectToCommentIn(w, r, nil, id, flash)
}

// redirectToCommentIn is RedirectToComment when the article is at hand.
func (s *Server) redirectToCommentIn(w http.ResponseWriter, r *http.Request, a *article.Article, id int64, flash core.Notice) error {
	place, err := s.Comments.Locate(r.Context(), id, s.commentSort(w, r))
	if err != nil {
		return err
	}
	if a == nil || a.ID != place.ArticleID {
		found, err := s.Articles.PublicByID(r.Context(), place.ArticleID)
		if err != nil {
			return err
		}
		a = &found
	}
	to := links.Article(a.PublishedAt, a.Slug, s.Location)
	switch {
	case place.Thread > 0:
		to = "/comments/" + strconv.FormatInt(place.Thread, 10) + "/thread"
	case place.Page > 1:
		to += "?cpage=" + strconv.Itoa(place.Page)
	}
	to += "#comment-" + strconv.FormatInt(id, 10)
	if flash.Key != "" {
		s.SetFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// postComment takes a new comment or reply from the form. A stored
// comment's answer needs no look at the article of its own: the post
// checks that the article takes comments, and names its page. The form
// shown again needs the whole article, read only then.
func (s *Server) postComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, 64<<10)
	if err != nil {
		return err
	}
	articleID, _ := strconv.ParseInt(f.Get("article_id"), 10, 64)
	parentID, _ := strconv.ParseInt(f.Get("parent_id"), 10, 64)
	again := func(status int) error {
		a, err := s.Articles.PublicByID(r.Context(), articleID)
		if err != nil {
			if refused && errors.Is(err, apperr.ErrNotFound) {
				return f.Bad // no form to show it on
			}
			return err
		}
		return s.commentFormAgainStatus(w, r, a, parentID, f, status)
	}
	if refused {
		return again(http.StatusUnprocessableEntity)
	}
	if !v.Can(account.PermComment) {
		f.Errors["body"] = "confirm your e-mail address before commenting; the link is in the mail we sent you"
		return again(http.StatusUnprocessableEntity)
	}
	if f.Get("preview") != "" {
		return again(previewInto(f))
	}
	p, err := s.Comments.Post(r.Context(), comment.New{ArticleID: articleID, ParentID: parentID, AuthorID: v.ID, Body: f.Get("body"), IP: s.ClientIP(r),
		Trusted: v.TrustedCommenter(), Site: s.Site(r).CommentSite(),
		AuthorName: v.DisplayName}, s.Rules(r))
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		if msg := whyNotPosted(err); msg != "" {
			f.Error = msg
		} else if !f.Fail(err) {
			return err
		}
		return again(http.StatusUnprocessableEntity)
	}
	a := &article.Article{ID: p.ArticleID, Slug: p.ArticleSlug, PublishedAt: p.ArticlePublished}
	switch {
	case p.Duplicate:
		return s.redirectToCommentIn(w, r, a, p.ID, flashCommentDuplicate)
	case p.Status == comment.StatusPending:
		return s.RedirectFlash(w, r, links.Article(a.PublishedAt, a.Slug, s.Location)+"#respond", flashCommentHeld)
	}
	s.CommentChanged("comment", p.Comment)
	return s.landOnNew(w, r, a, p)
}

// whyNotPosted words a refusal that is about the discussion or the writer,
// not the comment's text ("" for any other error).
func whyNotPosted(err error) string {
	switch {
	case errors.Is(err, comment.ErrClosed):
		return "Comments are closed on this article."
	case errors.Is(err, comment.ErrBanned):
		return "You may not comment at the moment: a moderator has paused your commenting."
	}
	return ""
}

// landOnNew sends the writer to their new comment, on the page that
// shows it.
func (s *Server) landOnNew(w http.ResponseWriter, r *http.Request, a *article.Article, p comment.Posted) error {
	if p.Depth > 0 {
		return s.redirectToCommentIn(w, r, a, p.ID, flashCommentPosted)
	}
	// A new thread: last in the oldest-first order, first in the newest.
	page := 1
	if s.commentSort(w, r) == comment.SortOldest {
		page = p.LastPage
		if page == 0 {
			var err error
			if page, err = s.Comments.LastPage(r.Context(), a.ID); err != nil {
				return err
			}
		}
	}
	to := links.Article(a.PublishedAt, a.Slug, s.Location)
	if page > 1 {
		to += "?cpage=" + strconv.Itoa(page)
	}
	return s.RedirectFlash(w, r, to+"#comment-"+strconv.FormatInt(p.ID, 10), flashCommentPosted)
}

// commentFormAgain shows the comment form again with what was typed: on
// the reply page for a reply, on the article for a new comment.
func (s *Server) commentFormAgain(w http.ResponseWriter, r *http.Request, a article.Article, parentID int64, f *core.Form) error {
	return s.commentFormAgainStatus(w, r, a, parentID, f, http.StatusUnprocessableEntity)
}

func (s *Server) commentFormAgainStatus(w http.ResponseWriter, r *http.Request, a article.Article, parentID int64, f *core.Form, status int) error {
	if parentID > 0 {
		parent, err := s.Comments.Get(r.Context(), parentID)
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		if err == nil && parent.ArticleID == a.ID {
			return s.replyPage(w, r, a, parent, f, status)
		}
	}
	return s.articlePage(w, r, a, f, status)
}

// previewInto puts the preview of the typed comment on the form, or the
// reason it would be refused; it returns the status to answer with.
func previewInto(f *core.Form) int {
	html, err := comment.Preview(f.Get("body"))
	if err != nil {
		if !f.Fail(err) {
			f.Error = err.Error()
		}
		return http.StatusUnprocessableEntity
	}
	f.Preview = template.HTML(html) // sanitised by the comment renderer
	return http.StatusOK
}

// previewComment answers the comment box's script: the preview's HTML,
// or why the text would be refused.
func (s *Server) previewComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, 64<<10); err != nil {
		return err
	}
	out := map[string]string{}
	status := http.StatusOK
	html, err := comment.Preview(r.PostForm.Get("body"))
	switch inv, ok := apperr.AsInvalid(err); {
	case err == nil:
		out["html"] = html
	case ok:
		out["error"], status = inv.Fields["body"], http.StatusUnprocessableEntity
	default:
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// replyForm is the reply page for readers without JavaScript.
func (s *Server) replyForm(w http.ResponseWriter, r *http.Request) error {
	c, a, err := s.publicComment(r)
	if err != nil {
		return err
	}
	return s.replyPage(w, r, a, c, nil, http.StatusOK)
}

func (s *Server) publicComment(r *http.Request) (comment.Comment, article.Article, error) {
	c, err := core.ByPath(r, s.Comments.Get)
	if err != nil {
		return comment.Comment{}, article.Article{}, err
	}
	if c.Status != comment.StatusVisible {
		return comment.Comment{}, article.Article{}, apperr.ErrNotFound
	}
	a, err := s.Articles.PublicByID(r.Context(), c.ArticleID)
	return c, a, err
}

type replyData struct {
	Article article.Article
	Parent  comment.Comment
	Thread  threadView
	Edit    bool
}

// threadPage shows one top-level comment with all its replies.
func (s *Server) threadPage(w http.ResponseWriter, r *http.Request) error {
	c, a, err := s.publicComment(r)
	if err != nil {
		return err
	}
	if c.Depth != 0 {
		http.Redirect(w, r, "/comments/"+strconv.FormatInt(c.ThreadID, 10)+"/thread#comment-"+strconv.FormatInt(c.ID, 10), http.StatusMovedPermanently)
		return nil
	}
	dependsOnArticle(r, a.ID)
	tv, err := s.thread(w, r, a, 1, c.ID)
	if err != nil {
		return err
	}
	p := &core.Page{Title: "Thread by " + c.Author.Name + " on " + a.Headline, Data: replyData{Article: a, Parent: c, Thread: tv},
		Canonical: s.Site(r).BaseURL + "/comments/" + strconv.FormatInt(c.ID, 10) + "/thread"}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, http.StatusOK, "thread", p)
}

func (s *Server) replyPage(w http.ResponseWriter, r *http.Request, a article.Article, parent comment.Comment, f *core.Form, status int) error {
	tv, err := s.thread(w, r, a, 1, 0)
	if err != nil {
		return err
	}
	tv.ParentID = parent.ID
	if f == nil { // what the reader wrote before signing in, back in the box
		body, err := s.heldDraft(w, r, a.ID, parent.ID)
		if err != nil {
			return err
		}
		f = draftForm(body)
	}
	p := &core.Page{Title: "Reply to " + parent.Author.Name, NoIndex: true, Form: f, Data: replyData{Article: a, Parent: parent, Thread: tv}}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, status, "reply", p)
}

// editForm and editComment let an author change a comment for 15 minutes.
func (s *Server) editForm(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	c, a, err := s.publicComment(r)
	if err != nil {
		return err
	}
	if c.Author.ID != v.ID || !c.Editable(time.Now()) {
		return core.BadRequest{Msg: "Comments can be edited by their author for 15 minutes after posting."}
	}
	return s.editPage(w, r, a, c, nil, http.StatusOK)
}

func (s *Server) editPage(w http.ResponseWriter, r *http.Request, a article.Article, c comment.Comment, f *core.Form, status int) error {
	if f == nil {
		f = &core.Form{Values: url.Values{"body": {c.BodyMD}}, Errors: map[string]string{}}
	}
	p := &core.Page{Title: "Edit your comment", NoIndex: true, Form: f, Data: replyData{Article: a, Parent: c, Edit: true}}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, status, "reply", p)
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, 64<<10)
	if err != nil {
		return err
	}
	c, a, err := s.publicComment(r)
	if err != nil {
		return err
	}
	var edited comment.Comment
	switch {
	case refused:
		err = f.Bad
	case f.Get("preview") != "":
		return s.editPage(w, r, a, c, f, previewInto(f))
	default:
		edited, err = s.Comments.Edit(r.Context(), c.ID, v.ID, f.Get("body"))
	}
	if err != nil {
		if f.Fail(err) {
			return s.editPage(w, r, a, c, f, http.StatusUnprocessableEntity)
		}
		return err
	}
	s.CommentChanged("edited", edited)
	return s.redirectToCommentIn(w, r, &a, c.ID, flashCommentEdited)
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	c, a, err := s.publicComment(r)
	if err != nil {
		return err
	}
	if err := s.Comments.Delete(r.Context(), c.ID, v.ID); err != nil {
		return err
	}
	c.DeletedAt = time.Now()
	s.CommentChanged("deleted", c)
	// Land where the comment was: on its parent, else the discussion.
	if c.ParentID > 0 {
		err := s.redirectToCommentIn(w, r, &a, c.ParentID, flashCommentDeleted)
		if !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
	}
	return s.RedirectFlash(w, r, links.Article(a.PublishedAt, a.Slug, s.Location)+"#comments", flashCommentDeleted)
}

// voteComment records a vote. Script-driven votes get the new score as
// JSON; a plain form gets the page back.
func (s *Server) voteComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	value, err := strconv.Atoi(r.PostForm.Get("value"))
	if err != nil {
		return core.BadRequest{Msg: "A vote is 1, -1 or 0."}
	}
	if !v.Can(account.PermComment) {
		return core.BadRequest{Msg: "Confirm your e-mail address to vote."}
	}
	c, err := s.Comments.Vote(r.Context(), id, v.ID, value)
	if err != nil {
		if inv, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: inv.Fields["value"]}
		}
		return err
	}
	s.CommentChanged("score", c)
	if r.Header.Get("Accept") == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write([]byte(`{"id":` + strconv.FormatInt(c.ID, 10) + `,"score":` + strconv.Itoa(c.Score()) + `,"up":` + strconv.Itoa(c.Up) +
			`,"down":` + strconv.Itoa(c.Down) + `,"vote":` + strconv.Itoa(value) + `}`))
		return err
	}
	return s.RedirectToComment(w, r, c.ID, core.Notice{})
}

func (s *Server) reportComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	c, _, err := s.publicComment(r)
	if err != nil {
		return err
	}
	if err := s.Comments.Report(r.Context(), c.ID, v.ID, r.PostForm.Get("reason"), s.Rules(r)); err != nil {
		if inv, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: inv.Error()}
		}
		return err
	}
	// Enough reports hold a comment: tell open pages what it is now.
	if c, err = s.Comments.Get(r.Context(), c.ID); err != nil {
		return err
	}
	s.CommentChanged("reported", c)
	return s.RedirectToComment(w, r, c.ID, flashCommentReported)
}

// saveNotifications turns reply mails on or off from the account page.
func (s *Server) saveNotifications(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if err := s.People.NotifyReplies(r.Context(), v.ID, r.PostForm.Get("replies") != ""); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/account#notifications", flashNotificationsSaved)
}

type unsubscribeData struct {
	Done, Bad bool
	URL       string
}

// unsubscribe is the link in every reply mail: a page with one button,
// and the POST that mail programs send for one-click unsubscribing
// (RFC 8058). No sign-in is needed; the link's token is the proof.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		if err := core.ParseForm(w, r, core.FormLimit); err != nil {
			return err
		}
	}
	id, _ := strconv.ParseInt(r.FormValue("u"), 10, 64)
	token := r.FormValue("t")
	d := unsubscribeData{URL: r.URL.RequestURI()}
	if r.Method == http.MethodPost {
		ok, err := s.People.UnsubscribeReplies(r.Context(), id, token)
		if err != nil {
			return err
		}
		d.Done, d.Bad = ok, !ok
	} else if id <= 0 || token == "" {
		d.Bad = true
	}
	p := &core.Page{Title: "Reply notifications", NoIndex: true, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	s.Fill(w, r, p)
	status := http.StatusOK
	if d.Bad {
		status = http.StatusBadRequest
	}
	return s.Render(w, status, "unsubscribe", p)
}
