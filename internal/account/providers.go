package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// Social sign-in: the providers an admin configures, the identities linked
// to accounts, and the state of each sign-in in flight. The protocol itself
// (discovery, the code exchange, checking the ID token) is not here: this
// package decides only what a proven identity may do.

// Kinds of provider.
const (
	ProviderOIDC   = "oidc"   // OpenID Connect, found by discovery from the issuer
	ProviderGitHub = "github" // GitHub's plain OAuth2 and its user API
)

// Provider is a sign-in provider configured by an admin.
type Provider struct {
	ID        int64
	Name      string // short, unique: "Google"; shown in the history
	Label     string // the button: "Sign in with Google"
	Kind      string // ProviderOIDC or ProviderGitHub
	Preset    string // the preset it was made from ("google", ...), or ""
	Issuer    string
	ClientID  string
	Scopes    string // space-separated, beyond "openid"
	Enabled   bool
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time

	secret string
}

// Secret is the client secret, for the protocol client only: it is never
// shown or logged.
func (p Provider) Secret() string { return p.secret }

// WithSecret returns p holding secret, for a provider not read from the
// store (one being checked before it is saved).
func WithSecret(p Provider, secret string) Provider {
	p.secret = secret
	return p
}

// HasSecret reports whether a client secret is stored.
func (p Provider) HasSecret() bool { return p.secret != "" }

// MaskedSecret shows enough of the stored secret to recognise it.
func (p Provider) MaskedSecret() string {
	if len(p.secret) < 12 {
		return strings.Repeat("•", 8)
	}
	return strings.Repeat("•", 8) + p.secret[len(p.secret)-4:]
}

// ScopeList is the scopes to ask for.
func (p Provider) ScopeList() []string { return strings.Fields(p.Scopes) }

// FormPost reports whether the provider answers with a POST to the
// callback (Apple, when asked for the name or e-mail).
func (p Provider) FormPost() bool { return p.Preset == "apple" }

// Preset fills in what a well-known provider needs.
type Preset struct {
	Key, Name, Label, Kind, Issuer, Scopes string
	Note                                   string // what the admin must know
}

// Presets are the well-known providers the admin screen offers.
var Presets = []Preset{
	{Key: "google", Name: "Google", Label: "Sign in with Google", Kind: ProviderOIDC, Issuer: "https://accounts.google.com", Scopes: "email profile",
		Note: "Create an OAuth client of type “Web application” in the Google Cloud console and add the callback address below as an authorised redirect URI."},
	{Key: "microsoft", Name: "Microsoft", Label: "Sign in with Microsoft", Kind: ProviderOIDC, Issuer: MicrosoftCommonIssuer, Scopes: "email profile",
		Note: "Register an application in Microsoft Entra for “any organisational directory and personal accounts”. Each tenant signs its tokens with its own issuer; Byline accepts any tenant's issuer of the form https://login.microsoftonline.com/TENANT-ID/v2.0 that matches the token's tid. Microsoft does not say an address is confirmed unless you add the optional claim xms_edov to the token configuration; without it, people link Microsoft from their account page."},
	{Key: "apple", Name: "Apple", Label: "Sign in with Apple", Kind: ProviderOIDC, Issuer: "https://appleid.apple.com", Scopes: "email name",
		Note: "The client ID is your Services ID. Apple's client secret is a JWT you generate from your private key (ES256, at most six months valid): paste it here, and replace it before it expires. Apple answers with a POST to the callback."},
	{Key: "github", Name: "GitHub", Label: "Sign in with GitHub", Kind: ProviderGitHub, Scopes: "read:user user:email",
		Note: "Create an OAuth App in GitHub's developer settings with the callback address below. Only a verified primary address is used."},
}

// PresetByKey returns the preset named key.
func PresetByKey(key string) (Preset, bool) {
	for _, p := range Presets {
		if p.Key == key {
			return p, true
		}
	}
	return Preset{}, false
}

// MicrosoftCommonIssuer is where Microsoft's multi-tenant discovery is; its
// tokens carry the tenant's own issuer.
const MicrosoftCommonIssuer = "https://login.microsoftonline.com/common/v2.0"

// ProviderInput is the admin's form for a provider.
type ProviderInput struct {
	Name, Label, Kind, Preset, Issuer, ClientID string
	ClientSecret                                string // "" keeps the stored one
	Scopes                                      string
	Enabled                                     bool
	Position                                    int
}

// Check normalises in and returns it, or an *apperr.Invalid naming the
// fields; needSecret is set for a new provider.
func (in ProviderInput) Check(needSecret bool) (ProviderInput, error) {
	v := apperr.NewInvalid()
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Label = strings.Join(strings.Fields(in.Label), " ")
	in.Issuer = strings.TrimRight(strings.TrimSpace(in.Issuer), "/")
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.Scopes = strings.Join(strings.Fields(in.Scopes), " ")
	if _, ok := PresetByKey(in.Preset); !ok {
		in.Preset = ""
	}
	switch l := utf8.RuneCountInString(in.Name); {
	case l == 0:
		v.Add("name", "give the provider a name")
	case l > 40:
		v.Add("name", "a name can be at most 40 characters")
	}
	if in.Label == "" {
		in.Label = "Sign in with " + in.Name
	}
	if utf8.RuneCountInString(in.Label) > 60 {
		v.Add("label", "a button label can be at most 60 characters")
	}
	switch in.Kind {
	case ProviderOIDC:
		if msg := issuerProblem(in.Issuer); msg != "" {
			v.Add("issuer", msg)
		}
	case ProviderGitHub:
		in.Issuer = ""
	default:
		v.Add("kind", "choose OpenID Connect or GitHub")
	}
	if in.ClientID == "" || len(in.ClientID) > 500 || !printable(in.ClientID) {
		v.Add("client_id", "enter the client ID the provider gave you")
	}
	if len(in.ClientSecret) > 4000 || !printable(in.ClientSecret) {
		v.Add("client_secret", "the client secret is too long or holds characters it cannot have")
	} else if needSecret && in.ClientSecret == "" {
		v.Add("client_secret", "enter the client secret the provider gave you")
	}
	if len(in.Scopes) > 500 || !printable(in.Scopes) {
		v.Add("scopes", "scopes are words separated by spaces")
	}
	if in.Position < -1000 || in.Position > 1000 {
		v.Add("position", "the order is a number from -1000 to 1000")
	}
	return in, v.Err()
}

// issuerProblem says what is wrong with an issuer URL: https, or http on
// this machine only (a provider under test).
func issuerProblem(issuer string) string {
	if issuer == "" {
		return "enter the issuer URL (discovery is read from ISSUER/.well-known/openid-configuration)"
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(issuer) > 500 {
		return "the issuer must be a URL such as https://accounts.example.com"
	}
	switch u.Scheme {
	case "https":
	case "http":
		if h := u.Hostname(); h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return "the issuer must use https"
		}
	default:
		return "the issuer must use https"
	}
	return ""
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

const providerCols = `id, name, label, kind, preset, issuer, client_id, client_secret, scopes, enabled, position, created_at, updated_at`

func scanProvider(sc db.Scanner, p *Provider) error {
	return sc.Scan(&p.ID, &p.Name, &p.Label, &p.Kind, &p.Preset, &p.Issuer, &p.ClientID, &p.secret, &p.Scopes, &p.Enabled, &p.Position, &p.CreatedAt, &p.UpdatedAt)
}

// Providers returns the configured providers in their order; enabledOnly
// keeps those people may use.
func (s *Store) Providers(ctx context.Context, enabledOnly bool) ([]Provider, error) {
	where := ""
	if enabledOnly {
		where = "WHERE enabled"
	}
	rows, err := s.db.Query(ctx, `SELECT `+providerCols+` FROM sign_in_providers `+where+` ORDER BY position, name, id`)
	if err != nil {
		return nil, fmt.Errorf("account: providers: %w", err)
	}
	defer rows.Close()
	var out []Provider
	for rows.Next() {
		var p Provider
		if err := scanProvider(rows, &p); err != nil {
			return nil, fmt.Errorf("account: providers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: providers: %w", err)
	}
	return out, nil
}

// Provider returns one provider.
func (s *Store) Provider(ctx context.Context, id int64) (Provider, error) {
	var p Provider
	if err := scanProvider(s.db.QueryRow(ctx, `SELECT `+providerCols+` FROM sign_in_providers WHERE id = $1`, id), &p); err != nil {
		return Provider{}, fmt.Errorf("account: provider %d: %w", id, db.MapError(s.db.Engine, err))
	}
	return p, nil
}

// SaveProvider adds a provider (id 0) or changes one; a blank secret keeps
// the stored one. in must have passed Check.
func (s *Store) SaveProvider(ctx context.Context, id int64, in ProviderInput) (Provider, error) {
	now := s.now()
	var err error
	if id == 0 {
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO sign_in_providers (name, label, kind, preset, issuer, client_id, client_secret, scopes, enabled, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
				in.Name, in.Label, in.Kind, in.Preset, in.Issuer, in.ClientID, in.ClientSecret, in.Scopes, in.Enabled, in.Position, now).Scan(&id)
		})
	} else {
		var res interface{ RowsAffected() (int64, error) }
		res, err = s.db.Exec(ctx, `UPDATE sign_in_providers SET name = $2, label = $3, kind = $4, preset = $5, issuer = $6, client_id = $7,
			client_secret = CASE WHEN $8 = '' THEN client_secret ELSE $8 END, scopes = $9, enabled = $10, position = $11, updated_at = $12 WHERE id = $1`,
			id, in.Name, in.Label, in.Kind, in.Preset, in.Issuer, in.ClientID, in.ClientSecret, in.Scopes, in.Enabled, in.Position, now)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return Provider{}, fmt.Errorf("account: provider %d: %w", id, apperr.ErrNotFound)
			}
		}
	}
	if err != nil {
		if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrConflict) {
			return Provider{}, apperr.Field("name", "another provider has that name")
		}
		return Provider{}, fmt.Errorf("account: save provider %q: %w", in.Name, err)
	}
	return s.Provider(ctx, id)
}

// Lifetime of a sign-in in flight: time enough to sign in at the provider.
const providerStateTTL = 10 * time.Minute

// Purposes of a provider flow.
const (
	PurposeSignIn = "signin"
	PurposeLink   = "link"
)

// ProviderStart is what a flow is started for.
type ProviderStart struct {
	ProviderID int64
	Purpose    string // PurposeSignIn or PurposeLink
	UserID     int64  // the person linking (PurposeLink)
	ReturnTo   string // where to go after (already made safe)
	Browser    string // the browser's binding value, if it has one already
}

// ProviderFlow is the secrets of a started flow: State and Nonce go to the
// provider, Verifier stays here (PKCE), Browser goes into a cookie of the
// browser that started it. Only hashes of State and Browser are stored.
type ProviderFlow struct {
	State, Nonce, Verifier, Browser string
}

// StartProviderFlow records a new flow and returns its secrets.
func (s *Store) StartProviderFlow(ctx context.Context, st ProviderStart) (ProviderFlow, error) {
	var f ProviderFlow
	var stateHash, browserHash string
	f.State, stateHash = newToken()
	if len(st.Browser) == 43 {
		// One value per browser, so flows in two tabs do not undo each other.
		f.Browser, browserHash = st.Browser, hashToken(st.Browser)
	} else {
		f.Browser, browserHash = newToken()
	}
	f.Nonce, _ = newToken()
	f.Verifier, _ = newToken() // 43 URL-safe characters: a valid PKCE verifier
	if st.Purpose != PurposeLink {
		st.Purpose, st.UserID = PurposeSignIn, 0
	}
	var user any
	if st.UserID != 0 {
		user = st.UserID
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		// Flows never finished are dropped as new ones start.
		if _, err := tx.Exec(ctx, `DELETE FROM provider_states WHERE expires_at < $1`, now.Add(-time.Hour)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO provider_states (state_hash, provider_id, nonce, verifier, return_to, browser_hash, purpose, user_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			stateHash, st.ProviderID, f.Nonce, f.Verifier, st.ReturnTo, browserHash, st.Purpose, user, now, now.Add(providerStateTTL))
		return err
	})
	if err != nil {
		return ProviderFlow{}, fmt.Errorf("account: start %s with provider %d: %w", st.Purpose, st.ProviderID, err)
	}
	return f, nil
}

// Why a provider's answer is refused before anything is asked of it.
var (
	ErrFlowUnknown = errors.New("this sign-in attempt is not known here (the link may be altered or for another provider)")
	ErrFlowUsed    = errors.New("this sign-in attempt was already used")
	ErrFlowExpired = errors.New("this sign-in attempt took too long and expired")
	ErrFlowBrowser = errors.New("this sign-in attempt was started in another browser")
)

// PendingFlow is a flow taken back from the store to be finished.
type PendingFlow struct {
	ProviderID int64
	Nonce      string
	Verifier   string
	ReturnTo   string
	Purpose    string
	UserID     int64
}

// TakeProviderFlow spends the flow whose state came back from provider
// providerID, for the browser holding browser: it succeeds once. A state
// that is unknown, used, expired, or from another browser is refused with
// the reason, and (except the last) cannot be used afterwards either.
func (s *Store) TakeProviderFlow(ctx context.Context, providerID int64, state, browser string) (PendingFlow, error) {
	var f PendingFlow
	if state == "" || len(state) > 200 {
		return f, ErrFlowUnknown
	}
	now := s.now()
	var user *int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `UPDATE provider_states SET used_at = $4
			WHERE state_hash = $1 AND provider_id = $2 AND browser_hash = $3 AND used_at IS NULL AND expires_at > $4
			RETURNING nonce, verifier, return_to, purpose, user_id`,
			hashToken(state), providerID, hashToken(browser), now).Scan(&f.Nonce, &f.Verifier, &f.ReturnTo, &f.Purpose, &user)
	})
	if err == nil {
		f.ProviderID = providerID
		if user != nil {
			f.UserID = *user
		}
		return f, nil
	}
	if !errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return f, fmt.Errorf("account: take provider state: %w", err)
	}
	// Say why, so the person knows what to do.
	var pid int64
	var browserHash string
	var used *time.Time
	var expires time.Time
	err = s.db.QueryRow(ctx, `SELECT provider_id, browser_hash, used_at, expires_at FROM provider_states WHERE state_hash = $1`,
		hashToken(state)).Scan(&pid, &browserHash, &used, &expires)
	switch {
	case errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound):
		return f, ErrFlowUnknown
	case err != nil:
		return f, fmt.Errorf("account: take provider state: %w", err)
	case pid != providerID:
		return f, ErrFlowUnknown
	case used != nil:
		return f, ErrFlowUsed
	case !expires.After(now):
		return f, ErrFlowExpired
	}
	return f, ErrFlowBrowser
}

// ProviderIdentity is who the provider says signed in, after the protocol
// client checked its answer.
type ProviderIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string // the person's name, if given
	Username      string // preferred_username or login, if given
}

// Outcomes of a provider sign-in.
type ProviderOutcome int

const (
	ProviderKnown   ProviderOutcome = iota + 1 // the identity was linked before
	ProviderLinked                             // linked now to the account with its verified address
	ProviderCreated                            // a new reader account
)

// UnconfirmedError refuses an identity whose address the provider has not
// confirmed: it is never linked to an account, nor used to make one (the
// answer is then the same whether or not the address has an account).
type UnconfirmedError struct{ Provider string }

func (e *UnconfirmedError) Error() string {
	return fmt.Sprintf("%s has not confirmed that address; sign in with your password and link %s from your account page, or confirm the address with %s first",
		e.Provider, e.Provider, e.Provider)
}

// NoEmailError refuses an identity that came without an e-mail address.
type NoEmailError struct{ Provider string }

func (e *NoEmailError) Error() string {
	return fmt.Sprintf("%s did not share an e-mail address, which an account here needs; allow it at %s, or sign in with your password and link %s from your account page",
		e.Provider, e.Provider, e.Provider)
}

// ProviderSignIn finds or makes the account of an identity prov vouched
// for: a linked identity signs in; otherwise an account with the same
// address is linked if the provider confirmed the address; otherwise a
// reader account is made, its address confirmed. The sign-in itself
// (session, history) is the caller's.
func (s *Store) ProviderSignIn(ctx context.Context, prov Provider, id ProviderIdentity, mc MailContext) (Person, ProviderOutcome, error) {
	var userID int64
	var outcome ProviderOutcome
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		var gone bool
		err := tx.QueryRow(ctx, `UPDATE linked_identities SET last_used_at = $3 WHERE provider_id = $1 AND subject = $2
			RETURNING user_id, (SELECT deleted_at IS NOT NULL FROM users WHERE id = user_id)`,
			prov.ID, id.Subject, now).Scan(&userID, &gone)
		switch {
		case err == nil && !gone:
			outcome = ProviderKnown
			return nil
		case err == nil:
			// The account was deleted: the identity is free to start anew.
			if _, err := tx.Exec(ctx, `DELETE FROM linked_identities WHERE provider_id = $1 AND subject = $2`, prov.ID, id.Subject); err != nil {
				return err
			}
		case !errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound):
			return err
		}
		email, ok := mail.CleanAddress(id.Email)
		if id.Email == "" || !ok {
			return &NoEmailError{Provider: prov.Name}
		}
		if !id.EmailVerified {
			return &UnconfirmedError{Provider: prov.Name}
		}
		var deleted *time.Time
		err = tx.QueryRow(ctx, `SELECT id, deleted_at FROM users WHERE email = $1`, email).Scan(&userID, &deleted)
		switch {
		case err == nil:
			if deleted != nil {
				return ErrSuspended
			}
			outcome = ProviderLinked
			// The provider vouches for the address: it is confirmed now.
			if _, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1`, userID, now); err != nil {
				return err
			}
		case errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound):
			outcome = ProviderCreated
			p, err := s.createConfirmedReader(ctx, tx, email, suggestName(id, email))
			if err != nil {
				return err
			}
			userID = p.ID
		default:
			return err
		}
		return s.linkIdentity(ctx, tx, userID, prov, id, email)
	})
	if err != nil {
		return Person{}, 0, fmt.Errorf("account: sign in with %s: %w", prov.Name, err)
	}
	if outcome != ProviderKnown {
		s.changed(userID)
	}
	p, err := s.ByID(ctx, userID)
	return p, outcome, err
}

// suggestName is a display name from what the provider shared: the name,
// the user name, or the address's local part. The person can change it.
func suggestName(id ProviderIdentity, email string) string {
	for _, n := range []string{id.Name, id.Username, strings.SplitN(email, "@", 2)[0]} {
		if n = strings.Join(strings.Fields(n), " "); n != "" {
			if utf8.RuneCountInString(n) > 80 {
				n = string([]rune(n)[:80])
			}
			return n
		}
	}
	return "Reader"
}

// ErrIdentityTaken refuses to link an identity that another account has.
var ErrIdentityTaken = errors.New("that identity is already linked to another account here")

// ErrAlreadyLinked refuses a second identity of the same provider.
var ErrAlreadyLinked = errors.New("your account is already linked to this provider; unlink it first to link another")

// linkIdentity links id to userID and records it, inside tx.
func (s *Store) linkIdentity(ctx context.Context, tx *db.Tx, userID int64, prov Provider, id ProviderIdentity, email string) error {
	var owner int64
	err := tx.QueryRow(ctx, `SELECT user_id FROM linked_identities WHERE provider_id = $1 AND subject = $2`, prov.ID, id.Subject).Scan(&owner)
	switch {
	case err == nil && owner == userID:
		return ErrAlreadyLinked
	case err == nil:
		return ErrIdentityTaken
	case !errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound):
		return err
	}
	var mine int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM linked_identities WHERE provider_id = $1 AND user_id = $2`, prov.ID, userID).Scan(&mine); err != nil {
		return err
	}
	if mine > 0 {
		return ErrAlreadyLinked
	}
	now := s.now()
	if _, err := tx.Exec(ctx, `INSERT INTO linked_identities (user_id, provider_id, subject, email, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		userID, prov.ID, id.Subject, email, now); err != nil {
		if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrConflict) {
			return ErrIdentityTaken // another request linked it a moment ago
		}
		return err
	}
	return s.record(ctx, tx, Event{UserID: userID, Kind: EventProviderLinked, Detail: prov.Name})
}

// LinkProvider links an identity to the signed-in person userID, who proved
// both sides: their session here, and the sign-in at the provider.
func (s *Store) LinkProvider(ctx context.Context, userID int64, prov Provider, id ProviderIdentity) error {
	email, _ := mail.CleanAddress(id.Email)
	err := s.write(ctx, userID, func(tx *db.Tx) error {
		return s.linkIdentity(ctx, tx, userID, prov, id, email)
	})
	if err != nil {
		return fmt.Errorf("account: link %s to %d: %w", prov.Name, userID, err)
	}
	return nil
}

// LinkedIdentity is one provider identity of a person.
type LinkedIdentity struct {
	ID           int64
	ProviderID   int64
	ProviderName string
	Enabled      bool // the provider can be used now
	Email        string
	CreatedAt    time.Time
	LastUsedAt   time.Time
}

// Identities returns a person's linked identities.
func (s *Store) Identities(ctx context.Context, userID int64) ([]LinkedIdentity, error) {
	rows, err := s.db.Query(ctx, `SELECT i.id, i.provider_id, p.name, p.enabled, i.email, i.created_at, i.last_used_at
		FROM linked_identities i JOIN sign_in_providers p ON p.id = i.provider_id
		WHERE i.user_id = $1 ORDER BY p.position, p.name, i.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("account: identities of %d: %w", userID, err)
	}
	defer rows.Close()
	var out []LinkedIdentity
	for rows.Next() {
		var li LinkedIdentity
		var last *time.Time
		if err := rows.Scan(&li.ID, &li.ProviderID, &li.ProviderName, &li.Enabled, &li.Email, &li.CreatedAt, &last); err != nil {
			return nil, fmt.Errorf("account: identities of %d: %w", userID, err)
		}
		if last != nil {
			li.LastUsedAt = *last
		}
		out = append(out, li)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: identities of %d: %w", userID, err)
	}
	return out, nil
}

// UnlinkProvider removes one of userID's identities, unless it is their
// last way in (account.LastWayIn); it returns the provider's name.
func (s *Store) UnlinkProvider(ctx context.Context, userID, identityID int64) (string, error) {
	var name string
	err := s.write(ctx, userID, func(tx *db.Tx) error {
		var enabled bool
		err := tx.QueryRow(ctx, `SELECT p.name, p.enabled FROM linked_identities i JOIN sign_in_providers p ON p.id = i.provider_id
			WHERE i.id = $1 AND i.user_id = $2`, identityID, userID).Scan(&name, &enabled)
		if err != nil {
			return db.MapError(tx.Engine(), err)
		}
		ways, err := s.WaysIn(ctx, tx, userID)
		if err != nil {
			return err
		}
		// An identity of a disabled provider is no way in: removing it
		// changes nothing.
		if enabled && ways.Count() <= 1 {
			return LastWayIn("provider")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM linked_identities WHERE id = $1 AND user_id = $2`, identityID, userID); err != nil {
			return err
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventProviderUnlinked, Detail: name})
	})
	if err != nil {
		return "", fmt.Errorf("account: unlink identity %d of %d: %w", identityID, userID, err)
	}
	return name, nil
}
