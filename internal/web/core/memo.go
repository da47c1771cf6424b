package core

import "sync"

// Memo keeps one value made from the content (a list every page shows)
// until the content version moves: the pages rendered meanwhile read it
// from memory. Without a content version (Deps.ContentVersion nil) it
// keeps nothing.
type Memo[T any] struct {
	mu      sync.Mutex
	version int64
	made    bool
	v       T
}

// Get returns the value, made again by make when the content moved.
func (m *Memo[T]) Get(s *Server, make func() (T, error)) (T, error) {
	if s.ContentVersion == nil {
		return make()
	}
	// The version is taken before making: a change meanwhile leaves the
	// value marked older than it is (made again), never newer.
	version := s.ContentVersion()
	m.mu.Lock()
	v, ok := m.v, m.made && m.version == version
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	m.v, m.version, m.made = v, version, true
	m.mu.Unlock()
	return v, nil
}
