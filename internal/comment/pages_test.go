package comment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestThreadPagesFollowTheirDiscussion pins that a page Thread keeps is
// handed out again only while nothing it shows changed: every kind of
// change to the discussion, by this store, another store (another node) or
// plain SQL (a command-line tool), and a change of a shown name, is on the
// next read; a comment on another article is not a change to this one.
func TestThreadPagesFollowTheirDiscussion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		other := NewStore(d) // another node's store, with a memo of its own
		first := f.post(t, 1, 0, "First words")
		reply := f.post(t, 2, first.ID, "A reply")
		read := func(s *Store) Page {
			t.Helper()
			p, err := s.Thread(ctx, f.art.ID, SortOldest, 1)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		shows := func(step string, want ...string) {
			t.Helper()
			for _, s := range []*Store{f.s, other} {
				var got []string
				for _, c := range read(s).Comments {
					got = append(got, fmt.Sprintf("%s: %s %s %d/%d", c.Author.Name, strings.TrimSpace(c.BodyHTML), c.Status, c.Up, c.Down))
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("after %s, the page shows\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		}
		shows("two posts", "Person 1: <p>First words</p> visible 0/0", "Person 2: <p>A reply</p> visible 0/0")

		// The same page, read again with nothing changed, is the one kept.
		a, b := read(f.s), read(f.s)
		if &a.Comments[0] != &b.Comments[0] {
			t.Fatal("an unchanged discussion was read from the database again")
		}
		// A comment elsewhere moves the site's content counter, not this
		// discussion.
		elsewhere, err := f.articles.Create(ctx, article.Draft{Headline: "Elsewhere", AuthorID: f.people[0].ID, BodyMD: "Body.",
			Status: article.StatusPublished, PublishedAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Post(ctx, New{ArticleID: elsewhere.ID, AuthorID: f.people[3].ID, Body: "Elsewhere"}, Rules{Open: true, MaxLinks: -1}); err != nil {
			t.Fatal(err)
		}
		if c := read(f.s); &c.Comments[0] != &a.Comments[0] {
			t.Fatal("a comment on another article made this discussion be read again")
		}

		third := f.post(t, 3, reply.ID, "Third")
		shows("a reply by this store", "Person 1: <p>First words</p> visible 0/0", "Person 2: <p>A reply</p> visible 0/0", "Person 3: <p>Third</p> visible 0/0")
		if _, err := other.Vote(ctx, first.ID, f.people[2].ID, 1); err != nil {
			t.Fatal(err)
		}
		shows("a vote by another node", "Person 1: <p>First words</p> visible 1/0", "Person 2: <p>A reply</p> visible 0/0", "Person 3: <p>Third</p> visible 0/0")
		if _, err := other.Edit(ctx, reply.ID, f.people[2].ID, "A reply, edited"); err != nil {
			t.Fatal(err)
		}
		shows("an edit", "Person 1: <p>First words</p> visible 1/0", "Person 2: <p>A reply, edited</p> visible 0/0", "Person 3: <p>Third</p> visible 0/0")
		if err := f.s.Moderate(ctx, []int64{third.ID}, ActHold, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		shows("a hold", "Person 1: <p>First words</p> visible 1/0", "Person 2: <p>A reply, edited</p> visible 0/0")
		if _, err := d.Exec(ctx, `UPDATE comments SET body_html = '<p>Changed by hand</p>' WHERE id = $1`, first.ID); err != nil {
			t.Fatal(err)
		}
		shows("plain SQL", "Person 1: <p>Changed by hand</p> visible 1/0", "Person 2: <p>A reply, edited</p> visible 0/0")
		if _, err := d.Exec(ctx, `UPDATE users SET display_name = 'Renamed' WHERE id = $1`, f.people[2].ID); err != nil {
			t.Fatal(err)
		}
		shows("a new name", "Person 1: <p>Changed by hand</p> visible 1/0", "Renamed: <p>A reply, edited</p> visible 0/0")
		if err := other.Delete(ctx, reply.ID, f.people[2].ID); err != nil {
			t.Fatal(err)
		}
		shows("a deletion", "Person 1: <p>Changed by hand</p> visible 1/0")
		gone := f.post(t, 3, 0, "Gone soon")
		shows("a new thread", "Person 1: <p>Changed by hand</p> visible 1/0", "Person 3: <p>Gone soon</p> visible 0/0")
		if _, err := d.Exec(ctx, `DELETE FROM comments WHERE id = $1`, gone.ID); err != nil {
			t.Fatal(err)
		}
		shows("a row deleted by hand", "Person 1: <p>Changed by hand</p> visible 1/0")
	})
}

// TestVotesWaitForNoPost pins that on PostgreSQL a vote takes no lock a
// post or a moderator's step holds while it goes on: a transaction that
// changed a comment of the article (and so holds the article's discussion
// version until it ends) does not hold up a vote on another comment.
// Were votes to move that version too, a post (holding it, then updating
// the thread's top comment) and a vote on that top comment would wait for
// each other.
func TestVotesWaitForNoPost(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx := context.Background()
	f := setup(t, d)
	top := f.post(t, 1, 0, "Top")
	reply := f.post(t, 2, top.ID, "A reply")
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE comments SET body_html = body_html || ' ' WHERE id = $1`, reply.ID); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	select {
	case <-holding:
	case err := <-done:
		t.Fatalf("the holding transaction ended early: %v", err)
	}
	vctx, cancel := context.WithTimeout(ctx, 2*time.Minute) // generous: it waits for nothing
	defer cancel()
	_, err := f.s.Vote(vctx, top.ID, f.people[3].ID, 1)
	close(release)
	if err != nil {
		t.Fatalf("a vote waited for the other transaction: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Comments[0].Up != 1 || !strings.HasSuffix(p.Comments[1].BodyHTML, " ") {
		t.Fatalf("after both: %d up, body %q", p.Comments[0].Up, p.Comments[1].BodyHTML)
	}
}
