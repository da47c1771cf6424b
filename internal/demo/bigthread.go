package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
)

// BigThreadSlug is the address of the article BigThread adds.
const BigThreadSlug = "the-most-discussed-story"

// BigThread adds an article with n comments: 500 top-level threads (fewer
// when n is small) and replies nesting up to 8 deep, written by 50 readers.
// It is for benchmarks and for trying big discussions. progress, if not
// nil, is called every 1,000 comments.
func BigThread(ctx context.Context, d *db.DB, n int, progress func(done, total int)) (article.Article, error) {
	people := account.NewStore(d)
	var authors []int64
	for i := 0; i < 50; i++ {
		p, err := people.Create(ctx, account.NewPerson{Email: fmt.Sprintf("commenter%d@bigthread.example", i),
			DisplayName: fmt.Sprintf("Commenter %d", i), Verified: true, PasswordHash: passwordHash()})
		if err != nil {
			return article.Article{}, fmt.Errorf("big thread: %w", err)
		}
		authors = append(authors, p.ID)
	}
	a, err := article.NewStore(d).Create(ctx, article.Draft{Headline: "The Most Discussed Story", Slug: BigThreadSlug, AuthorID: authors[0],
		BodyMD: "An article whose discussion never stops, to show how a big thread reads.", Tags: []string{"discussion"},
		Status: article.StatusPublished, PublishedAt: time.Date(2012, 5, 30, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		return article.Article{}, fmt.Errorf("big thread: %w", err)
	}
	cs := comment.NewStore(d)
	rules := comment.Rules{Open: true, MaxLinks: -1}
	rng := rand.New(rand.NewPCG(1, 2))
	roots := min(500, max(1, n/20))
	var ids []int64
	depth := map[int64]int{}
	at := a.PublishedAt
	for i := 0; i < n; i++ {
		var parent int64
		if i >= roots {
			for {
				parent = ids[rng.IntN(len(ids))]
				if depth[parent] < 7 {
					break
				}
			}
		}
		p, err := cs.Post(ctx, comment.New{ArticleID: a.ID, ParentID: parent, AuthorID: authors[i%len(authors)],
			Body: fmt.Sprintf("Comment number %d, with *some* words to render and a [link](https://example.com/%d).", i, i),
			At:   at.Add(time.Duration(i) * time.Second), Trusted: true}, rules)
		if err != nil {
			return a, fmt.Errorf("big thread: comment %d: %w", i, err)
		}
		ids = append(ids, p.ID)
		if parent > 0 {
			depth[p.ID] = depth[parent] + 1
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress(i+1, n)
		}
	}
	return article.NewStore(d).Public(ctx, BigThreadSlug)
}
