package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/picture"
)

// Store keeps people in the database.
type Store struct {
	db       *db.DB
	now      func() time.Time
	mailer   Mailer
	sessions sessionCache
	pictures *picture.Decoder // nil: picture.Shared

	// OnChange, when set, hears of every change to a person or their
	// sessions, so other nodes can drop what they keep in memory.
	OnChange func(userID int64)
}

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d, now: time.Now} }

const personCols = `u.id, u.email, u.slug, u.display_name, u.country, u.bio, u.avatar_url, u.avatar_kind,
	u.email_verified_at, u.suspended_at, u.deleted_at, u.password_hash, u.created_at, u.updated_at`

// scanPerson reads personCols (and any extra columns after them).
func scanPerson(sc db.Scanner, p *Person, extra ...any) error {
	var verified, suspended, deleted *time.Time
	dest := append([]any{&p.ID, &p.Email, &p.Slug, &p.DisplayName, &p.Country, &p.Bio, &p.AvatarURL, &p.AvatarKind,
		&verified, &suspended, &deleted, &p.passwordHash, &p.CreatedAt, &p.UpdatedAt}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	for _, f := range []struct {
		src *time.Time
		dst *time.Time
	}{{verified, &p.VerifiedAt}, {suspended, &p.SuspendedAt}, {deleted, &p.DeletedAt}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return nil
}

// Create adds a person. A taken e-mail or slug is an *apperr.Invalid naming
// the field; a slug made from the name gets a number when taken.
func (s *Store) Create(ctx context.Context, n NewPerson) (Person, error) {
	explicitSlug := n.Slug != ""
	n, err := n.normalize()
	if err != nil {
		return Person{}, err
	}
	var p Person
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		p, err = s.create(ctx, tx, n, explicitSlug)
		return err
	})
	if err != nil {
		return Person{}, fmt.Errorf("account: create %s: %w", n.Email, err)
	}
	return p, nil
}

// create inserts a normalized person inside tx.
func (s *Store) create(ctx context.Context, tx *db.Tx, n NewPerson, explicitSlug bool) (Person, error) {
	var p Person
	var taken int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = $1`, n.Email).Scan(&taken); err != nil {
		return p, err
	}
	if taken > 0 {
		return p, apperr.Field("email", "an account with that e-mail address already exists")
	}
	base := n.Slug
	for i := 2; ; i++ {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE slug = $1`, n.Slug).Scan(&taken); err != nil {
			return p, err
		}
		if taken == 0 {
			break
		}
		if explicitSlug {
			return p, apperr.Field("slug", "that slug is taken")
		}
		n.Slug = fmt.Sprintf("%s-%d", base, i)
	}
	now := s.now()
	hash := n.PasswordHash
	if n.Password != "" {
		hash = HashPassword(n.Password)
	}
	var verified any
	if n.Verified {
		verified = now
		p.VerifiedAt = now.UTC()
	}
	err := tx.QueryRow(ctx, `INSERT INTO users (email, slug, display_name, country, bio, avatar_url, password_hash, email_verified_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		n.Email, n.Slug, n.DisplayName, n.Country, n.Bio, n.AvatarURL, hash, verified, now).Scan(&p.ID)
	if err != nil {
		return p, db.MapError(tx.Engine(), err)
	}
	for _, r := range n.Roles {
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, p.ID, string(r)); err != nil {
			return p, err
		}
	}
	p.Email, p.Slug, p.DisplayName, p.Country, p.Bio, p.AvatarURL = n.Email, n.Slug, n.DisplayName, n.Country, n.Bio, n.AvatarURL
	p.Roles, p.passwordHash = n.Roles, hash
	p.CreatedAt, p.UpdatedAt, p.AvatarKind = now.UTC(), now.UTC(), "generated"
	return p, nil
}

// ByID returns one person.
func (s *Store) ByID(ctx context.Context, id int64) (Person, error) {
	return s.one(ctx, "u.id = $1", id)
}

// BySlug returns the person whose public page is /author/{slug}/.
func (s *Store) BySlug(ctx context.Context, slug string) (Person, error) {
	return s.one(ctx, "u.slug = $1", slug)
}

// Find looks a person up by slug, e-mail, or exact display name (what a
// person types on the command line or in front matter).
func (s *Store) Find(ctx context.Context, key string) (Person, error) {
	key = strings.TrimSpace(key)
	p, err := s.one(ctx, "u.slug = $1 OR u.email = lower($1) OR u.display_name = $1", key)
	if errors.Is(err, apperr.ErrNotFound) {
		return Person{}, fmt.Errorf("%w: no person %q (give a slug, e-mail or display name)", apperr.ErrNotFound, key)
	}
	return p, err
}

func (s *Store) one(ctx context.Context, where string, arg any) (Person, error) {
	ps, err := s.list(ctx, "WHERE "+where, "ORDER BY u.id LIMIT 1", arg)
	if err != nil {
		return Person{}, err
	}
	if len(ps) == 0 {
		return Person{}, fmt.Errorf("account: person %v: %w", arg, apperr.ErrNotFound)
	}
	return ps[0], nil
}

// ListQuery selects people for a list.
type ListQuery struct {
	Role  Role  // only people with this role, if set
	After int64 // keyset: people with a greater ID
	Limit int   // at most this many (default 50, at most 500)
}

// List returns people ordered by ID.
func (s *Store) List(ctx context.Context, q ListQuery) ([]Person, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	var where db.Where
	where.Add("u.id > $1 AND u.deleted_at IS NULL", q.After)
	if q.Role != "" {
		where.Add("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $1)", string(q.Role))
	}
	return s.list(ctx, where.SQL(), fmt.Sprintf("ORDER BY u.id LIMIT %d", q.Limit), where.Args()...)
}

// Staff returns the people holding each of roles, sorted by name, in one
// query: the sidebar's Contributors and Moderators.
func (s *Store) Staff(ctx context.Context, roles ...Role) (map[Role][]Person, error) {
	args := make([]any, len(roles))
	marks := make([]string, len(roles))
	for i, r := range roles {
		args[i] = string(r)
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.db.Query(ctx, `SELECT `+personCols+`, r.role
		FROM user_roles r JOIN users u ON u.id = r.user_id
		WHERE r.role IN (`+strings.Join(marks, ",")+`) AND u.deleted_at IS NULL AND u.suspended_at IS NULL
		ORDER BY u.display_name, u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("account: staff: %w", err)
	}
	defer rows.Close()
	out := make(map[Role][]Person, len(roles))
	for rows.Next() {
		var role string
		var p Person
		if err := scanPerson(rows, &p, &role); err != nil {
			return nil, fmt.Errorf("account: staff: %w", err)
		}
		out[Role(role)] = append(out[Role(role)], p)
	}
	return out, rows.Err()
}

// list runs one query for people and their roles together.
func (s *Store) list(ctx context.Context, where, tail string, args ...any) ([]Person, error) {
	rows, err := s.db.Query(ctx, `SELECT `+personCols+`, r.role
		FROM (SELECT u.* FROM users u `+where+` `+tail+`) u
		LEFT JOIN user_roles r ON r.user_id = u.id
		ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("account: list people: %w", err)
	}
	defer rows.Close()
	var out []Person
	for rows.Next() {
		var p Person
		var role sql.NullString
		if err := scanPerson(rows, &p, &role); err != nil {
			return nil, fmt.Errorf("account: list people: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == p.ID {
			if role.Valid {
				out[n-1].Roles = append(out[n-1].Roles, Role(role.String))
			}
			continue
		}
		if role.Valid {
			p.Roles = []Role{Role(role.String)}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: list people: %w", err)
	}
	for i := range out {
		sortRoles(out[i].Roles)
	}
	return out, nil
}

func sortRoles(rs []Role) {
	rank := func(r Role) int {
		for i, x := range Roles {
			if x == r {
				return i
			}
		}
		return len(Roles)
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rank(rs[j]) < rank(rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// Count returns how many people there are.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// AuthorID is Find for callers that need only the ID (article files).
func (s *Store) AuthorID(ctx context.Context, key string) (int64, error) {
	p, err := s.Find(ctx, key)
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

// RolesOf returns the roles of several people in one query (for the staff
// badges on comments).
func (s *Store) RolesOf(ctx context.Context, ids []int64) (map[int64][]Role, error) {
	if len(ids) == 0 {
		return map[int64][]Role{}, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.rolesWhere(ctx, "user_id", args)
}

// WithRoles returns the roles among roles of everyone who holds one: the
// staff, few on any site (their comments wear badges).
func (s *Store) WithRoles(ctx context.Context, roles ...Role) (map[int64][]Role, error) {
	args := make([]any, len(roles))
	for i, r := range roles {
		args[i] = string(r)
	}
	return s.rolesWhere(ctx, "role", args)
}

// rolesWhere reads the roles whose column is one of values, by person.
func (s *Store) rolesWhere(ctx context.Context, column string, values []any) (map[int64][]Role, error) {
	out := map[int64][]Role{}
	marks := make([]string, len(values))
	for i := range values {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.db.Query(ctx, `SELECT user_id, role FROM user_roles WHERE `+column+` IN (`+strings.Join(marks, ",")+`) ORDER BY user_id, role`, values...)
	if err != nil {
		return nil, fmt.Errorf("account: roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			return nil, err
		}
		out[id] = append(out[id], Role(r))
	}
	return out, rows.Err()
}

// NotifyReplies turns reply notifications on or off for a person. Turning
// them on gives the person a token for the one-click unsubscribe link.
func (s *Store) NotifyReplies(ctx context.Context, userID int64, on bool) error {
	token, _ := newToken()
	_, err := s.db.Exec(ctx, `UPDATE users SET notify_replies = $2,
		notify_token = CASE WHEN notify_token = '' THEN $3 ELSE notify_token END WHERE id = $1`, userID, on, token)
	return err
}

// NotifiesReplies reports whether a person wants reply notifications.
func (s *Store) NotifiesReplies(ctx context.Context, userID int64) (bool, error) {
	var on bool
	err := s.db.QueryRow(ctx, `SELECT notify_replies FROM users WHERE id = $1`, userID).Scan(&on)
	return on, db.MapError(s.db.Engine, err)
}

// UnsubscribeReplies turns notifications off for the person a mailed
// unsubscribe link names; it reports whether the link was valid.
func (s *Store) UnsubscribeReplies(ctx context.Context, userID int64, token string) (bool, error) {
	if token == "" {
		return false, nil
	}
	res, err := s.db.Exec(ctx, `UPDATE users SET notify_replies = false WHERE id = $1 AND notify_token = $2`, userID, token)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ByEmail returns the person with this e-mail address (an import matches
// its authors by address only, never by name).
func (s *Store) ByEmail(ctx context.Context, email string) (Person, error) {
	return s.one(ctx, "u.email = lower($1)", strings.TrimSpace(email))
}
