// Package admin serves everything under /admin: the newsroom, comments,
// the newsletter, leads, people, mail and settings.
package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/web/core"
)

// Server serves the admin area.
type Server struct {
	*core.Server
	nav    []adminScreen // the admin navigation, from the routes
	public PublicPages   // the public pages the admin links into
}

// PublicPages is what the admin needs of the public site: a comment's
// place in its discussion, and an article's page for a preview.
type PublicPages interface {
	RedirectToComment(w http.ResponseWriter, r *http.Request, id int64, flash core.Notice) error
	ArticlePreview(w http.ResponseWriter, r *http.Request, a article.Article) error
}

// Routes lists every route of the admin area.
func (s *Server) Routes(mux *http.ServeMux) {
	h := s.Handle
	// The admin area: each screen checks its permission. The screens in the
	// navigation are registered here, in its order: the entry shows to
	// whoever the route lets in, so the two cannot disagree.
	for _, sc := range []adminScreen{
		{"Dashboard", "/admin", account.PermAccessAdmin, s.adminHome},
		{"Articles", "/admin/articles", account.PermWriteArticles, s.adminArticles},
		{"Media", "/admin/media", account.PermWriteArticles, s.adminMedia},
		{"Pages", "/admin/pages", pagePerm, s.adminPages},
		{"Comments", "/admin/comments", account.PermModerate, s.adminComments},
		{"Newsletter", "/admin/newsletter", account.PermSendNewsletters, s.adminNewsletter},
		{"Leads", "/admin/leads", account.PermSeeLeads, s.adminLeads},
		{"People", "/admin/people", account.PermManagePeople, s.adminPeople},
		{"Mail", "/admin/mail", account.PermViewMail, s.adminMail},
		{"Settings", "/admin/settings", account.PermManageSettings, s.adminSettings},
		{"Redirects", "/admin/redirects", redirectPerm, s.adminRedirects},
		{"Import", "/admin/import", importPerm, s.adminImport},
	} {
		mux.Handle("GET "+sc.Href, h(s.Need(sc.Perm, sc.show)))
		s.nav = append(s.nav, sc)
	}
	mux.Handle("GET /admin/people/{id}", h(s.Need(account.PermManagePeople, s.adminPerson)))
	mux.Handle("POST /admin/people/{id}/{action}", h(s.Need(account.PermManagePeople, s.adminPersonAction)))
	mux.Handle("POST /admin/comments", h(s.Need(account.PermModerate, s.adminModerate)))
	mux.Handle("GET /admin/comments/{id}", h(s.Need(account.PermModerate, s.adminComment)))
	mux.Handle("POST /admin/comments/{id}/edit", h(s.Need(account.PermModerate, s.adminEditComment)))
	mux.Handle("POST /admin/comments/{id}/ban", h(s.Need(account.PermModerate, s.adminBan)))
	mux.Handle("POST /admin/articles/{id}/comments", h(s.Need(account.PermModerate, s.closeComments)))
	mux.Handle("POST /admin/settings", h(s.Need(account.PermManageSettings, s.saveSettings)))
	mux.Handle("POST /admin/backups", h(s.Need(backupPerm, s.startBackup)))
	mux.Handle("GET /admin/backups/{id}", h(s.Need(backupPerm, s.adminBackup)))
	mux.Handle("GET /admin/backups/{id}/progress", h(s.Need(backupPerm, s.backupProgress)))
	mux.Handle("POST /admin/redirects", h(s.Need(redirectPerm, s.addRedirect)))
	mux.Handle("GET /admin/redirects/{id}", h(s.Need(redirectPerm, s.adminRedirect)))
	mux.Handle("POST /admin/redirects/{id}", h(s.Need(redirectPerm, s.redirectAction)))
	mux.Handle("POST /admin/import", h(s.Need(importPerm, s.startImport)))
	mux.Handle("GET /admin/import/{id}", h(s.Need(importPerm, s.adminImportJob)))
	mux.Handle("GET /admin/import/{id}/progress", h(s.Need(importPerm, s.importProgress)))
	mux.Handle("GET /admin/mail/{id}", h(s.Need(account.PermViewMail, s.adminMessage)))
	mux.Handle("GET /admin/mail/{id}/html", h(s.Need(account.PermViewMail, s.adminMessageHTML)))
	mux.Handle("POST /admin/mail/{id}/retry", h(s.Need(account.PermViewMail, s.adminMailRetry)))

	nl := s.Needing(account.PermSendNewsletters)
	mux.Handle("POST /admin/newsletter/settings", h(nl(s.saveNewsletterSettings)))
	mux.Handle("GET /admin/newsletter/subscribers", h(nl(s.adminSubscribers)))
	mux.Handle("GET /admin/newsletter/subscribers/export.csv", h(nl(s.exportSubscribers)))
	mux.Handle("POST /admin/newsletter/subscribers/import", h(nl(s.importSubscribers)))
	mux.Handle("POST /admin/newsletter/subscribers/{id}/forget", h(nl(s.forgetSubscriber)))
	mux.Handle("GET /admin/newsletter/new", h(nl(s.newCampaign)))
	mux.Handle("POST /admin/newsletter/campaigns", h(nl(s.createCampaign)))
	mux.Handle("GET /admin/newsletter/campaigns/{id}", h(nl(s.adminCampaign)))
	mux.Handle("POST /admin/newsletter/campaigns/{id}", h(nl(s.campaignAction)))
	mux.Handle("GET /admin/newsletter/campaigns/{id}/progress", h(nl(s.campaignProgress)))
	mux.Handle("GET /admin/newsletter/campaigns/{id}/preview", h(nl(s.campaignPreview)))

	writers := s.Needing(account.PermWriteArticles)
	mux.Handle("POST /admin/media", h(writers(s.uploadMedia)))
	mux.Handle("POST /admin/media/{id}", h(writers(s.mediaAction)))
	mux.Handle("GET /media/{id}/{file}", h(s.serveMedia))
	mux.Handle("POST /admin/articles", h(writers(s.createArticle)))
	mux.Handle("POST /admin/articles/bulk", h(writers(s.bulkArticles)))
	mux.Handle("POST /admin/articles/preview", h(writers(s.previewArticle)))
	mux.Handle("GET /admin/articles/new", h(writers(s.newArticle)))
	mux.Handle("GET /admin/articles/{id}", h(writers(s.editArticle)))
	mux.Handle("POST /admin/articles/{id}", h(writers(s.articleAction)))
	mux.Handle("GET /admin/articles/{id}/revisions", h(writers(s.articleRevisions)))
	mux.Handle("POST /admin/articles/{id}/restore", h(writers(s.restoreRevision)))
	pg := s.Needing(pagePerm)
	mux.Handle("POST /admin/pages", h(pg(s.createPage)))
	mux.Handle("GET /admin/pages/new", h(pg(s.newPage)))
	mux.Handle("GET /admin/pages/{id}", h(pg(s.editSitePage)))
	mux.Handle("POST /admin/pages/{id}", h(pg(s.pageAction)))
	leadsOnly := s.Needing(account.PermSeeLeads)
	mux.Handle("GET /admin/leads/export.csv", h(leadsOnly(s.exportLeads)))
	mux.Handle("GET /admin/leads/{id}", h(leadsOnly(s.adminLead)))
	mux.Handle("GET /admin/dealers", h(leadsOnly(s.adminDealers)))
	mux.Handle("GET /admin/dealers/new", h(leadsOnly(s.dealerForm)))
	mux.Handle("POST /admin/dealers/new", h(leadsOnly(s.saveDealer)))
	mux.Handle("POST /admin/dealers/import", h(leadsOnly(s.importDealers)))
	mux.Handle("GET /admin/dealers/{id}", h(leadsOnly(s.dealerForm)))
	mux.Handle("POST /admin/dealers/{id}", h(leadsOnly(s.saveDealer)))
	mux.Handle("POST /admin/people/{id}/two-factor/reset", h(s.Need(account.PermManagePeople, s.resetTwoFactor)))

	// Sign-in providers (providers.go).
	st := s.Needing(account.PermManageSettings)
	mux.Handle("GET /admin/settings/providers", h(st(s.adminProviders)))
	mux.Handle("GET /admin/settings/providers/new", h(st(s.providerForm)))
	mux.Handle("POST /admin/settings/providers", h(st(s.saveProvider)))
	mux.Handle("GET /admin/settings/providers/{id}", h(st(s.providerForm)))
	mux.Handle("POST /admin/settings/providers/{id}", h(st(s.saveProvider)))
}

// adminScreen is an admin screen listed in the navigation.
type adminScreen struct {
	Label, Href string
	Perm        account.Permission // needed to open it, and to see its entry
	show        func(http.ResponseWriter, *http.Request, *core.Viewer) error
}

// Funcs are the template functions of the admin's own screens, added to
// the shared ones (core.Server.Funcs).
func (s *Server) Funcs() template.FuncMap {
	return template.FuncMap{
		"rowActions":   func() []comment.Action { return rowActions },
		"actionStatus": comment.StatusOf,
		"actionLabel":  actionLabel,
		"fileSize":     fileSize,
	}
}

// New builds the admin area on the core c, linking into the public pages
// through public. It fails if a step of the newsroom has no notice.
func New(c *core.Server, public PublicPages) (*Server, error) {
	for _, step := range articleActions {
		if _, ok := flashArticleStep[step]; !ok {
			return nil, fmt.Errorf("web: the newsroom's step %q has no notice", step)
		}
	}
	return &Server{Server: c, public: public}, nil
}

// fileSize says a file's size as people read it: "512 bytes", "195 kB",
// "9.8 MB" (decimal units, as browsers and file managers show them).
func fileSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 0, 64) + " kB"
	case n < 1000*1000*1000:
		return strconv.FormatFloat(float64(n)/(1000*1000), 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/(1000*1000*1000), 'f', 2, 64) + " GB"
}
