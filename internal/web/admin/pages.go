package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/web/core"
)

type adminPagesData struct {
	Pages []article.StaticPage
}

func (s *Server) adminPages(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	list, err := s.Articles.Pages(r.Context())
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/pages", "Pages", nil, adminPagesData{Pages: list})
}

type adminPageData struct {
	Page   *article.StaticPage // nil for a new one
	Public string              // its address, once published
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.adminPage(w, r, v, http.StatusOK, "admin/page", "New page", nil, adminPageData{})
}

func (s *Server) editSitePage(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	pg, err := core.ByPath(r, s.Articles.PageByID)
	if err != nil {
		return err
	}
	return s.pageForm(w, r, v, http.StatusOK, &pg, nil)
}

func (s *Server) pageForm(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, pg *article.StaticPage, f *core.Form) error {
	d := adminPageData{Page: pg}
	title := "New page"
	if pg != nil {
		title = pg.Title
		if pg.Status == article.PagePublished {
			d.Public = "/" + pg.Slug + "/"
		}
	}
	return s.adminPage(w, r, v, status, "admin/page", title, f, d)
}

// pageInput reads the page form.
func pageInput(f *core.Form, v *core.Viewer) article.PageInput {
	pos, _ := strconv.Atoi(strings.TrimSpace(f.Get("position")))
	return article.PageInput{Title: f.Get("title"), Slug: strings.TrimSpace(f.Get("slug")), BodyMD: f.Get("body"),
		Status: article.PageStatus(f.Get("status")), AuthorID: v.ID, Position: pos}
}

func (s *Server) createPage(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	f := core.NewForm(r)
	pg, err := s.Articles.CreatePage(r.Context(), pageInput(f, v))
	if err != nil {
		if f.Fail(err) {
			return s.pageForm(w, r, v, http.StatusUnprocessableEntity, nil, f)
		}
		return err
	}
	return s.RedirectFlash(w, r, "/admin/pages/"+strconv.FormatInt(pg.ID, 10), flashPageSaved)
}

func (s *Server) pageAction(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	f := core.NewForm(r)
	ctx := r.Context()
	cur, err := s.Articles.PageByID(ctx, id)
	if err != nil {
		return err
	}
	if f.Get("action") == "delete" {
		if err := s.Articles.DeletePage(ctx, id); err != nil {
			return err
		}
		return s.RedirectFlash(w, r, "/admin/pages", flashPageDeleted)
	}
	version, _ := strconv.Atoi(f.Get("version"))
	in := pageInput(f, v)
	in.AuthorID = cur.Author.ID // the page keeps its author
	pg, err := s.Articles.SavePage(ctx, id, version, in)
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			f.Error = "Someone else saved this page since you opened it: your text is below, but it was not saved. Copy it, reload, and make your change again."
			return s.pageForm(w, r, v, http.StatusConflict, &cur, f)
		}
		if f.Fail(err) {
			return s.pageForm(w, r, v, http.StatusUnprocessableEntity, &cur, f)
		}
		return err
	}
	return s.RedirectFlash(w, r, "/admin/pages/"+strconv.FormatInt(pg.ID, 10), flashPageSaved)
}

// pagePerm is who writes the site's pages: those who publish.
const pagePerm = account.PermPublish
