package wordpress

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Writer writes a WXR 1.2 file, the version every WordPress since 3.1
// reads, in WordPress's own layout (text as CDATA), so that WordPress's
// importer and this package's Reader both take it. Call Site first, then
// the other records (WordPress's importer wants authors and terms before
// the items that name them), then Close.
//
// Errors are sticky: after one, every call returns it.
type Writer struct {
	w      *bufio.Writer
	err    error
	opened bool
	closed bool
}

// NewWriter writes to w. Close flushes.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

const header = `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
`

// Site writes the document's start and the channel's header. Its
// WXRVersion is ignored: the file is 1.2.
func (w *Writer) Site(s *Site) error {
	if w.err != nil {
		return w.err
	}
	if w.opened {
		return w.fail(errors.New("wordpress: Site written twice"))
	}
	w.opened = true
	w.raw(header)
	w.el("\t", "title", s.Title)
	w.el("\t", "link", s.Link)
	w.el("\t", "description", s.Description)
	w.el("\t", "pubDate", s.PubDate)
	w.el("\t", "language", s.Language)
	w.raw("\t<wp:wxr_version>1.2</wp:wxr_version>\n")
	w.el("\t", "wp:base_site_url", s.BaseSiteURL)
	w.el("\t", "wp:base_blog_url", s.BaseBlogURL)
	return w.err
}

func (w *Writer) ready() error {
	if w.err != nil {
		return w.err
	}
	if !w.opened || w.closed {
		return w.fail(errors.New("wordpress: records are written after Site and before Close"))
	}
	return nil
}

// Author writes a wp:author.
func (w *Writer) Author(a *Author) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.raw("\t<wp:author>")
	w.num("", "wp:author_id", a.ID)
	w.el("", "wp:author_login", a.Login)
	w.el("", "wp:author_email", a.Email)
	w.el("", "wp:author_display_name", a.DisplayName)
	w.el("", "wp:author_first_name", a.FirstName)
	w.el("", "wp:author_last_name", a.LastName)
	w.raw("</wp:author>\n")
	return w.err
}

// Category writes a wp:category. Write parents before their children.
func (w *Writer) Category(c *Category) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.raw("\t<wp:category>\n")
	w.num("\t\t", "wp:term_id", c.ID)
	w.el("\t\t", "wp:category_nicename", c.Slug)
	w.el("\t\t", "wp:category_parent", c.Parent)
	w.el("\t\t", "wp:cat_name", c.Name)
	w.el("\t\t", "wp:category_description", c.Description)
	w.metas("\t\t", "wp:termmeta", c.Meta)
	w.raw("\t</wp:category>\n")
	return w.err
}

// Tag writes a wp:tag.
func (w *Writer) Tag(t *Tag) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.raw("\t<wp:tag>\n")
	w.num("\t\t", "wp:term_id", t.ID)
	w.el("\t\t", "wp:tag_slug", t.Slug)
	w.el("\t\t", "wp:tag_name", t.Name)
	w.el("\t\t", "wp:tag_description", t.Description)
	w.metas("\t\t", "wp:termmeta", t.Meta)
	w.raw("\t</wp:tag>\n")
	return w.err
}

// Term writes a wp:term.
func (w *Writer) Term(t *Term) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.raw("\t<wp:term>\n")
	w.num("\t\t", "wp:term_id", t.ID)
	w.el("\t\t", "wp:term_taxonomy", t.Taxonomy)
	w.el("\t\t", "wp:term_slug", t.Slug)
	w.el("\t\t", "wp:term_parent", t.Parent)
	w.el("\t\t", "wp:term_name", t.Name)
	w.el("\t\t", "wp:term_description", t.Description)
	w.metas("\t\t", "wp:termmeta", t.Meta)
	w.raw("\t</wp:term>\n")
	return w.err
}

// Item writes an item with its comments. Local dates (PostDate, a
// comment's Date) are written as their wall clock in their own location;
// GMT dates in UTC; a zero time as "0000-00-00 00:00:00".
func (w *Writer) Item(it *Item) error {
	if err := w.ready(); err != nil {
		return err
	}
	const in = "\t\t"
	w.raw("\t<item>\n")
	w.el(in, "title", it.Title)
	w.el(in, "link", it.Link)
	w.el(in, "pubDate", it.PubDate)
	w.el(in, "dc:creator", it.Creator)
	w.raw(in + `<guid isPermaLink="` + strconv.FormatBool(it.GUIDIsPermaLink) + `">`)
	w.cdata("guid", it.GUID)
	w.raw("</guid>\n")
	w.el(in, "description", it.Description)
	w.el(in, "content:encoded", it.Content)
	w.el(in, "excerpt:encoded", it.Excerpt)
	w.num(in, "wp:post_id", it.ID)
	w.date(in, "wp:post_date", it.PostDate, false)
	w.date(in, "wp:post_date_gmt", it.PostDateGMT, true)
	w.date(in, "wp:post_modified", it.PostModified, false)
	w.date(in, "wp:post_modified_gmt", it.PostModifiedGMT, true)
	w.el(in, "wp:comment_status", it.CommentStatus)
	w.el(in, "wp:ping_status", it.PingStatus)
	w.el(in, "wp:post_name", it.Name)
	w.el(in, "wp:status", it.Status)
	w.num(in, "wp:post_parent", it.Parent)
	w.num(in, "wp:menu_order", int64(it.MenuOrder))
	w.el(in, "wp:post_type", it.Type)
	w.el(in, "wp:post_password", it.Password)
	sticky := int64(0)
	if it.Sticky {
		sticky = 1
	}
	w.num(in, "wp:is_sticky", sticky)
	if it.AttachmentURL != "" {
		w.el(in, "wp:attachment_url", it.AttachmentURL)
	}
	for _, t := range it.Terms {
		w.raw(in + "<category")
		if t.Domain != "" || t.Nicename != "" {
			w.attr("domain", t.Domain)
			w.attr("nicename", t.Nicename)
		}
		w.raw(">")
		w.cdata("category", t.Name)
		w.raw("</category>\n")
	}
	w.metas(in, "wp:postmeta", it.Meta)
	for i := range it.Comments {
		w.comment(&it.Comments[i])
	}
	w.raw("\t</item>\n")
	return w.err
}

func (w *Writer) comment(c *Comment) {
	const in = "\t\t\t"
	w.raw("\t\t<wp:comment>\n")
	w.num(in, "wp:comment_id", c.ID)
	w.el(in, "wp:comment_author", c.Author)
	w.el(in, "wp:comment_author_email", c.AuthorEmail)
	w.el(in, "wp:comment_author_url", c.AuthorURL)
	w.el(in, "wp:comment_author_IP", c.AuthorIP)
	w.date(in, "wp:comment_date", c.Date, false)
	w.date(in, "wp:comment_date_gmt", c.DateGMT, true)
	w.el(in, "wp:comment_content", c.Content)
	w.el(in, "wp:comment_approved", c.Approved)
	w.el(in, "wp:comment_type", c.Type)
	w.num(in, "wp:comment_parent", c.Parent)
	w.num(in, "wp:comment_user_id", c.UserID)
	w.metas(in, "wp:commentmeta", c.Meta)
	w.raw("\t\t</wp:comment>\n")
}

// Close ends the channel and the document and flushes. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if err := w.ready(); err != nil {
		return err
	}
	w.closed = true
	w.raw("</channel>\n</rss>\n")
	if w.err == nil {
		w.err = w.w.Flush()
	}
	return w.err
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

func (w *Writer) raw(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

func (w *Writer) el(indent, name, value string) {
	w.raw(indent + "<" + name + ">")
	w.cdata(name, value)
	w.raw("</" + name + ">\n")
}

func (w *Writer) num(indent, name string, n int64) {
	w.raw(indent + "<" + name + ">" + strconv.FormatInt(n, 10) + "</" + name + ">\n")
}

func (w *Writer) date(indent, name string, t time.Time, gmt bool) {
	s := unsetDate
	if !t.IsZero() {
		if gmt {
			t = t.UTC()
		}
		s = t.Format(dateLayout)
	}
	w.el(indent, name, s)
}

func (w *Writer) metas(indent, name string, m []Meta) {
	for _, kv := range m {
		w.raw(indent + "<" + name + ">\n")
		w.el(indent+"\t", "wp:meta_key", kv.Key)
		w.el(indent+"\t", "wp:meta_value", kv.Value)
		w.raw(indent + "</" + name + ">\n")
	}
}

// cdata writes s as CDATA, the way WordPress's wxr_cdata does: a "]]>" in
// the text ends one section and opens the next between "]]" and ">". A
// carriage return is written as a character reference between sections,
// because XML turns a literal CR (and CRLF) into LF even inside CDATA, and
// the classic editor stores CRLF: without it the text would not come back
// as it was.
func (w *Writer) cdata(field, s string) {
	if w.err != nil {
		return
	}
	if err := checkXMLText(s); err != nil {
		w.err = fmt.Errorf("wordpress: <%s>: %w", field, err)
		return
	}
	for i, part := range strings.Split(s, "\r") {
		if i > 0 {
			w.raw("&#13;")
		}
		if part == "" && i > 0 {
			continue
		}
		w.raw("<![CDATA[" + strings.ReplaceAll(part, "]]>", "]]]]><![CDATA[>") + "]]>")
	}
}

// checkXMLText refuses what XML 1.0 cannot carry at all (bad UTF-8,
// control characters, U+FFFE and U+FFFF): writing it would make a file
// that no reader takes.
func checkXMLText(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0xFFFE, r == 0xFFFF:
			return fmt.Errorf("character U+%04X at byte %d cannot be written in XML", r, i)
		}
	}
	return nil
}

// attr writes ` name="value"`, checked as cdata checks text.
func (w *Writer) attr(name, value string) {
	if w.err != nil {
		return
	}
	if err := checkXMLText(value); err != nil {
		w.err = fmt.Errorf("wordpress: attribute %s: %w", name, err)
		return
	}
	w.raw(" " + name + `="` + attrEscape(value) + `"`)
}

func attrEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#9;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
