package comment

import (
	"context"
	"fmt"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

func TestExportPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		// One instant for every comment: the pages must still be whole,
		// ordered by id within the same time.
		clock := time.Now().Add(-time.Minute).Truncate(time.Second)
		f.s.now = func() time.Time { return clock }
		var mine []int64
		for i := range 5 {
			mine = append(mine, f.post(t, 1, 0, fmt.Sprintf("Comment number %d", i)).ID)
		}
		theirs := f.post(t, 2, mine[0], "Someone else's reply")
		reply := f.post(t, 1, theirs.ID, "My answer to the reply")
		mine = append(mine, reply.ID)
		if _, err := f.s.Edit(ctx, reply.ID, f.people[1].ID, "My answer to the reply, edited"); err != nil {
			t.Fatal(err)
		}
		f.s.Vote(ctx, mine[0], f.people[3].ID, 1)
		f.s.Vote(ctx, mine[1], f.people[3].ID, -1)
		if _, err := f.s.Vote(ctx, theirs.ID, f.people[1].ID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Vote(ctx, mine[2], f.people[2].ID, -1); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Report(ctx, theirs.ID, f.people[1].ID, "off topic", Rules{}); err != nil {
			t.Fatal(err)
		}
		f.s.Report(ctx, mine[3], f.people[2].ID, "rude", Rules{})

		var got []Mine
		var cur MineCursor
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the pages never end")
			}
			page, next, err := f.s.ByAuthorPage(ctx, f.people[1].ID, cur, 2)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page...)
			if next.ID == 0 {
				break
			}
			cur = next
		}
		if len(got) != len(mine) {
			t.Fatalf("exported %d comments, want %d: %+v", len(got), len(mine), got)
		}
		for i, c := range got {
			if want := mine[len(mine)-1-i]; c.ID != want { // newest first: the same instant, so by id
				t.Fatalf("comment %d is %d, want %d", i, c.ID, want)
			}
			if c.ArticleHeadline != "Talk about it" || c.ArticleSlug == "" || c.ArticlePublished.IsZero() || c.Status != StatusVisible {
				t.Fatalf("comment's article: %+v", c)
			}
		}
		if got[0].ParentID != theirs.ID || got[0].BodyMD != "My answer to the reply, edited" || got[0].EditedAt.IsZero() {
			t.Fatalf("the reply: %+v", got[0])
		}
		if last := got[len(got)-1]; last.Score() != 1 || last.ParentID != 0 {
			t.Fatalf("the first comment: %+v", last)
		}

		votes, err := f.s.VotesPage(ctx, f.people[1].ID, 0, 10)
		if err != nil || len(votes) != 1 || votes[0].CommentID != theirs.ID || votes[0].Value != 1 {
			t.Fatalf("votes: %+v %v", votes, err)
		}
		reports, err := f.s.ReportsPage(ctx, f.people[1].ID, 0, 10)
		if err != nil || len(reports) != 1 || reports[0].CommentID != theirs.ID || reports[0].Reason != "off topic" {
			t.Fatalf("reports: %+v %v", reports, err)
		}
		// Pages of votes go on from the last comment id.
		if more, _ := f.s.VotesPage(ctx, f.people[3].ID, mine[0], 10); len(more) != 1 || more[0].CommentID != mine[1] || more[0].Value != -1 {
			t.Fatalf("second page of votes: %+v", more)
		}
	})
}

func TestDeletedAccountComments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		o := mail.NewOutbox(d, "site.test")
		people := account.NewStore(d).WithMailer(o)
		mc := account.MailContext{SiteName: "Test Site", BaseURL: "http://site.test"}
		removeBatch = 2 // several batches from a handful of comments
		t.Cleanup(func() { removeBatch = 500 })

		// people[1] writes a thread others answer; people[3] comments too;
		// people[0] wrote the article.
		top := f.post(t, 1, 0, "My first thought on this")
		reply := f.post(t, 2, top.ID, "An answer from someone else")
		mine := []int64{top.ID, f.post(t, 1, reply.ID, "My answer back").ID, f.post(t, 1, 0, "Another thought").ID}
		kept := f.post(t, 3, 0, "A comment that stays")
		staff := f.post(t, 0, 0, "The writer answers")
		before, _ := f.s.Count(ctx, f.art.ID)

		// Removal refused where the site keeps comments: nothing changes.
		now := time.Now()
		refused := account.DeleteRequest{Email: f.people[1].Email, SessionStarted: now, RemoveComments: true}
		if err := people.DeleteSelf(ctx, f.people[1].ID, refused, mc); err == nil {
			t.Fatal("removal allowed where the site keeps comments")
		}
		if p, _ := people.ByID(ctx, f.people[1].ID); p.Deleted() {
			t.Fatal("a refused deletion deleted")
		}

		// Remove: the account goes with the choice stored, as after a crash
		// before the comments went.
		req := account.DeleteRequest{Email: f.people[1].Email, SessionStarted: now, RemoveComments: true, RemovalAllowed: true}
		if err := people.DeleteSelf(ctx, f.people[1].ID, req, mc); err != nil {
			t.Fatal(err)
		}
		if ids, _ := people.CommentRemovalsPending(ctx); len(ids) != 1 || ids[0] != f.people[1].ID {
			t.Fatalf("pending: %v", ids)
		}
		msgs, _ := o.List(ctx, 0, 10)
		if len(msgs) != 1 || msgs[0].To != f.people[1].Email {
			t.Fatalf("goodbye mail: %+v", msgs)
		}
		// Half done, then done again: each comment goes once.
		err := d.Tx(ctx, func(tx *db.Tx) error {
			_, _, err := f.s.removeBatch(ctx, tx, f.people[1].ID, MineCursor{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := f.s.RemoveByAuthor(ctx, f.people[1].ID)
		if err != nil || n != len(mine)-removeBatch {
			t.Fatalf("removed %d (%v), want the %d left", n, err, len(mine)-removeBatch)
		}
		if n, err := f.s.RemoveByAuthor(ctx, f.people[1].ID); err != nil || n != 0 {
			t.Fatalf("second run removed %d (%v)", n, err)
		}
		if err := people.CommentsRemoved(ctx, f.people[1].ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range mine {
			c, _ := f.s.Get(ctx, id)
			if !c.Deleted() || c.BodyMD != "" || c.BodyHTML != "" || c.Author.Name != account.DeletedName {
				t.Fatalf("removed comment %d: %+v", id, c)
			}
		}
		if c, _ := f.s.Get(ctx, reply.ID); c.Deleted() || c.ParentID != top.ID || c.BodyMD != "An answer from someone else" {
			t.Fatalf("the other person's reply: %+v", c)
		}
		if after, _ := f.s.Count(ctx, f.art.ID); after != before-len(mine) {
			t.Fatalf("count %d, want %d", after, before-len(mine))
		}
		// The removed comment with a reply stays as a marker above it;
		// removed ones nobody answered leave, as when an author deletes one.
		p, _ := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		var shown []int64
		for _, c := range p.Comments {
			shown = append(shown, c.ID)
		}
		if fmt.Sprint(shown) != fmt.Sprint([]int64{top.ID, reply.ID, kept.ID, staff.ID}) || !p.Comments[0].Deleted() {
			t.Fatalf("the thread after removal: %v", shown)
		}

		// Keep: the text stays, signed [deleted account].
		req = account.DeleteRequest{Email: f.people[3].Email, SessionStarted: now, RemovalAllowed: true}
		if err := people.DeleteSelf(ctx, f.people[3].ID, req, mc); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.s.Get(ctx, kept.ID); c.Deleted() || c.BodyMD != "A comment that stays" || c.Author.Name != account.DeletedName {
			t.Fatalf("kept comment: %+v", c)
		}
		if ids, _ := people.CommentRemovalsPending(ctx); len(ids) != 0 {
			t.Fatalf("pending after keeping: %v", ids)
		}

		// The writer of a published article keeps their byline.
		req = account.DeleteRequest{Email: f.people[0].Email, SessionStarted: now, RemovalAllowed: true}
		if err := people.DeleteSelf(ctx, f.people[0].ID, req, mc); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.s.Get(ctx, staff.ID); c.Author.Name != f.people[0].DisplayName {
			t.Fatalf("writer's name after deletion: %q", c.Author.Name)
		}
		if a, _ := f.articles.ByID(ctx, f.art.ID); a.Author.Name != f.people[0].DisplayName {
			t.Fatalf("byline after deletion: %+v", a.Author)
		}
	})
}
