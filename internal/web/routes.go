package web

import (
	"net/http"
	"strings"

	"byline/internal/account"
)

// routes lists every route of the site in one place. The addresses are
// WordPress's, so a migrated site keeps its links and feed subscribers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	h := s.handle

	mux.Handle("GET /{$}", h(s.home))
	mux.Handle(articleRoute, h(s.article))
	mux.Handle("GET /{year}/{$}", h(s.yearOrPage)) // a year's archive, or a page (/about/)
	mux.Handle("GET /{year}/{month}/{$}", h(s.archive))
	mux.Handle("GET /{year}/{month}/{day}/{$}", h(s.archive))
	mux.Handle("GET /tag/{slug}/{$}", h(s.tag))
	mux.Handle("GET /author/{slug}/{$}", h(s.author))
	mux.Handle("GET /search", h(s.search))

	mux.Handle("GET /feed/{$}", h(s.siteFeed(rssFormat)))
	mux.Handle("GET /feed/atom/{$}", h(s.siteFeed(atomFormat)))
	mux.Handle("GET /tag/{slug}/feed/{$}", h(s.tagFeed(rssFormat)))
	mux.Handle("GET /tag/{slug}/feed/atom/{$}", h(s.tagFeed(atomFormat)))
	mux.Handle("GET /author/{slug}/feed/{$}", h(s.authorFeed(rssFormat)))
	mux.Handle("GET /author/{slug}/feed/atom/{$}", h(s.authorFeed(atomFormat)))
	mux.Handle("GET /sitemap.xml", h(s.sitemap))
	mux.Handle("GET /robots.txt", h(s.robots))

	// Accounts.
	mux.Handle("GET /register", h(s.registerForm))
	mux.Handle("POST /register", h(s.register))
	mux.Handle("GET /login", h(s.loginForm))
	mux.Handle("POST /login", h(s.login))
	mux.Handle("POST /logout", h(s.logout))
	mux.Handle("GET /verify", h(s.verify))
	mux.Handle("POST /verify/resend", h(s.signedIn(s.resendVerification)))
	mux.Handle("GET /password/forgot", h(s.forgotForm))
	mux.Handle("POST /password/forgot", h(s.forgot))
	mux.Handle("GET /password/reset", h(s.resetForm))
	mux.Handle("POST /password/reset", h(s.reset))
	mux.Handle("GET /account", h(s.signedIn(s.accountPage)))
	mux.Handle("POST /account/profile", h(s.signedIn(s.saveProfile)))
	mux.Handle("POST /account/avatar", h(s.signedIn(s.uploadAvatar)))
	mux.Handle("POST /account/email", h(s.signedIn(s.changeEmail)))
	mux.Handle("POST /account/password", h(s.signedIn(s.changePassword)))
	mux.Handle("POST /account/sessions/end", h(s.signedIn(s.endSession)))
	mux.Handle("POST /account/sessions/end-others", h(s.signedIn(s.endOtherSessions)))
	mux.Handle("POST /account/tokens", h(s.signedIn(s.createToken)))
	mux.Handle("POST /account/tokens/revoke", h(s.signedIn(s.revokeToken)))
	mux.Handle("POST /account/notifications", h(s.signedIn(s.saveNotifications)))
	mux.Handle("GET /notifications/unsubscribe", h(s.unsubscribe))
	mux.Handle("POST /notifications/unsubscribe", h(s.unsubscribe))
	mux.Handle("GET /avatar/{slug}", h(s.avatar))

	// The e-newsletter.
	mux.Handle("GET /newsletter", h(s.newsletterForm))
	mux.Handle("POST /newsletter", h(s.subscribe))
	mux.Handle("GET /newsletter/confirm", h(s.confirmForm))
	mux.Handle("POST /newsletter/confirm", h(s.confirmSubscription))
	mux.Handle("GET /newsletter/preferences", h(s.preferences))
	mux.Handle("POST /newsletter/preferences", h(s.savePreferences))
	mux.Handle("GET /newsletter/unsubscribe", h(s.unsubscribeForm))
	mux.Handle("POST /newsletter/unsubscribe", h(s.unsubscribeNewsletter))

	// New Car Research and dealer quotes.
	mux.Handle("GET /cars/{$}", h(s.carsIndex))
	mux.Handle("GET /cars/{make}/{$}", h(s.carMake))
	mux.Handle("GET /cars/{make}/{model}/{$}", h(s.carModel))
	mux.Handle("GET /cars/quote", h(s.quotePage))
	mux.Handle("POST /cars/quote", h(s.submitQuote))
	mux.Handle("GET /cars/quote/thanks", h(s.quoteThanks))

	// Comments.
	mux.Handle("POST /comments", h(s.signedIn(s.postComment)))
	mux.Handle("POST /comments/preview", h(s.signedIn(s.previewComment)))
	mux.Handle("GET /comments/{id}", h(s.commentPermalink))
	mux.Handle("GET /comments/{id}/reply", h(s.replyForm))
	mux.Handle("GET /comments/{id}/thread", h(s.threadPage))
	mux.Handle("GET /comments/{id}/edit", h(s.signedIn(s.editForm)))
	mux.Handle("POST /comments/{id}/edit", h(s.signedIn(s.editComment)))
	mux.Handle("POST /comments/{id}/delete", h(s.signedIn(s.deleteComment)))
	mux.Handle("POST /comments/{id}/vote", h(s.signedIn(s.voteComment)))
	mux.Handle("POST /comments/{id}/report", h(s.signedIn(s.reportComment)))
	mux.Handle("GET /comments/live", h(s.live))
	mux.Handle("GET /comments/feed/{$}", h(s.commentFeed(rssFormat)))
	mux.Handle("GET /comments/feed/atom/{$}", h(s.commentFeed(atomFormat)))
	mux.Handle("GET /{year}/{month}/{day}/{slug}/feed/{$}", h(s.articleCommentFeed(rssFormat)))
	mux.Handle("GET /{year}/{month}/{day}/{slug}/feed/atom/{$}", h(s.articleCommentFeed(atomFormat)))

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
	} {
		mux.Handle("GET "+sc.Href, h(s.need(sc.Perm, sc.show)))
		s.adminNav = append(s.adminNav, sc)
	}
	mux.Handle("GET /admin/people/{id}", h(s.need(account.PermManagePeople, s.adminPerson)))
	mux.Handle("POST /admin/people/{id}/{action}", h(s.need(account.PermManagePeople, s.adminPersonAction)))
	mux.Handle("POST /admin/comments", h(s.need(account.PermModerate, s.adminModerate)))
	mux.Handle("GET /admin/comments/{id}", h(s.need(account.PermModerate, s.adminComment)))
	mux.Handle("POST /admin/comments/{id}/edit", h(s.need(account.PermModerate, s.adminEditComment)))
	mux.Handle("POST /admin/comments/{id}/ban", h(s.need(account.PermModerate, s.adminBan)))
	mux.Handle("POST /admin/articles/{id}/comments", h(s.need(account.PermModerate, s.closeComments)))
	mux.Handle("POST /admin/settings", h(s.need(account.PermManageSettings, s.saveSettings)))
	mux.Handle("GET /admin/mail/{id}", h(s.need(account.PermViewMail, s.adminMessage)))
	mux.Handle("GET /admin/mail/{id}/html", h(s.need(account.PermViewMail, s.adminMessageHTML)))
	mux.Handle("POST /admin/mail/{id}/retry", h(s.need(account.PermViewMail, s.adminMailRetry)))

	nl := s.needing(account.PermSendNewsletters)
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

	writers := s.needing(account.PermWriteArticles)
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
	pg := s.needing(pagePerm)
	mux.Handle("POST /admin/pages", h(pg(s.createPage)))
	mux.Handle("GET /admin/pages/new", h(pg(s.newPage)))
	mux.Handle("GET /admin/pages/{id}", h(pg(s.editSitePage)))
	mux.Handle("POST /admin/pages/{id}", h(pg(s.pageAction)))
	leadsOnly := s.needing(account.PermSeeLeads)
	mux.Handle("GET /admin/leads/export.csv", h(leadsOnly(s.exportLeads)))
	mux.Handle("GET /admin/leads/{id}", h(leadsOnly(s.adminLead)))
	mux.Handle("GET /admin/dealers", h(leadsOnly(s.adminDealers)))
	mux.Handle("GET /admin/dealers/new", h(leadsOnly(s.dealerForm)))
	mux.Handle("POST /admin/dealers/new", h(leadsOnly(s.saveDealer)))
	mux.Handle("POST /admin/dealers/import", h(leadsOnly(s.importDealers)))
	mux.Handle("GET /admin/dealers/{id}", h(leadsOnly(s.dealerForm)))
	mux.Handle("POST /admin/dealers/{id}", h(leadsOnly(s.saveDealer)))

	mux.Handle("GET /static/{file}", http.HandlerFunc(s.static))
	mux.Handle("GET /favicon.ico", http.HandlerFunc(s.favicon))

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}

	// Everything else is the site's own 404 page, not the mux's plain text.
	mux.Handle(catchAll, h(s.notFound))

	// Forms are protected from cross-site posts by Fetch metadata and
	// Origin checks (plus SameSite cookies); pages know who is signed in.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossSite)
	}))
	site := cop.Handler(s.checkAddress(s.withViewer(withRoute(s.addresses(mux)))))

	// The JSON API has its own routes (internal/api/routes.go) and
	// authenticates with bearer tokens, never cookies. It is dispatched by
	// prefix because its paths would otherwise overlap the date archives.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.API != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			s.API.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	})
}

// adminScreen is an admin screen listed in the navigation.
type adminScreen struct {
	Label, Href string
	Perm        account.Permission // needed to open it, and to see its entry
	show        func(http.ResponseWriter, *http.Request, *viewer) error
}
