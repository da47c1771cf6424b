package wordpress

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Error is a problem in the file, with the place it was found (1-based line
// and column, as an editor shows them), so that a person can open the file
// and see what is wrong.
type Error struct {
	Line, Column int
	Msg          string
	Err          error // the underlying error, if any (a read failure, a parse error)
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotWXR is wrapped by the errors of a file that is not a WordPress
// export at all (another XML document, an HTML page, an RSS feed), so that
// a caller can tell "wrong file" from "damaged file".
var ErrNotWXR = errors.New("not a WordPress export (WXR) file")

// Namespaces. WordPress changes the wp and excerpt namespaces with the WXR
// version; the others never changed.
const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsWFW     = "http://wellformedweb.org/CommentAPI/"
)

// versions are the WXR versions WordPress has written.
var versions = map[string]bool{"1.0": true, "1.1": true, "1.2": true}

var (
	wpSpace      = regexp.MustCompile(`^https?://wordpress\.org/export/([0-9][0-9.]*)/$`)
	excerptSpace = regexp.MustCompile(`^https?://wordpress\.org/export/([0-9][0-9.]*)/excerpt/$`)
)

// ReaderOptions tune a Reader.
type ReaderOptions struct {
	// Location is the site's time zone, used for the local date fields
	// (post_date, comment_date). The file does not record it; WordPress
	// shows it under Settings → General. Nil means UTC. It matters only
	// where a GMT field is unset (drafts) and for PostDate itself.
	Location *time.Location
}

// Reader reads a WXR file one record at a time from an encoding/xml token
// stream: it never holds more than the item being read.
type Reader struct {
	d       *xml.Decoder
	loc     *time.Location
	started bool
	done    bool
	site    Site
	sent    bool   // the Site has been returned
	pending Record // a record read before the Site was returned
	version string // from the namespace
	unknown map[string]int
	spaces  map[string]string // namespace → short prefix, for those seen
	err     error             // the first error, returned again by every Next
}

// NewReader reads a WXR file with the local dates in UTC.
func NewReader(r io.Reader) *Reader { return NewReaderOptions(r, ReaderOptions{}) }

// NewReaderOptions reads a WXR file with opts.
func NewReaderOptions(r io.Reader, opts ReaderOptions) *Reader {
	d := xml.NewDecoder(r)
	// WordPress turns named entities into numeric ones, but files touched by
	// other tools carry HTML's (&nbsp;): accept them rather than refuse the
	// whole site.
	d.Entity = xml.HTMLEntity
	// Sites whose blog_charset is not UTF-8 export in that charset and say
	// so in the XML declaration.
	d.CharsetReader = charset.NewReaderLabel
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Reader{d: d, loc: loc, unknown: map[string]int{}, spaces: map[string]string{}}
}

// Unknown counts the elements the reader skipped, by name ("wp:foo", or the
// namespace in braces for other vocabularies). Plugins and newer WordPress
// versions add elements; they are skipped rather than refused so that the
// rest of the site comes across, and counted so that a report can say so.
func (r *Reader) Unknown() map[string]int { return r.unknown }

// Offset is the number of bytes of input read so far, for progress bars.
func (r *Reader) Offset() int64 { return r.d.InputOffset() }

// Next returns the next record: the *Site first, then *Author, *Category,
// *Tag, *Term and *Item in the file's order. It returns io.EOF after the
// end of the document, and an *Error for a damaged or foreign file (and
// the same error from then on: nothing after a fault can be trusted).
func (r *Reader) Next() (Record, error) {
	if r.pending != nil {
		rec := r.pending
		r.pending = nil
		return rec, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
			return nil, err
		}
	}
	rec, err := r.channel()
	if err != nil {
		r.err = err
		return nil, err
	}
	if !r.sent {
		r.sent = true
		r.pending = rec
		s := r.site
		return &s, nil
	}
	if rec == nil {
		return nil, io.EOF
	}
	return rec, nil
}

// errAt makes an Error at the decoder's current place.
func (r *Reader) errAt(err error, format string, args ...any) *Error {
	line, col := r.d.InputPos()
	// After the decoder steps back over a line break it reports column 0
	// (the line's start is no longer known): the place is that line's end.
	col = max(col, 1)
	return &Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...), Err: err}
}

// token reads the next token, turning the decoder's errors into Errors.
// An end of input inside the document is a truncated file.
func (r *Reader) token() (xml.Token, error) {
	t, err := r.d.Token()
	if err == nil {
		return t, nil
	}
	var syn *xml.SyntaxError
	switch {
	case errors.As(err, &syn):
		msg := syn.Msg
		if msg == "unexpected EOF" {
			msg = "the file ends in the middle of the document (truncated?)"
		}
		return nil, r.errAt(err, "XML: %s", msg)
	case err == io.EOF:
		return nil, r.errAt(io.ErrUnexpectedEOF, "the file ends before </rss> (truncated?)")
	default:
		// A charset error or a failing reader.
		return nil, r.errAt(err, "%v", err)
	}
}

// start reads up to <channel>, checking that the document is WXR.
func (r *Reader) start() error {
	r.started = true
	empty := true
	for {
		t, err := r.d.Token()
		if err == io.EOF {
			if empty {
				return r.errAt(ErrNotWXR, "%v: the file is empty", ErrNotWXR)
			}
			return r.errAt(ErrNotWXR, "%v: the file holds no XML element", ErrNotWXR)
		}
		if err != nil {
			var syn *xml.SyntaxError
			if errors.As(err, &syn) {
				return r.errAt(errors.Join(ErrNotWXR, err), "%v: XML: %s", ErrNotWXR, syn.Msg)
			}
			// The declared charset is unknown, or the input failed.
			return r.errAt(err, "%v", err)
		}
		if cd, ok := t.(xml.CharData); ok && len(bytes.TrimSpace(cd)) == 0 {
			continue
		}
		empty = false
		if se, ok := t.(xml.StartElement); ok {
			if se.Name.Local != "rss" || se.Name.Space != "" {
				return r.errAt(ErrNotWXR, "%v: the document is <%s>, not <rss>", ErrNotWXR, se.Name.Local)
			}
			for _, a := range se.Attr {
				if a.Name.Space != "xmlns" {
					continue
				}
				if m := wpSpace.FindStringSubmatch(a.Value); m != nil {
					if !versions[m[1]] {
						return r.errAt(nil, "WXR version %s (namespace %s) is not known: WordPress has written 1.0, 1.1 and 1.2", m[1], a.Value)
					}
					r.version = m[1]
				}
			}
			if r.version == "" {
				return r.errAt(ErrNotWXR, "%v: <rss> declares no WordPress namespace (http://wordpress.org/export/1.x/); is it a feed?", ErrNotWXR)
			}
			break
		}
	}
	for {
		t, err := r.token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local == "channel" && t.Name.Space == "" {
				r.site.WXRVersion = r.version
				return nil
			}
			r.count(t.Name)
			if err := r.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return r.errAt(ErrNotWXR, "%v: <rss> has no <channel>", ErrNotWXR)
		}
	}
}

// name gives an element a short name by its namespace: "wp:x", "content:x",
// "excerpt:x", "dc:x", "x" for RSS's own, "{space}x" otherwise. An element
// in a wp namespace of an unknown version is refused.
func (r *Reader) name(n xml.Name) (string, error) {
	switch n.Space {
	case "":
		return n.Local, nil
	case nsContent:
		return "content:" + n.Local, nil
	case nsDC:
		return "dc:" + n.Local, nil
	case nsWFW:
		return "wfw:" + n.Local, nil
	}
	prefix, ok := r.spaces[n.Space]
	if !ok {
		prefix = "{" + n.Space + "}"
		if m := wpSpace.FindStringSubmatch(n.Space); m != nil {
			if !versions[m[1]] {
				return "", r.errAt(nil, "WXR version %s (namespace %s) is not known: WordPress has written 1.0, 1.1 and 1.2", m[1], n.Space)
			}
			prefix = "wp:"
		} else if m := excerptSpace.FindStringSubmatch(n.Space); m != nil && versions[m[1]] {
			prefix = "excerpt:"
		}
		// Matching a namespace is costly next to reading an element, and
		// a file uses a handful.
		r.spaces[n.Space] = prefix
	}
	return prefix + n.Local, nil
}

func (r *Reader) count(n xml.Name) {
	s, err := r.name(n)
	if err != nil {
		s = "{" + n.Space + "}" + n.Local
	}
	r.unknown[s]++
}

// skip consumes the rest of the element whose start was just read.
func (r *Reader) skip() error {
	for depth := 1; depth > 0; {
		t, err := r.token()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// channel reads the channel's children until it has a record to return,
// or the channel ends (nil).
func (r *Reader) channel() (Record, error) {
	for {
		t, err := r.token()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			// </channel>: the rest must still be well-formed.
			if err := r.finish(); err != nil {
				return nil, err
			}
			r.done = true
			return nil, nil
		case xml.StartElement:
			n, err := r.name(t.Name)
			if err != nil {
				return nil, err
			}
			var rec Record
			switch n {
			case "title":
				err = r.text(t, &r.site.Title)
			case "link":
				err = r.text(t, &r.site.Link)
			case "description":
				err = r.text(t, &r.site.Description)
			case "pubDate":
				err = r.text(t, &r.site.PubDate)
			case "language":
				err = r.text(t, &r.site.Language)
			case "wp:wxr_version":
				var v string
				if err = r.text(t, &v); err == nil {
					v = strings.TrimSpace(v)
					if !versions[v] {
						return nil, r.errAt(nil, "WXR version %q is not known: WordPress has written 1.0, 1.1 and 1.2", v)
					}
					r.site.WXRVersion = v
				}
			case "wp:base_site_url":
				err = r.text(t, &r.site.BaseSiteURL)
			case "wp:base_blog_url":
				err = r.text(t, &r.site.BaseBlogURL)
			case "generator":
				// WordPress's version: of no use to the importer.
				err = r.skip()
			case "wp:author":
				rec, err = r.author()
			case "wp:category":
				rec, err = r.category()
			case "wp:tag":
				rec, err = r.tag()
			case "wp:term":
				rec, err = r.term()
			case "item":
				rec, err = r.item()
			default:
				r.unknown[n]++
				err = r.skip()
			}
			if err != nil {
				return nil, err
			}
			if rec != nil {
				return rec, nil
			}
		}
	}
}

// finish reads </rss> and the end of input.
func (r *Reader) finish() error {
	for {
		t, err := r.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			_, err = r.token() // the same error, positioned
			if err == nil {
				err = r.errAt(nil, "XML: unreadable after </channel>")
			}
			return err
		}
		if se, ok := t.(xml.StartElement); ok {
			// Anything after the channel is not WordPress's; skip it.
			r.count(se.Name)
			if err := r.skip(); err != nil {
				return err
			}
		}
	}
}

// text reads the character data of the element just started into *dst.
// WordPress writes text fields as CDATA, splitting a "]]>" in the text
// into two sections; the decoder joins them back.
func (r *Reader) text(start xml.StartElement, dst *string) error {
	var b strings.Builder
	for {
		t, err := r.token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			return r.errAt(nil, "unexpected element <%s> inside <%s>, which holds text", t.Name.Local, start.Name.Local)
		case xml.EndElement:
			*dst = b.String()
			return nil
		}
	}
}

// fields reads the children of the element just started, calling f with
// each child's short name. f must consume the child (with r.text or
// r.skip) and returns handled=false for a child it does not know, which is
// counted and skipped.
func (r *Reader) fields(f func(name string, el xml.StartElement) (handled bool, err error)) error {
	for {
		t, err := r.token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			n, err := r.name(t.Name)
			if err != nil {
				return err
			}
			ok, err := f(n, t)
			if err != nil {
				return err
			}
			if !ok {
				r.unknown[n]++
				if err := r.skip(); err != nil {
					return err
				}
			}
		}
	}
}

// number reads an integer field; an empty field is 0.
func (r *Reader) number(el xml.StartElement, dst *int64) error {
	var s string
	if err := r.text(el, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		*dst = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return r.errAt(err, "<%s>: %q is not a whole number", el.Name.Local, s)
	}
	*dst = n
	return nil
}

// date reads a "2006-01-02 15:04:05" field in loc; "0000-00-00 00:00:00"
// and an empty field are the zero time (unset).
func (r *Reader) date(el xml.StartElement, loc *time.Location, dst *time.Time) error {
	var s string
	if err := r.text(el, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" || s == unsetDate {
		*dst = time.Time{}
		return nil
	}
	t, err := time.ParseInLocation(dateLayout, s, loc)
	if err != nil {
		return r.errAt(err, "<%s>: %q is not a date like 2006-01-02 15:04:05", el.Name.Local, s)
	}
	*dst = t
	return nil
}

func (r *Reader) meta(dst *[]Meta) error {
	var m Meta
	err := r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:meta_key":
			return true, r.text(el, &m.Key)
		case "wp:meta_value":
			return true, r.text(el, &m.Value)
		}
		return false, nil
	})
	*dst = append(*dst, m)
	return err
}

func (r *Reader) author() (Record, error) {
	a := &Author{}
	return a, r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:author_id":
			return true, r.number(el, &a.ID)
		case "wp:author_login":
			return true, r.text(el, &a.Login)
		case "wp:author_email":
			return true, r.text(el, &a.Email)
		case "wp:author_display_name":
			return true, r.text(el, &a.DisplayName)
		case "wp:author_first_name":
			return true, r.text(el, &a.FirstName)
		case "wp:author_last_name":
			return true, r.text(el, &a.LastName)
		}
		return false, nil
	})
}

func (r *Reader) category() (Record, error) {
	c := &Category{}
	return c, r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:term_id":
			return true, r.number(el, &c.ID)
		case "wp:category_nicename":
			return true, r.text(el, &c.Slug)
		case "wp:category_parent":
			return true, r.text(el, &c.Parent)
		case "wp:cat_name":
			return true, r.text(el, &c.Name)
		case "wp:category_description":
			return true, r.text(el, &c.Description)
		case "wp:termmeta":
			return true, r.meta(&c.Meta)
		}
		return false, nil
	})
}

func (r *Reader) tag() (Record, error) {
	t := &Tag{}
	return t, r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:term_id":
			return true, r.number(el, &t.ID)
		case "wp:tag_slug":
			return true, r.text(el, &t.Slug)
		case "wp:tag_name":
			return true, r.text(el, &t.Name)
		case "wp:tag_description":
			return true, r.text(el, &t.Description)
		case "wp:termmeta":
			return true, r.meta(&t.Meta)
		}
		return false, nil
	})
}

func (r *Reader) term() (Record, error) {
	t := &Term{}
	return t, r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:term_id":
			return true, r.number(el, &t.ID)
		case "wp:term_taxonomy":
			return true, r.text(el, &t.Taxonomy)
		case "wp:term_slug":
			return true, r.text(el, &t.Slug)
		case "wp:term_parent":
			return true, r.text(el, &t.Parent)
		case "wp:term_name":
			return true, r.text(el, &t.Name)
		case "wp:term_description":
			return true, r.text(el, &t.Description)
		case "wp:termmeta":
			return true, r.meta(&t.Meta)
		}
		return false, nil
	})
}

func attr(el xml.StartElement, local string) (string, bool) {
	for _, a := range el.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

func (r *Reader) item() (Record, error) {
	it := &Item{}
	return it, r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "title":
			return true, r.text(el, &it.Title)
		case "link":
			return true, r.text(el, &it.Link)
		case "guid":
			v, ok := attr(el, "isPermaLink")
			// RSS: a guid is a permalink unless it says otherwise.
			it.GUIDIsPermaLink = !ok || v == "true"
			return true, r.text(el, &it.GUID)
		case "pubDate":
			return true, r.text(el, &it.PubDate)
		case "description":
			return true, r.text(el, &it.Description)
		case "dc:creator":
			return true, r.text(el, &it.Creator)
		case "content:encoded":
			return true, r.text(el, &it.Content)
		case "excerpt:encoded":
			return true, r.text(el, &it.Excerpt)
		case "wp:post_id":
			return true, r.number(el, &it.ID)
		case "wp:post_date":
			return true, r.date(el, r.loc, &it.PostDate)
		case "wp:post_date_gmt":
			return true, r.date(el, time.UTC, &it.PostDateGMT)
		case "wp:post_modified":
			return true, r.date(el, r.loc, &it.PostModified)
		case "wp:post_modified_gmt":
			return true, r.date(el, time.UTC, &it.PostModifiedGMT)
		case "wp:comment_status":
			return true, r.text(el, &it.CommentStatus)
		case "wp:ping_status":
			return true, r.text(el, &it.PingStatus)
		case "wp:post_name":
			return true, r.text(el, &it.Name)
		case "wp:status":
			return true, r.text(el, &it.Status)
		case "wp:post_parent":
			return true, r.number(el, &it.Parent)
		case "wp:menu_order":
			var n int64
			err := r.number(el, &n)
			it.MenuOrder = int(n)
			return true, err
		case "wp:post_type":
			return true, r.text(el, &it.Type)
		case "wp:post_password":
			return true, r.text(el, &it.Password)
		case "wp:is_sticky":
			var s string
			if err := r.text(el, &s); err != nil {
				return true, err
			}
			switch strings.TrimSpace(s) {
			case "", "0":
				it.Sticky = false
			case "1":
				it.Sticky = true
			default:
				return true, r.errAt(nil, "<is_sticky>: %q is neither 0 nor 1", s)
			}
			return true, nil
		case "wp:attachment_url":
			return true, r.text(el, &it.AttachmentURL)
		case "category":
			var t ItemTerm
			t.Domain, _ = attr(el, "domain")
			t.Nicename, _ = attr(el, "nicename")
			err := r.text(el, &t.Name)
			it.Terms = append(it.Terms, t)
			return true, err
		case "wp:postmeta":
			return true, r.meta(&it.Meta)
		case "wp:comment":
			c, err := r.comment()
			it.Comments = append(it.Comments, c)
			return true, err
		}
		return false, nil
	})
}

func (r *Reader) comment() (Comment, error) {
	var c Comment
	err := r.fields(func(n string, el xml.StartElement) (bool, error) {
		switch n {
		case "wp:comment_id":
			return true, r.number(el, &c.ID)
		case "wp:comment_author":
			return true, r.text(el, &c.Author)
		case "wp:comment_author_email":
			return true, r.text(el, &c.AuthorEmail)
		case "wp:comment_author_url":
			return true, r.text(el, &c.AuthorURL)
		case "wp:comment_author_IP":
			return true, r.text(el, &c.AuthorIP)
		case "wp:comment_date":
			return true, r.date(el, r.loc, &c.Date)
		case "wp:comment_date_gmt":
			return true, r.date(el, time.UTC, &c.DateGMT)
		case "wp:comment_content":
			return true, r.text(el, &c.Content)
		case "wp:comment_approved":
			return true, r.text(el, &c.Approved)
		case "wp:comment_type":
			return true, r.text(el, &c.Type)
		case "wp:comment_parent":
			return true, r.number(el, &c.Parent)
		case "wp:comment_user_id":
			return true, r.number(el, &c.UserID)
		case "wp:commentmeta":
			return true, r.meta(&c.Meta)
		}
		return false, nil
	})
	return c, err
}
