package site

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/comment"
	"byline/internal/links"
	"byline/internal/slug"
	"byline/internal/web/core"
)

// A reader's own data: the download of everything the site holds about
// them (its shape is written down in docs/account-data.md), the deletion of
// their account, and a first password for an account made without one.

// DownloadsPerHour is how many times a person may download their data in
// an hour: each reads all they ever wrote.
const DownloadsPerHour = 5

// DeleteTriesPerHour is how many times a person may send the deletion
// form in an hour.
const DeleteTriesPerHour = 10

// removalBudget is how long the deletion's answer waits for the removal
// of a prolific reader's comments before leaving the rest to the clean-up.
const removalBudget = 20 * time.Second

// downloadDeadline is how long a download may take to write: longer than
// the server's usual write timeout, for a reader with a long history.
const downloadDeadline = 10 * time.Minute

// DataFormat names the shape of the download; a change that breaks
// readers of it gets a new number.
const DataFormat = "byline-account-data/1"

var (
	flashAccountDeleted = core.NewFlash("account-deleted", "Your account is deleted and you are signed out. A confirmation is on its way to your former address.")
	flashPasswordSet    = core.NewFlash("password-set", "Your password is set. Other devices were signed out.")
)

// deleteData is the deletion page's.
type deleteData struct {
	Person         account.Person
	HasPassword    bool
	RemovalAllowed bool
	SignInAgain    bool // an account without a password, signed in too long ago
	Writer         bool // published articles, which keep their byline
}

// downloadData sends the person everything the site holds about them as
// one JSON file. What is small is read first, so a failure there is a
// clean error page; the long lists (comments, votes, reports, history)
// are then written a page at a time as they are read.
func (s *Server) downloadData(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	ctx := r.Context()
	ok, retry, err := s.Limiter.Hit(ctx, "data-download:"+strconv.FormatInt(v.ID, 10), DownloadsPerHour, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		f := core.NewForm(r)
		f.Error = fmt.Sprintf("You have downloaded your data %d times in the last hour, the most we allow. Please wait %s and try again.", DownloadsPerHour, core.RoundWait(retry))
		return s.renderAccount(w, r, v, http.StatusTooManyRequests, f, accountData{Section: "data"})
	}
	x, err := s.People.ExportOf(ctx, v.ID)
	if err != nil {
		return err
	}
	subs, err := s.Newsletter.SubscriptionsOf(ctx, x.Person.Email, v.ID)
	if err != nil {
		return err
	}
	if err := s.People.Record(ctx, account.Event{UserID: v.ID, Kind: account.EventDataDownloaded}); err != nil {
		return err
	}
	st := s.Site(r)
	now := time.Now()
	name := slug.Make(st.Name)
	if name == "" {
		name = "site"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-account-data-%s.json"`, name, now.In(s.Location).Format("2006-01-02")))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_ = http.NewResponseController(w).SetWriteDeadline(now.Add(downloadDeadline))

	out := &dataWriter{w: bufio.NewWriterSize(w, 32<<10)}
	out.raw(`{"format":`)
	out.value(DataFormat)
	out.raw(`,"site":`)
	out.value(map[string]string{"name": st.Name, "url": st.BaseURL + "/"})
	out.raw(`,"exported_at":`)
	out.value(now.UTC().Format(time.RFC3339))
	out.raw(`,"profile":`)
	out.value(profileJSON(x.Person, st.BaseURL))
	out.raw(`,"notifications":`)
	out.value(map[string]bool{"reply_emails": x.Replies})
	out.raw(`,"newsletter":`)
	list := make([]any, len(subs))
	for i, sub := range subs {
		list[i] = map[string]any{"list": sub.List, "email": sub.Email, "frequency": sub.Frequency, "status": sub.Status, "source": sub.Source,
			"consent": sub.Consent, "created_at": stamp(sub.CreatedAt), "confirmed_at": stamp(sub.ConfirmedAt), "unsubscribed_at": stamp(sub.UnsubscribedAt)}
	}
	out.value(list)
	out.raw(`,"sessions":`)
	list = make([]any, len(x.Sessions))
	for i, ses := range x.Sessions {
		list[i] = map[string]any{"device": ses.UserAgent, "ip": ses.IP, "created_at": stamp(ses.CreatedAt), "last_used_at": stamp(ses.LastSeenAt),
			"expires_at": stamp(ses.ExpiresAt), "this_device": ses.ID == v.Session.ID}
	}
	out.value(list)
	out.raw(`,"api_tokens":`)
	list = make([]any, len(x.Tokens))
	for i, t := range x.Tokens {
		list[i] = map[string]any{"name": t.Name, "created_at": stamp(t.CreatedAt), "last_used_at": stamp(t.LastUsedAt), "revoked_at": stamp(t.RevokedAt)}
	}
	out.value(list)

	out.raw(`,"comments":[`)
	var cur comment.MineCursor
	for first := true; out.err == nil; {
		page, next, err := s.Comments.ByAuthorPage(ctx, v.ID, cur, comment.ExportPage)
		if err != nil {
			return s.abortDownload(r, err)
		}
		for _, c := range page {
			article := map[string]string{"title": c.ArticleHeadline, "url": st.BaseURL + links.Article(c.ArticlePublished, c.ArticleSlug, s.Location)}
			out.item(&first, map[string]any{
				"id": c.ID, "parent_id": nullID(c.ParentID), "article": article,
				"url": st.BaseURL + "/comments/" + strconv.FormatInt(c.ID, 10), "body": c.BodyMD,
				"status": string(c.Status), "deleted": c.Deleted, "created_at": stamp(c.CreatedAt), "edited_at": stamp(c.EditedAt),
				"score": c.Score(), "up": c.Up, "down": c.Down,
			})
		}
		if next.ID == 0 {
			break
		}
		cur = next
	}
	out.raw(`],"votes":[`)
	var after int64
	for first := true; out.err == nil; {
		page, err := s.Comments.VotesPage(ctx, v.ID, after, comment.ExportPage)
		if err != nil {
			return s.abortDownload(r, err)
		}
		for _, vote := range page {
			way := "up"
			if vote.Value < 0 {
				way = "down"
			}
			out.item(&first, map[string]any{"comment_id": vote.CommentID, "vote": way, "at": stamp(vote.At)})
			after = vote.CommentID
		}
		if len(page) < comment.ExportPage {
			break
		}
	}
	out.raw(`],"reports":[`)
	after = 0
	for first := true; out.err == nil; {
		page, err := s.Comments.ReportsPage(ctx, v.ID, after, comment.ExportPage)
		if err != nil {
			return s.abortDownload(r, err)
		}
		for _, rep := range page {
			out.item(&first, map[string]any{"comment_id": rep.CommentID, "reason": rep.Reason, "at": stamp(rep.At)})
			after = rep.CommentID
		}
		if len(page) < comment.ExportPage {
			break
		}
	}
	out.raw(`],"security_history":[`)
	var before int64
	for first := true; out.err == nil; {
		page, err := s.People.EventsBefore(ctx, v.ID, before, comment.ExportPage)
		if err != nil {
			return s.abortDownload(r, err)
		}
		for _, e := range page {
			by := "you"
			if e.ByOther() {
				by = "an admin"
				if e.ActorID < 0 {
					by = "the site"
				}
			}
			out.item(&first, map[string]any{"what": e.Text(), "kind": e.Kind, "detail": e.Detail, "ip": e.IP, "at": stamp(e.At), "by": by})
			before = e.ID
		}
		if len(page) < comment.ExportPage {
			break
		}
	}
	out.raw("]}\n")
	if out.err == nil {
		out.err = out.w.Flush()
	}
	if out.err != nil {
		return s.abortDownload(r, out.err)
	}
	return nil
}

// abortDownload ends a download that failed after its first bytes: the
// connection is cut, so the browser reports a failed download rather than
// saving a file that looks whole.
func (s *Server) abortDownload(r *http.Request, err error) error {
	if r.Context().Err() == nil {
		s.Logger.Error("account data download", "request_id", core.RequestID(r.Context()), "err", err)
	}
	panic(http.ErrAbortHandler)
}

// dataWriter writes the download, keeping the first error.
type dataWriter struct {
	w   *bufio.Writer
	err error
}

func (d *dataWriter) raw(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

func (d *dataWriter) value(v any) {
	if d.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		d.err = err
		return
	}
	_, d.err = d.w.Write(b)
}

// item writes one element of a list, after a comma unless it is the first.
func (d *dataWriter) item(first *bool, v any) {
	if !*first {
		d.raw(",")
	}
	*first = false
	d.value(v)
}

// stamp is a time as the download writes it: RFC 3339 in UTC, or null.
func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func profileJSON(p account.Person, base string) map[string]any {
	roles := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = string(r)
	}
	return map[string]any{"email": p.Email, "display_name": p.DisplayName, "country": p.Country, "bio": p.Bio, "roles": roles,
		"public_page": base + links.Author(p.Slug), "has_password": p.HasPassword(),
		"created_at": stamp(p.CreatedAt), "confirmed_at": stamp(p.VerifiedAt)}
}

// deleteForm asks the person to confirm the deletion of their account.
func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.renderDelete(w, r, v, http.StatusOK, nil, false)
}

func (s *Server) renderDelete(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, again bool) error {
	writer, err := s.People.KeepsByline(r.Context(), v.ID)
	if err != nil {
		return err
	}
	d := deleteData{Person: v.Person, HasPassword: v.Person.HasPassword(), RemovalAllowed: s.Site(r).ReadersRemoveComments, SignInAgain: again, Writer: writer}
	if !d.HasPassword && time.Since(v.Session.CreatedAt) > account.RecentSignIn {
		d.SignInAgain = true
	}
	p := &core.Page{Title: "Delete your account", NoIndex: true, Form: f, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	s.Fill(w, r, p)
	return s.Render(w, status, "account-delete", p)
}

// deleteAccount deletes the person's account once they confirmed it, then
// removes their comments if they chose to, and signs them out.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		f.Values.Del("password")
		return s.renderDelete(w, r, v, http.StatusUnprocessableEntity, f, false)
	}
	ctx := r.Context()
	req := account.DeleteRequest{Password: f.Get("password"), Email: f.Get("email"), SessionStarted: v.Session.CreatedAt,
		RemoveComments: f.Get("comments") == "remove", RemovalAllowed: s.Site(r).ReadersRemoveComments}
	switch f.Get("comments") {
	case "keep", "remove":
	default:
		f.Errors["comments"] = "choose whether your comments stay or go"
		f.Error = "Please correct the fields marked below."
		f.Values.Del("password")
		return s.renderDelete(w, r, v, http.StatusUnprocessableEntity, f, false)
	}
	// Each try checks the password: a stolen session must not become a
	// way to guess it.
	ok, retry, err := s.Limiter.Hit(ctx, "account-delete:"+strconv.FormatInt(v.ID, 10), DeleteTriesPerHour, time.Hour)
	if err != nil {
		return err
	}
	if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		f.Error = fmt.Sprintf("Too many tries in the last hour. Please wait %s and try again.", core.RoundWait(retry))
		f.Values.Del("password")
		return s.renderDelete(w, r, v, http.StatusTooManyRequests, f, false)
	}
	err = s.People.DeleteSelf(ctx, v.ID, req, s.MailContext(r))
	switch {
	case errors.Is(err, account.ErrSignInAgain):
		f.Error = err.Error()
		return s.renderDelete(w, r, v, http.StatusForbidden, f, true)
	case errors.Is(err, account.ErrLastAdmin):
		f.Error = err.Error()
		f.Values.Del("password")
		return s.renderDelete(w, r, v, http.StatusConflict, f, false)
	}
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		f.Values.Del("password")
		return s.renderDelete(w, r, v, http.StatusUnprocessableEntity, f, false)
	}
	if req.RemoveComments {
		// The choice is stored with the deletion: what this answer has no
		// time for, or what a crash stops, the clean-up finishes within a
		// minute (see app's finishCommentRemovals).
		rctx, cancel := context.WithTimeout(ctx, removalBudget)
		_, err := s.Comments.RemoveByAuthor(rctx, v.ID)
		cancel()
		if err == nil {
			err = s.People.CommentsRemoved(ctx, v.ID)
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			s.Logger.Error("remove a deleted account's comments", "request_id", core.RequestID(ctx), "err", err)
		}
	}
	s.ClearCookie(w, r, core.SessionCookie)
	return s.RedirectFlash(w, r, "/", flashAccountDeleted)
}

// setPassword gives an account without a password its first one.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "password", func(f *core.Form) (core.Notice, error) {
		if err := s.People.SetFirstPassword(r.Context(), v.ID, f.Get("new_password")); err != nil {
			return core.Notice{}, err
		}
		// Every session ended with the change; this browser gets a new one.
		return flashPasswordSet, s.Rotate(w, r, v)
	})
}
