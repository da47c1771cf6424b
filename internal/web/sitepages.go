package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
)

// Pages is what the newsroom's Pages screen needs of the article store.
type Pages interface {
	Pages(ctx context.Context) ([]article.StaticPage, error)
	PageByID(ctx context.Context, id int64) (article.StaticPage, error)
	CreatePage(ctx context.Context, d article.PageInput) (article.StaticPage, error)
	SavePage(ctx context.Context, id int64, version int, d article.PageInput) (article.StaticPage, error)
	DeletePage(ctx context.Context, id int64) error
}

// yearOrPage answers /{segment}/: a year's archive when the segment is
// all digits, else the page with that address. (ServeMux cannot tell the
// two patterns apart, so one route serves both.)
func (s *Server) yearOrPage(w http.ResponseWriter, r *http.Request) error {
	seg := r.PathValue("year")
	if strings.Trim(seg, "0123456789") == "" {
		return s.archive(w, r)
	}
	if !article.PageSlugFree(seg) {
		return apperr.ErrNotFound
	}
	pg, err := s.Articles.PublicPage(r.Context(), seg)
	if err != nil {
		return err
	}
	st := s.site(r)
	p := &page{Title: pg.Title, Canonical: st.BaseURL + "/" + pg.Slug + "/", Data: pg}
	if err := s.chrome(r, p); err != nil {
		return err
	}
	s.fill(w, r, p)
	return s.render(w, http.StatusOK, "page", p)
}

type adminPagesData struct {
	Pages []article.StaticPage
}

func (s *Server) adminPages(w http.ResponseWriter, r *http.Request, v *viewer) error {
	list, err := s.Pages.Pages(r.Context())
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/pages", "Pages", nil, adminPagesData{Pages: list})
}

type adminPageData struct {
	Page   *article.StaticPage // nil for a new one
	Public string              // its address, once published
}

func (s *Server) newPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.adminPage(w, r, v, http.StatusOK, "admin/page", "New page", nil, adminPageData{})
}

func (s *Server) editSitePage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg, err := s.Pages.PageByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.pageForm(w, r, v, http.StatusOK, &pg, nil)
}

func (s *Server) pageForm(w http.ResponseWriter, r *http.Request, v *viewer, status int, pg *article.StaticPage, f *form) error {
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
func pageInput(f *form, v *viewer) article.PageInput {
	pos, _ := strconv.Atoi(strings.TrimSpace(f.Get("position")))
	return article.PageInput{Title: f.Get("title"), Slug: strings.TrimSpace(f.Get("slug")), BodyMD: f.Get("body"),
		Status: article.PageStatus(f.Get("status")), AuthorID: v.ID, Position: pos}
}

func (s *Server) createPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	f := newForm(r)
	pg, err := s.Pages.CreatePage(r.Context(), pageInput(f, v))
	if err != nil {
		if f.fail(err) {
			return s.pageForm(w, r, v, http.StatusUnprocessableEntity, nil, f)
		}
		return err
	}
	return s.redirectFlash(w, r, "/admin/pages/"+strconv.FormatInt(pg.ID, 10), "page-saved")
}

func (s *Server) pageAction(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := formFor(w, r)
	if err != nil {
		return err
	}
	f := newForm(r)
	ctx := r.Context()
	cur, err := s.Pages.PageByID(ctx, id)
	if err != nil {
		return err
	}
	if f.Get("action") == "delete" {
		if err := s.Pages.DeletePage(ctx, id); err != nil {
			return err
		}
		return s.redirectFlash(w, r, "/admin/pages", "page-deleted")
	}
	version, _ := strconv.Atoi(f.Get("version"))
	in := pageInput(f, v)
	in.AuthorID = cur.Author.ID // the page keeps its author
	pg, err := s.Pages.SavePage(ctx, id, version, in)
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			f.Error = "Someone else saved this page since you opened it: your text is below, but it was not saved. Copy it, reload, and make your change again."
			return s.pageForm(w, r, v, http.StatusConflict, &cur, f)
		}
		if f.fail(err) {
			return s.pageForm(w, r, v, http.StatusUnprocessableEntity, &cur, f)
		}
		return err
	}
	return s.redirectFlash(w, r, "/admin/pages/"+strconv.FormatInt(pg.ID, 10), "page-saved")
}

// pagePerm is who writes the site's pages: those who publish.
const pagePerm = account.PermPublish
