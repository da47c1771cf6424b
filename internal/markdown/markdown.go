// Package markdown turns Markdown into sanitized HTML and into plain text
// (for search and excerpts). Every piece of Markdown the site shows goes
// through here, so there is one sanitizer to trust.
package markdown

import (
	"bytes"
	stdhtml "html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Result is one rendering of a Markdown source.
type Result struct {
	HTML string // sanitized, safe to embed
	Text string // plain text, paragraphs separated by newlines
	// FirstParagraph is the plain text of the first paragraph, for excerpts.
	FirstParagraph string
}

// Renderer renders one flavour of Markdown. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// Article is the flavour for staff-written articles: GitHub-flavoured
// Markdown with smart punctuation and heading anchors. Raw HTML is kept by
// the parser and then sanitized, so embeds a policy allows survive.
func Article() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Typographer, extension.Footnote),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(false) // the site's own writers' links are endorsed
	p.RequireNoFollowOnFullyQualifiedLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,80}$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^(footnotes|footnote-ref|footnote-backref|language-[a-z0-9+-]{1,20})$`)).OnElements("div", "a", "code", "section")
	p.AllowAttrs("role").Matching(regexp.MustCompile(`^doc-[a-z]+$`)).OnElements("a", "section", "div")
	return &Renderer{md: md, policy: p}
}

// Comment is the small flavour readers write in: emphasis, links, quotes
// and code. Raw HTML is dropped, headings and images are not offered, and
// every link is marked rel="nofollow ugc" and opens no window.
func Comment() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(commentLinks{}, 100))),
	)
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "em", "strong", "del", "blockquote", "code", "pre", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow ugc$`)).OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	return &Renderer{md: md, policy: p}
}

// commentLinks marks readers' links as user content, and turns headings
// and images (not part of the subset) into plain text.
type commentLinks struct{}

func (commentLinks) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	var toText []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			v.SetAttributeString("rel", []byte("nofollow ugc"))
		case *ast.AutoLink:
			v.SetAttributeString("rel", []byte("nofollow ugc"))
		case *ast.Heading, *ast.Image, *ast.ThematicBreak:
			toText = append(toText, n)
		}
		return ast.WalkContinue, nil
	})
	for _, n := range toText {
		para := ast.NewParagraph()
		if img, ok := n.(*ast.Image); ok {
			// Keep the image's alt text and link it instead of showing it.
			link := ast.NewLink()
			link.Destination = img.Destination
			link.SetAttributeString("rel", []byte("nofollow ugc"))
			for c := img.FirstChild(); c != nil; {
				next := c.NextSibling()
				link.AppendChild(link, c)
				c = next
			}
			n.Parent().ReplaceChild(n.Parent(), n, link)
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			para.AppendChild(para, c)
			c = next
		}
		n.Parent().ReplaceChild(n.Parent(), n, para)
	}
}

// Render converts src.
func (r *Renderer) Render(src string) Result {
	source := []byte(src)
	doc := r.md.Parser().Parse(text.NewReader(source))
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, source, doc); err != nil {
		// goldmark only fails on a failing writer; bytes.Buffer never fails.
		buf.Reset()
	}
	res := Result{HTML: r.policy.Sanitize(buf.String())}
	res.Text, res.FirstParagraph = plainText(doc, source)
	return res
}

// plainText walks the tree, keeping words and separating blocks, and stops
// control characters (used as highlight markers by search) from entering.
func plainText(doc ast.Node, src []byte) (all, first string) {
	var b strings.Builder
	var firstPara string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch v := n.(type) {
		case *ast.Text:
			if entering {
				b.WriteString(stdhtml.UnescapeString(string(util.UnescapePunctuations(v.Segment.Value(src)))))
				if v.SoftLineBreak() || v.HardLineBreak() {
					b.WriteByte(' ')
				}
			}
		case *ast.String:
			// The typographer's curly quotes and dashes are entities
			// ("&rsquo;"): plain text wants the characters.
			if entering {
				b.WriteString(stdhtml.UnescapeString(string(v.Value)))
			}
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			if entering {
				lines := v.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					b.Write(seg.Value(src))
				}
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		if !entering && n.Type() == ast.TypeBlock {
			if _, ok := n.(*ast.Paragraph); ok && firstPara == "" {
				if _, inQuote := n.Parent().(*ast.Blockquote); !inQuote {
					firstPara = lastBlock(b.String())
				}
			}
			b.WriteByte('\n')
		}
		return ast.WalkContinue, nil
	})
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' {
				return r
			}
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				return -1
			}
			return r
		}, s)
		lines := strings.Split(s, "\n")
		out := lines[:0]
		for _, l := range lines {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	return clean(b.String()), clean(firstPara)
}

func lastBlock(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Cut shortens plain text to at most n runes at a word boundary, adding an
// ellipsis when it cut anything.
func Cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:n]
	cut := string(rs)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-–—") + "…"
}
