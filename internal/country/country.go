// Package country is the list of countries people pick from (ISO 3166-1).
package country

import "strings"

//go:generate go run ./gen

// Country is an ISO 3166-1 alpha-2 code and the name people know it by.
type Country struct {
	Code string
	Name string
}

var byCode = func() map[string]string {
	m := make(map[string]string, len(all))
	for _, c := range all {
		m[c.Code] = c.Name
	}
	return m
}()

// All returns every country, sorted by name. The slice must not be changed.
func All() []Country { return all }

// Name returns the country's name for a code, or "" for an unknown code.
func Name(code string) string { return byCode[strings.ToUpper(code)] }

// Parse accepts a code ("US", "ca") or a name ("Canada", case-insensitive)
// and returns the code.
func Parse(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, ok := byCode[strings.ToUpper(s)]; ok {
		return strings.ToUpper(s), true
	}
	for _, c := range all {
		if strings.EqualFold(c.Name, s) {
			return c.Code, true
		}
	}
	switch strings.ToLower(s) {
	case "usa", "united states of america", "us of a":
		return "US", true
	case "uk", "great britain", "britain":
		return "GB", true
	}
	return "", false
}
