package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/app"
	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/leads"
	"byline/internal/links"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	cfg, rest, err := dbConfig(env, "migrate", args, nil)
	if err != nil {
		return err
	}
	if err := noArgs(rest); err != nil {
		return err
	}
	d, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(env.stdout, "database is up to date (%s)\n", d.Engine)
		return nil
	}
	names := make([]string, len(applied))
	for i, v := range applied {
		names[i] = fmt.Sprintf("%04d", v)
	}
	fmt.Fprintf(env.stdout, "applied migrations %s (%s)\n", strings.Join(names, ", "), d.Engine)
	return nil
}

func runDemo(ctx context.Context, env *environment, args []string) error {
	var big int
	var size string
	sizes := map[string]demo.Size{"": {}, "medium": {Articles: 10_000, People: 50_000, Comments: 500_000}, "large": demo.Large}
	cfg, d, _, err := openCommand(ctx, env, "demo", args, func(fs *flag.FlagSet) {
		fs.IntVar(&big, "big-thread", 0, "also add an article with this many comments (e.g. 10000), for trying big discussions")
		fs.StringVar(&size, "size", "", "also generate a big site: medium (10,000 articles, 500,000 comments) or large (100,000 articles, 5,000,000 comments, 500,000 people)")
	}, func(rest []string) error {
		if big < 0 || big > 1_000_000 {
			return usageError{"--big-thread must be from 0 to 1000000"}
		}
		if _, ok := sizes[size]; !ok {
			return usageError{fmt.Sprintf("--size %q: use medium or large", size)}
		}
		return noArgs(rest)
	})
	if err != nil {
		return err
	}
	defer d.Close()
	bar := newProgress(env.stdout, "articles")
	if err := demo.Load(ctx, d, cfg.Location, bar.update, demo.WithMedia(app.MediaStorage(*cfg, d))); err != nil {
		return err
	}
	bar.done()
	fmt.Fprintf(env.stdout, "loaded the demo site %q: %d people\n", demo.Settings.Name, len(demo.People)+len(demo.Readers))
	if sz := sizes[size]; sz.Articles > 0 {
		began := time.Now()
		bar := newProgress(env.stdout, "comments")
		err := demo.Generate(ctx, d, sz, func(what string, done, total int) {
			if what != "people" {
				bar.update(done, total)
			}
		})
		if err != nil {
			return err
		}
		bar.done()
		fmt.Fprintf(env.stdout, "generated %d articles, %d comments and %d people in %s\n", sz.Articles, sz.Comments, sz.People, time.Since(began).Round(time.Second))
	}
	if big > 0 {
		bar := newProgress(env.stdout, "comments")
		a, err := demo.BigThread(ctx, d, big, bar.update)
		if err != nil {
			return err
		}
		bar.done()
		fmt.Fprintf(env.stdout, "added %q with %d comments at %s\n", a.Headline, big, links.Article(a.PublishedAt, a.Slug, cfg.Location))
	}
	return nil
}

// rolesFlag collects --roles a,b or repeated --role a.
type rolesFlag []account.Role

func (r *rolesFlag) String() string { return fmt.Sprint(*r) }
func (r *rolesFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		role, err := account.ParseRole(s)
		if err != nil {
			return err
		}
		*r = append(*r, role)
	}
	return nil
}

func runUserAdd(ctx context.Context, env *environment, args []string) error {
	var n account.NewPerson
	var roles rolesFlag
	cfg, d, _, err := openCommand(ctx, env, "user add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&n.Email, "email", "", "e-mail address (required)")
		fs.StringVar(&n.DisplayName, "name", "", "display name (required)")
		fs.StringVar(&n.Country, "country", "", "country code or name, e.g. US or Canada")
		fs.StringVar(&n.Bio, "bio", "", "short bio")
		fs.StringVar(&n.Slug, "slug", "", "address of their page, /author/SLUG/ (default: from the name)")
		fs.StringVar(&n.Password, "password", "", "password to sign in with (or set BYLINE_PASSWORD; without one they use \"Forgot your password?\")")
		fs.Var(&roles, "roles", "comma-separated roles: admin, editor, author, contributor, moderator, reader (default reader)")
	}, func(rest []string) error {
		if n.Email == "" || n.DisplayName == "" {
			return usageError{"--email and --name are required"}
		}
		return noArgs(rest)
	})
	if err != nil {
		return err
	}
	n.Roles = roles
	if n.Password == "" {
		n.Password = env.getenv("BYLINE_PASSWORD")
	}
	n.Verified = true // an operator adding a person vouches for the address
	defer d.Close()
	p, err := app.NewStores(d, *cfg, app.Options{}).People.Create(ctx, n)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(env.stdout, "added %s <%s> (id %d, roles %v) at %s\n", p.DisplayName, p.Email, p.ID, p.Roles, links.Author(p.Slug))
	return nil
}

func runArticleAdd(ctx context.Context, env *environment, args []string) error {
	cfg, d, files, err := openCommand(ctx, env, "article add", args, nil, func(rest []string) error {
		if len(rest) == 0 {
			return usageError{"name at least one Markdown file"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer d.Close()
	stores := app.NewStores(d, *cfg, app.Options{})
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, errors.Unwrap(err))
		}
		a, err := stores.Articles.AddFile(ctx, data, cfg.Location, stores.People.AuthorID)
		if err != nil {
			return fmt.Errorf("%s: %w", name, describe(err))
		}
		where := "not public yet"
		if a.Visible(a.PublishedAt) {
			where = links.Article(a.PublishedAt, a.Slug, cfg.Location)
		}
		fmt.Fprintf(env.stdout, "added %q (id %d, %s): %s\n", a.Headline, a.ID, a.Status.Label(), where)
	}
	return nil
}

// describe turns domain errors into the sentence a person needs.
func describe(err error) error {
	if inv, ok := apperr.AsInvalid(err); ok {
		return errors.New(strings.TrimPrefix(inv.Error(), "invalid input: "))
	}
	if errors.Is(err, apperr.ErrNotFound) {
		msg := err.Error()
		if i := strings.Index(msg, "not found: "); i >= 0 {
			msg = msg[i+len("not found: "):]
		}
		return errors.New(msg)
	}
	return err
}

// runLeadADF prints a lead's ADF documents, one per dealer it went to.
func runLeadADF(ctx context.Context, env *environment, args []string) error {
	var siteName, siteURL string
	cfg, d, rest, err := openCommand(ctx, env, "lead adf", args, func(fs *flag.FlagSet) {
		fs.StringVar(&siteName, "site-name", env.getenv("BYLINE_SITE_NAME"), "the site's name as the lead's provider (default: the Settings screen's)")
		fs.StringVar(&siteURL, "base-url", env.getenv("BYLINE_BASE_URL"), "the site's address as the lead's provider")
	}, func(rest []string) error {
		if len(rest) != 1 {
			return usageError{"give one lead number"}
		}
		if _, err := strconv.ParseInt(rest[0], 10, 64); err != nil {
			return usageError{fmt.Sprintf("%q is not a lead number", rest[0])}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer d.Close()
	id, _ := strconv.ParseInt(rest[0], 10, 64)
	stores := app.NewStores(d, *cfg, app.Options{})
	st, err := stores.Settings.Stored(ctx)
	if err != nil {
		return err
	}
	if siteName == "" {
		siteName = st.Name
	}
	if siteURL == "" {
		siteURL = st.BaseURL
	}
	store := stores.Leads
	l, err := store.ByID(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("there is no lead %d", id)
	}
	if err != nil {
		return err
	}
	docs, err := store.Documents(ctx, l, leads.Provider{Name: siteName, URL: siteURL, Email: st.SMTP.From})
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return fmt.Errorf("lead %d went to no dealer (%s): it has no ADF document", id, l.Status)
	}
	for _, doc := range docs {
		env.stdout.Write(doc.XML)
	}
	return nil
}
