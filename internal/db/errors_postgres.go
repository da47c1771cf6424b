package db

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
)

func postgresConflict(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "23503": // unique_violation, foreign_key_violation
		return true
	}
	return false
}
