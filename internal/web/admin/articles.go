package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/links"
	"byline/internal/media"
	"byline/internal/slug"
	"byline/internal/web/core"
)

// articleActions are the newsroom's steps, in the order buttons show.
var articleActions = []string{"save", "submit", "return", "publish", "pin", "unpin", "unpublish", "trash", "restore"}

// flashArticleStep is the notice after each of the newsroom's steps;
// New checks that every step in articleActions has one.
var flashArticleStep = map[string]core.Notice{
	"save":      flashArticleSaved,
	"submit":    flashArticleSubmit,
	"return":    flashArticleReturn,
	"publish":   flashArticlePublish,
	"pin":       flashArticlePin,
	"unpin":     flashArticleUnpin,
	"unpublish": flashArticleUnpublish,
	"trash":     flashArticleTrash,
	"restore":   flashArticleRestore,
}

// articleCan asks the article package's permission table (article.May),
// which the store's steps enforce too.
func articleCan(v *core.Viewer, a *article.Staff, action string) bool {
	return article.May(v.Person, a, action)
}

type articlesData struct {
	Articles []article.Staff
	Query    article.StaffQuery
	Counts   map[string]int
	Statuses []string
	More     string
	Mine     bool // a contributor sees their own only
	Authors  []account.Person
	Steps    []bulkStep // the bulk steps the person may take on some listed article

	StatusLabels map[string]string // the tabs' names
}

var articleStatusLabels = map[string]string{"draft": "Drafts", "pending": "Pending review", "scheduled": "Scheduled", "published": "Published", "trashed": "Trash"}

// bulkStep is a step the articles list takes for many articles at once.
type bulkStep struct {
	Step  string
	Label string // in the list's menu
	Done  string // "2 articles moved to the trash"
	Verb  string // "1 article could not be published"
}

var bulkSteps = []bulkStep{
	{"submit", "Submit for review", "submitted for review", "submitted for review"},
	{"publish", "Publish", "published (or scheduled, where their date is to come)", "published"},
	{"unpublish", "Unpublish", "unpublished", "unpublished"},
	{"trash", "Move to the trash", "moved to the trash", "moved to the trash"},
	{"restore", "Take out of the trash", "taken out of the trash", "taken out of the trash"},
}

func findBulkStep(name string) (bulkStep, bool) {
	for _, b := range bulkSteps {
		if b.Step == name {
			return b, true
		}
	}
	return bulkStep{}, false
}

func (s *Server) adminArticles(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	q := r.URL.Query()
	sq := article.StaffQuery{Status: q.Get("status"), TagSlug: q.Get("tag"), Text: q.Get("q")}
	statuses := []string{"draft", "pending", "scheduled", "published", "trashed"}
	if sq.Status != "" && !contains(statuses, sq.Status) {
		return core.BadRequest{Msg: "Unknown status."}
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return core.BadRequest{Msg: "Malformed page."}
		}
		sq.Page = n
	}
	if a := q.Get("author"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed author."}
		}
		sq.AuthorID = n
	}
	d := articlesData{Query: sq, Statuses: statuses, StatusLabels: articleStatusLabels}
	if !seesAllArticles(v) {
		sq.AuthorID, d.Mine = v.ID, true // others' drafts are theirs
	}
	list, more, err := s.Articles.StaffList(r.Context(), sq)
	if err != nil {
		return err
	}
	d.Articles = list
	// The tabs count what each would list for this person.
	if d.Counts, err = s.Articles.StatusCounts(r.Context(), sq.AuthorID); err != nil {
		return err
	}
	for _, step := range bulkSteps {
		for i := range list {
			if articleCan(v, &list[i], step.Step) {
				d.Steps = append(d.Steps, step)
				break
			}
		}
	}
	if !d.Mine {
		staff, err := s.People.Staff(r.Context(), account.RoleContributor, account.RoleAuthor, account.RoleEditor, account.RoleAdmin)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, role := range []account.Role{account.RoleContributor, account.RoleAuthor, account.RoleEditor, account.RoleAdmin} {
			for _, p := range staff[role] {
				if !seen[p.ID] {
					seen[p.ID] = true
					d.Authors = append(d.Authors, p)
				}
			}
		}
	}
	if more {
		next := r.URL.Query()
		next.Set("page", strconv.Itoa(max(sq.Page, 1)+1))
		d.More = "/admin/articles?" + next.Encode()
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/articles", "Articles", nil, d)
}

// bulkArticles takes one step for many articles, each as far as the
// person may, and says what changed and what did not, and why.
func (s *Server) bulkArticles(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	step, ok := findBulkStep(r.PostForm.Get("action"))
	if !ok {
		return core.BadRequest{Msg: "Choose what to do with the articles."}
	}
	res := bulkResult{Step: step.Step}
	for _, raw := range r.PostForm["id"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed article."}
		}
		a, err := s.Articles.StaffByID(r.Context(), id)
		if errors.Is(err, apperr.ErrNotFound) {
			res.Gone++
			continue
		}
		if err != nil {
			return err
		}
		if !articleCan(v, &a, step.Step) {
			if articleCan(v, stateFor(a, step.Step), step.Step) {
				res.NotNow++ // the role allows it, but not to the article as it stands
			} else {
				res.NotYours++
			}
			continue
		}
		_, err = s.Articles.Step(r.Context(), id, 0, step.Step, "", v.Person)
		var c *article.Conflict
		switch {
		case errors.Is(err, article.ErrForbidden):
			res.NotYours++
			continue
		case errors.Is(err, article.ErrTransition):
			res.NotNow++
			continue
		case errors.As(err, &c):
			res.Changed++
			continue
		case err != nil:
			return err
		}
		res.Done++
	}
	s.Logger.Info("newsroom: bulk", "by", v.ID, "step", step.Step, "done", res.Done, "refused", res.NotNow+res.NotYours+res.Changed+res.Gone)
	return s.RedirectFlash(w, r, "/admin/articles", flashArticlesBulk.With(res.values()))
}

// stateFor is a copy of a in the state a step starts from (a draft to
// publish, a published article to unpublish ...), to tell "your role does
// not allow it" from "not as the article stands".
func stateFor(a article.Staff, step string) *article.Staff {
	switch step {
	case "submit", "publish":
		a.Status, a.Trashed = article.StatusDraft, false
	case "unpublish":
		a.Status, a.Trashed = article.StatusPublished, false
	case "trash":
		a.Trashed = false
	case "restore":
		a.Trashed = true
	}
	return &a
}

// bulkResult counts what a bulk step did to each ticked article.
type bulkResult struct {
	Step     string
	Done     int // the step was taken
	NotNow   int // the step does not apply to the article as it stands
	NotYours int // the person's role does not allow it
	Changed  int // someone changed it meanwhile
	Gone     int // it no longer exists
}

func (b bulkResult) values() url.Values {
	return url.Values{"s": {b.Step}, "d": {strconv.Itoa(b.Done)}, "n": {strconv.Itoa(b.NotNow)}, "r": {strconv.Itoa(b.NotYours)},
		"c": {strconv.Itoa(b.Changed)}, "g": {strconv.Itoa(b.Gone)}}
}

// bulkMessage says what a bulk step changed: "2 articles moved to the
// trash. 1 article could not be published: your role does not allow it."
// Only numbers and a known step come from the cookie, never text.
func bulkMessage(q url.Values) string {
	step, ok := findBulkStep(q.Get("s"))
	if !ok {
		return ""
	}
	n := func(k string) int {
		v, err := strconv.Atoi(q.Get(k))
		if err != nil || v < 0 {
			return 0
		}
		return v
	}
	articles := func(k int) string {
		if k == 1 {
			return "1 article"
		}
		return strconv.Itoa(k) + " articles"
	}
	var parts []string
	if d := n("d"); d > 0 {
		parts = append(parts, articles(d)+" "+step.Done+".")
	}
	for _, why := range []struct {
		key, reason string
	}{
		{"n", "the step does not apply to it as it stands"},
		{"r", "your role does not allow it"},
		{"c", "someone changed it meanwhile; open it and try again"},
		{"g", "it no longer exists"},
	} {
		if k := n(why.key); k > 0 {
			parts = append(parts, fmt.Sprintf("%s could not be %s: %s.", articles(k), step.Verb, why.reason))
		}
	}
	if len(parts) == 0 {
		return "No article was ticked: nothing changed."
	}
	if n("d") == 0 {
		parts = append([]string{"Nothing changed."}, parts...)
	}
	return strings.Join(parts, " ")
}

type editorData struct {
	Makes    []*cars.Make    // the models an article may be about
	About    map[string]bool // the model tags the article has
	AllTags  []article.Tag   // to pick from while typing
	Media    []media.Media   // to pick the featured image from
	Article  *article.Staff  // nil for a new one
	Can      map[string]bool
	Tags     string
	Date     string // publication date for the datetime-local field
	Conflict *article.Conflict
	Public   string // the public address, once published
	Kicker   *article.Tag
	Zone     string        // the site's time zone, which the date is in
	Images   []editorImage // the library's images, to put in the text
}

// editorImage is a library image as the editor offers it for the text.
type editorImage struct {
	Alt, Thumb, Markdown string
}

// markdownImage is the Markdown that shows m in an article: ![alt](url).
func markdownImage(m media.Media) string {
	alt := strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(m.Alt)
	return "![" + alt + "](" + m.Variant("large").URL() + ")"
}

func (s *Server) editorPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, a *article.Staff) error {
	d := editorData{Article: a, Can: map[string]bool{}, About: map[string]bool{}}
	if s.Cars != nil {
		cat, err := s.Cars.Catalogue(r.Context())
		if err != nil {
			return err
		}
		d.Makes = cat.Makes
	}
	var err error
	if d.AllTags, err = s.Articles.Tags(r.Context(), 0); err != nil {
		return err
	}
	// The categories are offered first, by slug (a first tag is the kicker).
	cats, err := s.Articles.Categories(r.Context())
	if err != nil {
		return err
	}
	d.AllTags = append(cats, slices.DeleteFunc(d.AllTags, article.Tag.IsCategory)...)
	if s.Media != nil {
		var err error
		if d.Media, _, err = s.Media.List(r.Context(), 1, 60); err != nil {
			return err
		}
	}
	for _, m := range d.Media {
		d.Images = append(d.Images, editorImage{Alt: m.Alt, Thumb: m.Variant("thumb").URL(), Markdown: markdownImage(m)})
	}
	d.Zone = s.Location.String() + " time" // by name: its abbreviation changes with the season
	for _, act := range append(articleActions, "revisions") {
		d.Can[act] = articleCan(v, a, act)
	}
	title := "New article"
	if a != nil {
		title = a.Headline
		// The tags as the writer typed them, in order (the first is the
		// kicker); the models among them are also ticked in the list.
		var tags []string
		for _, t := range a.Tags {
			if strings.Contains(t.Slug, "-") && s.isModelTag(r, t.Slug) {
				d.About[t.Slug] = true
			}
			tags = append(tags, t.Name)
		}
		d.Tags = strings.Join(tags, ", ")
		d.Kicker = a.Kicker()
		if !a.PublishedAt.IsZero() {
			d.Date = a.PublishedAt.In(s.Location).Format("2006-01-02T15:04")
		}
		if a.Status == article.StatusPublished || a.Status == article.StatusScheduled {
			d.Public = links.Article(a.PublishedAt, a.Slug, s.Location)
		}
	}
	return s.adminPage(w, r, v, status, "admin/editor", title, f, d)
}

func (s *Server) newArticle(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if !articleCan(v, nil, "save") {
		return core.ErrForbidden
	}
	return s.editorPage(w, r, v, http.StatusOK, nil, nil)
}

func (s *Server) editArticle(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	a, err := s.articleFromPath(r, v)
	if err != nil {
		return err
	}
	return s.editorPage(w, r, v, http.StatusOK, nil, &a)
}

// articleFromPath loads the {id} article for someone who may see it.
func (s *Server) articleFromPath(r *http.Request, v *core.Viewer) (article.Staff, error) {
	a, err := core.ByPath(r, s.Articles.StaffByID)
	if err != nil {
		return article.Staff{}, err
	}
	if a.Author.ID != v.ID && !v.Can(account.PermEditOthers) && !v.Can(account.PermPublish) {
		return article.Staff{}, core.ErrForbidden
	}
	return a, nil
}

// draftOf reads the editor's fields.
func (s *Server) draftOf(f *core.Form, author int64, status article.Status) (article.Draft, error) {
	d := article.Draft{Headline: f.Get("headline"), Slug: strings.TrimSpace(f.Get("slug")), AuthorID: author, BodyMD: f.Get("body"),
		Excerpt: f.Get("excerpt"), Status: status}
	// Tags stay as typed, in order. The models list is another view of
	// the model tags: a model ticked there is added after the typed tags
	// ("Infiniti QX60": tag infiniti-qx60), and one that was ticked when
	// the editor was drawn (models_shown) and no longer is, is removed.
	dropped := map[string]bool{}
	for _, m := range f.Values["models_shown"] {
		dropped[slug.Make(m)] = true
	}
	for _, m := range f.Values["models"] {
		delete(dropped, slug.Make(m))
	}
	for _, t := range strings.Split(f.Get("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" && !dropped[slug.Make(t)] {
			d.Tags = append(d.Tags, t)
		}
	}
	d.Tags = append(d.Tags, f.Values["models"]...)
	d.Tags = append(d.Tags, f.Values["makes"]...)
	if id, err := strconv.ParseInt(f.Get("featured"), 10, 64); err == nil && id > 0 {
		d.FeaturedMediaID = id
	}
	if at := strings.TrimSpace(f.Get("published_at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, s.Location)
		if err != nil {
			return d, apperr.Field("published_at", "write the date as the field shows it")
		}
		d.PublishedAt = t
	}
	return d, nil
}

// isModelTag reports whether a tag links to a catalogue model.
func (s *Server) isModelTag(r *http.Request, tag string) bool {
	if s.Cars == nil {
		return false
	}
	cat, err := s.Cars.Catalogue(r.Context())
	if err != nil {
		return false
	}
	for _, mk := range cat.Makes {
		for _, m := range mk.Models {
			if m.Tag() == tag {
				return true
			}
		}
	}
	return false
}

// wantsJSON is an autosave from the editor's script.
func wantsJSON(r *http.Request) bool { return r.Header.Get("Accept") == "application/json" }

// createArticle stores a new draft (from the form or its first autosave).
func (s *Server) createArticle(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if !articleCan(v, nil, "save") {
		return core.ErrForbidden
	}
	var d article.Draft
	if refused {
		err = f.Bad
	} else {
		d, err = s.draftOf(f, v.ID, article.StatusDraft)
	}
	if err == nil {
		var a article.Article
		if a, err = s.Articles.Create(r.Context(), d); err == nil {
			if wantsJSON(r) {
				return writeJSONStatus(w, http.StatusCreated, savedJSON(a, 1, s.Site(r).Name, map[string]any{"url": fmt.Sprintf("/admin/articles/%d", a.ID)}))
			}
			return s.RedirectFlash(w, r, fmt.Sprintf("/admin/articles/%d", a.ID), flashArticleSaved)
		}
	}
	if wantsJSON(r) {
		return autosaveRefused(w, err)
	}
	if !f.Fail(err) {
		return err
	}
	return s.editorPage(w, r, v, http.StatusUnprocessableEntity, f, nil)
}

// articleAction saves an edit (when there are fields to save) and takes
// the step its button names, each as the person may.
func (s *Server) articleAction(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	a, err := s.articleFromPath(r, v)
	if err != nil {
		return err
	}
	if refused {
		if wantsJSON(r) {
			return autosaveRefused(w, f.Bad)
		}
		return s.editorPage(w, r, v, http.StatusUnprocessableEntity, f, &a)
	}
	step := f.Get("action")
	if step == "" {
		step = "save"
	}
	if !contains(articleActions, step) {
		return core.BadRequest{Msg: "Unknown action."}
	}
	// A form without a version (or with a garbled one) reads as 0: the
	// store refuses a save over it as stale, and takes a step unchecked.
	version, _ := strconv.Atoi(f.Get("version"))
	if _, editing := f.Values["headline"]; editing && articleCan(v, &a, "save") {
		saved, err := s.saveEdits(r, v, f, a, version)
		if err != nil {
			if wantsJSON(r) {
				return autosaveRefused(w, err)
			}
			return s.editorRefused(w, r, v, f, &a, err)
		}
		a, version = saved, saved.Version
	} else if step == "save" {
		return core.ErrForbidden
	}
	switch {
	case wantsJSON(r):
		return writeJSONStatus(w, http.StatusOK, savedJSON(a.Article, a.Version, s.Site(r).Name, map[string]any{"saved": time.Now().In(s.Location).Format("3:04:05 PM")}))
	case step == "save":
		return s.RedirectFlash(w, r, fmt.Sprintf("/admin/articles/%d", a.ID), flashArticleSaved)
	case !articleCan(v, &a, step):
		return core.ErrForbidden
	}
	if step == "pin" || step == "unpin" { // not a change of the article: no version
		_, err = s.Articles.Pin(r.Context(), a.ID, step == "pin", v.Person)
	} else {
		_, err = s.Articles.Step(r.Context(), a.ID, version, step, f.Get("note"), v.Person)
	}
	if err != nil {
		if errors.Is(err, article.ErrTransition) {
			return core.BadRequest{Msg: err.Error()}
		}
		return s.editorRefused(w, r, v, f, &a, err)
	}
	return s.RedirectFlash(w, r, fmt.Sprintf("/admin/articles/%d", a.ID), flashArticleStep[step])
}

// saveEdits saves the editor's fields over version of a.
func (s *Server) saveEdits(r *http.Request, v *core.Viewer, f *core.Form, a article.Staff, version int) (article.Staff, error) {
	d, err := s.draftOf(f, a.Author.ID, a.Status)
	if err != nil {
		return a, err
	}
	return s.Articles.Save(r.Context(), a.ID, version, d, v.Person)
}

// editorRefused shows the editor again after a refused save or step: with
// the other person's version after a conflict, with the reasons after a
// mistake; any other error is the site's.
func (s *Server) editorRefused(w http.ResponseWriter, r *http.Request, v *core.Viewer, f *core.Form, a *article.Staff, err error) error {
	var c *article.Conflict
	if errors.As(err, &c) {
		f.Error = c.Error()
		return s.editorPage(w, r, v, http.StatusConflict, f, a)
	}
	if f.Fail(err) {
		return s.editorPage(w, r, v, http.StatusUnprocessableEntity, f, a)
	}
	return err
}

// savedJSON answers an autosave with what the editor shows of the saved
// article: its version, the page's title and the kicker, as the server
// decides them.
func savedJSON(a article.Article, version int, siteName string, more map[string]any) map[string]any {
	out := map[string]any{"id": a.ID, "version": version, "headline": a.Headline, "title": core.PageTitle(adminTitle(a.Headline), siteName), "kicker": ""}
	if k := a.Kicker(); k != nil {
		out["kicker"] = k.Name
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func autosaveRefused(w http.ResponseWriter, err error) error {
	var c *article.Conflict
	switch {
	case errors.As(err, &c):
		return writeJSONStatus(w, http.StatusConflict, map[string]any{"error": c.Error(), "version": c.Current.Version})
	case err != nil:
		if inv, ok := apperr.AsInvalid(err); ok {
			return writeJSONStatus(w, http.StatusUnprocessableEntity, map[string]any{"error": "Not saved: " + inv.Error(), "fields": inv.Fields})
		}
		return err
	}
	return nil
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// previewArticle shows a draft as the public page would, from the
// editor's fields, without saving (into the editor's preview frame).
func (s *Server) previewArticle(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	f := core.NewForm(r)
	author := v.ID
	if id, err := strconv.ParseInt(f.Get("author"), 10, 64); err == nil && id > 0 {
		author = id
	}
	// The preview is drawn as the article stands (published, scheduled ...),
	// so it says whether readers see it, or will once the edits are saved.
	status, serr := article.ParseStatus(f.Get("status"))
	if serr != nil || f.Get("status") == "" {
		status = article.StatusDraft
	}
	d, err := s.draftOf(f, author, status)
	if d.Headline == "" {
		d.Headline = "(No headline yet)"
	}
	var a article.Article
	if err == nil {
		a, err = s.Articles.Preview(r.Context(), d)
	}
	if err != nil {
		if inv, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: "The preview cannot be drawn yet: " + inv.Error()}
		}
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("Content-Security-Policy", strings.Replace(core.ContentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
	return s.public.ArticlePreview(w, r, a)
}

type revisionsData struct {
	Article   article.Staff
	Revisions []article.Revision
	Left      *article.Revision
	Right     *article.Revision
	Diff      []diffRow
	CanEdit   bool
}

// articleRevisions lists an article's revisions and shows two of them
// side by side, the differences marked.
func (s *Server) articleRevisions(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	a, err := s.articleFromPath(r, v)
	if err != nil {
		return err
	}
	revs, err := s.Articles.Revisions(r.Context(), a.ID)
	if err != nil {
		return err
	}
	d := revisionsData{Article: a, Revisions: revs, CanEdit: articleCan(v, &a, "save")}
	pick := func(key string, def int) *article.Revision {
		want := r.URL.Query().Get(key)
		for i := range revs {
			if strconv.FormatInt(revs[i].ID, 10) == want {
				return &revs[i]
			}
		}
		if def < len(revs) {
			return &revs[def]
		}
		return nil
	}
	d.Left, d.Right = pick("a", 1), pick("b", 0)
	if d.Left != nil && d.Right != nil {
		d.Diff = diffLines(revisionText(*d.Left), revisionText(*d.Right))
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/revisions", "Revisions of "+a.Headline, nil, d)
}

func revisionText(r article.Revision) string {
	return "# " + r.Headline + "\n\nAddress: " + r.Slug + "\nTags: " + r.Tags + "\nExcerpt: " + r.Excerpt + "\n\n" + r.BodyMD
}

func (s *Server) restoreRevision(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	a, err := s.articleFromPath(r, v)
	if err != nil {
		return err
	}
	if !articleCan(v, &a, "save") {
		return core.ErrForbidden
	}
	rev, err := strconv.ParseInt(r.PostForm.Get("revision"), 10, 64)
	if err != nil {
		return core.BadRequest{Msg: "Choose a revision."}
	}
	if got, err := s.Articles.Revision(r.Context(), rev); err != nil {
		return err
	} else if got.ArticleID != a.ID {
		return apperr.ErrNotFound
	}
	if _, err := s.Articles.Restore(r.Context(), rev, a.Version, v.Person); err != nil {
		var c *article.Conflict
		if errors.As(err, &c) {
			return core.BadRequest{Msg: c.Error()}
		}
		return err
	}
	return s.RedirectFlash(w, r, fmt.Sprintf("/admin/articles/%d", a.ID), flashArticleRestored)
}
