package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"byline/internal/db"
)

// Session lifetimes: a browser session lasts a day unless used; "remember
// me" keeps one for 30 days from its last use.
const (
	SessionTTL   = 24 * time.Hour
	RememberTTL  = 30 * 24 * time.Hour
	touchEvery   = 5 * time.Minute // last-seen is written at most this often
	maxUserAgent = 300
)

// Session is one signed-in browser.
type Session struct {
	ID         string // the token's hash: safe to show and to use in forms
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Remember   bool
	UserAgent  string
	IP         string
}

// ErrNoSession means the cookie names no live session.
var ErrNoSession = errors.New("not signed in")

// StartSession creates a session and returns the token for the cookie.
// Tests and tools use it; sign-ins go through SignIn, which records them.
func (s *Store) StartSession(ctx context.Context, userID int64, remember bool, userAgent, ip string) (string, Session, error) {
	var token string
	var ses Session
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		token, ses, err = s.startSession(ctx, tx, userID, remember, userAgent, ip)
		return err
	})
	return token, ses, err
}

// SignIn starts a session for a person who just proved who they are by
// method (MethodPassword, MethodPasskey, ...), and records the sign-in in
// their security history in the same transaction. A sign-in always makes a
// new session (a new token): an old one, known to someone else, never
// becomes signed in.
func (s *Store) SignIn(ctx context.Context, userID int64, method string, remember bool, userAgent, ip string) (string, Session, error) {
	var token string
	var ses Session
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if token, ses, err = s.startSession(ctx, tx, userID, remember, userAgent, ip); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventSignIn, Detail: method, IP: ip})
	})
	return token, ses, err
}

func (s *Store) startSession(ctx context.Context, tx *db.Tx, userID int64, remember bool, userAgent, ip string) (string, Session, error) {
	token, hash := newToken()
	now := s.now()
	ttl := SessionTTL
	if remember {
		ttl = RememberTTL
	}
	if len(userAgent) > maxUserAgent {
		userAgent = userAgent[:maxUserAgent]
	}
	ses := Session{ID: hash, UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl), Remember: remember, UserAgent: userAgent, IP: ip}
	_, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`, hash, userID, now, ses.ExpiresAt, remember, userAgent, ip)
	if err != nil {
		return "", Session{}, fmt.Errorf("account: start session: %w", err)
	}
	return token, ses, nil
}

// SessionPerson returns the person signed in with token and their session,
// in one query. Sessions of suspended or deleted people do not count.
func (s *Store) SessionPerson(ctx context.Context, token string) (Person, Session, error) {
	if token == "" || len(token) > 100 {
		return Person{}, Session{}, ErrNoSession
	}
	now := s.now()
	hash := hashToken(token)
	if e, ok := s.sessions.get(hash, now); ok {
		return e.p, e.ses, nil
	}
	gen := s.sessions.generation()
	var p Person
	var ses Session
	// One query: the person, the session, and a row per role.
	rows, err := s.db.Query(ctx, `SELECT `+personCols+`, se.token_hash, se.created_at, se.last_seen_at, se.expires_at, se.remember, r.role
		FROM sessions se JOIN users u ON u.id = se.user_id LEFT JOIN user_roles r ON r.user_id = u.id
		WHERE se.token_hash = $1 AND se.expires_at > $2 AND u.suspended_at IS NULL AND u.deleted_at IS NULL`, hash, now)
	if err != nil {
		return Person{}, Session{}, fmt.Errorf("account: session: %w", err)
	}
	found := false
	for rows.Next() {
		var role *string
		if err := scanPerson(rows, &p, &ses.ID, &ses.CreatedAt, &ses.LastSeenAt, &ses.ExpiresAt, &ses.Remember, &role); err != nil {
			rows.Close()
			return Person{}, Session{}, fmt.Errorf("account: session: %w", err)
		}
		found = true
		if role != nil {
			p.Roles = append(p.Roles, Role(*role))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Person{}, Session{}, fmt.Errorf("account: session: %w", err)
	}
	if !found {
		return Person{}, Session{}, ErrNoSession
	}
	ses.UserID = p.ID
	sortRoles(p.Roles)
	if now.Sub(ses.LastSeenAt) > touchEvery {
		ttl := SessionTTL
		if ses.Remember {
			ttl = RememberTTL
		}
		ses.LastSeenAt, ses.ExpiresAt = now, now.Add(ttl)
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1`, ses.ID, now, ses.ExpiresAt); err != nil {
			return Person{}, Session{}, fmt.Errorf("account: touch session: %w", err)
		}
	}
	s.sessions.put(gen, cachedSession{p: p, ses: ses, until: now.Add(sessionCacheTTL)})
	return p, ses, nil
}

func (s *Store) roles(ctx context.Context, userID int64) ([]Role, error) {
	rows, err := s.db.Query(ctx, `SELECT role FROM user_roles WHERE user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	out, err := db.Collect(rows, func(sc db.Scanner) (Role, error) {
		var r string
		err := sc.Scan(&r)
		return Role(r), err
	})
	sortRoles(out)
	return out, err
}

// EndSession signs one browser out.
func (s *Store) EndSession(ctx context.Context, token string) error {
	var userID int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, hashToken(token)).Scan(&userID)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err == nil {
		s.changed(userID)
	}
	return err
}

// EndSessionByID ends one of a person's sessions from their session list.
func (s *Store) EndSessionByID(ctx context.Context, userID int64, id string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2`, id, userID)
	s.changed(userID)
	return err
}

// EndOtherSessions signs a person out everywhere but the session keep
// ("" ends them all).
func (s *Store) EndOtherSessions(ctx context.Context, userID int64, keep string) error {
	return s.write(ctx, userID, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keep); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventSessionsEnded})
	})
}

// Sessions lists a person's live sessions, most recently used first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	rows, err := s.db.Query(ctx, `SELECT token_hash, created_at, last_seen_at, expires_at, remember, user_agent, ip
		FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC`, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("account: sessions: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Session, error) {
		ses := Session{UserID: userID}
		err := sc.Scan(&ses.ID, &ses.CreatedAt, &ses.LastSeenAt, &ses.ExpiresAt, &ses.Remember, &ses.UserAgent, &ses.IP)
		return ses, err
	})
}

// PurgeExpired deletes expired sessions, spent or expired links, and
// passkey ceremonies nobody finished.
func (s *Store) PurgeExpired(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM account_tokens WHERE expires_at <= $1`, now.Add(-7*24*time.Hour)); err != nil {
		return err
	}
	return s.purgeCeremonies(ctx, now) // passkey ceremonies nobody finished
}
