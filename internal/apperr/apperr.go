// Package apperr holds the few error kinds every layer agrees on, so that
// one adapter in web and one in api turn them into status codes.
package apperr

import (
	"errors"
	"sort"
	"strings"
)

var (
	// ErrNotFound: the thing asked for does not exist (or is not public).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change clashes with what is stored (a taken slug or e-mail).
	ErrConflict = errors.New("conflict")
)

// Invalid describes input that was refused, field by field, in words a
// person can act on.
type Invalid struct {
	Fields map[string]string // field name -> reason
}

// NewInvalid returns an empty Invalid to add fields to.
func NewInvalid() *Invalid { return &Invalid{Fields: map[string]string{}} }

// Add records a reason for field (the first reason per field wins).
func (v *Invalid) Add(field, reason string) {
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = reason
	}
}

// Err returns v when it holds any reason, nil otherwise.
func (v *Invalid) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *Invalid) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + v.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Field returns a single-field Invalid error.
func Field(field, reason string) error {
	v := NewInvalid()
	v.Add(field, reason)
	return v
}

// AsInvalid unwraps an *Invalid from err.
func AsInvalid(err error) (*Invalid, bool) {
	var v *Invalid
	ok := errors.As(err, &v)
	return v, ok
}

// ErrBusy: the work is refused for now because the server is at its
// capacity for it (decoding uploaded pictures); the same request may
// succeed in a moment.
var ErrBusy = errors.New("busy")
