// Package site owns the site-wide settings people change (name, tagline),
// stored as key/value rows so new settings need no migration.
package site

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Settings are the site-wide settings.
type Settings struct {
	Name    string
	Tagline string
}

// Store reads and writes settings.
type Store struct{ db *db.DB }

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d} }

// Load returns the stored settings, with def filling in what is not stored.
func (s *Store) Load(ctx context.Context, def Settings) (Settings, error) {
	rows, err := s.db.Query(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return def, fmt.Errorf("site: load settings: %w", err)
	}
	defer rows.Close()
	out := def
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return def, fmt.Errorf("site: load settings: %w", err)
		}
		switch k {
		case "site_name":
			out.Name = v
		case "tagline":
			out.Tagline = v
		}
	}
	return out, rows.Err()
}

// Save stores every setting.
func (s *Store) Save(ctx context.Context, st Settings) error {
	v := apperr.NewInvalid()
	st.Name, st.Tagline = strings.TrimSpace(st.Name), strings.TrimSpace(st.Tagline)
	if st.Name == "" || utf8.RuneCountInString(st.Name) > 80 {
		v.Add("name", "the site name must be 1 to 80 characters")
	}
	if utf8.RuneCountInString(st.Tagline) > 200 {
		v.Add("tagline", "the tagline can be at most 200 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for k, val := range map[string]string{"site_name": st.Name, "tagline": st.Tagline} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, val); err != nil {
				return fmt.Errorf("site: save %s: %w", k, err)
			}
		}
		return nil
	})
}
