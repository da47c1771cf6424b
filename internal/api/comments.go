package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/comment"
	"byline/internal/input"
	"byline/internal/links"
)

// Comments is what the API needs of the comment store.
type Comments interface {
	Get(ctx context.Context, id int64) (comment.Comment, error)
	Thread(ctx context.Context, articleID int64, sort comment.Sort, page int) (comment.Page, error)
	WholeThread(ctx context.Context, rootID int64, limit int) ([]comment.Comment, error)
	Post(ctx context.Context, n comment.New, rules comment.Rules) (comment.Posted, error)
	Edit(ctx context.Context, id, authorID int64, body string) (comment.Comment, error)
	Delete(ctx context.Context, id, authorID int64) error
	Vote(ctx context.Context, id, userID int64, value int) (comment.Comment, error)
	Moderate(ctx context.Context, ids []int64, act comment.Action, actorID int64, note string, site comment.Site) error
}

// Comment is a comment as the API shows it.
type Comment struct {
	ID            int64         `json:"id"`
	ArticleID     int64         `json:"article_id"`
	ParentID      *int64        `json:"parent_id"`
	Depth         int           `json:"depth"`
	Author        CommentAuthor `json:"author"`
	BodyHTML      string        `json:"body_html"`
	Deleted       bool          `json:"deleted"`
	Status        string        `json:"status"`
	Score         int           `json:"score"`
	Up            int           `json:"up"`
	Down          int           `json:"down"`
	CreatedAt     time.Time     `json:"created_at"`
	EditedAt      *time.Time    `json:"edited_at"`
	URL           string        `json:"url"`
	HiddenReplies int           `json:"hidden_replies,omitempty"`
	Replies       []*Comment    `json:"replies,omitempty"`
}

// CommentAuthor is who wrote a comment: a member, or a guest (id 0, no
// slug, the web address they gave as url). A guest's e-mail is not shown.
type CommentAuthor struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	Guest bool   `json:"guest"`
}

// commentAuthor is the API's view of a comment's author.
func commentAuthor(base string, a comment.Author) CommentAuthor {
	if a.Guest {
		return CommentAuthor{Name: a.Name, URL: a.URL, Guest: true}
	}
	return CommentAuthor{ID: a.ID, Slug: a.Slug, Name: a.Name, URL: base + links.Author(a.Slug)}
}

// CommentPage is a page of an article's discussion.
type CommentPage struct {
	Data  []*Comment `json:"data"`
	Page  int        `json:"page"`
	Pages int        `json:"pages"`
	Sort  string     `json:"sort"`
	View  string     `json:"view"`
}

func (a *API) comment(base string, c comment.Comment) *Comment {
	out := &Comment{ID: c.ID, ArticleID: c.ArticleID, Depth: c.Depth, BodyHTML: c.BodyHTML, Deleted: c.Deleted(), Status: string(c.Status),
		Score: c.Score(), Up: c.Up, Down: c.Down, CreatedAt: c.CreatedAt.UTC(), URL: base + "/comments/" + strconv.FormatInt(c.ID, 10),
		Author: commentAuthor(base, c.Author)}
	if c.ParentID > 0 {
		p := c.ParentID
		out.ParentID = &p
	}
	if c.Edited() {
		e := c.EditedAt.UTC()
		out.EditedAt = &e
	}
	if c.Deleted() {
		out.BodyHTML, out.Author = "", CommentAuthor{Name: "[deleted]"}
	}
	return out
}

// nest builds the threaded view from a flat list in display order.
func (a *API) nest(base string, list []comment.Comment, hidden map[int64]int) []*Comment {
	var roots []*Comment
	byID := map[int64]*Comment{}
	for _, c := range list {
		v := a.comment(base, c)
		v.HiddenReplies = hidden[c.ID]
		byID[c.ID] = v
		if parent := byID[c.ParentID]; parent != nil {
			parent.Replies = append(parent.Replies, v)
		} else {
			roots = append(roots, v)
		}
	}
	return roots
}

func (a *API) listComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := a.Articles.PublicByID(r.Context(), id); err != nil {
		return err
	}
	q := r.URL.Query()
	view := q.Get("view")
	if view == "" {
		view = "threaded"
	}
	if view != "threaded" && view != "flat" {
		return badParam{"view", "threaded or flat"}
	}
	srt := comment.Sort(q.Get("sort"))
	if srt != "" && srt != comment.SortOldest && srt != comment.SortNewest && srt != comment.SortBest {
		return badParam{"sort", "oldest, newest or best"}
	}
	page := 1
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return badParam{"page", "must be a page number"}
		}
	}
	p, err := a.Comments.Thread(r.Context(), id, comment.ParseSort(string(srt)), page)
	if err != nil {
		return err
	}
	base := a.base(r)
	out := CommentPage{Page: p.Number, Pages: p.Pages, Sort: string(p.Sort), View: view, Data: []*Comment{}}
	if view == "flat" {
		for _, c := range p.Comments {
			v := a.comment(base, c)
			v.HiddenReplies = p.Hidden[c.ID]
			out.Data = append(out.Data, v)
		}
	} else if roots := a.nest(base, p.Comments, p.Hidden); roots != nil {
		out.Data = roots
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getComment(w http.ResponseWriter, r *http.Request) error {
	c, err := a.visibleComment(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.comment(a.base(r), c))
	return nil
}

func (a *API) getThread(w http.ResponseWriter, r *http.Request) error {
	c, err := a.visibleComment(r)
	if err != nil {
		return err
	}
	list, err := a.Comments.WholeThread(r.Context(), c.ThreadID, 2000)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.nest(a.base(r), list, nil)[0])
	return nil
}

func (a *API) visibleComment(r *http.Request) (comment.Comment, error) {
	id, err := pathID(r)
	if err != nil {
		return comment.Comment{}, err
	}
	c, err := a.Comments.Get(r.Context(), id)
	if err != nil {
		return comment.Comment{}, err
	}
	if c.Status != comment.StatusVisible {
		return comment.Comment{}, apperr.ErrNotFound
	}
	return c, nil
}

// caller is the token's owner; endpoints that change things need one,
// and perm ("" for none) says what they must be allowed to do.
func caller(r *http.Request, perm account.Permission) (*account.Person, error) {
	p, _ := r.Context().Value(personKey{}).(*account.Person)
	if p == nil {
		return nil, errUnauthorized
	}
	if perm != "" && !p.Can(perm) {
		return nil, errForbidden
	}
	if held, _ := r.Context().Value(heldBackKey{}).(bool); held && perm != "" && perm != account.PermComment {
		return nil, errSecondFactor
	}
	return p, nil
}

// pathID reads the {id} of the address.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badParam{"id", "must be a positive whole number"}
	}
	return id, nil
}

var (
	errUnauthorized = errors.New("this endpoint needs a personal access token: Authorization: Bearer TOKEN")
	errForbidden    = errors.New("your account may not do this")
	errSecondFactor = errors.New("the site requires staff to set up a second factor first")
)

// write is what a change to one resource needs: the caller, who must hold
// perm, the {id} in the path, and the JSON body.
func write[T any](r *http.Request, perm account.Permission) (p *account.Person, id int64, in T, err error) {
	if p, err = caller(r, perm); err != nil {
		return
	}
	if id, err = pathID(r); err != nil {
		return
	}
	err = decode(r, &in)
	return
}

// decode reads a JSON body (at most 64 KB) into v, and is the one check
// of its text: bytes that are not UTF-8 are refused before decoding
// (encoding/json would quietly turn them into U+FFFD), and every string
// decoded (where an escape such as \u0000 can hide a control character)
// after it.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return badParam{"body", "the request body could not be read"}
	}
	if !utf8.Valid(body) {
		return badText{"body"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badParam{"body", "send a JSON object: " + err.Error()}
	}
	return checkStrings(reflect.ValueOf(v), "body")
}

// checkStrings walks what decode filled in and refuses the first string
// that cannot be kept, naming its JSON field.
func checkStrings(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkStrings(v.Elem(), field)
		}
	case reflect.String:
		if !input.Valid(v.String()) {
			return badText{field}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" {
				name = sf.Name
			}
			if err := checkStrings(v.Field(i), name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := checkStrings(v.Index(i), field); err != nil {
				return err
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if err := checkStrings(it.Key(), field); err != nil {
				return err
			}
			if err := checkStrings(it.Value(), field); err != nil {
				return err
			}
		}
	}
	return nil
}

type newComment struct {
	Body     string `json:"body"`
	ParentID int64  `json:"parent_id"`
}

func (a *API) postComment(w http.ResponseWriter, r *http.Request) error {
	p, id, in, err := write[newComment](r, account.PermComment)
	if err != nil {
		return err
	}
	st := a.Settings.Current(r.Context())
	posted, err := a.Comments.Post(r.Context(), comment.New{ArticleID: id, ParentID: in.ParentID, AuthorID: p.ID, Body: in.Body,
		Trusted: p.TrustedCommenter(), Site: st.CommentSite(), AuthorName: p.DisplayName}, st.CommentRules())
	switch {
	case errors.Is(err, comment.ErrClosed), errors.Is(err, comment.ErrBanned):
		return conflict{err.Error()}
	case err != nil:
		return err
	}
	c, err := a.Comments.Get(r.Context(), posted.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if posted.Duplicate {
		status = http.StatusOK
	} else {
		a.commentChanged("comment", c)
	}
	w.Header().Set("Location", "/api/v1/comments/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, status, a.comment(a.base(r), c))
	return nil
}

type editComment struct {
	Body string `json:"body"`
}

func (a *API) editComment(w http.ResponseWriter, r *http.Request) error {
	p, c, in, err := onComment[editComment](a, r, "")
	if err != nil {
		return err
	}
	if c, err = a.Comments.Edit(r.Context(), c.ID, p.ID, in.Body); err != nil {
		return err
	}
	a.commentChanged("edited", c)
	writeJSON(w, http.StatusOK, a.comment(a.base(r), c))
	return nil
}

func (a *API) deleteComment(w http.ResponseWriter, r *http.Request) error {
	p, err := caller(r, "")
	if err != nil {
		return err
	}
	c, err := a.visibleComment(r)
	if err != nil {
		return err
	}
	if err := a.Comments.Delete(r.Context(), c.ID, p.ID); err != nil {
		return err
	}
	a.commentChanged("deleted", c)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// onComment reads what a change to a shown comment needs: the caller, who
// must hold perm ("" for any signed-in reader), the comment, and the body.
func onComment[T any](a *API, r *http.Request, perm account.Permission) (p *account.Person, c comment.Comment, in T, err error) {
	if p, err = caller(r, perm); err != nil {
		return
	}
	if c, err = a.visibleComment(r); err != nil {
		return
	}
	err = decode(r, &in)
	return
}

type vote struct {
	Value int `json:"value"`
}

func (a *API) voteComment(w http.ResponseWriter, r *http.Request) error {
	p, c, in, err := onComment[vote](a, r, account.PermComment)
	if err != nil {
		return err
	}
	if c, err = a.Comments.Vote(r.Context(), c.ID, p.ID, in.Value); err != nil {
		return err
	}
	a.commentChanged("score", c)
	writeJSON(w, http.StatusOK, a.comment(a.base(r), c))
	return nil
}

type moderation struct {
	Action string `json:"action"`
	Note   string `json:"note"`
}

func (a *API) moderateComment(w http.ResponseWriter, r *http.Request) error {
	p, id, in, err := write[moderation](r, account.PermModerate)
	if err != nil {
		return err
	}
	if err := a.Comments.Moderate(r.Context(), []int64{id}, comment.Action(in.Action), p.ID, in.Note, a.Settings.Current(r.Context()).CommentSite()); err != nil {
		return err
	}
	c, err := a.Comments.Get(r.Context(), id)
	if err != nil {
		return err
	}
	a.commentChanged("moderated", c)
	writeJSON(w, http.StatusOK, a.comment(a.base(r), c))
	return nil
}

// conflict is a request the current state refuses (a closed article).
type conflict struct{ msg string }

func (e conflict) Error() string { return e.msg }
