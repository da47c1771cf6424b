package db

import (
	"errors"
	"strings"

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

func postgresUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // could not connect at all
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"): // connection exceptions
			return true
		case strings.HasPrefix(pe.Code, "53"): // insufficient resources: disk full, out of memory, too many connections
			return true
		}
		switch pe.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		case "25006": // read_only_sql_transaction: a standby, or a primary being failed over
			return true
		}
		return false
	}
	// The connection broke under a statement ("conn closed", an unexpected
	// end of its stream): pgconn says the statement may not have run.
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
