package site

import (
	"byline/internal/web/core"
	"bytes"
	"html/template"
	"net/url"
	"strconv"
)

// commentsHTML renders a list of comments and their replies. It is Go,
// not a template, because it is the hottest loop of the site: a page holds
// up to 200 comments, and html/template's reflection costs about five times
// as much per comment. Every value from a person is escaped here; bodies
// are HTML already sanitized when the comment was stored.
func commentsHTML(list []commentView) template.HTML {
	var b bytes.Buffer
	b.Grow(len(list) * 1600)
	writeComments(&b, list)
	return template.HTML(b.String())
}

func writeComments(b *bytes.Buffer, list []commentView) {
	for i := range list {
		writeComment(b, &list[i])
	}
}

func writeComment(b *bytes.Buffer, v *commentView) {
	c := v.C
	id := v.idText()
	esc := func(s string) { core.Esc(b, s) }
	put(b, `<li class="comment level-`, strconv.Itoa(v.Level), `" id="comment-`, id, `">
  <article class="comment-card" aria-labelledby="comment-`, id, `-by">
    <header class="comment-meta">
      <img class="avatar-img tiny" src="`)
	esc(v.Avatar)
	b.WriteString(`" width="40" height="40" alt="">
      <p>
        `)
	switch {
	case !c.Author.Guest:
		put(b, `<a id="comment-`, id, `-by" class="comment-author" href="`)
		esc(v.AuthorURL)
		b.WriteString(`">`)
		esc(c.Author.Name)
		b.WriteString(`</a>`)
	case v.AuthorURL != "":
		// A guest's own address: user content, as links in comments are.
		put(b, `<a id="comment-`, id, `-by" class="comment-author guest" href="`)
		esc(v.AuthorURL)
		b.WriteString(`" rel="nofollow ugc">`)
		esc(c.Author.Name)
		b.WriteString(`</a>`)
	default:
		put(b, `<span id="comment-`, id, `-by" class="comment-author guest">`)
		esc(c.Author.Name)
		b.WriteString(`</span>`)
	}
	for _, badge := range v.Badges {
		b.WriteString(` <span class="badge">`)
		esc(badge)
		b.WriteString(`</span>`)
	}
	if v.InReplyTo != "" {
		b.WriteString("\n        " + `<span class="in-reply-to">in reply to `)
		esc(v.InReplyTo)
		b.WriteString(`</span>`)
	}
	put(b, "\n        ", `<a class="comment-time" href="/comments/`, id, `"><time datetime="`, v.ISO, `" title="`)
	esc(v.Title)
	b.WriteString(`">`)
	esc(v.When)
	b.WriteString(`</time></a>`)
	if c.Edited() {
		b.WriteString(` <span class="edited">(edited)</span>`)
	}
	b.WriteString("\n      </p>\n    </header>\n    " + `<div class="comment-text">`)
	if c.Deleted() {
		b.WriteString(`<p class="deleted">[deleted]</p>`)
	} else {
		b.WriteString(c.BodyHTML)
	}
	b.WriteString(`</div>`)
	if !c.Deleted() {
		put(b, "\n    ", `<footer class="comment-actions">
      <span class="score" data-score="`, id, `" title="`, strconv.Itoa(c.Up), ` up, `, strconv.Itoa(c.Down), ` down">`, strconv.Itoa(c.Score()), `</span><span class="visually-hidden"> points</span>`)
		// The page cache keeps the page as an anonymous reader sees it and
		// fills these two places in for each signed-in reader.
		put(b, "<!--cv:", id, "-->")
		writeVotes(b, v)
		b.WriteString("<!--/cv-->")
		put(b, "\n      ", `<a class="reply-link" href="/comments/`, id, `/reply" data-reply="`, id, `" data-name="`)
		esc(c.Author.Name)
		put(b, `">Reply</a>
      <a href="/comments/`, id, `">Permalink</a>`)
		put(b, "<!--cm:", id, "-->")
		writeTools(b, v)
		b.WriteString("\n    </footer>")
	}
	b.WriteString("\n  </article>\n")
	if len(v.Kids) > 0 {
		b.WriteString(`  <ol class="comment-list children">`)
		writeComments(b, v.Kids)
		b.WriteString("</ol>\n")
	}
	if v.More > 0 {
		word := "more replies"
		if v.More == 1 {
			word = "more reply"
		}
		put(b, `  <p class="more-replies"><a href="/comments/`, id, `/thread">`, strconv.Itoa(v.More), " ", word, ` in this thread →</a></p>`+"\n")
	}
	b.WriteString("</li>\n")
}

// htmlWriter is where comment HTML is written: a page being rendered or a
// cached page being personalised.
type htmlWriter = core.Writer

// writeVotes is the reader's vote buttons on a comment. Anonymous readers
// see the arrows too, as links that sign them in and bring them back.
func writeVotes(b htmlWriter, v *commentView) {
	id := v.idText()
	switch {
	case v.Anon:
		back := url.QueryEscape("/comments/" + id)
		put(b, "\n      ", `<a class="vote-up" href="/login?return_to=`, back, `" title="Sign in to vote"><span aria-hidden="true">▲</span><span class="visually-hidden">Sign in to vote up</span></a>`)
		put(b, "\n      ", `<a class="vote-down" href="/login?return_to=`, back, `" title="Sign in to vote"><span aria-hidden="true">▼</span><span class="visually-hidden">Sign in to vote down</span></a>`)
	case v.CanAct && !v.Mine:
		writeVote(b, id, "up", "▲", "Vote up", v.UpValue, v.MyVote == 1)
		writeVote(b, id, "down", "▼", "Vote down", v.DownValue, v.MyVote == -1)
	}
}

// idText is the comment's id written out.
func (v *commentView) idText() string {
	if v.IDText != "" {
		return v.IDText
	}
	return strconv.FormatInt(v.C.ID, 10)
}

// writeTools is what the reader may do with a comment besides replying:
// edit and delete their own, report others'.
func writeTools(b htmlWriter, v *commentView) {
	id := v.idText()
	if v.Editable {
		put(b, "\n      ", `<a href="/comments/`, id, `/edit">Edit</a>`)
	}
	if v.Mine {
		// Asked twice, without a script: the button is behind a disclosure.
		put(b, "\n      ", `<details class="confirm-delete"><summary>Delete</summary>
        <form method="post" action="/comments/`, id, `/delete" class="inline"><span>Delete this comment for good?</span> <button type="submit" class="link danger">Yes, delete it</button></form>
      </details>`)
	}
	if v.CanModerate {
		// Moderators act on the page itself; the queue has the rest.
		put(b, "\n      ", `<details class="mod-tools"><summary>Moderate</summary>
        <form method="post" action="/admin/comments" class="inline"><input type="hidden" name="from" value="page">
          <button type="submit" name="one" value="hold:`, id, `" class="link">Hold</button>
          <button type="submit" name="one" value="spam:`, id, `" class="link danger">Spam</button>
          <button type="submit" name="one" value="trash:`, id, `" class="link danger">Trash</button>
          <a href="/admin/comments/`, id, `">Edit or pause the author</a>
        </form>
      </details>`)
	}
	if v.CanAct && !v.Mine {
		put(b, "\n      ", `<details class="report"><summary>Report</summary>
        <form method="post" action="/comments/`, id, `/report" class="inline">
          <label for="report-`, id, `">Why?</label>
          <select id="report-`, id, `" name="reason"><option>Spam or advertising</option><option>Abusive or hateful</option><option>Off topic</option><option>Personal information</option></select>
          <button type="submit" class="link">Send report</button>
        </form>
      </details>`)
	}
}

// voteValues are the values a vote button sends.
var voteValues = map[int]string{-1: "-1", 0: "0", 1: "1"}

func writeVote(b htmlWriter, id, dir, arrow, label string, value int, on bool) {
	pressed, voted := "false", ""
	if on {
		pressed, voted = "true", " voted"
	}
	v, ok := voteValues[value]
	if !ok {
		v = strconv.Itoa(value)
	}
	put(b, "\n      ", `<form method="post" action="/comments/`, id, `/vote" class="vote"><input type="hidden" name="value" value="`, v,
		`"><button type="submit" class="vote-`, dir, voted, `" aria-pressed="`, pressed, `" title="`, label, `"><span aria-hidden="true">`, arrow,
		`</span><span class="visually-hidden">`, label, `</span></button></form>`)
}
