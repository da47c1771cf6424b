// Package account owns people: their profiles, roles and (in later steps)
// credentials and sessions.
package account

import (
	"byline/internal/mail"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/country"
	"byline/internal/slug"
)

// Role is one of the fixed roles a person can hold; a person can hold several.
type Role string

const (
	RoleAdmin       Role = "admin"
	RoleEditor      Role = "editor"
	RoleAuthor      Role = "author"
	RoleContributor Role = "contributor"
	RoleModerator   Role = "moderator"
	RoleReader      Role = "reader"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleEditor, RoleAuthor, RoleContributor, RoleModerator, RoleReader}

// ParseRole accepts a role's name in any case.
func ParseRole(s string) (Role, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (roles: admin, editor, author, contributor, moderator, reader)", s)
}

// Person is someone with an account: a reader, a writer, staff.
type Person struct {
	ID          int64
	Email       string
	Slug        string
	DisplayName string
	Country     string // ISO 3166-1 alpha-2, or ""
	Bio         string
	AvatarURL   string
	Roles       []Role
	AvatarKind  string    // "generated", "upload" or "gravatar"
	VerifiedAt  time.Time // when the e-mail address was confirmed; zero if not yet
	SuspendedAt time.Time // zero unless suspended
	DeletedAt   time.Time // zero unless deleted (the row stays so threads stay whole)
	CreatedAt   time.Time
	UpdatedAt   time.Time

	passwordHash string
}

// Verified reports whether the person confirmed their e-mail address.
func (p Person) Verified() bool { return !p.VerifiedAt.IsZero() }

// Suspended reports whether an admin suspended the person.
func (p Person) Suspended() bool { return !p.SuspendedAt.IsZero() }

// Deleted reports whether the account was deleted.
func (p Person) Deleted() bool { return !p.DeletedAt.IsZero() }

// CountryName is the person's country as people say it, or "".
func (p Person) CountryName() string { return country.Name(p.Country) }

// Has reports whether the person holds role r.
func (p Person) Has(r Role) bool {
	for _, x := range p.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Initials are shown in the generated avatar when there is no picture.
func (p Person) Initials() string {
	var out []rune
	for _, w := range strings.Fields(p.DisplayName) {
		r, _ := utf8.DecodeRuneInString(w)
		out = append(out, r)
	}
	if len(out) > 2 {
		out = []rune{out[0], out[len(out)-1]}
	}
	return strings.ToUpper(string(out))
}

// NewPerson is what it takes to create a person.
type NewPerson struct {
	Email       string
	DisplayName string
	Slug        string // optional; made from the display name when empty
	Country     string // a code or a country's name
	Bio         string
	AvatarURL   string
	Roles       []Role // at least reader is implied when empty
	Password    string // optional: sets a password so the person can sign in
	// PasswordHash is an already encoded argon2id hash (demo data, imports);
	// it is used when Password is empty.
	PasswordHash string
	Verified     bool // the e-mail address is known to be theirs (staff added by an admin)
}

// normalize checks n and returns it cleaned, or an *apperr.Invalid.
func (n NewPerson) normalize() (NewPerson, error) {
	v := apperr.NewInvalid()
	var ok bool
	if n.Email, ok = mail.CleanAddress(n.Email); !ok {
		v.Add("email", mail.AddressProblem(n.Email))
	}
	n.DisplayName = strings.Join(strings.Fields(n.DisplayName), " ")
	switch l := utf8.RuneCountInString(n.DisplayName); {
	case l == 0:
		v.Add("display_name", "a display name is required")
	case l > 80:
		v.Add("display_name", "a display name can be at most 80 characters")
	}
	if n.Slug == "" {
		n.Slug = slug.Make(n.DisplayName)
	} else if !slug.Valid(n.Slug) {
		v.Add("slug", "use lowercase letters, digits and hyphens only")
	}
	if n.Slug == "" && n.DisplayName != "" {
		v.Add("display_name", "the display name needs at least one letter or digit")
	}
	if n.Country != "" {
		code, ok := country.Parse(n.Country)
		if !ok {
			v.Add("country", fmt.Sprintf("unknown country %q", n.Country))
		}
		n.Country = code
	}
	if utf8.RuneCountInString(n.Bio) > 2000 {
		v.Add("bio", "a short bio can be at most 2,000 characters")
	}
	if n.AvatarURL != "" && !(strings.HasPrefix(n.AvatarURL, "https://") || strings.HasPrefix(n.AvatarURL, "http://") || strings.HasPrefix(n.AvatarURL, "/")) {
		v.Add("avatar_url", "an avatar must be an http(s) URL or a path on this site")
	}
	if n.Password != "" {
		if err := CheckPassword(n.Password, n.Email, n.DisplayName); err != nil {
			v.Add("password", err.Error())
		}
	}
	if len(n.Roles) == 0 {
		n.Roles = []Role{RoleReader}
	}
	seen := map[Role]bool{}
	roles := n.Roles[:0:0]
	for _, r := range n.Roles {
		if _, err := ParseRole(string(r)); err != nil {
			v.Add("roles", err.Error())
			continue
		}
		if !seen[r] {
			seen[r] = true
			roles = append(roles, r)
		}
	}
	n.Roles = roles
	return n, v.Err()
}
