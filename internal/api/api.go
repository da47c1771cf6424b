// Package api serves the JSON API v1. Its document is openapi.json, served
// at /api/v1/openapi.json and checked against real responses in tests.
package api

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/input"
	"byline/internal/links"
	"byline/internal/site"
)

//go:embed openapi.json
var openAPIDoc []byte

// Articles is what the API needs of the article store.
type Articles interface {
	PublicByID(ctx context.Context, id int64) (article.Article, error)
	List(ctx context.Context, q article.ListQuery) (article.Page, error)
	Tags(ctx context.Context, limit int) ([]article.Tag, error)
	TagBySlug(ctx context.Context, slug string) (article.Tag, error)
}

// People is what the API needs of the account store.
type People interface {
	BySlug(ctx context.Context, slug string) (account.Person, error)
	List(ctx context.Context, q account.ListQuery) ([]account.Person, error)
}

// Tokens finds who a bearer token belongs to, and whether the site's rule
// on second factors holds their staff work back.
type Tokens interface {
	APITokenPerson(ctx context.Context, secret string) (account.Person, error)
	SecondFactorDue(ctx context.Context, p account.Person, req account.Requirement) (account.Due, error)
}

// Settings gives the site's current public address.
type Settings interface {
	Current(ctx context.Context) site.Settings
}

// Deps is what the API is built from.
type Deps struct {
	Articles Articles
	People   People
	Tokens   Tokens
	Settings Settings
	Comments Comments
	Location *time.Location
	Logger   *slog.Logger

	// CommentChanged, when set, hears of every comment the API posted,
	// edited, deleted, voted on or moderated, so open discussions follow at
	// once (cached pages follow the database by themselves).
	CommentChanged func(kind string, c comment.Comment)
}

// commentChanged passes a change on to CommentChanged.
func (a *API) commentChanged(kind string, c comment.Comment) {
	if a.CommentChanged != nil {
		a.CommentChanged(kind, c)
	}
}

// API is the JSON API's handler.
type API struct {
	Deps
	mux *http.ServeMux
}

// New builds the API.
func New(d Deps) *API {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	a := &API{Deps: d}
	a.mux = a.routes()
	return a
}

// ServeHTTP authenticates a bearer token, if one is sent, then routes.
// Cookies are never used: the API cannot be driven from another site
// with a reader's session.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "Send a personal access token as: Authorization: Bearer TOKEN.")
			return
		}
		p, err := a.Tokens.APITokenPerson(r.Context(), strings.TrimSpace(token))
		if errors.Is(err, account.ErrBadToken) {
			unauthorized(w, "The token is not valid: it is unknown, revoked, or its owner cannot sign in.")
			return
		}
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), personKey{}, &p)
		// A token does not get round the site's rule: staff whose grace
		// for setting up a second factor is over may only do what readers
		// do until they set one up.
		if rule := a.Settings.Current(ctx).SecondFactorRule(); rule.Staff && p.Staff() {
			due, err := a.Tokens.SecondFactorDue(ctx, p, rule)
			if err != nil {
				a.serverError(w, r, err)
				return
			}
			if due.Blocked {
				ctx = context.WithValue(ctx, heldBackKey{}, true)
			}
		}
		r = r.WithContext(ctx)
	}
	a.mux.ServeHTTP(w, r)
}

type personKey struct{}

// heldBackKey marks a caller whose staff work waits for a second factor.
type heldBackKey struct{}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="byline"`)
	writeJSON(w, http.StatusUnauthorized, Error{ErrorBody{Code: "unauthorized", Message: msg}})
}

// base is the site's public address for absolute links.
func (a *API) base(r *http.Request) string { return a.Settings.Current(r.Context()).BaseURL }

// Error is the one shape of every error the API returns.
type Error struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody says what went wrong: a stable code for programs, a message
// for people, and for invalid input the fields at fault.
type ErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var errNoRoute = errors.New("no such endpoint")

type badParam struct{ field, reason string }

// badText is a parameter or a string of the body that holds text that
// cannot be kept (see package input): 422, and never passed on.
type badText struct{ field string }

func (e badText) Error() string { return e.field + ": " + input.Reason }

// checkAddress refuses a path or query value that is not text before any
// handler looks it up (PostgreSQL would refuse it with an error).
func checkAddress(r *http.Request) error {
	if !input.Valid(r.URL.Path) {
		return badText{"path"}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			if !input.Valid(v) {
				return badText{k}
			}
		}
	}
	return nil
}

func (e badParam) Error() string { return e.field + ": " + e.reason }

func (a *API) handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := checkAddress(r)
		if err == nil {
			err = fn(w, r)
		}
		if err == nil {
			return
		}
		var bp badParam
		var cf conflict
		var bt badText
		switch {
		case errors.As(err, &bt):
			writeJSON(w, http.StatusUnprocessableEntity, Error{ErrorBody{Code: "invalid_text", Message: bt.Error(), Fields: map[string]string{bt.field: input.Reason}}})
		case errors.Is(err, errUnauthorized):
			unauthorized(w, err.Error())
		case errors.Is(err, errSecondFactor):
			writeJSON(w, http.StatusForbidden, Error{ErrorBody{Code: "forbidden", Message: "The site requires staff to use a second factor: set one up at /account/two-factor, then try again."}})
		case errors.Is(err, errForbidden):
			writeJSON(w, http.StatusForbidden, Error{ErrorBody{Code: "forbidden", Message: "Your account may not do this."}})
		case errors.As(err, &cf):
			writeJSON(w, http.StatusConflict, Error{ErrorBody{Code: "conflict", Message: cf.msg}})
		case errors.Is(err, errNoRoute):
			writeJSON(w, http.StatusNotFound, Error{ErrorBody{Code: "not_found", Message: "There is no endpoint at " + r.URL.Path + "; see /api/v1/openapi.json."}})
		case errors.Is(err, apperr.ErrNotFound):
			writeJSON(w, http.StatusNotFound, Error{ErrorBody{Code: "not_found", Message: "Not found."}})
		case errors.As(err, &bp):
			writeJSON(w, http.StatusBadRequest, Error{ErrorBody{Code: "invalid_parameter", Message: bp.Error(), Fields: map[string]string{bp.field: bp.reason}}})
		default:
			if inv, ok := apperr.AsInvalid(err); ok {
				writeJSON(w, http.StatusBadRequest, Error{ErrorBody{Code: "invalid_parameter", Message: inv.Error(), Fields: inv.Fields}})
				return
			}
			a.serverError(w, r, err)
		}
	})
}

// serverError answers a failure that is not the client's: 503 with
// Retry-After while the database (or its disk) cannot take requests, as
// the site's pages do, else 500.
func (a *API) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if db.Unavailable(err) {
		a.Logger.Warn("api: database unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "15")
		writeJSON(w, http.StatusServiceUnavailable, Error{ErrorBody{Code: "unavailable", Message: "The site cannot answer this for a moment. Please try again shortly."}})
		return
	}
	a.Logger.Error("api request failed", "path", r.URL.Path, "err", err)
	writeJSON(w, http.StatusInternalServerError, Error{ErrorBody{Code: "internal", Message: "The request could not be served. Please try again."}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"encoding failed"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*") // public, read-only data
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(openAPIDoc)
}

// Article is an article as the API shows it.
type Article struct {
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	Headline    string    `json:"headline"`
	URL         string    `json:"url"`
	Author      Author    `json:"author"`
	PublishedAt time.Time `json:"published_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Excerpt     string    `json:"excerpt"`
	Tags        []Tag     `json:"tags"`
	BodyHTML    string    `json:"body_html,omitempty"`
}

// Author is an article's author.
type Author struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Tag is a tag; Count appears in the tag list.
type Tag struct {
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	Count *int   `json:"count,omitempty"`
}

// Person is a person's public profile (never their e-mail).
type Person struct {
	ID          int64     `json:"id"`
	Slug        string    `json:"slug"`
	DisplayName string    `json:"display_name"`
	Country     string    `json:"country"`
	CountryName string    `json:"country_name"`
	Bio         string    `json:"bio"`
	AvatarURL   string    `json:"avatar_url"`
	Roles       []string  `json:"roles"`
	URL         string    `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
}

// List is a page of items and the cursor of the next page (null at the end).
type List[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func (a *API) article(base string, x article.Article, body bool) Article {
	out := Article{ID: x.ID, Slug: x.Slug, Headline: x.Headline, URL: base + links.Article(x.PublishedAt, x.Slug, a.Location),
		Author:      Author{ID: x.Author.ID, Slug: x.Author.Slug, Name: x.Author.Name, URL: base + links.Author(x.Author.Slug)},
		PublishedAt: x.PublishedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC(), Excerpt: x.Excerpt, Tags: []Tag{}}
	for _, t := range x.Tags {
		out.Tags = append(out.Tags, Tag{Slug: t.Slug, Name: t.Name, URL: base + links.Tag(t.Slug)})
	}
	if body {
		out.BodyHTML = x.BodyHTML
	}
	return out
}

func limitParam(r *http.Request, def, maxN int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxN {
		return 0, badParam{"limit", "must be a whole number from 1 to " + strconv.Itoa(maxN)}
	}
	return n, nil
}

func (a *API) listArticles(w http.ResponseWriter, r *http.Request) error {
	q := article.ListQuery{WithTags: true}
	var err error
	if q.Limit, err = limitParam(r, 20, 100); err != nil {
		return err
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		cur, err := article.ParseCursor(c)
		if err != nil {
			return badParam{"cursor", "malformed cursor; pass next_cursor from the previous page"}
		}
		q.Before = &cur
	}
	if slug := r.URL.Query().Get("tag"); slug != "" {
		t, err := a.Articles.TagBySlug(r.Context(), slug)
		if err != nil {
			return err
		}
		q.TagID = t.ID
	}
	if slug := r.URL.Query().Get("author"); slug != "" {
		p, err := a.People.BySlug(r.Context(), slug)
		if err != nil {
			return err
		}
		q.AuthorID = p.ID
	}
	page, err := a.Articles.List(r.Context(), q)
	if err != nil {
		return err
	}
	out := List[Article]{Data: []Article{}}
	for _, x := range page.Articles {
		out.Data = append(out.Data, a.article(a.base(r), x, false))
	}
	if page.Next != nil {
		s := page.Next.String()
		out.NextCursor = &s
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := a.Articles.PublicByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.article(a.base(r), x, true))
	return nil
}

func (a *API) person(base string, p account.Person) Person {
	out := Person{ID: p.ID, Slug: p.Slug, DisplayName: p.DisplayName, Country: p.Country, CountryName: p.CountryName(),
		Bio: p.Bio, AvatarURL: base + fmt.Sprintf("/avatar/%s?v=%d", p.Slug, p.UpdatedAt.Unix()), Roles: []string{}, URL: base + links.Author(p.Slug), CreatedAt: p.CreatedAt.UTC()}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	return out
}

func (a *API) listPeople(w http.ResponseWriter, r *http.Request) error {
	q := account.ListQuery{}
	var err error
	if q.Limit, err = limitParam(r, 50, 500); err != nil {
		return err
	}
	if v := r.URL.Query().Get("role"); v != "" {
		role, err := account.ParseRole(v)
		if err != nil {
			return badParam{"role", err.Error()}
		}
		q.Role = role
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return badParam{"cursor", "malformed cursor; pass next_cursor from the previous page"}
		}
		q.After = n
	}
	// One more than asked tells whether there is a next page.
	want := q.Limit
	q.Limit++
	people, err := a.People.List(r.Context(), q)
	if err != nil {
		return err
	}
	out := List[Person]{Data: []Person{}}
	for i, p := range people {
		if i == want {
			s := strconv.FormatInt(people[i-1].ID, 10)
			out.NextCursor = &s
			break
		}
		out.Data = append(out.Data, a.person(a.base(r), p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request) error {
	p, err := a.People.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.person(a.base(r), p))
	return nil
}

// Me is the token owner's own account.
type Me struct {
	Person
	Email       string   `json:"email"`
	Verified    bool     `json:"verified"`
	Permissions []string `json:"permissions"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	p, _ := r.Context().Value(personKey{}).(*account.Person)
	if p == nil {
		unauthorized(w, "This endpoint needs a personal access token: Authorization: Bearer TOKEN.")
		return nil
	}
	out := Me{Person: a.person(a.base(r), *p), Email: p.Email, Verified: p.Verified(), Permissions: []string{}}
	for _, perm := range account.AllPermissions {
		if p.Can(perm) {
			out.Permissions = append(out.Permissions, string(perm))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := a.Articles.Tags(r.Context(), 0)
	if err != nil {
		return err
	}
	out := List[Tag]{Data: []Tag{}}
	for _, t := range tags {
		n := t.Count
		out.Data = append(out.Data, Tag{Slug: t.Slug, Name: t.Name, URL: a.base(r) + links.Tag(t.Slug), Count: &n})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
