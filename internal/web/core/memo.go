package core

import (
	"cmp"
	"sync"
)

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

// MemoMap keeps values made from the content by key (an article by its
// address) until the content version moves, as Memo does for one value.
// It holds at most Max values (256 when zero) and starts over when full,
// rather than track use: a page read often is made again once per
// start-over. The zero MemoMap is ready to use.
type MemoMap[K comparable, V any] struct {
	Max     int
	mu      sync.Mutex
	version int64
	m       map[K]V
}

// Get returns k's value, made again by build when the content moved. An
// error is not kept: the next Get tries again.
func (m *MemoMap[K, V]) Get(s *Server, k K, build func() (V, error)) (V, error) {
	if s.ContentVersion == nil {
		return build()
	}
	version := s.ContentVersion() // taken before making, as in Memo.Get
	m.mu.Lock()
	if m.version != version {
		m.m, m.version = nil, version
	}
	v, ok := m.m[k]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	if m.version == version {
		if m.m == nil || len(m.m) >= cmp.Or(m.Max, 256) {
			m.m = make(map[K]V)
		}
		m.m[k] = v
	}
	m.mu.Unlock()
	return v, nil
}
