package db

import (
	"database/sql"
	"errors"
	"fmt"

	"byline/internal/apperr"
)

// MapError turns driver errors into the shared error kinds: no rows becomes
// apperr.ErrNotFound, a unique or foreign-key violation apperr.ErrConflict.
// The engine-specific codes live in errors_sqlite.go and errors_postgres.go.
func MapError(e Engine, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", apperr.ErrNotFound, err)
	}
	var conflict bool
	switch e {
	case SQLite:
		conflict = sqliteConflict(err)
	case Postgres:
		conflict = postgresConflict(err)
	}
	if conflict {
		return fmt.Errorf("%w: %w", apperr.ErrConflict, err)
	}
	return err
}
