// Package comment owns the discussion under articles: threads, votes,
// ranking, the moderation rules and queues, and recent comments.
package comment

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/markdown"
)

// Status is where a comment stands in moderation.
type Status string

const (
	StatusVisible Status = "visible" // shown to readers
	StatusPending Status = "pending" // held for a moderator
	StatusSpam    Status = "spam"
	StatusTrash   Status = "trash"
)

// Limits of what readers write.
const (
	MaxBody    = 10_000
	EditWindow = 15 * time.Minute
	PerPage    = 50 // top-level threads per page
)

// Author is who wrote a comment: a person with an account (ID, Slug), or
// a guest known only by what they typed (imported comments): a name, an
// e-mail address and a web address. A guest's e-mail is for moderators
// only; pages, feeds and the API never show it.
type Author struct {
	ID    int64
	Slug  string
	Name  string
	Guest bool
	Email string // a guest's
	URL   string // a guest's web address, http or https, or ""
}

// AvatarKey is what a guest's generated picture is drawn from: a hash of
// their e-mail address (their name when they gave none), so the same guest
// gets the same picture and the picture tells nothing of the address.
func (a Author) AvatarKey() string {
	who := strings.ToLower(strings.TrimSpace(a.Email))
	if who == "" {
		who = "name:" + a.Name
	}
	sum := sha256.Sum256([]byte("byline guest avatar\x00" + who))
	return hex.EncodeToString(sum[:16])
}

// Comment is one comment.
type Comment struct {
	ID, ArticleID, ParentID, ThreadID int64
	Depth                             int
	Author                            Author
	ParentAuthor                      string // who it replies to
	BodyMD, BodyHTML                  string
	Status                            Status
	DeletedAt, EditedAt               time.Time
	Up, Down                          int
	Reports                           int
	IP                                string // for moderators only
	CreatedAt                         time.Time
}

// Score is what readers see: up votes minus down votes.
func (c Comment) Score() int { return c.Up - c.Down }

// Deleted reports whether the author deleted it.
func (c Comment) Deleted() bool { return !c.DeletedAt.IsZero() }

// Edited reports whether the author changed it after posting.
func (c Comment) Edited() bool { return !c.EditedAt.IsZero() }

// Editable reports whether its author may still edit it at now.
func (c Comment) Editable(now time.Time) bool {
	return !c.Deleted() && now.Sub(c.CreatedAt) < EditWindow
}

// Sort orders top-level threads.
type Sort string

const (
	SortOldest Sort = "oldest"
	SortNewest Sort = "newest"
	SortBest   Sort = "best"
)

// ParseSort reads a sort order; anything unknown is the default, oldest.
func ParseSort(s string) Sort {
	switch Sort(s) {
	case SortNewest, SortBest:
		return Sort(s)
	}
	return SortOldest
}

// wilson is the lower bound of the Wilson score interval (95%) for the
// share of up votes: a comment with 3 up and 0 down ranks below one with
// 300 up and 20 down, which plain averages get wrong.
func wilson(up, down int) float64 {
	n := float64(up + down)
	if n == 0 {
		return 0
	}
	const z = 1.959964
	p := float64(up) / n
	return (p + z*z/(2*n) - z*math.Sqrt((p*(1-p)+z*z/(4*n))/n)) / (1 + z*z/n)
}

var renderer = markdown.Comment()

// render checks and renders a body: its Markdown, HTML, plain text, and
// how many links it has.
func render(body string) (md, html, text string, links int, err error) {
	md = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(md); {
	case md == "":
		return "", "", "", 0, apperr.Field("body", "write something first")
	case n > MaxBody:
		return "", "", "", 0, apperr.Field("body", fmt.Sprintf("a comment can be at most %d characters; this one has %d", MaxBody, n))
	case !utf8.ValidString(md):
		return "", "", "", 0, apperr.Field("body", "the text is not valid UTF-8")
	}
	r := renderer.Render(md)
	// Raw HTML is dropped by the renderer, so a comment made only of
	// markup would be published empty (and show as "Name:" in Recent
	// Comments). Nothing readable left means nothing to publish.
	if strings.TrimFunc(r.Text, unicode.IsSpace) == "" {
		return "", "", "", 0, apperr.Field("body", "nothing would be left to show: HTML tags are removed from comments, so write your comment as text (Markdown such as **bold** and [links](https://example.com) works)")
	}
	return md, r.HTML, r.Text, strings.Count(r.HTML, "<a "), nil
}

// Preview is the HTML a comment with this text would show, or the reason
// it would be refused: the same rules as posting, nothing stored.
func Preview(body string) (string, error) {
	_, html, _, _, err := render(body)
	return html, err
}
