package article

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"byline/internal/slug"
)

// File is an article as written in a Markdown file with YAML front matter:
//
//	---
//	title: "Infiniti to move production out of Japan"
//	author: elliot-vance          # slug, e-mail or display name
//	date: 2012-04-05T10:15:00-04:00
//	updated: 2012-04-05T16:40:00-04:00  # optional: last change, when later
//	tags: [infiniti, nissan]
//	status: published            # draft, pending review, scheduled, published
//	slug: optional-custom-slug
//	excerpt: "Optional summary."
//	---
//	Body in Markdown.
type File struct {
	Title   string
	Author  string
	Date    time.Time // zero when not given
	Updated time.Time // its last change; zero when not given
	Tags    []string
	Status  Status
	Slug    string
	Excerpt string
	Body    string
}

type frontMatter struct {
	Title   string   `yaml:"title"`
	Author  string   `yaml:"author"`
	Date    string   `yaml:"date"`
	Updated string   `yaml:"updated"`
	Tags    []string `yaml:"tags"`
	Status  string   `yaml:"status"`
	Slug    string   `yaml:"slug"`
	Excerpt string   `yaml:"excerpt"`
}

var dateLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ParseFile reads an article file. Dates without a zone are taken in loc.
// Every error is one line saying what to fix.
func ParseFile(data []byte, loc *time.Location) (File, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		return File{}, errors.New("front matter missing: the file must start with a line \"---\"")
	}
	rest := data[4:]
	var head, body []byte
	if bytes.HasPrefix(rest, []byte("---\n")) || bytes.Equal(rest, []byte("---")) {
		head, body = nil, bytes.TrimPrefix(bytes.TrimPrefix(rest, []byte("---")), []byte("\n"))
	} else {
		i := bytes.Index(rest, []byte("\n---\n"))
		if i < 0 {
			if bytes.HasSuffix(rest, []byte("\n---")) {
				i = len(rest) - 4
			} else {
				return File{}, errors.New("front matter not closed: add a line \"---\" after it")
			}
		}
		head, body = rest[:i], rest[min(i+5, len(rest)):]
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("front matter: %s", yamlMessage(err))
	}
	f := File{Title: strings.TrimSpace(fm.Title), Author: strings.TrimSpace(fm.Author), Tags: fm.Tags,
		Slug: strings.TrimSpace(fm.Slug), Excerpt: strings.TrimSpace(fm.Excerpt), Body: string(body)}
	if f.Title == "" {
		return File{}, errors.New("front matter: title is missing")
	}
	if f.Author == "" {
		return File{}, errors.New("front matter: author is missing")
	}
	if fm.Status == "" {
		f.Status = StatusDraft
	} else {
		st, err := ParseStatus(fm.Status)
		if err != nil {
			return File{}, fmt.Errorf("front matter: %w", err)
		}
		f.Status = st
	}
	for _, field := range []struct {
		name, value string
		dst         *time.Time
	}{{"date", fm.Date, &f.Date}, {"updated", fm.Updated, &f.Updated}} {
		d := strings.TrimSpace(field.value)
		if d == "" {
			continue
		}
		var err error
		for _, layout := range dateLayouts {
			var t time.Time
			if strings.Contains(layout, "Z07") {
				t, err = time.Parse(layout, d)
			} else {
				t, err = time.ParseInLocation(layout, d, loc)
			}
			if err == nil {
				*field.dst = t
				break
			}
		}
		if err != nil {
			return File{}, fmt.Errorf("front matter: %s %q is not a date (use 2012-04-05 or 2012-04-05T10:15:00-04:00)", field.name, d)
		}
	}
	if strings.TrimSpace(f.Body) == "" {
		return File{}, errors.New("the article body after the front matter is empty")
	}
	return f, nil
}

func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n", "")
	msg = strings.ReplaceAll(msg, "field ", "unknown field ")
	msg = strings.ReplaceAll(msg, " not found in type article.frontMatter", "")
	return strings.Join(strings.Fields(msg), " ")
}

// Draft turns the file into a Draft for authorID. Tags written as slugs
// (as the format shows them: [infiniti, fuel-economy]) become names
// ("Infiniti", "Fuel Economy"); a tag written as a name stays as written.
func (f File) Draft(authorID int64) Draft {
	var tags []string
	for _, t := range f.Tags {
		if t = strings.TrimSpace(t); t == slug.Make(t) {
			t = TagLabel(t)
		}
		tags = append(tags, t)
	}
	return Draft{Headline: f.Title, Slug: f.Slug, AuthorID: authorID, BodyMD: f.Body,
		Excerpt: f.Excerpt, Tags: tags, Status: f.Status, PublishedAt: f.Date, UpdatedAt: f.Updated}
}

// AuthorLookup finds the ID of the person an article file names.
type AuthorLookup func(ctx context.Context, key string) (int64, error)

// AddFile parses an article file, finds its author and stores it: what
// `byline article add` does.
func (s *Store) AddFile(ctx context.Context, data []byte, loc *time.Location, author AuthorLookup) (Article, error) {
	f, err := ParseFile(data, loc)
	if err != nil {
		return Article{}, err
	}
	id, err := author(ctx, f.Author)
	if err != nil {
		return Article{}, err
	}
	return s.Create(ctx, f.Draft(id))
}
