package site

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"byline/internal/mail"
)

// Cache keeps the settings in memory for a short while, so pages do not
// read them per request; a save on this node refreshes at once, and other
// nodes see it within the TTL.
type Cache struct {
	store    *Store
	def      Settings
	ttl      time.Duration
	fallback string // base URL when none is set
	log      *slog.Logger

	// SMTPOverride, when its Host is set, replaces the stored mail server
	// (the BYLINE_SMTP setting).
	SMTPOverride mail.SMTP

	mu      sync.Mutex
	cur     Settings
	fetched time.Time
}

// NewCache serves settings from store, with def for what is not stored and
// baseURL as the address when none is set.
func NewCache(store *Store, def Settings, baseURL string, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.Default()
	}
	return &Cache{store: store, def: def, ttl: 3 * time.Second, fallback: baseURL, log: log}
}

// Current returns the settings. If the database cannot be read, the last
// known settings (or the defaults) are used and the error is logged.
func (c *Cache) Current(ctx context.Context) Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fetched.IsZero() || time.Since(c.fetched) > c.ttl {
		st, err := c.store.Load(ctx, c.def)
		if err != nil {
			c.log.Error("load settings", "err", err)
			if c.fetched.IsZero() {
				c.cur = c.def
			}
		} else {
			c.cur = st
		}
		c.fetched = time.Now()
		if c.cur.BaseURL == "" {
			c.cur.BaseURL = c.fallback
		}
		if c.SMTPOverride.Configured() {
			c.cur.SMTP = c.SMTPOverride
		}
	}
	return c.cur
}

// Save stores st and refreshes the cache.
func (c *Cache) Save(ctx context.Context, st Settings) error {
	if err := c.store.Save(ctx, st); err != nil {
		return err
	}
	c.mu.Lock()
	c.fetched = time.Time{}
	c.mu.Unlock()
	return nil
}

// Stored returns the settings as stored, without the fallback address, for
// the settings form.
func (c *Cache) Stored(ctx context.Context) (Settings, error) {
	return c.store.Load(ctx, c.def)
}

// Invalidate makes the next Current read the database again (another node
// changed the settings).
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.fetched = time.Time{}
	c.mu.Unlock()
}
