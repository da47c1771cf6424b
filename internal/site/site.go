// Package site owns the site-wide settings admins change (name, tagline,
// address, comments, outgoing mail), stored as key/value rows so a new
// setting needs no migration.
package site

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/mail"
)

// Settings are the site-wide settings.
type Settings struct {
	Name    string
	Tagline string
	BaseURL string // public address; empty: the server's own

	CommentsOpen bool // readers may post comments
	CommentDepth int  // replies nest this deep before flattening

	// Moderation rules (see comment.Rules).
	HoldAll        bool
	HoldFirst      int
	MaxLinks       int
	HoldWords      string // one per line
	BlockWords     string // one per line
	CloseAfterDays int
	PerMinute      int
	ReportsToHold  int

	Gravatar bool // people may choose Gravatar pictures (sends a hash of their e-mail to Gravatar)

	// ReadersRemoveComments lets readers deleting their account have their
	// comments removed; otherwise they stay, signed "[deleted account]".
	ReadersRemoveComments bool

	SMTP mail.SMTP // outgoing mail; Host empty: mail waits in the outbox

	// The e-newsletter: automatic digests (daily ones every day, weekly
	// ones on a day, at an hour of the site's time zone) and how fast
	// campaigns go out.
	Digests        bool
	DigestHour     int
	DigestWeekday  int // 0 Sunday ... 6 Saturday
	NewsletterRate int // messages per second, 0: as fast as the server takes them
	NewsletterConc int // SMTP connections

	ImportMaxMB int // the largest file Admin → Import takes, in megabytes

	// Scheduled backups: every day at an hour of the site's time zone,
	// into a folder on the server, the newest BackupKeep kept.
	Backups    bool
	BackupHour int
	BackupKeep int
	BackupDir  string // "": the server's default (see BackupFolder)

	// Two-factor: staff must have a second factor, TwoFactorGraceDays
	// after the rule was turned on (TwoFactorSince).
	TwoFactorStaff     bool
	TwoFactorGraceDays int
	TwoFactorSince     time.Time
}

// RequireTwoFactor turns the staff rule on or off; turning it on starts
// the grace from now.
func (s *Settings) RequireTwoFactor(on bool, now time.Time) {
	if on && !s.TwoFactorStaff {
		s.TwoFactorSince = now.UTC()
	}
	s.TwoFactorStaff = on
}

// SecondFactorRule is the rule on second factors for staff, as the
// account package applies it.
func (s Settings) SecondFactorRule() account.Requirement {
	return account.Requirement{Staff: s.TwoFactorStaff, Since: s.TwoFactorSince, Grace: time.Duration(s.TwoFactorGraceDays) * 24 * time.Hour}
}

// BackupFolder is where scheduled backups go: the folder set here, else
// def (beside the SQLite file; "" with PostgreSQL, where none is assumed).
func (s Settings) BackupFolder(def string) string {
	if s.BackupDir != "" {
		return s.BackupDir
	}
	return def
}

// Defaults for settings nobody has set.
func Defaults(name, tagline string) Settings {
	return Settings{Name: name, Tagline: tagline, CommentsOpen: true, CommentDepth: 5, MaxLinks: 2, PerMinute: 5, ReportsToHold: 3,
		SMTP: mail.SMTP{Port: 587, TLS: mail.TLSStartTLS}, Digests: true, DigestHour: 7, DigestWeekday: 1, NewsletterRate: 100, NewsletterConc: 4, ImportMaxMB: 200,
		Backups: true, BackupHour: 3, BackupKeep: 7, ReadersRemoveComments: true, TwoFactorGraceDays: 7}
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
		if f, ok := fields[k]; ok {
			f.set(&out, v)
		}
	}
	return out, rows.Err()
}

// field maps one stored key to the struct.
type field struct {
	get func(*Settings) string
	set func(*Settings, string)
}

var fields = map[string]field{
	"site_name":        {func(s *Settings) string { return s.Name }, func(s *Settings, v string) { s.Name = v }},
	"tagline":          {func(s *Settings) string { return s.Tagline }, func(s *Settings, v string) { s.Tagline = v }},
	"base_url":         {func(s *Settings) string { return s.BaseURL }, func(s *Settings, v string) { s.BaseURL = v }},
	"comments_open":    {func(s *Settings) string { return strconv.FormatBool(s.CommentsOpen) }, func(s *Settings, v string) { s.CommentsOpen = v == "true" }},
	"comment_depth":    {func(s *Settings) string { return strconv.Itoa(s.CommentDepth) }, func(s *Settings, v string) { s.CommentDepth, _ = strconv.Atoi(v) }},
	"hold_all":         {func(s *Settings) string { return strconv.FormatBool(s.HoldAll) }, func(s *Settings, v string) { s.HoldAll = v == "true" }},
	"hold_first":       {func(s *Settings) string { return strconv.Itoa(s.HoldFirst) }, func(s *Settings, v string) { s.HoldFirst, _ = strconv.Atoi(v) }},
	"max_links":        {func(s *Settings) string { return strconv.Itoa(s.MaxLinks) }, func(s *Settings, v string) { s.MaxLinks, _ = strconv.Atoi(v) }},
	"hold_words":       {func(s *Settings) string { return s.HoldWords }, func(s *Settings, v string) { s.HoldWords = v }},
	"block_words":      {func(s *Settings) string { return s.BlockWords }, func(s *Settings, v string) { s.BlockWords = v }},
	"close_after_days": {func(s *Settings) string { return strconv.Itoa(s.CloseAfterDays) }, func(s *Settings, v string) { s.CloseAfterDays, _ = strconv.Atoi(v) }},
	"per_minute":       {func(s *Settings) string { return strconv.Itoa(s.PerMinute) }, func(s *Settings, v string) { s.PerMinute, _ = strconv.Atoi(v) }},
	"reports_to_hold":  {func(s *Settings) string { return strconv.Itoa(s.ReportsToHold) }, func(s *Settings, v string) { s.ReportsToHold, _ = strconv.Atoi(v) }},
	"gravatar":         {func(s *Settings) string { return strconv.FormatBool(s.Gravatar) }, func(s *Settings, v string) { s.Gravatar = v == "true" }},
	"smtp_host":        {func(s *Settings) string { return s.SMTP.Host }, func(s *Settings, v string) { s.SMTP.Host = v }},
	"smtp_port":        {func(s *Settings) string { return strconv.Itoa(s.SMTP.Port) }, func(s *Settings, v string) { s.SMTP.Port, _ = strconv.Atoi(v) }},
	"smtp_username":    {func(s *Settings) string { return s.SMTP.Username }, func(s *Settings, v string) { s.SMTP.Username = v }},
	"smtp_password":    {func(s *Settings) string { return s.SMTP.Password }, func(s *Settings, v string) { s.SMTP.Password = v }},
	"smtp_tls":         {func(s *Settings) string { return s.SMTP.TLS }, func(s *Settings, v string) { s.SMTP.TLS = v }},
	"mail_from":        {func(s *Settings) string { return s.SMTP.From }, func(s *Settings, v string) { s.SMTP.From = v }},
	"digests":          {func(s *Settings) string { return strconv.FormatBool(s.Digests) }, func(s *Settings, v string) { s.Digests = v == "true" }},
	"digest_hour":      {func(s *Settings) string { return strconv.Itoa(s.DigestHour) }, func(s *Settings, v string) { s.DigestHour, _ = strconv.Atoi(v) }},
	"digest_weekday":   {func(s *Settings) string { return strconv.Itoa(s.DigestWeekday) }, func(s *Settings, v string) { s.DigestWeekday, _ = strconv.Atoi(v) }},
	"newsletter_rate":  {func(s *Settings) string { return strconv.Itoa(s.NewsletterRate) }, func(s *Settings, v string) { s.NewsletterRate, _ = strconv.Atoi(v) }},
	"newsletter_conc":  {func(s *Settings) string { return strconv.Itoa(s.NewsletterConc) }, func(s *Settings, v string) { s.NewsletterConc, _ = strconv.Atoi(v) }},
	"import_max_mb":    {func(s *Settings) string { return strconv.Itoa(s.ImportMaxMB) }, func(s *Settings, v string) { s.ImportMaxMB, _ = strconv.Atoi(v) }},
	"backups":          {func(s *Settings) string { return strconv.FormatBool(s.Backups) }, func(s *Settings, v string) { s.Backups = v == "true" }},
	"backup_hour":      {func(s *Settings) string { return strconv.Itoa(s.BackupHour) }, func(s *Settings, v string) { s.BackupHour, _ = strconv.Atoi(v) }},
	"backup_keep":      {func(s *Settings) string { return strconv.Itoa(s.BackupKeep) }, func(s *Settings, v string) { s.BackupKeep, _ = strconv.Atoi(v) }},
	"backup_dir":       {func(s *Settings) string { return s.BackupDir }, func(s *Settings, v string) { s.BackupDir = v }},
	"readers_remove_comments": {func(s *Settings) string { return strconv.FormatBool(s.ReadersRemoveComments) },
		func(s *Settings, v string) { s.ReadersRemoveComments = v == "true" }},
	"two_factor_staff": {func(s *Settings) string { return strconv.FormatBool(s.TwoFactorStaff) }, func(s *Settings, v string) { s.TwoFactorStaff = v == "true" }},
	"two_factor_grace": {func(s *Settings) string { return strconv.Itoa(s.TwoFactorGraceDays) }, func(s *Settings, v string) { s.TwoFactorGraceDays, _ = strconv.Atoi(v) }},
	"two_factor_since": {func(s *Settings) string { return formatTime(s.TwoFactorSince) }, func(s *Settings, v string) { s.TwoFactorSince = parseTime(v) }},
}

// Validate checks st and returns it cleaned, or an *apperr.Invalid.
func Validate(st Settings) (Settings, error) {
	v := apperr.NewInvalid()
	st.Name, st.Tagline = strings.TrimSpace(st.Name), strings.TrimSpace(st.Tagline)
	st.BaseURL = strings.TrimRight(strings.TrimSpace(st.BaseURL), "/")
	if st.Name == "" || utf8.RuneCountInString(st.Name) > 80 {
		v.Add("name", "the site name must be 1 to 80 characters")
	}
	if utf8.RuneCountInString(st.Tagline) > 200 {
		v.Add("tagline", "the tagline can be at most 200 characters")
	}
	if st.BaseURL != "" {
		u, err := url.Parse(st.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			v.Add("base_url", "use an absolute address such as https://news.example.com")
		}
	}
	if st.CommentDepth < 1 || st.CommentDepth > 10 {
		v.Add("comment_depth", "choose a depth from 1 to 10")
	}
	for _, n := range []struct {
		field string
		v     int
		lo    int
		hi    int
	}{{"hold_first", st.HoldFirst, 0, 100}, {"max_links", st.MaxLinks, -1, 100}, {"close_after_days", st.CloseAfterDays, 0, 36500},
		{"per_minute", st.PerMinute, 0, 1000}, {"reports_to_hold", st.ReportsToHold, 0, 1000},
		{"digest_hour", st.DigestHour, 0, 23}, {"digest_weekday", st.DigestWeekday, 0, 6},
		{"newsletter_rate", st.NewsletterRate, 0, 100000}, {"newsletter_conc", st.NewsletterConc, 1, 64}, {"import_max_mb", st.ImportMaxMB, 1, 100000},
		{"backup_hour", st.BackupHour, 0, 23}, {"backup_keep", st.BackupKeep, 1, 365}, {"two_factor_grace", st.TwoFactorGraceDays, 0, 365}} {
		if n.v < n.lo || n.v > n.hi {
			v.Add(n.field, fmt.Sprintf("choose a number from %d to %d", n.lo, n.hi))
		}
	}
	if len(st.HoldWords) > 20000 || len(st.BlockWords) > 20000 {
		v.Add("words", "the word lists can be at most 20,000 characters")
	}
	st.BackupDir = strings.TrimSpace(st.BackupDir)
	if st.BackupDir != "" && (!filepath.IsAbs(st.BackupDir) || len(st.BackupDir) > 1000) {
		v.Add("backup_dir", "give the folder's full path on the server, from the root (/var/backups/byline)")
	}
	st.SMTP.Host = strings.TrimSpace(st.SMTP.Host)
	st.SMTP.From = strings.TrimSpace(st.SMTP.From)
	if st.SMTP.Host != "" {
		if err := st.SMTP.Validate(); err != nil {
			v.Add("smtp", err.Error())
		}
	}
	return st, v.Err()
}

// Save validates and stores every setting.
func (s *Store) Save(ctx context.Context, st Settings) error {
	st, err := Validate(st)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for k, f := range fields {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, f.get(&st)); err != nil {
				return fmt.Errorf("site: save %s: %w", k, err)
			}
		}
		return nil
	})
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func parseTime(v string) time.Time {
	t, _ := time.Parse(time.RFC3339, v)
	return t
}

// CommentSite is what reply notifications say about the site.
func (st Settings) CommentSite() comment.Site {
	return comment.Site{Name: st.Name, BaseURL: st.BaseURL}
}

// CommentRules are the moderation rules these settings set.
func (st Settings) CommentRules() comment.Rules {
	return comment.Rules{Open: st.CommentsOpen, HoldAll: st.HoldAll, HoldFirst: st.HoldFirst, MaxLinks: st.MaxLinks,
		HoldWords: comment.ParseWords(st.HoldWords), BlockWords: comment.ParseWords(st.BlockWords),
		CloseAfterDays: st.CloseAfterDays, PerMinute: st.PerMinute, ReportsToHold: st.ReportsToHold}
}
