package comment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

type fixture struct {
	s        *Store
	articles *article.Store
	art      article.Article
	people   []account.Person
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	ps := account.NewStore(d)
	var people []account.Person
	for i := 0; i < 4; i++ {
		p, err := ps.Create(ctx, account.NewPerson{Email: fmt.Sprintf("p%d@example.com", i), DisplayName: fmt.Sprintf("Person %d", i), Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, p)
	}
	as := article.NewStore(d)
	a, err := as.Create(ctx, article.Draft{Headline: "Talk about it", AuthorID: people[0].ID, BodyMD: "Body.", Status: article.StatusPublished,
		PublishedAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: NewStore(d), articles: as, art: a, people: people}
}

func (f fixture) post(t *testing.T, author int, parent int64, body string) Comment {
	t.Helper()
	p, err := f.s.Post(context.Background(), New{ArticleID: f.art.ID, ParentID: parent, AuthorID: f.people[author].ID, Body: body}, Rules{Open: true, MaxLinks: -1})
	if err != nil {
		t.Fatalf("post %q: %v", body, err)
	}
	return p.Comment
}

func TestThreads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		c1 := f.post(t, 1, 0, "First, top level")
		c2 := f.post(t, 2, c1.ID, "Reply to first")
		c3 := f.post(t, 3, c2.ID, "Three deep")
		c4 := f.post(t, 2, 0, "I like my cars built at home")
		if c3.Depth != 2 || c3.ThreadID != c1.ID || c4.ThreadID != c4.ID {
			t.Fatalf("depths: %+v", c3)
		}
		p, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		got := []int64{}
		for _, c := range p.Comments {
			got = append(got, c.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint([]int64{c1.ID, c2.ID, c3.ID, c4.ID}) || p.Comments[2].ParentAuthor != "Person 2" {
			t.Fatalf("display order %v", got)
		}
		if n, _ := f.s.Count(ctx, f.art.ID); n != 4 {
			t.Fatalf("count %d", n)
		}
		// A reply whose parent is held still names whom it answers: the
		// parent is not on the page, so its author is read on its own.
		if err := f.s.Moderate(ctx, []int64{c2.ID}, ActHold, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		held, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(held.Comments) != 3 || held.Comments[1].ID != c3.ID || held.Comments[1].ParentAuthor != "Person 2" ||
			held.Comments[1].Author.Name != "Person 3" || held.Comments[1].Author.Slug == "" || held.Comments[1].ThreadID != c1.ID {
			t.Fatalf("with the parent held: %+v", held.Comments)
		}
		if err := f.s.Moderate(ctx, []int64{c2.ID}, ActApprove, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Thread(ctx, f.art.ID, SortNewest, 1)
		if p.Comments[0].ID != c4.ID || p.Comments[1].ID != c1.ID {
			t.Fatal("newest first does not start with the newest thread")
		}

		// Votes: one per person, not on one's own, changeable; best order follows.
		if _, err := f.s.Vote(ctx, c4.ID, f.people[2].ID, 1); err == nil {
			t.Fatal("voted on own comment")
		}
		for _, voter := range []int{0, 1, 3} {
			if _, err := f.s.Vote(ctx, c4.ID, f.people[voter].ID, 1); err != nil {
				t.Fatal(err)
			}
		}
		f.s.Vote(ctx, c4.ID, f.people[3].ID, -1) // changed mind
		c, _ := f.s.Vote(ctx, c4.ID, f.people[3].ID, 1)
		if c.Up != 3 || c.Down != 0 || c.Score() != 3 {
			t.Fatalf("votes: up %d down %d", c.Up, c.Down)
		}
		c, _ = f.s.Vote(ctx, c4.ID, f.people[3].ID, 0)
		if c.Up != 2 {
			t.Fatalf("withdrawn vote still counted: %d", c.Up)
		}
		if _, err := f.s.Vote(ctx, 999999, f.people[3].ID, 1); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("vote on a missing comment: %v", err)
		}
		p, _ = f.s.Thread(ctx, f.art.ID, SortBest, 1)
		if p.Comments[0].ID != c4.ID {
			t.Fatal("best order does not start with the voted thread")
		}
		votes, _ := f.s.Votes(ctx, f.people[0].ID, []int64{c1.ID, c4.ID})
		if votes[c4.ID] != 1 || votes[c1.ID] != 0 {
			t.Fatalf("my votes %v", votes)
		}

		// Double submission: the same comment, not a second one.
		again, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[2].ID, Body: "I like my cars built at home"}, Rules{Open: true, MaxLinks: -1})
		if err != nil || !again.Duplicate || again.ID != c4.ID {
			t.Fatalf("double submission: %+v %v", again, err)
		}
		// Replies only to shown comments of the same article.
		_, err = f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: 999999, AuthorID: f.people[1].ID, Body: "x"}, Rules{Open: true})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["parent"] == "" {
			t.Fatalf("reply to missing: %v", err)
		}
		_, err = f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1].ID, Body: strings.Repeat("x", MaxBody+1)}, Rules{Open: true})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["body"] == "" {
			t.Fatalf("over-long: %v", err)
		}

		// Deleting a comment with replies leaves a placeholder; a leaf disappears.
		if err := f.s.Delete(ctx, c2.ID, f.people[1].ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatal("someone else deleted a comment")
		}
		if err := f.s.Delete(ctx, c2.ID, f.people[2].ID); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if len(p.Comments) != 4 || !p.Comments[1].Deleted() {
			t.Fatalf("placeholder missing: %d comments", len(p.Comments))
		}
		if err := f.s.Delete(ctx, c3.ID, f.people[3].ID); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if len(p.Comments) != 2 {
			t.Fatalf("deleted leaves still shown: %d", len(p.Comments))
		}
		if n, _ := f.s.Count(ctx, f.art.ID); n != 2 {
			t.Fatalf("count after deletes %d", n)
		}
		_, err = f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: c2.ID, AuthorID: f.people[1].ID, Body: "reply to deleted"}, Rules{Open: true})
		if err == nil {
			t.Fatal("reply to a deleted comment accepted")
		}

		// Moderation keeps the count right and the history.
		if err := f.s.Moderate(ctx, []int64{c4.ID}, ActTrash, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.s.Count(ctx, f.art.ID); n != 1 {
			t.Fatalf("count after trash %d", n)
		}
		f.s.Moderate(ctx, []int64{c4.ID}, ActRestore, f.people[0].ID, "", Site{})
		if n, _ := f.s.Count(ctx, f.art.ID); n != 2 {
			t.Fatalf("count after restore %d", n)
		}
		h, _ := f.s.History(ctx, c4.ID)
		if len(h) != 2 || h[0].Action != "trash" || h[0].Actor != "Person 0" || h[1].Action != "restore" {
			t.Fatalf("history %+v", h)
		}
		recent, err := f.s.Recent(ctx, 0, 5)
		if err != nil || len(recent) != 2 || recent[0].ID != c4.ID || recent[0].AuthorName != "Person 2" {
			t.Fatalf("recent %+v %v", recent, err)
		}
	})
}

func TestRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		post := func(who int, body string, r Rules) (Posted, error) {
			return f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[who].ID, Body: body}, r)
		}
		r := DefaultRules
		r.HoldWords, r.BlockWords = ParseWords("lemon\ncheap pills"), ParseWords("slur")
		if p, _ := post(1, "Read https://a.example and https://b.example and https://c.example", r); p.Status != StatusPending || p.HeldFor == "" {
			t.Fatalf("three links not held: %+v", p.HeldFor)
		}
		if p, _ := post(1, "This car is a LEMON.", r); p.Status != StatusPending {
			t.Fatal("hold word not held")
		}
		if p, _ := post(1, "Lemonade is fine.", r); p.Status != StatusVisible {
			t.Fatal("a word containing a hold word was held")
		}
		if _, err := post(1, "what a slur", r); err == nil {
			t.Fatal("block word accepted")
		}
		hf := r
		hf.HoldFirst = 1
		if p, _ := post(2, "my first words", hf); p.Status != StatusPending {
			t.Fatal("first comment not held")
		}
		if p, _ := post(1, "a regular speaks", hf); p.Status != StatusVisible {
			t.Fatal("a person with approved comments was held")
		}
		// Rate limit.
		rl := Rules{Open: true, MaxLinks: -1, PerMinute: 2}
		post(3, "one", rl)
		post(3, "two", rl)
		if _, err := post(3, "three", rl); err == nil {
			t.Fatal("rate limit not applied")
		}
		// Reports hold after the threshold.
		c, _ := post(2, "controversial", DefaultRules)
		for i, who := range []int{0, 1, 3} {
			if err := f.s.Report(ctx, c.ID, f.people[who].ID, "rude", DefaultRules); err != nil {
				t.Fatalf("report %d: %v", i, err)
			}
		}
		if got, _ := f.s.Get(ctx, c.ID); got.Status != StatusPending || got.Reports != 3 {
			t.Fatalf("after 3 reports: %s %d", got.Status, got.Reports)
		}
		// Closed articles and banned people.
		if _, err := post(1, "too late", Rules{Open: true, CloseAfterDays: 1, MaxLinks: -1}); err != nil {
			t.Fatalf("open article refused: %v", err)
		}
		d.Exec(ctx, `UPDATE articles SET published_at = $1 WHERE id = $2`, time.Now().Add(-72*time.Hour), f.art.ID)
		if _, err := post(1, "too late now", Rules{Open: true, CloseAfterDays: 1}); !errors.Is(err, ErrClosed) {
			t.Fatalf("old article: %v", err)
		}
		f.s.Ban(ctx, f.people[1].ID, f.people[0].ID, time.Now().Add(time.Hour))
		if _, err := post(1, "banned words", DefaultRules); !errors.Is(err, ErrBanned) {
			t.Fatalf("banned: %v", err)
		}
	})
}

func TestPagesAndLocate(t *testing.T) {
	dbtest.Each(t, testPagesAndLocate)
}

func testPagesAndLocate(t *testing.T, d *db.DB) {
	ctx := context.Background()
	f := setup(t, d)
	var last Comment
	for i := 0; i < PerPage*2+5; i++ {
		last = f.post(t, 1+i%3, 0, fmt.Sprintf("top %d", i))
		f.post(t, 1+(i+1)%3, last.ID, fmt.Sprintf("reply %d", i))
	}
	p, err := f.s.Thread(ctx, f.art.ID, SortOldest, 3)
	if err != nil || p.Pages != 3 || len(p.Comments) != 10 {
		t.Fatalf("page 3: %d comments of %d pages, %v", len(p.Comments), p.Pages, err)
	}
	if _, err := f.s.Thread(ctx, f.art.ID, SortOldest, 4); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatal("page 4 exists")
	}
	pl, err := f.s.Locate(ctx, last.ID, SortOldest)
	if err != nil || pl.ArticleID != f.art.ID || pl.Page != 3 || pl.Thread != 0 {
		t.Fatalf("locate: %+v %v", pl, err)
	}
	if pl, _ := f.s.Locate(ctx, last.ID, SortNewest); pl.Page != 1 {
		t.Fatalf("locate newest: %+v", pl)
	}
	// A long thread shows its first replies on the article page and all of
	// them on its own page; a permalink to a late reply goes there.
	root := f.post(t, 1, 0, "long thread")
	var replies []Comment
	for i := 0; i < RepliesShown+4; i++ {
		replies = append(replies, f.post(t, 2, root.ID, fmt.Sprintf("reply %d to the long thread", i)))
	}
	p, _ = f.s.Thread(ctx, f.art.ID, SortNewest, 1)
	if p.Hidden[root.ID] != 4 {
		t.Fatalf("hidden replies %d", p.Hidden[root.ID])
	}
	if pl, _ := f.s.Locate(ctx, replies[len(replies)-1].ID, SortOldest); pl.Thread != root.ID {
		t.Fatalf("late reply located at %+v", pl)
	}
	if pl, _ := f.s.Locate(ctx, replies[0].ID, SortOldest); pl.Thread != 0 {
		t.Fatalf("early reply located at %+v", pl)
	}
	whole, err := f.s.WholeThread(ctx, root.ID, 100)
	if err != nil || len(whole) != RepliesShown+5 {
		t.Fatalf("whole thread: %d %v", len(whole), err)
	}
}

func TestNest(t *testing.T) {
	mk := func(id, parent int64, depth int) Comment {
		return Comment{ID: id, ParentID: parent, Depth: depth, ParentAuthor: fmt.Sprint("P", parent)}
	}
	list := []Comment{mk(1, 0, 0), mk(2, 1, 1), mk(3, 2, 2), mk(4, 3, 3), mk(5, 0, 0)}
	roots := Nest(list, 3)
	if len(roots) != 2 || len(roots[0].Children) != 1 {
		t.Fatalf("roots %d", len(roots))
	}
	lvl1 := roots[0].Children[0]
	if len(lvl1.Children) != 2 || lvl1.Children[1].ID != 4 || lvl1.Children[1].Level != 2 || lvl1.Children[1].InReplyTo != "P3" {
		t.Fatalf("deep reply not flattened: %+v", lvl1.Children)
	}
}

func TestWilson(t *testing.T) {
	if !(wilson(300, 20) > wilson(3, 0)) || wilson(0, 0) != 0 || !(wilson(10, 0) > wilson(10, 5)) {
		t.Fatal("wilson order wrong")
	}
}

// A failing duplicate check is reported as itself. It used to be taken
// for "no duplicate", and on PostgreSQL the next statement then only said
// the transaction was aborted. (A NUL in the body makes PostgreSQL refuse
// that query; the site and the API refuse such text before it gets here.)
func TestPostReportsAFailedDuplicateCheck(t *testing.T) {
	f := setup(t, dbtest.Postgres(t))
	_, err := f.s.Post(context.Background(), New{ArticleID: f.art.ID, AuthorID: f.people[1].ID, Body: "a\x00b"}, Rules{Open: true, MaxLinks: -1})
	if err == nil || strings.Contains(err.Error(), "aborted") || !strings.Contains(err.Error(), "duplicate check") {
		t.Fatalf("err = %v, want the duplicate check's own error", err)
	}
}

// A reply notice that cannot be looked up fails the reply, naming why. It
// was read as "nobody to tell": on SQLite the notice was silently lost, on
// PostgreSQL the commit only said the transaction had been aborted.
func TestReplyNoticeLookupFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.s.WithMailer(mail.NewOutbox(d, "example.com"))
		first := f.post(t, 1, 0, "A first comment")
		// Break the notice's query only (a column it alone reads).
		if _, err := d.Exec(context.Background(), `ALTER TABLE users RENAME COLUMN notify_token TO notify_token_gone`); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.Post(context.Background(), New{ArticleID: f.art.ID, ParentID: first.ID, AuthorID: f.people[2].ID, Body: "A reply",
			Site: Site{Name: "Site", BaseURL: "http://site.test"}}, Rules{Open: true, MaxLinks: -1})
		if err == nil || !strings.Contains(err.Error(), "reply notice") {
			t.Fatalf("err = %v, want the notice lookup's error", err)
		}
	})
}

// A comment that sanitises to nothing is refused on post, on edit and on a
// moderator's edit, rather than published empty.
func TestMarkupOnlyCommentsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		keep := f.post(t, 1, 0, "Something to edit")
		for _, body := range []string{"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b></b>", "&nbsp;", "[](https://example.com)", "---"} {
			_, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1].ID, Body: body}, Rules{Open: true, MaxLinks: -1})
			inv, ok := apperr.AsInvalid(err)
			if !ok || !strings.Contains(inv.Fields["body"], "nothing would be left") {
				t.Errorf("post %q: got %v, want a body error", body, err)
			}
			if _, err := f.s.Edit(ctx, keep.ID, f.people[1].ID, body); err == nil {
				t.Errorf("edit to %q accepted", body)
			}
			if err := f.s.EditByModerator(ctx, keep.ID, f.people[0].ID, body); err == nil {
				t.Errorf("moderator edit to %q accepted", body)
			}
		}
		if n, err := f.s.Count(ctx, f.art.ID); err != nil || n != 1 {
			t.Fatalf("count %d, %v: only the first comment should exist", n, err)
		}
		got, err := f.s.Get(ctx, keep.ID)
		if err != nil || got.BodyMD != "Something to edit" {
			t.Fatalf("kept comment changed: %q %v", got.BodyMD, err)
		}
	})
}

// Find searches a queue by words in the text, the author's name and the
// article's headline, on both engines, and brings each comment's reports.
func TestFindInQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.post(t, 1, 0, "Cheap WATCHES here, 100% off_today")
		f.post(t, 2, 0, "A thoughtful reply about engines")
		if err := f.s.Report(ctx, a.ID, f.people[3].ID, "Spam or advertising", Rules{Open: true}); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{"watches": 1, "person 2": 1, "talk about": 2, "100%": 1, "off_t": 1, "_": 1, "%": 1, "nothing": 0, "": 2} {
			got, err := f.s.Find(ctx, Filter{Queue: QueueAll, Search: q}, 50)
			if err != nil || len(got) != want {
				t.Errorf("search %q: %d found, want %d (%v)", q, len(got), want, err)
			}
		}
		got, err := f.s.Find(ctx, Filter{Queue: QueueReported}, 50)
		if err != nil || len(got) != 1 || len(got[0].ReportList) != 1 || got[0].ReportList[0].Reporter != "Person 3" || got[0].ReportList[0].Reason != "Spam or advertising" {
			t.Fatalf("reported queue: %+v %v", got, err)
		}
	})
}

// A double submission is found by its text whatever the author wrote in
// between, and by the text as it is now: after an edit, sending the new
// text again is a double, sending the old one is a new comment.
func TestDoubleSubmissionByText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		rules := Rules{Open: true, MaxLinks: -1}
		post := func(body string) Posted {
			t.Helper()
			p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1].ID, Body: body}, rules)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		first := post("The first thing I said")
		for i := range 25 {
			if p := post(fmt.Sprintf("Another thought, number %d", i)); p.Duplicate {
				t.Fatalf("comment %d taken for a double of %d", i, p.ID)
			}
		}
		if again := post("The first thing I said"); !again.Duplicate || again.ID != first.ID {
			t.Fatalf("sent again after 25 others: %+v, want a double of %d", again, first.ID)
		}
		// Someone else's same words, and the same words on another article,
		// are comments of their own.
		other, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[2].ID, Body: "The first thing I said"}, rules)
		if err != nil || other.Duplicate {
			t.Fatalf("another author's same words: %+v %v", other, err)
		}

		if _, err := f.s.Edit(ctx, first.ID, f.people[1].ID, "What I meant to say"); err != nil {
			t.Fatal(err)
		}
		if again := post("What I meant to say"); !again.Duplicate || again.ID != first.ID {
			t.Fatalf("the edited text sent again: %+v, want a double of %d", again, first.ID)
		}
		if p := post("The first thing I said"); p.Duplicate {
			t.Fatalf("the text from before the edit taken for a double of %d", p.ID)
		}
	})
}
