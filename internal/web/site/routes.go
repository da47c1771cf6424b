// Package site serves the public site: pages, feeds, comments, accounts,
// the newsletter sign-up, cars and quotes, and the page cache in front of
// them.
package site

import (
	"net/http"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/media"
	"byline/internal/pagecache"
	"byline/internal/web/core"
)

// Server serves the public site: pages, feeds, comments, accounts,
// the newsletter sign-up, cars and quotes, and the page cache.
type Server struct {
	*core.Server
	Cache *pagecache.Cache // the page cache; nil turns it off
	navs  navMemo          // signed-in readers' account menus, rendered once each
	// providers are the enabled sign-in providers, whose buttons every
	// discussion shows.
	providers core.Memo[[]account.Provider]
	// Between changes to the content, an article page reads its article,
	// its picture and the staff's badges from memory: a busy story is
	// drawn again on every vote, and readers ask for it between them.
	articles     core.MemoMap[string, article.Article] // by slug
	featuredPics core.MemoMap[int64, *media.Media]     // articles' pictures, by id
	badged       core.Memo[staff]                      // people whose comments wear a badge
	discussions  discussionHTML                        // discussion pages' comments as drawn for signed-out readers
}

// Routes lists every route of the public site. The addresses are
// WordPress's, so a migrated site keeps its links and feed subscribers.
func (s *Server) Routes(mux *http.ServeMux) {
	h := s.Handle
	mux.Handle("GET /{$}", h(s.home))
	mux.Handle(articleRoute, h(s.article))
	mux.Handle("GET /{year}/{$}", h(s.yearOrPage)) // a year's archive, or a page (/about/)
	mux.Handle("GET /{year}/{month}/{$}", h(s.archive))
	mux.Handle("GET /{year}/{month}/{day}/{$}", h(s.archive))
	mux.Handle("GET /tag/{slug}/{$}", h(s.tag))
	s.Deep = append(s.Deep, core.DeepRoute{Prefix: categoryPrefix, Pattern: "GET " + categoryPrefix + "{path...}", Handler: h(s.category)})
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
	mux.Handle("POST /verify/resend", h(s.SignedIn(s.resendVerification)))
	mux.Handle("GET /password/forgot", h(s.forgotForm))
	mux.Handle("POST /password/forgot", h(s.forgot))
	mux.Handle("GET /password/reset", h(s.resetForm))
	mux.Handle("POST /password/reset", h(s.reset))
	mux.Handle("GET /account", h(s.SignedIn(s.accountPage)))
	mux.Handle("POST /account/profile", h(s.SignedIn(s.saveProfile)))
	mux.Handle("POST /account/avatar", h(s.SignedIn(s.uploadAvatar)))
	mux.Handle("POST /account/email", h(s.SignedIn(s.changeEmail)))
	mux.Handle("POST /account/password", h(s.SignedIn(s.changePassword)))
	mux.Handle("POST /account/sessions/end", h(s.SignedIn(s.endSession)))
	mux.Handle("POST /account/sessions/end-others", h(s.SignedIn(s.endOtherSessions)))
	mux.Handle("POST /account/tokens", h(s.SignedIn(s.createToken)))
	mux.Handle("POST /account/tokens/revoke", h(s.SignedIn(s.revokeToken)))
	mux.Handle("POST /account/notifications", h(s.SignedIn(s.saveNotifications)))
	mux.Handle("GET /notifications/unsubscribe", h(s.unsubscribe))
	mux.Handle("POST /notifications/unsubscribe", h(s.unsubscribe))
	mux.Handle("GET /avatar/{slug}", h(s.avatar))

	// Passkeys (passkeys.go).
	mux.Handle("POST /passkeys/signup/begin", h(s.passkeyStep(s.passkeySignupBegin)))
	mux.Handle("POST /passkeys/signup/finish", h(s.passkeyStep(s.passkeySignupFinish)))
	mux.Handle("POST /passkeys/login/begin", h(s.passkeyStep(s.passkeyLoginBegin)))
	mux.Handle("POST /passkeys/login/finish", h(s.passkeyStep(s.passkeyLoginFinish)))
	mux.Handle("POST /passkeys/register/begin", h(s.passkeyStep(s.passkeyRegisterBegin)))
	mux.Handle("POST /passkeys/register/finish", h(s.passkeyStep(s.passkeyRegisterFinish)))
	mux.Handle("POST /account/passkeys/rename", h(s.SignedIn(s.renamePasskey)))
	mux.Handle("POST /account/passkeys/remove", h(s.SignedIn(s.removePasskey)))

	// E-mail sign-in links (signinlinks.go).
	mux.Handle("POST /login/link", h(s.requestLink))
	mux.Handle("GET /login/link", h(s.openLink))
	mux.Handle("POST /login/link/use", h(s.useLink))
	mux.Handle("GET /login/link/sent", h(s.linkSent))
	mux.Handle("GET /login/link/name", h(s.SignedIn(s.nameForm)))
	mux.Handle("POST /login/link/name", h(s.SignedIn(s.saveName)))
	mux.Handle("POST /comments/hold", h(s.holdDraft))

	// Social sign-in (providers.go).
	mux.Handle("GET /login/providers/{id}", h(s.startProvider))
	mux.Handle("GET /login/providers/{id}/callback", h(s.providerCallback))
	mux.Handle("POST /login/providers/{id}/callback", h(s.providerCallback))
	mux.Handle("GET /account/providers/{id}/link", h(s.SignedIn(s.linkProvider)))
	mux.Handle("POST /account/providers/unlink", h(s.SignedIn(s.unlinkProvider)))

	// Two-factor (twofactor.go).
	mux.Handle("GET /login/two-factor", h(s.twoFactorForm))
	mux.Handle("POST /login/two-factor", h(s.twoFactorSubmit))
	mux.Handle("GET "+core.TwoFactorPath, h(s.SignedIn(s.twoFactorAccount)))
	mux.Handle("POST "+core.TwoFactorPath+"/setup", h(s.SignedIn(s.beginTOTP)))
	mux.Handle("POST "+core.TwoFactorPath+"/confirm", h(s.SignedIn(s.confirmTOTP)))
	mux.Handle("POST "+core.TwoFactorPath+"/codes", h(s.SignedIn(s.newRecoveryCodes)))
	mux.Handle("POST "+core.TwoFactorPath+"/disable", h(s.SignedIn(s.disableTOTP)))

	// Account data and deletion (accountdata.go).
	mux.Handle("POST /account/data", h(s.SignedIn(s.downloadData)))
	mux.Handle("GET /account/delete", h(s.SignedIn(s.deleteForm)))
	mux.Handle("POST /account/delete", h(s.SignedIn(s.deleteAccount)))
	mux.Handle("POST /account/password/set", h(s.SignedIn(s.setPassword)))

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
	mux.Handle("POST /comments", h(s.SignedIn(s.postComment)))
	mux.Handle("POST /comments/preview", h(s.SignedIn(s.previewComment)))
	mux.Handle("GET /comments/{id}", h(s.commentPermalink))
	mux.Handle("GET /comments/{id}/reply", h(s.replyForm))
	mux.Handle("GET /comments/{id}/thread", h(s.threadPage))
	mux.Handle("GET /comments/{id}/edit", h(s.SignedIn(s.editForm)))
	mux.Handle("POST /comments/{id}/edit", h(s.SignedIn(s.editComment)))
	mux.Handle("POST /comments/{id}/delete", h(s.SignedIn(s.deleteComment)))
	mux.Handle("POST /comments/{id}/vote", h(s.SignedIn(s.voteComment)))
	mux.Handle("POST /comments/{id}/report", h(s.SignedIn(s.reportComment)))
	mux.Handle("GET /comments/live", h(s.Live))
	mux.Handle("GET /comments/feed/{$}", h(s.commentFeed(rssFormat)))
	mux.Handle("GET /comments/feed/atom/{$}", h(s.commentFeed(atomFormat)))
	mux.Handle("GET /{year}/{month}/{day}/{slug}/feed/{$}", h(s.articleCommentFeed(rssFormat)))
	mux.Handle("GET /{year}/{month}/{day}/{slug}/feed/atom/{$}", h(s.articleCommentFeed(atomFormat)))

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
}
