// Package article owns articles and tags: their storage, the rules for what
// the public may see, Markdown rendering of bodies, and full-text search.
package article

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/markdown"
	"byline/internal/slug"
)

// Status is where an article stands in the newsroom.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusPending   Status = "pending" // pending review
	StatusScheduled Status = "scheduled"
	StatusPublished Status = "published"
)

// ParseStatus accepts a status as people write it ("pending review" too).
func ParseStatus(s string) (Status, error) {
	switch strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), " ")) {
	case "draft":
		return StatusDraft, nil
	case "pending", "pending review", "review":
		return StatusPending, nil
	case "scheduled":
		return StatusScheduled, nil
	case "published", "publish":
		return StatusPublished, nil
	}
	return "", fmt.Errorf("unknown status %q (draft, pending review, scheduled, published)", s)
}

// Label is the status as shown to people.
func (s Status) Label() string {
	if s == StatusPending {
		return "pending review"
	}
	return string(s)
}

// Author is the part of a person an article shows.
type Author struct {
	ID   int64
	Slug string
	Name string
}

// Tag labels articles; its page is /tag/{slug}/.
type Tag struct {
	ID    int64
	Slug  string
	Name  string
	Count int // visible articles, where a query counts them
	// Kind is KindTag or KindCategory; a category may have a parent
	// category (ParentID, 0 for a top one). Loaded where a query says so.
	Kind     string
	ParentID int64
}

// Article is a piece of writing with its byline.
type Article struct {
	ID          int64
	Slug        string
	Headline    string
	Author      Author
	Status      Status
	PublishedAt time.Time // zero for an undated draft
	BodyMD      string
	BodyHTML    string // sanitized
	Excerpt     string
	Tags        []Tag
	CreatedAt   time.Time
	UpdatedAt   time.Time

	CommentCount    int   // visible comments, kept by the comment store
	CommentsClosed  bool  // an editor closed the discussion
	Version         int   // the edit counter, where loaded (newsroom)
	FeaturedMediaID int64 // the image shown above it, 0 for none
}

// TagLabel turns a slug-like tag name ("electric-vehicles", from an
// import or an article file, which give slugs) into a label ("Electric
// Vehicles"); a name with capitals or spaces is left as it is.
func TagLabel(name string) string {
	if strings.ContainsAny(name, " ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return name
	}
	words := strings.Split(name, "-")
	for i, w := range words {
		if r, n := utf8.DecodeRuneInString(w); n > 0 {
			words[i] = strings.ToUpper(string(r)) + w[n:]
		}
	}
	return strings.Join(words, " ")
}

// Kicker is the small label above the headline: the article's first tag,
// as its writer typed it and in the order given, or nil without tags.
// The public page, the lists, the editor and the preview all show this
// one, so it cannot differ between them.
func (a Article) Kicker() *Tag {
	if len(a.Tags) == 0 {
		return nil
	}
	t := a.Tags[0]
	return &t
}

// Visible reports whether the public may read a at now: published, or
// scheduled and its time has come.
func (a Article) Visible(now time.Time) bool {
	return (a.Status == StatusPublished || a.Status == StatusScheduled) && !a.PublishedAt.IsZero() && !a.PublishedAt.After(now)
}

// Draft is what a writer hands in to create an article.
type Draft struct {
	Headline        string
	Slug            string // optional: made from the headline
	AuthorID        int64
	BodyMD          string
	Excerpt         string   // optional: the first paragraph, shortened
	Tags            []string // names or slugs; created when new
	Status          Status
	PublishedAt     time.Time // required to publish or schedule
	FeaturedMediaID int64     // an image from the media library, or 0
	// UpdatedAt is when an imported article last changed (an article file,
	// the demo); Create takes it (never later than now, never before the
	// publication), zero meaning now. Saves always stamp their own time.
	UpdatedAt time.Time
}

const (
	maxHeadline = 200
	maxBody     = 200_000
	maxExcerpt  = 600
	maxTags     = 20
)

// prepared is a checked Draft with its rendering.
type prepared struct {
	Draft
	html, text string
	tags       []Tag
}

var renderer = markdown.Article()

// title folds the white space of an article's headline or a page's title
// and checks its length, as field; noun names it in the messages.
func title(v *apperr.Invalid, field, noun, s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		v.Add(field, noun+" is required")
	case n > limit:
		v.Add(field, fmt.Sprintf("%s can be at most %d characters", noun, limit))
	}
	return s
}

// prepare checks a draft, settles its status and date at now, and renders
// it. Every mistake found is reported at once, the first per field.
func (d Draft) prepare(now time.Time) (prepared, error) {
	v := apperr.NewInvalid()
	checkText(&d, v)
	settleStatus(&d, v, now)
	tags := parseTags(d.Tags, v)
	if err := v.Err(); err != nil {
		return prepared{}, err
	}
	r := renderer.Render(d.BodyMD)
	d.Excerpt = strings.Join(strings.Fields(d.Excerpt), " ")
	if d.Excerpt == "" {
		d.Excerpt = markdown.Cut(r.FirstParagraph, 280)
	} else {
		d.Excerpt = markdown.Cut(d.Excerpt, maxExcerpt)
	}
	return prepared{Draft: d, html: r.HTML, text: r.Text, tags: tags}, nil
}

// checkText tidies and checks the headline, slug, author and body (a slug
// left empty is made from the headline).
func checkText(d *Draft, v *apperr.Invalid) {
	d.Headline = title(v, "headline", "a headline", d.Headline, maxHeadline)
	if d.Slug == "" {
		d.Slug = slug.Make(d.Headline)
	} else if !slug.Valid(d.Slug) {
		v.Add("slug", "use lowercase letters, digits and hyphens only, at most 80")
	}
	if d.Slug == "" && d.Headline != "" {
		v.Add("headline", "the headline needs at least one letter or digit")
	}
	if d.AuthorID <= 0 {
		v.Add("author", "an author is required")
	}
	if strings.TrimSpace(d.BodyMD) == "" {
		if d.Status == StatusPublished || d.Status == StatusScheduled {
			v.Add("body", "the body is empty") // a draft may be, while it is written
		}
	} else if len(d.BodyMD) > maxBody {
		v.Add("body", fmt.Sprintf("the body can be at most %d bytes", maxBody))
	}
	if !utf8.ValidString(d.BodyMD) || !utf8.ValidString(d.Excerpt) || !utf8.ValidString(d.Headline) {
		v.Add("body", "the text is not valid UTF-8")
	}
}

// settleStatus checks the status and, for a public article, its date: one
// in the future means scheduled, and a scheduled one whose time has
// passed is simply published.
func settleStatus(d *Draft, v *apperr.Invalid, now time.Time) {
	if d.Status == "" {
		d.Status = StatusDraft
	}
	if _, err := ParseStatus(string(d.Status)); err != nil {
		v.Add("status", err.Error())
	}
	if d.Status != StatusPublished && d.Status != StatusScheduled {
		return
	}
	if d.PublishedAt.IsZero() {
		if d.Status == StatusScheduled {
			v.Add("date", "a scheduled article needs a publication date")
		}
		d.PublishedAt = now
	}
	if d.PublishedAt.After(now) {
		d.Status = StatusScheduled
	} else {
		d.Status = StatusPublished
	}
}

// parseTags turns the typed tags into Tags, in order, without repeats
// (by slug) or empty ones.
func parseTags(names []string, v *apperr.Invalid) []Tag {
	var tags []Tag
	seen := map[string]bool{}
	for _, name := range names {
		name = strings.Join(strings.Fields(name), " ")
		s := slug.Make(name)
		if s == "" || seen[s] {
			continue
		}
		if utf8.RuneCountInString(name) > 60 {
			v.Add("tags", fmt.Sprintf("tag %q is longer than 60 characters", name))
			continue
		}
		seen[s] = true
		tags = append(tags, Tag{Slug: s, Name: name})
	}
	if len(tags) > maxTags {
		v.Add("tags", fmt.Sprintf("at most %d tags", maxTags))
	}
	return tags
}

// Cursor marks a place in a newest-first list: the last item shown.
type Cursor struct {
	At time.Time
	ID int64
}

// String encodes the cursor for a URL.
func (c Cursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseCursor decodes a cursor from a URL.
func ParseCursor(s string) (Cursor, error) {
	a, b, ok := strings.Cut(s, ".")
	us, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return Cursor{}, apperr.Field("before", "malformed page cursor")
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: id}, nil
}
