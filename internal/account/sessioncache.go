package account

import (
	"context"
	"sync"
	"time"

	"byline/internal/db"
)

// Sessions are looked up on every signed-in request, so each node keeps
// the ones in use in memory. An entry lives at most sessionCacheTTL, and
// any change to its person (sign-out, roles, suspension, profile) drops
// it at once here and, through the store's OnChange hook, on the other
// nodes: a cached session is never trusted for more than that long after
// the database stopped agreeing.
const (
	sessionCacheTTL  = time.Second
	sessionCacheSize = 50_000
)

type cachedSession struct {
	p     Person
	ses   Session
	until time.Time
}

type sessionCache struct {
	mu     sync.RWMutex
	byHash map[string]cachedSession
	gen    uint64 // moves on every forget, so a load that raced one is not kept
}

func (c *sessionCache) get(hash string, now time.Time) (cachedSession, bool) {
	c.mu.RLock()
	e, ok := c.byHash[hash]
	c.mu.RUnlock()
	if !ok || now.After(e.until) || !now.Before(e.ses.ExpiresAt) {
		return cachedSession{}, false
	}
	return e, true
}

func (c *sessionCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put keeps a loaded session unless something was forgotten since gen.
func (c *sessionCache) put(gen uint64, e cachedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.byHash == nil {
		c.byHash = map[string]cachedSession{}
	}
	if len(c.byHash) >= sessionCacheSize {
		for k := range c.byHash { // make room: any one will do
			delete(c.byHash, k)
			break
		}
	}
	c.byHash[e.ses.ID] = e
}

// forget drops every cached session of userID (0: everyone's).
func (c *sessionCache) forget(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.byHash {
		if userID == 0 || e.p.ID == userID {
			delete(c.byHash, k)
		}
	}
}

// Forget drops what this node keeps in memory about userID's sessions;
// the other nodes call it when they hear of a change.
func (s *Store) Forget(userID int64) { s.sessions.forget(userID) }

// changed is called after every write to a person or their sessions.
func (s *Store) changed(userID int64) {
	s.sessions.forget(userID)
	if s.OnChange != nil {
		s.OnChange(userID)
	}
}

// write runs fn in a transaction that changes userID and, once it has
// committed, drops what memory holds of them.
func (s *Store) write(ctx context.Context, userID int64, fn func(tx *db.Tx) error) error {
	err := s.db.Tx(ctx, fn)
	if err == nil {
		s.changed(userID)
	}
	return err
}
