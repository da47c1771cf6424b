// Package demo loads the demo magazine, Motor Ledger: its staff, its
// settings and its articles (Markdown files embedded from articles/), so a
// newcomer sees a living site on first start.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/media"
	"byline/internal/site"
)

//go:embed articles/*.md
var articleFS embed.FS

// Settings are the demo site's name and tagline.
var Settings = site.Defaults("Motor Ledger", "Car news, reviews and the industry behind them")

// People are the demo staff (six contributors, one from Canada; two
// moderators, one also a contributor; the editor-in-chief) and a reader.
var People = []account.NewPerson{
	{Email: "helen.marsh@motorledger.example", DisplayName: "Helen Marsh", Country: "US",
		Roles: []account.Role{account.RoleAdmin, account.RoleEditor},
		Bio:   "Editor-in-chief. Twenty years on the auto beat, from plant floors to proving grounds."},
	{Email: "marcus.delaney@motorledger.example", DisplayName: "Marcus Delaney", Country: "US",
		Roles: []account.Role{account.RoleContributor, account.RoleModerator},
		Bio:   "Covers auto shows and new-model launches, and keeps the comment section civil."},
	{Email: "priya.raman@motorledger.example", DisplayName: "Priya Raman", Country: "US",
		Roles: []account.Role{account.RoleContributor},
		Bio:   "Writes about sales, fuel economy rules and the business of selling cars."},
	{Email: "elliot.vance@motorledger.example", DisplayName: "Elliot Vance", Country: "US",
		Roles: []account.Role{account.RoleContributor, account.RoleAuthor},
		Bio:   "Follows manufacturing, trade and where the world's cars get built."},
	{Email: "sofia.brandt@motorledger.example", DisplayName: "Sofia Brandt", Country: "US",
		Roles: []account.Role{account.RoleContributor},
		Bio:   "Safety and recalls reporter; reads crash-test reports so you don't have to."},
	{Email: "tomas.herrera@motorledger.example", DisplayName: "Tomás Herrera", Slug: "tomas-herrera", Country: "US",
		Roles: []account.Role{account.RoleContributor},
		Bio:   "Road tests, trucks and motorsport. Happiest at a racetrack in the rain."},
	{Email: "genevieve.lacroix@motorledger.example", DisplayName: "Geneviève Lacroix", Slug: "genevieve-lacroix", Country: "CA",
		Roles: []account.Role{account.RoleContributor},
		Bio:   "Reports from Canada on electric cars, winter driving and Ontario's plants."},
	{Email: "ruth.okafor@motorledger.example", DisplayName: "Ruth Okafor", Country: "US",
		Roles: []account.Role{account.RoleModerator},
		Bio:   "Community moderator. Long-time reader, first-time moderator, daily commuter."},
	{Email: "jordan.pike@example.com", DisplayName: "Jordan Pike", Country: "US",
		Roles: []account.Role{account.RoleReader},
		Bio:   "Reader since the first issue. Drives a twenty-year-old wagon and will tell you about it."},
}

// Password signs in every demo person. It is for trying the demo only.
const Password = "motorledger-demo"

// passwordHashed is Password hashed with today's argon2id settings, once
// and for all: hashing is slow on purpose (over a second on a busy machine
// under the race detector), and every demo load would pay for it.
// TestDemoPasswordHash checks it against Password and today's settings.
const passwordHashed = "$argon2id$v=19$m=12288,t=3,p=1$RSJpRiGrjWQ18x/je5d7wg$n+ajr26W+cCrz4a4nUM7iCZK4AGLU8kQ0C8oyIbUJoU"

func passwordHash() string { return passwordHashed }

// ErrNotEmpty is returned when the database already has content.
var ErrNotEmpty = errors.New("the database already has people or articles; the demo loads only into an empty database")

// Empty reports whether the database has no people and no articles.
func Empty(ctx context.Context, d *db.DB) (bool, error) {
	n, err := account.NewStore(d).Count(ctx)
	if err != nil {
		return false, err
	}
	m, err := article.NewStore(d).Count(ctx)
	if err != nil {
		return false, err
	}
	return n == 0 && m == 0, nil
}

// Option changes how the demo loads.
type Option func(*options)

type options struct {
	media media.Storage
}

// WithMedia keeps the demo's pictures in st, the storage the site serves
// media from (without it: in the database, media.Database).
func WithMedia(st media.Storage) Option { return func(o *options) { o.media = st } }

// Load fills an empty database with the demo site. progress, if not nil,
// is called after each article.
func Load(ctx context.Context, d *db.DB, loc *time.Location, progress func(done, total int), opts ...Option) error {
	o := options{media: media.Database{DB: d}}
	for _, opt := range opts {
		opt(&o)
	}
	pictures := media.NewStore(d, o.media)
	empty, err := Empty(ctx, d)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if !empty {
		return ErrNotEmpty
	}
	warmPictures()
	if err := site.NewStore(d).Save(ctx, Settings); err != nil {
		return fmt.Errorf("demo: settings: %w", err)
	}
	people := account.NewStore(d)
	for _, p := range append(append([]account.NewPerson(nil), People...), Readers...) {
		p.PasswordHash, p.Verified = passwordHash(), true
		if _, err := people.Create(ctx, p); err != nil {
			return fmt.Errorf("demo: person %s: %w", p.DisplayName, err)
		}
	}
	files, err := fs.Glob(articleFS, "articles/*.md")
	if err != nil {
		return err
	}
	sort.Strings(files)
	articles := article.NewStore(d)
	for i, name := range files {
		data, err := articleFS.ReadFile(name)
		if err != nil {
			return err
		}
		if err := addArticle(ctx, articles, people, pictures, data, loc, i); err != nil {
			return fmt.Errorf("demo: %s: %w", path.Base(name), err)
		}
		if progress != nil {
			progress(i+1, len(files))
		}
	}
	if err := loadComments(ctx, people, articles, comment.NewStore(d)); err != nil {
		return err
	}
	if err := loadNewsletter(ctx, d, articles); err != nil {
		return err
	}
	if err := loadCars(ctx, d, loc); err != nil {
		return err
	}
	if err := loadModelPhotos(ctx, cars.NewStore(d), pictures); err != nil {
		return err
	}
	if err := loadPortraits(ctx, people); err != nil {
		return err
	}
	if err := loadPages(ctx, articles, people); err != nil {
		return err
	}
	return loadViews(ctx, d, loc)
}

// lastEdit is when the demo says article i was last changed: a few hours
// after it was published (a typo, a quote added), a few days for every
// fourth (an update to the story), so feeds and the sitemap show dates a
// real site would.
func lastEdit(published time.Time, i int) time.Time {
	at := published.Add(time.Duration(1+(i*7)%9)*time.Hour + time.Duration((i*13)%60)*time.Minute)
	if i%4 == 3 {
		at = at.AddDate(0, 0, 2+i%3)
	}
	return at
}

// addArticle stores an article file with its lead picture.
func addArticle(ctx context.Context, articles *article.Store, people *account.Store, pictures *media.Store, data []byte, loc *time.Location, i int) error {
	f, err := article.ParseFile(data, loc)
	if err != nil {
		return err
	}
	if f.Updated.IsZero() && !f.Date.IsZero() {
		f.Updated = lastEdit(f.Date, i)
	}
	author, err := people.AuthorID(ctx, f.Author)
	if err != nil {
		return err
	}
	draft := f.Draft(author)
	ap, ok := articlePics[f.Slug]
	if !ok {
		return fmt.Errorf("no picture for %q", f.Slug)
	}
	p, err := prepared(f.Slug, ap)
	if err != nil {
		return err
	}
	m, err := pictures.Put(ctx, p, author)
	if err != nil {
		return err
	}
	draft.FeaturedMediaID = m.ID
	_, err = articles.Create(ctx, draft)
	return err
}

// loadViews adds two weeks of readings, so "most read" has something to
// say: more for the articles with more comments, fewer on weekends.
func loadViews(ctx context.Context, d *db.DB, loc *time.Location) error {
	p, err := article.NewStore(d).List(ctx, article.ListQuery{Limit: 100})
	if err != nil {
		return err
	}
	views := article.NewViews(d, loc)
	now := time.Now()
	for day := 0; day < 14; day++ {
		at := now.AddDate(0, 0, -day)
		for i, a := range p.Articles {
			n := 3 + (a.CommentCount*7+i*5+day*3)%23
			if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
				n /= 2
			}
			for k := 0; k < n; k++ {
				views.Count(a.ID, at)
			}
		}
	}
	return views.Flush(ctx)
}
