package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

// An account deleted with its comments to remove, whose removal never ran
// (a crash right after the deletion), is finished by the clean-up.
func TestFinishCommentRemovals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		people := account.NewStore(d).WithMailer(mail.NewOutbox(d, "site.test"))
		comments := comment.NewStore(d)
		writer, err := people.Create(ctx, account.NewPerson{Email: "w@example.com", DisplayName: "Wren Writer", Verified: true, Roles: []account.Role{account.RoleAuthor}})
		if err != nil {
			t.Fatal(err)
		}
		reader, err := people.Create(ctx, account.NewPerson{Email: "r@example.com", DisplayName: "Rae Reader", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		a, err := article.NewStore(d).Create(ctx, article.Draft{Headline: "Talk", AuthorID: writer.ID, BodyMD: "Body.", Status: article.StatusPublished,
			PublishedAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, body := range []string{"One thought", "Another thought"} {
			p, err := comments.Post(ctx, comment.New{ArticleID: a.ID, AuthorID: reader.ID, Body: body}, comment.Rules{Open: true, MaxLinks: -1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		err = people.DeleteSelf(ctx, reader.ID, account.DeleteRequest{Email: "r@example.com", SessionStarted: time.Now(), RemoveComments: true, RemovalAllowed: true},
			account.MailContext{SiteName: "Site", BaseURL: "http://site.test"})
		if err != nil {
			t.Fatal(err)
		}
		finishCommentRemovals(ctx, people, comments, slog.New(slog.NewTextHandler(io.Discard, nil)))
		for _, id := range ids {
			if c, _ := comments.Get(ctx, id); !c.Deleted() || c.BodyMD != "" {
				t.Fatalf("comment %d after the clean-up: %+v", id, c)
			}
		}
		if pending, _ := people.CommentRemovalsPending(ctx); len(pending) != 0 {
			t.Fatalf("still pending: %v", pending)
		}
	})
}
