package site

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"

	"byline/internal/account"
	"byline/internal/links"
	"byline/internal/web/core"
)

// The article page is written in Go, like its comments and the layout: it
// is the page most readers get, and every comment or vote draws it again.
// Templates that show the same parts (the preview's story, the reply
// page's signed-out box, the sign-in ways of /login) call these writers
// through their template names, so each part is written in one place.

// esc and put are short names for core's writers. They are functions, not
// variables holding core's: a call through a variable is opaque to the
// compiler, which then put every call's list of parts on the heap (a
// fifth of the bytes allocated for a page of 200 comments).
func esc(b *bytes.Buffer, s string)      { core.Esc(b, s) }
func put(b core.Writer, parts ...string) { core.Put(b, parts...) }

// writeArticle is the article page's content: the story, the newsletter
// box, the discussion and the reply box.
func (s *Server) writeArticle(b *bytes.Buffer, p *core.Page, d articleData) {
	b.WriteByte('\n')
	s.writeStory(b, d)
	b.WriteString("\n\n<section class=\"newsletter-cta\" id=\"newsletter\" aria-labelledby=\"newsletter-heading\">\n  <h2 id=\"newsletter-heading\">Get the latest ")
	esc(b, p.Site.Name)
	b.WriteString(" e-Newsletter!</h2>\n  ")
	core.Marker(b, "v:letter2")
	core.WriteNewsletterBox(b, core.NewsletterBox{Viewer: p.Viewer, ReturnTo: p.ReturnTo, ID: "article"})
	core.Marker(b, "/v:letter2")
	tv := &d.Thread
	id := strconv.FormatInt(tv.ArticleID, 10)
	put(b, "\n</section>\n\n<section class=\"comments\" id=\"comments\" aria-labelledby=\"comments-heading\" data-article=\"", id, "\">\n  \n  <h2 id=\"comments-heading\">")
	esc(b, tv.Heading)
	b.WriteString("</h2>\n  <p class=\"new-comments\" role=\"status\" hidden><button type=\"button\" class=\"link\" id=\"show-new\">New comments</button></p>\n  ")
	if tv.shown() {
		b.WriteString("\n  <nav class=\"comment-sort\" aria-label=\"Order of comments\">Sort by ")
		for _, srt := range tv.Sorts {
			b.WriteString(`<a href="`)
			esc(b, srt.Href)
			b.WriteByte('"')
			if srt.Current {
				b.WriteString(` aria-current="true"`)
			}
			b.WriteByte('>')
			esc(b, srt.Label)
			b.WriteString(`</a> `)
		}
		put(b, "</nav>\n  <ol class=\"comment-list\" data-article=\"", id, "\">\n    ")
		if len(tv.HTML) > 0 {
			b.Write(tv.HTML)
		} else {
			writeComments(b, tv.Comments)
		}
		b.WriteString("\n  </ol>\n  ")
		if tv.Prev != "" || tv.Next != "" {
			b.WriteString("<nav class=\"pager\" aria-label=\"More comments\">\n    ")
			if tv.Prev != "" {
				b.WriteString(`<a href="`)
				esc(b, tv.Prev)
				b.WriteString(`" rel="prev">← Earlier comments</a>`)
			}
			put(b, "\n    <span>Page ", strconv.Itoa(tv.Page.Number), " of ", strconv.Itoa(tv.Page.Pages), "</span>\n    ")
			if tv.Next != "" {
				b.WriteString(`<a class="older" href="`)
				esc(b, tv.Next)
				b.WriteString(`" rel="next">Load more comments →</a>`)
			}
			b.WriteString("\n  </nav>")
		}
		b.WriteString("\n  ")
	} else {
		b.WriteString("\n  <p class=\"empty\">No comments yet. Start the conversation.</p>\n  ")
	}
	b.WriteString("\n  <p class=\"back-to-top\"><a href=\"#top\">Back to Top</a></p>\n  <section class=\"respond\" id=\"respond\" aria-labelledby=\"respond-heading\">\n    <h3 id=\"respond-heading\">Leave a Reply</h3>")
	core.Marker(b, "v:respond")
	writeRespond(b, respondView{threadView: *tv, Form: p.Form, CommentsClosed: d.CommentsClosed})
	core.Marker(b, "/v:respond")
	b.WriteString("\n  </section>\n  \n</section>\n")
}

// writeStory is the article itself: kicker, headline, byline, picture,
// body and tags (on its page and in the newsroom's preview).
func (s *Server) writeStory(b *bytes.Buffer, d articleData) {
	a := &d.Article
	b.WriteString("<article class=\"story\" aria-labelledby=\"headline\">\n  <header class=\"story-header\">\n    ")
	core.WriteKicker(b, a)
	b.WriteString("\n    <h1 id=\"headline\">")
	esc(b, a.Headline)
	b.WriteString("</h1>\n    <div class=\"byline-row\"><img class=\"author-photo\" src=\"/avatar/")
	esc(b, url.PathEscape(a.Author.Slug))
	b.WriteString(`" width="40" height="40" alt="">`)
	s.WriteByline(b, d.Article)
	b.WriteString("</div>\n  </header>\n  ")
	if d.Featured != nil {
		b.WriteString(`<figure class="featured">`)
		core.WriteImg(b, d.Featured, "large", "(max-width: 56rem) calc(100vw - 2.5rem), 50rem", "lead")
		b.WriteString(`</figure>`)
	}
	// The body is HTML sanitized when the article was saved.
	put(b, "\n  <div class=\"story-body\">\n", a.BodyHTML, "\n  </div>\n  ")
	if len(a.Tags) > 0 {
		b.WriteString("<footer class=\"story-tags\">\n    <h2 class=\"visually-hidden\">Tags</h2>\n    <ul>")
		for _, t := range a.Tags {
			b.WriteString(`<li><a href="`)
			esc(b, links.Tag(t.Slug))
			b.WriteString(`" rel="tag">`)
			esc(b, t.Name)
			b.WriteString(`</a></li>`)
		}
		b.WriteString("</ul>\n  </footer>")
	}
	b.WriteString("\n</article>")
}

// writeRespond is the "Leave a Reply" box, also redrawn per reader by the
// page cache.
func writeRespond(b *bytes.Buffer, v respondView) {
	b.WriteString("\n    ")
	switch {
	case v.CanComment:
		core.WriteCommentForm(b, v.ArticleID, 0, v.Form)
		b.WriteString("\n    ")
	case v.Why != "":
		b.WriteString(`<p>`)
		esc(b, v.Why)
		b.WriteString("</p>\n    ")
		if body := v.Form.Get("body"); body != "" {
			b.WriteString(`<div class="field"><label for="kept-body">What you wrote, to keep</label><textarea id="kept-body" rows="4" readonly>`)
			esc(b, body)
			b.WriteString(`</textarea></div>`)
		}
		b.WriteString("\n    ")
	default:
		writeSignedOut(b, v.SignedOut(v.Form))
	}
	b.WriteString("\n    ")
	if v.CanClose {
		closed, label := "true", "Close comments on this article"
		if v.CommentsClosed {
			closed, label = "false", "Open comments on this article"
		}
		put(b, `<form method="post" action="/admin/articles/`, strconv.FormatInt(v.ArticleID, 10), `/comments" class="moderator-tools">
      <input type="hidden" name="closed" value="`, closed, `">
      <button type="submit" class="link">`, label, `</button>
    </form>`)
	}
	b.WriteString("\n  ")
}

// writeSignedOut is the comment box of a signed-out reader: nothing in it
// is personal, so the page cache keeps it for every anonymous reader.
func writeSignedOut(b *bytes.Buffer, v signedOutBox) {
	put(b, `<form method="post" action="/comments/hold" class="comment-form stack" id="comment-form">
      <input type="hidden" name="article_id" value="`, strconv.FormatInt(v.ArticleID, 10), `">
      <input type="hidden" name="parent_id" value="`, strconv.FormatInt(v.ParentID, 10), "\">\n      ")
	core.WriteFormError(b, v.Form)
	b.WriteString("\n      ")
	core.WriteCommentEditor(b, "comment-body", "Your comment", v.Form)
	b.WriteString(`
      <div class="form-actions"><button type="submit">Sign in to post</button></div>
    </form>
    <div class="signin-here" id="comment-signin">
      <p class="note">Sign in or create an account to post; what you wrote stays in the box.</p>
      `)
	writeSigninWays(b, v.ReturnTo, nil, v.Providers)
	back := url.QueryEscape(v.ReturnTo)
	put(b, "\n      <p class=\"aside\"><a href=\"/login?return_to=", back, "\">Sign in with a password</a> · <a href=\"/register?return_to=", back, "\">Create an account</a></p>\n    </div>")
}

// writeSigninWays is the other ways in, on /login and in the comment box:
// a passkey, an e-mailed link, a provider.
func writeSigninWays(b *bytes.Buffer, returnTo string, f *core.Form, providers []account.Provider) {
	b.WriteString("\n  ")
	writeSigninPasskey(b, returnTo)
	b.WriteString("\n  ")
	writeSigninLink(b, returnTo, f)
	b.WriteString("\n  ")
	writeSigninProviders(b, returnTo, providers)
	b.WriteString("\n")
}

// writeSigninPasskey is the passkey button, shown by the script only
// where the browser has passkeys.
func writeSigninPasskey(b *bytes.Buffer, returnTo string) {
	b.WriteString("\n  <div class=\"passkey-way\" data-passkey hidden>\n    <p class=\"or\"><span>or</span></p>\n    <button type=\"button\" class=\"secondary\" data-passkey-login data-return=\"")
	esc(b, returnTo)
	b.WriteString("\">Sign in with a passkey</button>\n    <p class=\"note\" data-passkey-status role=\"status\" aria-live=\"polite\"></p>\n  </div>\n")
}

// writeSigninLink is "E-mail me a sign-in link".
func writeSigninLink(b *bytes.Buffer, returnTo string, f *core.Form) {
	b.WriteString("\n  <form method=\"post\" action=\"/login/link\" class=\"stack signin-link\" aria-label=\"Sign in with an e-mailed link\">\n    <input type=\"hidden\" name=\"return_to\" value=\"")
	esc(b, returnTo)
	b.WriteString("\">\n    <p class=\"signin-or\">No password? We mail you a link that signs you in, and makes your account if you are new.</p>\n    ")
	core.WriteField(b, f, "link-email", "link_email", "Your e-mail address", "email", "email")
	b.WriteString("\n    <button type=\"submit\" class=\"secondary\">E-mail me a sign-in link</button>\n  </form>\n")
}

// writeSigninProviders is a button for each sign-in provider.
func writeSigninProviders(b *bytes.Buffer, returnTo string, providers []account.Provider) {
	if len(providers) == 0 {
		return
	}
	b.WriteString("\n  <section class=\"signin-providers\" aria-labelledby=\"providers-heading\">\n    <h2 id=\"providers-heading\" class=\"visually-hidden\">Sign in with another account</h2>\n    <ul class=\"provider-buttons\">\n    ")
	back := url.QueryEscape(returnTo)
	for _, pr := range providers {
		put(b, `<li><a class="provider-button" href="/login/providers/`, strconv.FormatInt(pr.ID, 10), `?return_to=`, back, `">`)
		esc(b, pr.Label)
		b.WriteString("</a></li>\n    ")
	}
	b.WriteString("</ul>\n    <p class=\"note\">New here? An account is made for you with the confirmed address your provider shares.</p>\n  </section>\n")
}

// providersOf is the sign-in providers a page lists, if it lists any.
func providersOf(p *core.Page) []account.Provider {
	if d, ok := p.Data.(authData); ok {
		return d.Providers
	}
	return nil
}

// htmlOf runs a writer for a template that shows its result.
func htmlOf(write func(*bytes.Buffer)) template.HTML {
	var b bytes.Buffer
	write(&b)
	return template.HTML(b.String())
}
