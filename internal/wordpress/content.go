package wordpress

import (
	"fmt"
	stdhtml "html"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ContentOptions give Content what the post alone does not say.
type ContentOptions struct {
	// Attachment looks an attachment up by its WordPress id, for
	// [gallery] and [caption]. Nil knows none: galleries then show nothing
	// and list their ids in the refs.
	Attachment func(id int64) (Attachment, bool)
	// Children are the ids of the images attached to the post, in menu
	// order: a [gallery] without ids shows them, as WordPress does.
	Children []int64
}

// Attachment is what a gallery needs of an attachment item.
type Attachment struct {
	URL     string // the file's address (the item's AttachmentURL)
	Alt     string // text (the _wp_attachment_image_alt meta)
	Caption string // HTML (the attachment's excerpt)
}

// RefKind says what a Ref is about.
type RefKind string

// The kinds of Ref. Images, files and attachments are what the importer
// fetches and rewrites; the rest are for its report.
const (
	RefImage      RefKind = "image"      // URL: the src of an <img>
	RefFile       RefKind = "file"       // URL: a link or player source that names a file (an upload, a PDF, a video)
	RefAttachment RefKind = "attachment" // ID: an attachment named by [gallery], [caption] or a wp-image-N class; URL when known
	RefEmbed      RefKind = "embed"      // URL: an embed (YouTube, Vimeo, a tweet, ...) shown as a link
	RefShortcode  RefKind = "shortcode"  // Name: a shortcode Byline does not know, left in the text as it was
	RefBlock      RefKind = "block"      // Name: a dynamic block, which WordPress drew on each view and stored no HTML for
	RefRemoved    RefKind = "removed"    // Name: an element or attribute taken out (a script, an event handler, a javascript: link)
)

// Ref is something the content refers to or lost, in the order found,
// each once.
type Ref struct {
	Kind RefKind
	URL  string
	ID   int64
	Name string
}

// Content turns the HTML of a post as WordPress stores it (content:encoded)
// into HTML that Byline keeps as an article's text, and lists what it
// refers to.
//
// Byline's article text is Markdown whose raw HTML is kept and then
// sanitised. The result is therefore a series of HTML blocks that Markdown
// passes through untouched: each top-level element starts its own line,
// blocks are separated by one blank line, and no block holds a blank line
// (a blank line inside a nested <pre> is written as &#10;). Text is never
// left outside an element, so "1. ", "# " or "*stars*" in a paragraph stay
// literal, and an editor can open and save the article without the text
// changing meaning.
//
// What WordPress does on each page view is done once here:
//   - block-editor comments (<!-- wp:paragraph -->) are dropped and their
//     HTML kept; posts with blocks get no autop, as in WordPress;
//   - the classic editor's text gets autop (blank line: paragraph, single
//     line break: <br>), outside <pre> and block elements;
//   - [caption] becomes <figure> with <figcaption>, [gallery] a list of
//     figures of its attachments (opts.Attachment), [video] and [audio] a
//     link to the file;
//   - embeds ([embed], a block-editor embed, an <iframe>, or an address
//     alone on its line) become a link, <p><a href="URL">URL</a></p>:
//     Byline's sanitiser allows no iframe, and a link loses nothing;
//   - preformatted text is kept byte for byte;
//   - shortcodes Byline does not know stay as text and are listed.
//
// Scripts, styles, forms, event handlers and javascript: addresses are
// taken out (and listed), as are class and style attributes, which carry
// WordPress's theme and not the writer's meaning; srcset goes too, because
// Byline makes its own sizes of each picture.
func Content(src string, opts ContentOptions) (string, []Ref) {
	c := &converter{opts: opts, seen: map[string]bool{}}
	s := strings.ReplaceAll(src, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	blocks := strings.Contains(s, "<!-- wp:")
	if blocks {
		s = c.blockComments(s)
	}
	s, pres := protectPre(s)
	s = scanShortcodes(s, knownShortcode, c.shortcode, func(name string) {
		c.ref(Ref{Kind: RefShortcode, Name: name})
	})
	s = c.autoembed(s)
	if !blocks {
		s = autop(s)
	}
	s = placeholder.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.Atoi(placeholder.FindStringSubmatch(m)[1])
		if err != nil || n >= len(c.held) {
			return m // not ours: the text had the marker itself
		}
		return c.held[n]
	})
	s = restorePre(s, pres)
	return c.write(s), c.refs
}

type converter struct {
	opts ContentOptions
	refs []Ref
	seen map[string]bool
	held []string // shortcodes' HTML, kept out of autop's way
}

func (c *converter) ref(r Ref) {
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", r.Kind, r.URL, r.ID, r.Name)
	if r.Kind == RefAttachment {
		key = fmt.Sprintf("%s\x00%d", r.Kind, r.ID)
	}
	if !c.seen[key] {
		c.seen[key] = true
		c.refs = append(c.refs, r)
	}
}

// hold keeps block HTML made from a shortcode until autop has run, as
// WordPress runs shortcodes after autop: autop sees an empty <div>, a
// block it leaves alone.
func (c *converter) hold(s string) string {
	if s == "" {
		return ""
	}
	c.held = append(c.held, s)
	return fmt.Sprintf(`<div wpsc="%d%s"></div>`, len(c.held)-1, marker)
}

// marker makes placeholders that a post's own text cannot hold.
const marker = "\uE002"

var placeholder = regexp.MustCompile(`<div wpsc="(\d+)` + marker + `"></div>`)

var blockComment = regexp.MustCompile(`(?s)<!--\s+(/?)wp:([a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)\s+(?:\{.*?\}\s+)?(/?)-->`)

// blockComments drops the block editor's comments. A self-closing one
// with no HTML is a dynamic block (latest posts, a form): WordPress drew it
// on each view, so nothing of it can come across but its name.
func (c *converter) blockComments(s string) string {
	return blockComment.ReplaceAllStringFunc(s, func(m string) string {
		sub := blockComment.FindStringSubmatch(m)
		if sub[3] == "/" {
			c.ref(Ref{Kind: RefBlock, Name: sub[2]})
		}
		return ""
	})
}

var (
	preOpen  = regexp.MustCompile(`(?i)<pre[\s>]`)
	preClose = regexp.MustCompile(`(?i)</pre\s*>`)
	preHeld  = regexp.MustCompile(`<pre wp-pre-tag-(\d+)` + marker + `></pre>`)
)

// protectPre takes every <pre> out of s, so that neither shortcodes nor
// autop touch preformatted text.
func protectPre(s string) (string, []string) {
	var pres []string
	var b strings.Builder
	for {
		open := preOpen.FindStringIndex(s)
		if open == nil {
			break
		}
		end := preClose.FindStringIndex(s[open[0]:])
		if end == nil {
			break
		}
		b.WriteString(s[:open[0]])
		fmt.Fprintf(&b, "<pre wp-pre-tag-%d%s></pre>", len(pres), marker)
		pres = append(pres, s[open[0]:open[0]+end[1]])
		s = s[open[0]+end[1]:]
	}
	b.WriteString(s)
	return b.String(), pres
}

func restorePre(s string, pres []string) string {
	if len(pres) == 0 {
		return s
	}
	return preHeld.ReplaceAllStringFunc(s, func(m string) string {
		n, err := strconv.Atoi(preHeld.FindStringSubmatch(m)[1])
		if err != nil || n >= len(pres) {
			return m
		}
		return pres[n]
	})
}

func knownShortcode(name string) bool {
	switch name {
	case "caption", "wp_caption", "gallery", "embed", "video", "audio":
		return true
	}
	return false
}

func (c *converter) shortcode(sc shortcode) string {
	switch sc.name {
	case "caption", "wp_caption":
		return c.hold(c.caption(sc))
	case "gallery":
		return c.hold(c.gallery(sc))
	case "embed":
		u := strings.TrimSpace(sc.content)
		if u == "" {
			u = sc.attrs["src"]
		}
		if u == "" {
			return ""
		}
		return c.embed(stdhtml.UnescapeString(u))
	default: // video, audio
		for _, k := range []string{"src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "m4a", "wav"} {
			if u := sc.attrs[k]; u != "" {
				u = stdhtml.UnescapeString(u)
				c.ref(Ref{Kind: RefFile, URL: u})
				return link(u)
			}
		}
		// A player with no file: its fallback content is all there is.
		return sc.content
	}
}

// link is an <a> showing its own address.
func link(u string) string {
	return `<a href="` + escapeAttr(u) + `">` + escapeText(u) + `</a>`
}

// embed makes an embed's address a link, noting providers' addresses.
func (c *converter) embed(u string) string {
	if embedProvider(u) {
		c.ref(Ref{Kind: RefEmbed, URL: u})
	}
	return link(u)
}

var captionParts = regexp.MustCompile(`(?is)^\s*((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)$`)

// caption is WordPress's img_caption_shortcode: the caption is the
// attribute, or (since 3.4) the text after the image.
func (c *converter) caption(sc shortcode) string {
	if id, ok := strings.CutPrefix(sc.attrs["id"], "attachment_"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			c.attachmentRef(n)
		}
	}
	content, caption := sc.content, sc.attrs["caption"]
	if m := captionParts.FindStringSubmatch(content); m != nil {
		content = m[1]
		if caption == "" {
			caption = strings.TrimSpace(m[2])
		}
	}
	if caption == "" {
		return content
	}
	return "<figure>" + strings.TrimSpace(content) + "<figcaption>" + caption + "</figcaption></figure>"
}

func (c *converter) attachmentRef(id int64) (Attachment, bool) {
	var a Attachment
	ok := false
	if c.opts.Attachment != nil {
		a, ok = c.opts.Attachment(id)
	}
	c.ref(Ref{Kind: RefAttachment, ID: id, URL: a.URL})
	return a, ok
}

// gallery shows the attachments as a list of figures.
func (c *converter) gallery(sc shortcode) string {
	var ids []int64
	list := sc.attrs["ids"]
	if list == "" {
		list = sc.attrs["include"]
	}
	for _, f := range strings.Split(list, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	if list == "" {
		ids = c.opts.Children
	}
	var b strings.Builder
	for _, id := range ids {
		a, ok := c.attachmentRef(id)
		if !ok || a.URL == "" {
			continue
		}
		b.WriteString(`<li><figure><img src="` + escapeAttr(a.URL) + `" alt="` + escapeAttr(a.Alt) + `">`)
		if a.Caption != "" {
			b.WriteString("<figcaption>" + a.Caption + "</figcaption>")
		}
		b.WriteString("</figure></li>\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return "<ul>\n" + b.String() + "</ul>"
}

var (
	ownLineURL = regexp.MustCompile(`(?m)^([ \t]*)(https?://[^\s<>"]+)([ \t]*)$`)
	soleURLInP = regexp.MustCompile(`(<p(?: [^>]*)?>\s*)(https?://[^\s<>"]+)(\s*</p>)`)
)

// autoembed is WordPress's: an address alone on its line (or alone in a
// paragraph) is an embed, shown as a link when no provider takes it.
func (c *converter) autoembed(s string) string {
	if !strings.Contains(s, "http") {
		return s
	}
	s = hideNewlinesInTags(s)
	s = ownLineURL.ReplaceAllStringFunc(s, func(m string) string {
		sub := ownLineURL.FindStringSubmatch(m)
		return sub[1] + c.embed(stdhtml.UnescapeString(sub[2])) + sub[3]
	})
	s = soleURLInP.ReplaceAllStringFunc(s, func(m string) string {
		sub := soleURLInP.FindStringSubmatch(m)
		return sub[1] + c.embed(stdhtml.UnescapeString(sub[2])) + sub[3]
	})
	return strings.ReplaceAll(s, tagNewline, "\n")
}

// embedHosts are the oEmbed providers WordPress knows that magazines use.
var embedHosts = []string{
	"youtube.com", "youtu.be", "vimeo.com", "twitter.com", "x.com", "instagram.com", "facebook.com",
	"tiktok.com", "soundcloud.com", "spotify.com", "flickr.com", "flic.kr", "dailymotion.com",
	"ted.com", "reddit.com", "tumblr.com", "imgur.com", "mixcloud.com", "issuu.com",
	"slideshare.net", "scribd.com", "speakerdeck.com", "kickstarter.com", "pinterest.com",
	"wordpress.tv", "videopress.com", "bsky.app", "threads.net", "mastodon.social",
}

func embedProvider(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := strings.ToLower(p.Hostname())
	for _, h := range embedHosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// embedPage turns a player's address into the page a reader would open.
func embedPage(src string) string {
	p, err := url.Parse(src)
	if err != nil {
		return src
	}
	host := strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
	switch {
	case (host == "youtube.com" || host == "youtube-nocookie.com") && strings.HasPrefix(p.Path, "/embed/"):
		return "https://www.youtube.com/watch?v=" + url.QueryEscape(strings.TrimPrefix(p.Path, "/embed/"))
	case host == "player.vimeo.com" && strings.HasPrefix(p.Path, "/video/"):
		return "https://vimeo.com/" + strings.TrimPrefix(p.Path, "/video/")
	}
	return src
}

// safeScheme says whether an address may stay: relative, or one of the
// schemes a reader's click should follow. Browsers ignore white space and
// control characters inside a scheme ("java\tscript:"), so they are taken
// out before looking.
func safeScheme(u string) (string, bool) {
	clean := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, u)
	m := schemeRe.FindStringSubmatch(strings.ToLower(clean))
	if m == nil {
		return "", true
	}
	switch m[1] {
	case "http", "https", "mailto", "tel", "ftp":
		return m[1], true
	}
	return m[1], false
}

var schemeRe = regexp.MustCompile(`^([a-z][a-z0-9+.-]*):`)

// isFile says whether a link names a file rather than a page: an upload,
// or a document or media file by its extension.
func isFile(u string) bool {
	if strings.Contains(u, "/wp-content/uploads/") {
		return true
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(path.Ext(p.Path)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp", ".tif", ".tiff",
		".pdf", ".mp3", ".mp4", ".m4a", ".m4v", ".mov", ".webm", ".ogg", ".ogv", ".wav",
		".zip", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".epub":
		return true
	}
	return false
}

var wpImageClass = regexp.MustCompile(`(?:^|\s)wp-image-(\d+)(?:\s|$)`)

// keptAttrs are the attributes that carry the writer's meaning.
var keptAttrs = map[string]bool{
	"href": true, "src": true, "alt": true, "title": true, "width": true, "height": true,
	"id": true, "name": true, "cite": true, "colspan": true, "rowspan": true, "scope": true,
	"headers": true, "abbr": true, "start": true, "reversed": true, "type": true, "value": true,
	"datetime": true, "lang": true, "dir": true,
}

// removed are elements taken out with what they hold: code that would run,
// and things Byline cannot show.
var removed = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Object: true, atom.Embed: true, atom.Applet: true, atom.Svg: true, atom.Math: true,
	atom.Link: true, atom.Meta: true, atom.Base: true, atom.Title: true, atom.Head: true,
	atom.Frame: true, atom.Frameset: true, atom.Input: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Option: true, atom.Canvas: true,
	// Obsolete elements whose content is raw text: kept, they would read
	// differently once written back as HTML.
	atom.Xmp: true, atom.Plaintext: true, atom.Noembed: true, atom.Noframes: true,
}

var languageClass = regexp.MustCompile(`^language-[a-z0-9+-]{1,20}$`)

// clean rewrites the tree's children in place: it removes what must go,
// turns players and embeds into links, notes references and keeps only
// meaningful attributes.
func (c *converter) clean(parent *html.Node) {
	for n := parent.FirstChild; n != nil; {
		next := n.NextSibling
		switch n.Type {
		case html.CommentNode, html.DoctypeNode:
			parent.RemoveChild(n)
		case html.ElementNode:
			if repl := c.element(n); repl != n {
				if repl != nil {
					parent.InsertBefore(repl, n)
				}
				parent.RemoveChild(n)
				if repl != nil {
					next = repl // clean what replaced it
				}
				n = next
				continue
			}
			c.clean(n)
			if unwrap(n) {
				for ch := n.FirstChild; ch != nil; {
					nx := ch.NextSibling
					n.RemoveChild(ch)
					parent.InsertBefore(ch, n)
					ch = nx
				}
				parent.RemoveChild(n)
			}
		}
		n = next
	}
}

// element handles one element before its children: it returns n to keep
// it, nil to remove it, or a new node to put in its place.
func (c *converter) element(n *html.Node) *html.Node {
	if removed[n.DataAtom] {
		c.ref(Ref{Kind: RefRemoved, Name: "<" + n.Data + ">"})
		return nil
	}
	switch n.DataAtom {
	case atom.Iframe:
		src := getAttr(n, "src")
		if _, ok := safeScheme(src); !ok || src == "" {
			c.ref(Ref{Kind: RefRemoved, Name: "<iframe>"})
			return nil
		}
		return c.linkNode(embedPage(src), true)
	case atom.Video, atom.Audio:
		src := getAttr(n, "src")
		for ch := n.FirstChild; ch != nil && src == ""; ch = ch.NextSibling {
			if ch.DataAtom == atom.Source {
				src = getAttr(ch, "src")
			}
		}
		if _, ok := safeScheme(src); !ok || src == "" {
			c.ref(Ref{Kind: RefRemoved, Name: "<" + n.Data + ">"})
			return nil
		}
		c.ref(Ref{Kind: RefFile, URL: src})
		return c.linkNode(src, false)
	case atom.Figure:
		if strings.Contains(getAttr(n, "class"), "wp-block-embed") {
			return c.embedFigure(n)
		}
	case atom.Img:
		src := getAttr(n, "src")
		if m := wpImageClass.FindStringSubmatch(getAttr(n, "class")); m != nil {
			if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				c.ref(Ref{Kind: RefAttachment, ID: id, URL: src})
			}
		}
		if src != "" {
			if _, ok := safeScheme(src); ok {
				c.ref(Ref{Kind: RefImage, URL: src})
			}
		}
	case atom.A:
		if href := getAttr(n, "href"); href != "" && isFile(href) {
			if _, ok := safeScheme(href); ok {
				c.ref(Ref{Kind: RefFile, URL: href})
			}
		}
	}
	c.attrs(n)
	if n.DataAtom == atom.Img && getAttr(n, "src") == "" {
		return nil // nothing to show
	}
	return n
}

// attrs keeps the meaningful attributes, with safe addresses.
func (c *converter) attrs(n *html.Node) {
	kept := n.Attr[:0]
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case a.Namespace != "":
			continue
		case strings.HasPrefix(key, "on"):
			c.ref(Ref{Kind: RefRemoved, Name: key + " attribute"})
			continue
		case key == "class" && n.DataAtom == atom.Code && languageClass.MatchString(a.Val):
			// The language of a code block is meaning (and Byline keeps it).
		case !keptAttrs[key], a.Val == "" && key != "alt":
			// An empty alt says "decorative"; other empty attributes say nothing.
			continue
		case key == "href" || key == "src" || key == "cite":
			if scheme, ok := safeScheme(a.Val); !ok {
				c.ref(Ref{Kind: RefRemoved, Name: scheme + ": address"})
				continue
			}
		}
		kept = append(kept, html.Attribute{Key: key, Val: a.Val})
	}
	n.Attr = kept
}

// linkNode is <a href="u">u</a>, in a paragraph when it replaces a block.
func (c *converter) linkNode(u string, embed bool) *html.Node {
	if embed && embedProvider(u) {
		c.ref(Ref{Kind: RefEmbed, URL: u})
	}
	a := &html.Node{Type: html.ElementNode, Data: "a", DataAtom: atom.A, Attr: []html.Attribute{{Key: "href", Val: u}}}
	a.AppendChild(&html.Node{Type: html.TextNode, Data: u})
	return a
}

// embedFigure is a block-editor embed: its address (a link by now, or
// text) and its caption.
func (c *converter) embedFigure(n *html.Node) *html.Node {
	var u string
	var caption *html.Node
	var find func(*html.Node)
	find = func(m *html.Node) {
		for ch := m.FirstChild; ch != nil; ch = ch.NextSibling {
			switch {
			case u == "" && ch.DataAtom == atom.A:
				u = getAttr(ch, "href")
			case u == "" && ch.Type == html.TextNode:
				if f := strings.Fields(ch.Data); len(f) > 0 && strings.HasPrefix(f[0], "http") {
					u = f[0]
				}
			case ch.DataAtom == atom.Figcaption:
				caption = ch
				continue
			}
			find(ch)
		}
	}
	find(n)
	if _, ok := safeScheme(u); !ok || u == "" {
		c.ref(Ref{Kind: RefRemoved, Name: "embed without an address"})
		return nil
	}
	p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
	p.AppendChild(c.linkNode(u, true))
	if caption == nil {
		return p
	}
	fig := &html.Node{Type: html.ElementNode, Data: "figure", DataAtom: atom.Figure}
	fig.AppendChild(p)
	caption.Parent.RemoveChild(caption)
	fig.AppendChild(caption)
	return fig
}

var elementName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// unwrap says whether an element, once cleaned, means nothing: a span or
// font with no attribute left, a form, a bare div that holds only blocks,
// or a name no HTML has (the parser makes "ul<" of "<ul<"), which would
// not read back the same. Its children take its place.
func unwrap(n *html.Node) bool {
	if !elementName.MatchString(n.Data) {
		return true
	}
	switch n.DataAtom {
	case atom.Form:
		return true
	case atom.Span, atom.Font:
		return len(n.Attr) == 0
	case atom.Div:
		if len(n.Attr) != 0 {
			return false
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.TextNode && strings.TrimSpace(ch.Data) == "" {
				continue
			}
			if !isBlock(ch) {
				return false
			}
		}
		return true
	}
	return false
}

func getAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}
