package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/comment"
	"byline/internal/links"
	"byline/internal/web/core"
)

type commentsData struct {
	Queue    comment.Queue
	Queues   []core.NavItem
	Comments []comment.Queued
	More     string
	Actions  []comment.Action
	Search   string
	Back     string // this list's address, to come back to after a step
}

// rowActions are the one-click steps on each row, as in WordPress.
var rowActions = []comment.Action{comment.ActApprove, comment.ActHold, comment.ActSpam, comment.ActTrash}

// actionLabel is a row button's label.
func actionLabel(a comment.Action) string {
	switch a {
	case comment.ActApprove:
		return "Approve"
	case comment.ActHold:
		return "Hold"
	case comment.ActSpam:
		return "Spam"
	case comment.ActTrash:
		return "Trash"
	}
	return string(a)
}

// adminComments lists a moderation queue. Without a queue named, the first
// one with something waiting opens.
func (s *Server) adminComments(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	query := r.URL.Query()
	counts, err := s.Comments.Counts(r.Context())
	if err != nil {
		return err
	}
	q := comment.Queue(query.Get("queue"))
	if q == "" {
		q = comment.QueueAll
		for _, x := range []comment.Queue{comment.QueuePending, comment.QueueReported, comment.QueueSpam} {
			if counts[x] > 0 {
				q = x
				break
			}
		}
	}
	f := comment.Filter{Queue: q, Search: strings.TrimSpace(query.Get("s"))}
	if b := query.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed page."}
		}
		f.Before = n
	}
	list, err := s.Comments.Find(r.Context(), f, 50)
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: "Unknown queue."}
		}
		return err
	}
	here := url.Values{"queue": {string(q)}}
	if f.Search != "" {
		here.Set("s", f.Search)
	}
	d := commentsData{Queue: q, Comments: list, Search: f.Search, Back: "/admin/comments?" + here.Encode(),
		Actions: []comment.Action{comment.ActApprove, comment.ActHold, comment.ActSpam, comment.ActTrash, comment.ActRestore}}
	for _, x := range comment.Queues {
		label := core.Capitalize(string(x)) // "Pending", as the tab shows it
		if n := counts[x]; n > 0 {
			label += " (" + strconv.Itoa(n) + ")"
		}
		d.Queues = append(d.Queues, core.NavItem{Label: label, Href: "/admin/comments?queue=" + string(x), Current: x == q})
	}
	if len(list) == 50 {
		here.Set("before", strconv.FormatInt(list[len(list)-1].ID, 10))
		d.More = "/admin/comments?" + here.Encode()
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/comments", "Comments", nil, d)
}

// adminModerate applies one action to the selected comments, or a row's
// own button ("one" is "action:id") to that comment alone. It serves the
// queue screen and the moderator tools on the public pages alike.
func (s *Server) adminModerate(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	act := comment.Action(r.PostForm.Get("action"))
	var ids []int64
	if one := r.PostForm.Get("one"); one != "" {
		a, id, _ := strings.Cut(one, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed selection."}
		}
		act, ids = comment.Action(a), []int64{n}
	} else {
		for _, x := range r.PostForm["id"] {
			id, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return core.BadRequest{Msg: "Malformed selection."}
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return core.BadRequest{Msg: "Select at least one comment."}
	}
	key, ok := flashModeratedBy[act]
	if !ok {
		return core.BadRequest{Msg: "Unknown action."}
	}
	if err := s.Comments.Moderate(r.Context(), ids, act, v.ID, r.PostForm.Get("note"), s.Site(r).CommentSite()); err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: "Unknown action."}
		}
		return err
	}
	for _, id := range ids {
		c, err := s.Comments.Get(r.Context(), id)
		if err != nil {
			// The moderation is saved; only the live update is lost.
			if !errors.Is(err, apperr.ErrNotFound) {
				s.Logger.Error("moderate: announce", "comment", id, "err", err)
			}
			continue
		}
		s.CommentChanged("moderated", c)
	}
	if r.PostForm.Get("from") == "page" && len(ids) == 1 {
		return s.backToDiscussion(w, r, ids[0], key)
	}
	back := core.SafeReturn(r.PostForm.Get("return_to"))
	if back == "/" {
		back = "/admin/comments"
	}
	return s.RedirectCounted(w, r, back, key, len(ids))
}

// backToDiscussion lands a moderator who acted on a public page where the
// comment was: on it if still shown, else on its parent or the discussion.
func (s *Server) backToDiscussion(w http.ResponseWriter, r *http.Request, id int64, key core.Notice) error {
	c, err := s.Comments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	flash := key.Count(1)
	for _, at := range []int64{c.ID, c.ParentID} {
		if at == 0 {
			continue
		}
		err := s.public.RedirectToComment(w, r, at, flash)
		if !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
	}
	a, err := s.Articles.PublicByID(r.Context(), c.ArticleID)
	if err != nil {
		return err
	}
	return s.RedirectFlash(w, r, links.Article(a.PublishedAt, a.Slug, s.Location)+"#comments", flash)
}

type commentDetail struct {
	Comment comment.Comment
	History []comment.Event
	Actions []comment.Action
}

func (s *Server) adminComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.adminCommentPage(w, r, v, nil, http.StatusOK)
}

func (s *Server) adminCommentPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, f *core.Form, status int) error {
	c, err := core.ByPath(r, s.Comments.Get)
	if err != nil {
		return err
	}
	h, err := s.Comments.History(r.Context(), c.ID)
	if err != nil {
		return err
	}
	d := commentDetail{Comment: c, History: h, Actions: []comment.Action{comment.ActApprove, comment.ActHold, comment.ActSpam, comment.ActTrash}}
	return s.adminPage(w, r, v, status, "admin/comment", "Comment "+strconv.FormatInt(c.ID, 10), f, d)
}

func (s *Server) adminEditComment(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, 64<<10)
	if err != nil {
		return err
	}
	id, err := core.PathID(r)
	if err != nil {
		return err
	}
	if refused {
		err = f.Bad
	} else {
		err = s.Comments.EditByModerator(r.Context(), id, v.ID, f.Get("body"))
	}
	if err != nil {
		if f.Fail(err) {
			return s.adminCommentPage(w, r, v, f, http.StatusUnprocessableEntity)
		}
		return err
	}
	c, err := s.Comments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	s.CommentChanged("edited", c)
	return s.RedirectFlash(w, r, "/admin/comments/"+strconv.FormatInt(id, 10), flashModerated)
}

// adminBan pauses a commenter for a number of days (0 lifts it).
func (s *Server) adminBan(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	c, err := s.Comments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if c.Author.Guest {
		return core.BadRequest{Msg: "A guest has no account to pause."}
	}
	days, err := strconv.Atoi(r.PostForm.Get("days"))
	if err != nil || days < 0 || days > 3650 {
		return core.BadRequest{Msg: "Choose a number of days from 0 to 3650."}
	}
	var until time.Time
	if days > 0 {
		until = time.Now().Add(time.Duration(days) * 24 * time.Hour)
	}
	if err := s.Comments.Ban(r.Context(), c.Author.ID, v.ID, until); err != nil {
		return err
	}
	s.Logger.Info("admin: commenter paused", "by", v.ID, "person", c.Author.ID, "days", days)
	return s.RedirectFlash(w, r, "/admin/comments/"+strconv.FormatInt(id, 10), flashBanned)
}

// closeComments opens or closes one article's discussion (moderators).
func (s *Server) closeComments(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	a, err := s.Articles.PublicByID(r.Context(), id)
	if err != nil {
		return err
	}
	closed := r.PostForm.Get("closed") == "true"
	if err := s.Articles.SetCommentsClosed(r.Context(), id, closed); err != nil {
		return err
	}
	s.Logger.Info("admin: comments closed", "by", v.ID, "article", id, "closed", closed)
	return s.RedirectFlash(w, r, links.Article(a.PublishedAt, a.Slug, s.Location)+"#respond", flashModerated)
}
