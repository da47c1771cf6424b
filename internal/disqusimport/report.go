package disqusimport

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"byline/internal/comment"
	"byline/internal/disqus"
)

// Report says what an import did (or, for a dry run, would do).
type Report struct {
	DryRun bool
	Forums []string // the Disqus forums whose threads matched

	ThreadsMatched    int // threads that lead to an article
	ThreadsByRedirect int // of those, through an old address
	ThreadsEmpty      int // threads without posts that lead nowhere: only counted
	Unmatched         []Unmatched

	Comments      map[comment.Status]int // added, by status here (deleted ones are visible placeholders)
	Deleted       int                    // added as "[deleted]" placeholders
	Members       int                    // added as a member's, matched by a confirmed e-mail address
	CommentsKnown int                    // imported by an earlier run: unchanged
	Skipped       []Skip
}

// Unmatched is a thread with posts that leads to no article here.
type Unmatched struct {
	ThreadID, Link, Title string
	Posts                 int
	Reason                string
}

// Skip is one thing left out, and why.
type Skip struct {
	What   string
	Reason string
}

func newReport(dry bool) *Report {
	return &Report{DryRun: dry, Comments: map[comment.Status]int{}}
}

func (r *Report) skip(what, format string, args ...any) {
	r.Skipped = append(r.Skipped, Skip{What: what, Reason: fmt.Sprintf(format, args...)})
}

func (r *Report) addForum(f string) {
	if !slices.Contains(r.Forums, f) {
		r.Forums = append(r.Forums, f)
	}
}

// count records one comment imported (added) or found from an earlier run.
func (r *Report) count(im comment.Imported, added bool) {
	if !added {
		r.CommentsKnown++
		return
	}
	r.Comments[im.Status]++
	if im.Deleted {
		r.Deleted++
	}
	if im.AuthorID != 0 {
		r.Members++
	}
}

// Added is how many comments the import made: zero for an export imported
// before.
func (r *Report) Added() int {
	n := 0
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
	forums := strings.Join(r.Forums, ", ")
	if forums == "" {
		forums = "(no thread matched)"
	}
	fmt.Fprintf(&b, "Disqus forum %s: %s\n", forums, verb)
	fmt.Fprintf(&b, "  %-12s %6d matched (%d by their own address, %d through an old address)\n", "threads",
		r.ThreadsMatched, r.ThreadsMatched-r.ThreadsByRedirect, r.ThreadsByRedirect)
	fmt.Fprintf(&b, "  %-12s %6d not matched, with %s not imported; %d more without posts\n", "",
		len(r.Unmatched), plural(r.unmatchedPosts(), "post"), r.ThreadsEmpty)
	statuses := make([]string, 0, len(r.Comments))
	for k, v := range r.Comments {
		if v > 0 {
			statuses = append(statuses, fmt.Sprintf("%s %d", k, v))
		}
	}
	slices.Sort(statuses)
	rest := ""
	if len(statuses) > 0 {
		rest = " (" + strings.Join(statuses, ", ") + ")"
	}
	if r.CommentsKnown > 0 {
		rest += fmt.Sprintf(", %d already here", r.CommentsKnown)
	}
	fmt.Fprintf(&b, "  %-12s %6d new%s\n", "comments", r.Added(), rest)
	fmt.Fprintf(&b, "  %-12s %6d kept as placeholders above their replies\n", "deleted", r.Deleted)
	fmt.Fprintf(&b, "  %-12s %6d by members (matched by a confirmed e-mail address), the others as guests\n", "members", r.Members)
	if len(r.Unmatched) > 0 {
		fmt.Fprintf(&b, "Threads not matched (%d):\n", len(r.Unmatched))
		for _, u := range r.Unmatched {
			fmt.Fprintf(&b, "  %s (%s): %s\n", u.Link, plural(u.Posts, "post"), u.Reason)
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

func (r *Report) unmatchedPosts() int {
	n := 0
	for _, u := range r.Unmatched {
		n += u.Posts
	}
	return n
}

func sortUnmatched(list []Unmatched) {
	slices.SortFunc(list, func(a, b Unmatched) int {
		return cmp.Or(strings.Compare(a.Link, b.Link), strings.Compare(a.ThreadID, b.ThreadID))
	})
}

// sortPosts puts posts in the order Disqus writes them: by time, then id.
func sortPosts(list []disqus.Post) {
	slices.SortFunc(list, func(a, b disqus.Post) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

// plural is "1 post", "2 posts".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
