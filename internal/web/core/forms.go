package core

import (
	"bytes"
	"strconv"
	"time"

	"byline/internal/article"
	"byline/internal/links"

	"byline/internal/comment"
	"byline/internal/media"
)

// The form parts the article page shows (its comment box and what it is
// made of) are written in Go for the same reason as the layout. Templates
// that show them call these writers through their template names
// ("form-error", "field", "comment-editor", "comment-form", "img"), so each
// part is written in one place.

// WriteFormError is a form's message above its fields, if any.
func WriteFormError(b *bytes.Buffer, f *Form) {
	if f == nil || f.Error == "" {
		return
	}
	b.WriteString(`<p class="form-error" role="alert">`)
	Esc(b, f.Error)
	b.WriteString(`</p>`)
}

// writeField is one labelled input with what was typed and what is wrong.
func writeField(b *bytes.Buffer, v fieldView) {
	b.WriteString(`<div class="field`)
	if v.Err != "" {
		b.WriteString(` has-error`)
	}
	b.WriteString("\">\n      <label for=\"")
	Esc(b, v.ID)
	b.WriteString(`">`)
	Esc(b, v.Label)
	b.WriteString("</label>\n      <input id=\"")
	Esc(b, v.ID)
	b.WriteString(`" name="`)
	Esc(b, v.Name)
	b.WriteString(`" type="`)
	Esc(b, v.Type)
	b.WriteByte('"')
	if v.Type != "password" {
		b.WriteString(` value="`)
		Esc(b, v.Value)
		b.WriteByte('"')
	}
	b.WriteString(` autocomplete="`)
	Esc(b, v.Auto)
	b.WriteByte('"')
	if v.Err != "" {
		b.WriteString(` aria-invalid="true" aria-describedby="`)
		Esc(b, v.ID)
		b.WriteString(`-error"`)
	}
	b.WriteString(">\n      ")
	if v.Err != "" {
		b.WriteString(`<p class="field-error" id="`)
		Esc(b, v.ID)
		b.WriteString(`-error">`)
		Esc(b, v.Err)
		b.WriteString(`</p>`)
	}
	b.WriteString("\n    </div>")
}

// Field is the input called name of form f, labelled, with its error.
func Field(f *Form, id, name, label, typ, auto string) fieldView {
	return fieldView{ID: id, Name: name, Label: label, Type: typ, Auto: auto, Value: f.Get(name), Err: f.Err(name)}
}

// WriteField writes Field's input.
func WriteField(b *bytes.Buffer, f *Form, id, name, label, typ, auto string) {
	writeField(b, Field(f, id, name, label, typ, auto))
}

// editor is a comment's text box, with the limit of a comment's length.
func editor(id, label string, f *Form) editorView {
	return editorView{ID: id, Label: label, Form: f, Max: comment.MaxBody, MaxText: Thousands(comment.MaxBody)}
}

var maxBodyText = strconv.Itoa(comment.MaxBody)

// writeCommentEditor is the comment text box: the Markdown toolbar, the
// counter and the preview come with the script.
func writeCommentEditor(b *bytes.Buffer, v editorView) {
	bodyErr := v.Form.Err("body")
	b.WriteString(`<div class="field comment-editor`)
	if bodyErr != "" {
		b.WriteString(` has-error`)
	}
	b.WriteString("\">\n        <label for=\"")
	Esc(b, v.ID)
	b.WriteString(`">`)
	Esc(b, v.Label)
	b.WriteString("</label>\n        <textarea id=\"")
	Esc(b, v.ID)
	b.WriteString(`" name="body" rows="6" data-max="`)
	if v.Max == comment.MaxBody {
		b.WriteString(maxBodyText)
	} else {
		b.WriteString(strconv.Itoa(v.Max))
	}
	b.WriteString(`" aria-describedby="`)
	Esc(b, v.ID)
	b.WriteString(`-help`)
	if bodyErr != "" {
		b.WriteByte(' ')
		Esc(b, v.ID)
		b.WriteString(`-error`)
	}
	b.WriteByte('"')
	if bodyErr != "" {
		b.WriteString(` aria-invalid="true" autofocus`)
	}
	b.WriteByte('>')
	Esc(b, v.Form.Get("body"))
	b.WriteString("</textarea>\n        ")
	if bodyErr != "" {
		b.WriteString(`<p class="field-error" id="`)
		Esc(b, v.ID)
		b.WriteString(`-error" role="alert">`)
		Esc(b, bodyErr)
		b.WriteString(`</p>`)
	}
	b.WriteString("\n        <p class=\"note\" id=\"")
	Esc(b, v.ID)
	b.WriteString("-help\">*emphasis*, **strong**, [a link](https://example.com), &gt; quote, `code`. <span class=\"counter\" data-counter-for=\"")
	Esc(b, v.ID)
	b.WriteString(`">Up to `)
	Esc(b, v.MaxText)
	b.WriteString(" characters.</span></p>\n        <div class=\"comment-preview\" data-preview-for=\"")
	Esc(b, v.ID)
	b.WriteString(`" aria-live="polite"`)
	shown := v.Form.Shown()
	if shown == "" {
		b.WriteString(` hidden`)
	}
	b.WriteByte('>')
	if shown != "" {
		// The preview is the comment's HTML, sanitized like a stored one.
		Put(b, `<p class="preview-label">Preview</p><div class="comment-text">`, string(shown), `</div>`)
	}
	b.WriteString("</div>\n      </div>")
}

// WriteCommentEditor writes the comment text box of form f.
func WriteCommentEditor(b *bytes.Buffer, id, label string, f *Form) {
	writeCommentEditor(b, editor(id, label, f))
}

// writeCommentForm is a signed-in reader's comment form: the article, the
// comment it answers (0: none), and a submission that needs another try.
func writeCommentForm(b *bytes.Buffer, v commentFormView) {
	Put(b, `<form method="post" action="/comments#comment-form" class="comment-form stack" id="comment-form">
      <input type="hidden" name="article_id" value="`, strconv.FormatInt(v.ArticleID, 10), `">
      <input type="hidden" name="parent_id" value="`, strconv.FormatInt(v.ParentID, 10), "\">\n      ")
	WriteFormError(b, v.Form)
	b.WriteString("\n      ")
	if e := v.Form.Err("parent"); e != "" {
		b.WriteString(`<p class="field-error" role="alert">`)
		Esc(b, e)
		b.WriteString(`</p>`)
	}
	b.WriteString("\n      ")
	WriteCommentEditor(b, "comment-body", "Your comment", v.Form)
	b.WriteString("\n      <div class=\"form-actions\"><button type=\"submit\">Post Comment</button> <button type=\"submit\" name=\"preview\" value=\"1\" class=\"secondary\" data-preview>Preview</button></div>\n    </form>")
}

// WriteCommentForm writes the comment form for an article or a reply.
func WriteCommentForm(b *bytes.Buffer, articleID, parentID int64, f *Form) {
	writeCommentForm(b, commentFormView{articleID, parentID, f})
}

// writeImg is a picture with every variant in its srcset.
func writeImg(b *bytes.Buffer, v *imgView) {
	if v == nil {
		return
	}
	b.WriteString(`<img src="`)
	Esc(b, v.Src)
	b.WriteString(`" srcset="`)
	Esc(b, v.Srcset)
	b.WriteString(`" sizes="`)
	Esc(b, v.Sizes)
	Put(b, `" width="`, strconv.Itoa(v.Width), `" height="`, strconv.Itoa(v.Height), `" alt="`)
	Esc(b, v.Alt)
	b.WriteByte('"')
	switch {
	case v.Lead:
		b.WriteString(` fetchpriority="high"`)
	case v.Lazy:
		b.WriteString(` loading="lazy" decoding="async"`)
	}
	b.WriteByte('>')
}

// WriteImg writes picture m in a variant ("large", "thumb"), for a layout
// (sizes), loaded first ("lead"), late ("lazy") or as the browser likes.
func WriteImg(b *bytes.Buffer, m *media.Media, variant, sizes, load string) {
	writeImg(b, picture(m, variant, sizes, load))
}

// WriteByline is "By Author on Date" under a headline and in lists.
func (s *Server) WriteByline(b *bytes.Buffer, a article.Article) {
	b.WriteString(`<p class="byline">By <a href="`)
	Esc(b, links.Author(a.Author.Slug))
	b.WriteString(`" rel="author">`)
	Esc(b, a.Author.Name)
	Put(b, `</a> on <time datetime="`, a.PublishedAt.UTC().Format(time.RFC3339), `">`, a.PublishedAt.In(s.Location).Format("January 2, 2006"), `</time></p>`)
}

// writeTeasers is a list of articles: picture, kicker, headline, byline,
// excerpt and comment count each (home, tags, authors, archives).
func (s *Server) writeTeasers(b *bytes.Buffer, l teaserList) {
	b.WriteByte('\n')
	for i := range l.Articles {
		a := &l.Articles[i]
		href := links.Article(a.PublishedAt, a.Slug, s.Location)
		pic := l.Pictures[a.FeaturedMediaID]
		b.WriteString(`<article class="teaser`)
		if pic != nil {
			b.WriteString(` has-thumb`)
		}
		b.WriteString("\">\n  ")
		if pic != nil {
			b.WriteString(`<a class="teaser-thumb" href="`)
			Esc(b, href)
			b.WriteString(`" tabindex="-1" aria-hidden="true">`)
			WriteImg(b, pic, "thumb", "(max-width: 40rem) 8rem, 15rem", "lazy")
			b.WriteString(`</a>`)
		}
		b.WriteString("\n  <div class=\"teaser-text\">\n  ")
		WriteKicker(b, a)
		b.WriteString("\n  <h2 class=\"teaser-headline\"><a href=\"")
		Esc(b, href)
		b.WriteString(`">`)
		Esc(b, a.Headline)
		b.WriteString("</a></h2>\n  ")
		s.WriteByline(b, *a)
		b.WriteString("\n  <p class=\"excerpt\">")
		Esc(b, a.Excerpt)
		b.WriteString("</p>\n  ")
		writeCommentCount(b, href, a.CommentCount)
		b.WriteString("\n  </div>\n</article>\n")
	}
}

// writeCommentCount links an article's discussion, when it has one.
func writeCommentCount(b *bytes.Buffer, href string, n int) {
	if n == 0 {
		return
	}
	b.WriteString(`<p class="comment-count"><a href="`)
	Esc(b, href)
	Put(b, `#comments">`, Plural(n, "comment", "comments"), `</a></p>`)
}

// Plural is "1 comment", "2 comments".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// WriteKicker is the label above a headline: the article's first tag.
func WriteKicker(b *bytes.Buffer, a *article.Article) {
	if k := a.Kicker(); k != nil {
		b.WriteString(`<p class="kicker"><a href="`)
		Esc(b, links.Tag(k.Slug))
		b.WriteString(`">`)
		Esc(b, k.Name)
		b.WriteString(`</a></p>`)
	}
}
