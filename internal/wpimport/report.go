package wpimport

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"byline/internal/article"
	"byline/internal/comment"
)

// Report says what an import did (or, for a dry run, would do): what was
// added, what was there already from an earlier run, and every item left
// out with its reason.
type Report struct {
	Source string // the WordPress site's address, the key of its ids
	DryRun bool

	PeopleNew, PeopleMatched, PeopleKnown int // matched: an existing person with the author's e-mail
	CategoriesNew, CategoriesKnown        int
	TagsNew, TagsKnown                    int
	Articles                              map[article.Status]int // added, by status here
	ArticlesKnown                         int
	PagesNew, PagesKnown                  int
	Pinned                                int
	// Trashed are the articles added into the trash (counted in Articles
	// by the status they had before): a trashed post whose file says
	// what it was. WordPress's trash without it is skipped.
	Trashed                      int
	Comments                     map[comment.Status]int // added, by status here
	CommentsKnown                int
	Pingbacks                    int // pingbacks and trackbacks, not imported
	RedirectsNew, RedirectsKnown int
	// MediaNew and MediaKnown count the uploads' files brought into the
	// media library, and those an earlier run brought.
	MediaNew, MediaKnown int
	// NotPublic are the private and password-protected items, imported as
	// drafts so that nothing WordPress kept from the public shows here.
	NotPublic []string
	// OtherTypes counts items of types Byline has no place for
	// (nav_menu_item, a plugin's), by type.
	OtherTypes map[string]int
	// MediaMissing are the files the site is without, with the reason:
	// without the uploads folder, the featured images; with it, each file
	// that is not there or that the media library refused.
	MediaMissing []string
	Skipped      []Skip
}

// Skip is one thing left out, and why.
type Skip struct {
	What   string // e.g. `post 12 "Title"`, `comment 40 on post 12`
	Reason string
}

func newReport(dry bool) *Report {
	return &Report{DryRun: dry, Articles: map[article.Status]int{}, Comments: map[comment.Status]int{}, OtherTypes: map[string]int{}}
}

func (r *Report) skip(what, format string, args ...any) {
	r.Skipped = append(r.Skipped, Skip{What: what, Reason: fmt.Sprintf(format, args...)})
}

// Added is how many rows the import made (people, terms, articles, pages,
// comments, redirects): zero for a file imported before.
func (r *Report) Added() int {
	n := r.PeopleNew + r.CategoriesNew + r.TagsNew + r.PagesNew + r.RedirectsNew + r.MediaNew
	for _, v := range r.Articles {
		n += v
	}
	for _, v := range r.Comments {
		n += v
	}
	return n
}

// Write prints the report for a person.
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	verb := "imported"
	if r.DryRun {
		verb = "would import (dry run: nothing written)"
	}
	fmt.Fprintf(&b, "WordPress site %s: %s\n", r.Source, verb)
	line := func(label string, added int, rest string) {
		fmt.Fprintf(&b, "  %-12s %6d new%s\n", label, added, rest)
	}
	known := func(n int) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprintf(", %d already here", n)
	}
	line("people", r.PeopleNew, fmt.Sprintf(", %d matched by e-mail", r.PeopleMatched)+known(r.PeopleKnown))
	line("categories", r.CategoriesNew, known(r.CategoriesKnown))
	line("tags", r.TagsNew, known(r.TagsKnown))
	line("articles", sum(r.Articles), byStatus(r.Articles)+known(r.ArticlesKnown))
	line("pages", r.PagesNew, known(r.PagesKnown))
	line("pinned", r.Pinned, "")
	line("in the trash", r.Trashed, "")
	line("comments", sum(r.Comments), byStatus(r.Comments)+known(r.CommentsKnown))
	fmt.Fprintf(&b, "  %-12s %6d skipped (pingbacks and trackbacks are not imported)\n", "pingbacks", r.Pingbacks)
	line("media files", r.MediaNew, known(r.MediaKnown))
	line("redirects", r.RedirectsNew, known(r.RedirectsKnown))
	if len(r.NotPublic) > 0 {
		fmt.Fprintf(&b, "Private or password-protected, imported as drafts (%d):\n", len(r.NotPublic))
		for _, s := range r.NotPublic {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	if len(r.OtherTypes) > 0 {
		fmt.Fprintf(&b, "Items of other types, not imported:")
		for _, k := range sortedKeys(r.OtherTypes) {
			fmt.Fprintf(&b, " %s %d", k, r.OtherTypes[k])
		}
		b.WriteString("\n")
	}
	if len(r.MediaMissing) > 0 {
		fmt.Fprintf(&b, "Media not imported (%d):\n", len(r.MediaMissing))
		for _, s := range r.MediaMissing {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "Skipped (%d):\n", len(r.Skipped))
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "  %s: %s\n", s.What, s.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byStatus is " (published 3, draft 1)", statuses in name order.
func byStatus[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if v > 0 {
			keys = append(keys, string(k))
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
