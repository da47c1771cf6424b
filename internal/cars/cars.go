// Package cars is the New Car Research catalogue: makes and their models
// with years, body style, price range, trims and key specs. Articles are
// linked to them by tags: a make's tag is its slug, a model's is
// "make-model" (e.g. infiniti-jx).
package cars

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/slug"
)

// Make is a manufacturer's brand.
type Make struct {
	ID      int64
	Slug    string
	Name    string
	Country string
	Models  []*Model
}

// Model is one model line of a make.
type Model struct {
	ID                 int64
	MakeID             int64
	Make               *Make
	Slug               string
	Name               string
	BodyStyle          string
	YearFrom, YearTo   int
	PriceMin, PriceMax int      // US dollars, MSRP
	Specs              []Spec   // key specs, in order
	Trims              []string // trim levels, cheapest first
	MediaID            int64    // the model's photo in the media library, 0 for none
}

// Spec is one key figure of a model ("Engine", "3.5-liter V6").
type Spec struct{ Label, Value string }

// Tag is the article tag that links articles to the model.
func (m *Model) Tag() string { return m.Make.Slug + "-" + m.Slug }

// Years lists the model years, newest first.
func (m *Model) Years() []int {
	var out []int
	for y := m.YearTo; y >= m.YearFrom; y-- {
		out = append(out, y)
	}
	return out
}

// FullName is "Infiniti JX".
func (m *Model) FullName() string { return m.Make.Name + " " + m.Name }

// Catalogue is every make with its models, alphabetical.
type Catalogue struct {
	Makes    []*Make
	byID     map[int64]*Model
	bySlug   map[string]*Make
	loadedAt time.Time
}

// Model finds a model by id.
func (c *Catalogue) Model(id int64) (*Model, bool) {
	m, ok := c.byID[id]
	return m, ok
}

// Make finds a make by slug.
func (c *Catalogue) Make(slug string) (*Make, bool) {
	m, ok := c.bySlug[slug]
	return m, ok
}

// Store keeps the catalogue. It is small and read on every page that
// shows the quote box, so it is kept in memory; writes (the demo, the
// catalogue import) drop the copy, and other nodes reload within
// cacheFor.
type Store struct {
	db  *db.DB
	mu  sync.Mutex
	cat *Catalogue
}

const cacheFor = time.Minute

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// Catalogue returns the whole catalogue.
func (s *Store) Catalogue(ctx context.Context) (*Catalogue, error) {
	s.mu.Lock()
	cat := s.cat
	s.mu.Unlock()
	if cat != nil && time.Since(cat.loadedAt) < cacheFor {
		return cat, nil
	}
	cat, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cat = cat
	s.mu.Unlock()
	return cat, nil
}

func (s *Store) load(ctx context.Context) (*Catalogue, error) {
	cat := &Catalogue{byID: map[int64]*Model{}, bySlug: map[string]*Make{}, loadedAt: time.Now()}
	rows, err := s.db.Query(ctx, `SELECT id, slug, name, country FROM makes ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("cars: makes: %w", err)
	}
	cat.Makes, err = db.Collect(rows, func(sc db.Scanner) (*Make, error) {
		m := &Make{}
		err := sc.Scan(&m.ID, &m.Slug, &m.Name, &m.Country)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("cars: makes: %w", err)
	}
	byID := map[int64]*Make{}
	for _, m := range cat.Makes {
		byID[m.ID], cat.bySlug[m.Slug] = m, m
	}
	rows, err = s.db.Query(ctx, `SELECT id, make_id, slug, name, body_style, year_from, year_to, price_min, price_max, specs, trims, COALESCE(media_id, 0) FROM models ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("cars: models: %w", err)
	}
	models, err := db.Collect(rows, func(sc db.Scanner) (*Model, error) {
		m := &Model{}
		var specs, trims string
		if err := sc.Scan(&m.ID, &m.MakeID, &m.Slug, &m.Name, &m.BodyStyle, &m.YearFrom, &m.YearTo, &m.PriceMin, &m.PriceMax, &specs, &trims, &m.MediaID); err != nil {
			return nil, err
		}
		m.Specs = parseSpecs(specs)
		if trims != "" {
			m.Trims = strings.Split(trims, "|")
		}
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	for _, m := range models {
		mk := byID[m.MakeID]
		if mk == nil {
			continue
		}
		m.Make = mk
		mk.Models = append(mk.Models, m)
		cat.byID[m.ID] = m
	}
	return cat, nil
}

// parseSpecs reads "Label: value" lines.
func parseSpecs(s string) []Spec {
	var out []Spec
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) != "" {
			out = append(out, Spec{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	return out
}

// NewModel is a model to add to the catalogue.
type NewModel struct {
	Make, MakeCountry  string // the make's name (created when new)
	Name, BodyStyle    string
	YearFrom, YearTo   int
	PriceMin, PriceMax int
	Specs              []Spec
	Trims              []string
}

// AddModel adds a model (and its make when new).
func (s *Store) AddModel(ctx context.Context, n NewModel) (int64, error) {
	v := apperr.NewInvalid()
	if strings.TrimSpace(n.Make) == "" || strings.TrimSpace(n.Name) == "" {
		v.Add("name", "a model needs a make and a name")
	}
	if n.YearFrom < 1900 || n.YearTo < n.YearFrom || n.YearTo > 2100 {
		v.Add("years", "the years must run forward, from 1900")
	}
	if n.PriceMax < n.PriceMin {
		v.Add("price", "the price range must run upward")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var lines []string
	for _, sp := range n.Specs {
		lines = append(lines, sp.Label+": "+sp.Value)
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var makeID int64
		ms := slug.Make(n.Make)
		if _, err := tx.Exec(ctx, `INSERT INTO makes (slug, name, country) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING`, ms, strings.TrimSpace(n.Make), n.MakeCountry); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM makes WHERE slug = $1`, ms).Scan(&makeID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO models (make_id, slug, name, body_style, year_from, year_to, price_min, price_max, specs, trims)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, makeID, slug.Make(n.Name), strings.TrimSpace(n.Name), n.BodyStyle,
			n.YearFrom, n.YearTo, n.PriceMin, n.PriceMax, strings.Join(lines, "\n"), strings.Join(n.Trims, "|")).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("cars: add %s %s: %w", n.Make, n.Name, db.MapError(s.db.Engine, err))
	}
	s.mu.Lock()
	s.cat = nil
	s.mu.Unlock()
	return id, nil
}

// SetPhoto makes an image of the media library the model's photo (0: none).
func (s *Store) SetPhoto(ctx context.Context, modelID, mediaID int64) error {
	var media any
	if mediaID > 0 {
		media = mediaID
	}
	res, err := s.db.Exec(ctx, `UPDATE models SET media_id = $2 WHERE id = $1`, modelID, media)
	if err != nil {
		return fmt.Errorf("cars: photo of model %d: %w", modelID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	s.mu.Lock()
	s.cat = nil
	s.mu.Unlock()
	return nil
}
