package article

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/slug"
)

// Kinds of Tag: a plain tag, or a category (WordPress's: a hierarchy of
// sections, each with its archive at /category/{parent}/{child}/). Both
// share one table and one slug space, so /tag/{slug}/ answers for either
// and a category can be an article's tag, and so its kicker.
const (
	KindTag      = "tag"
	KindCategory = "category"
)

// maxCategoryDepth bounds the walk up a category's parents.
const maxCategoryDepth = 32

const tagCols = `id, slug, name, article_count, kind, COALESCE(parent_id, 0)`

func scanTag(sc db.Scanner) (Tag, error) {
	var t Tag
	err := sc.Scan(&t.ID, &t.Slug, &t.Name, &t.Count, &t.Kind, &t.ParentID)
	return t, err
}

// IsCategory reports whether t is a category.
func (t Tag) IsCategory() bool { return t.Kind == KindCategory }

// EnsureCategory makes the category with slug, named name, under the
// category parentID (0 for a top one), and returns it. It is idempotent:
// the same call again changes nothing, a new name or parent for the slug
// replaces the old one, and a tag with that slug becomes the category (one
// slug is one subject). A parent that is not a category, or that is the
// category itself or one of its own children, is refused.
func (s *Store) EnsureCategory(ctx context.Context, slugText, name string, parentID int64) (Tag, error) {
	v := apperr.NewInvalid()
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = TagLabel(slugText)
	}
	switch {
	case !slug.Valid(slugText):
		v.Add("slug", "use lowercase letters, digits and hyphens only, at most 80")
	case utf8.RuneCountInString(name) > 60:
		v.Add("name", "a category's name can be at most 60 characters")
	}
	if err := v.Err(); err != nil {
		return Tag{}, err
	}
	var out Tag
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		cur, err := scanTag(tx.QueryRow(ctx, `SELECT `+tagCols+` FROM tags WHERE slug = $1`, slugText))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			cur = Tag{}
		case err != nil:
			return err
		}
		if parentID != 0 {
			up, err := categoryPath(ctx, tx, parentID)
			if err != nil {
				return err
			}
			if len(up) == 0 || !up[len(up)-1].IsCategory() {
				return apperr.Field("parent", "the parent is not a category")
			}
			for _, p := range up {
				if cur.ID != 0 && p.ID == cur.ID {
					return apperr.Field("parent", "a category cannot be inside itself or one of its own children")
				}
			}
		}
		if cur.ID != 0 && cur.IsCategory() && cur.Name == name && cur.ParentID == parentID {
			out = cur // nothing to change: no write
			return nil
		}
		out, err = scanTag(tx.QueryRow(ctx, `INSERT INTO tags (slug, name, kind, parent_id) VALUES ($1, $2, 'category', $3)
			ON CONFLICT (slug) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_id = excluded.parent_id
			RETURNING `+tagCols, slugText, name, nullID(parentID)))
		return err
	})
	if err != nil {
		return Tag{}, fmt.Errorf("article: category %q: %w", slugText, db.MapError(s.db.Engine, err))
	}
	return out, nil
}

// CategoryPath is the category id with its parents, the top one first
// (the breadcrumb, and the segments of its address).
func (s *Store) CategoryPath(ctx context.Context, id int64) ([]Tag, error) {
	path, err := categoryPath(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("article: category %d: %w", id, err)
	}
	if len(path) == 0 {
		return nil, fmt.Errorf("article: category %d: %w", id, apperr.ErrNotFound)
	}
	return path, nil
}

// categoryPath walks up from id: the tag and its parents, top first, or
// nothing if there is no such tag.
func categoryPath(ctx context.Context, q db.Querier, id int64) ([]Tag, error) {
	rows, err := q.Query(ctx, `WITH RECURSIVE up (id, depth) AS (
			SELECT id, 0 FROM tags WHERE id = $1
			UNION ALL
			SELECT t.parent_id, up.depth + 1 FROM up JOIN tags t ON t.id = up.id
			WHERE t.parent_id IS NOT NULL AND up.depth < `+fmt.Sprint(maxCategoryDepth)+`)
		SELECT t.id, t.slug, t.name, t.article_count, t.kind, COALESCE(t.parent_id, 0)
		FROM up JOIN tags t ON t.id = up.id ORDER BY up.depth DESC`, id)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanTag)
}

// CategoryBySlug returns the category with slug and its path, top first
// (the category itself last). A tag that is no category is not found.
func (s *Store) CategoryBySlug(ctx context.Context, slugText string) ([]Tag, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM tags WHERE slug = $1 AND kind = 'category'`, slugText).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("article: category %q: %w", slugText, db.MapError(s.db.Engine, err))
	}
	return s.CategoryPath(ctx, id)
}

// CategoryAddress is a category's archive: /category/{parent}/{child}/,
// as WordPress writes it. path is the category's path, top first.
func CategoryAddress(path []Tag) string {
	var b strings.Builder
	b.WriteString("/category/")
	for _, t := range path {
		b.WriteString(t.Slug + "/")
	}
	return b.String()
}

// Categories lists every category, top ones first, then by name.
func (s *Store) Categories(ctx context.Context) ([]Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT `+tagCols+` FROM tags WHERE kind = 'category' ORDER BY parent_id IS NOT NULL, name`)
	if err != nil {
		return nil, fmt.Errorf("article: categories: %w", err)
	}
	out, err := db.Collect(rows, scanTag)
	if err != nil {
		return nil, fmt.Errorf("article: categories: %w", err)
	}
	return out, nil
}

// Subcategories are the ids of the categories under id, at any depth
// (its archive lists their articles too, as WordPress's does).
func (s *Store) Subcategories(ctx context.Context, id int64) ([]int64, error) {
	rows, err := s.db.Query(ctx, `WITH RECURSIVE down (id, depth) AS (
			SELECT id, 0 FROM tags WHERE parent_id = $1 AND kind = 'category'
			UNION ALL
			SELECT t.id, down.depth + 1 FROM down JOIN tags t ON t.parent_id = down.id
			WHERE t.kind = 'category' AND down.depth < `+fmt.Sprint(maxCategoryDepth)+`)
		SELECT DISTINCT id FROM down`, id)
	if err != nil {
		return nil, fmt.Errorf("article: subcategories of %d: %w", id, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	})
}

// Sections are what the site's navigation lists: the top categories, most
// used first, when the site has categories; otherwise the most used tags,
// as before categories existed. One query either way.
func (s *Store) Sections(ctx context.Context, limit int) ([]Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT `+tagCols+` FROM tags
		WHERE CASE WHEN EXISTS (SELECT 1 FROM tags c WHERE c.kind = 'category' AND c.parent_id IS NULL)
			THEN kind = 'category' AND parent_id IS NULL
			ELSE article_count > 0 END
		ORDER BY article_count DESC, name LIMIT `+fmt.Sprint(max(1, min(limit, 50))))
	if err != nil {
		return nil, fmt.Errorf("article: sections: %w", err)
	}
	out, err := db.Collect(rows, scanTag)
	if err != nil {
		return nil, fmt.Errorf("article: sections: %w", err)
	}
	return out, nil
}

// CategoryAddresses are the archive addresses of every category, by id
// (one query, for lists such as the sitemap).
func (s *Store) CategoryAddresses(ctx context.Context) (map[int64]string, error) {
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Tag, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	out := make(map[int64]string, len(all))
	for _, c := range all {
		path := []Tag{c}
		for p, ok := byID[c.ParentID]; ok && len(path) < maxCategoryDepth; p, ok = byID[p.ParentID] {
			path = append([]Tag{p}, path...)
		}
		out[c.ID] = CategoryAddress(path)
	}
	return out, nil
}

// EnsureTag returns the tag with this slug, making it with name when there
// is none (added says which). Tags and categories share one slug space: an
// existing category of that slug is the same subject, and is returned.
func (s *Store) EnsureTag(ctx context.Context, slugText, name string) (t Tag, added bool, err error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		name = TagLabel(slugText)
	}
	if !slug.Valid(slugText) {
		return Tag{}, false, apperr.Field("slug", "use lowercase letters, digits and hyphens only, at most 80")
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err = scanTag(tx.QueryRow(ctx, `SELECT `+tagCols+` FROM tags WHERE slug = $1`, slugText))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		added = true
		t, err = scanTag(tx.QueryRow(ctx, `INSERT INTO tags (slug, name) VALUES ($1, $2) RETURNING `+tagCols, slugText, name))
		return err
	})
	if err != nil {
		return Tag{}, false, fmt.Errorf("article: tag %s: %w", slugText, err)
	}
	return t, added, nil
}

// ShowTagNames makes an article show each of its tags by the tag's own
// name rather than as the tags were typed (an import names them by slug).
func (s *Store) ShowTagNames(ctx context.Context, articleID int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE article_tags SET name = '' WHERE article_id = $1`, articleID); err != nil {
		return fmt.Errorf("article: tag names: %w", err)
	}
	return nil
}

// IDBySlugAndHeadline finds an article of any status by its address and
// headline (an import taking back what an interrupted run made).
func (s *Store) IDBySlugAndHeadline(ctx context.Context, slugText, headline string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM articles WHERE slug = $1 AND headline = $2`, slugText, headline).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.ErrNotFound
	}
	return id, err
}

// PageIDBySlugAndTitle finds a site page by its address and title.
func (s *Store) PageIDBySlugAndTitle(ctx context.Context, slugText, title string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM pages WHERE slug = $1 AND title = $2`, slugText, title).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.ErrNotFound
	}
	return id, err
}
