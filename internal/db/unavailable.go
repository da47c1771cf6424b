package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"syscall"
)

// ErrUnavailable marks an error as the database being out of reach for
// now (stopped, restarting, unreachable, out of space), as opposed to a
// mistake in what was asked: the same request should work again once it is
// back, and the site answers 503 meanwhile rather than 500.
var ErrUnavailable = errors.New("database unavailable")

// Unavailable reports whether err means the database cannot be reached or
// cannot take the work just now, on either engine: a refused or dropped
// connection, a server shutting down or starting up, too many connections,
// a time-out waiting for it, a locked, full or read-only SQLite file.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ENOSPC, syscall.EROFS} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return postgresUnavailable(err) || sqliteUnavailable(err)
}
