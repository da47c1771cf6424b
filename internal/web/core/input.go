package core

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/input"
)

// badText is a form with a field that holds text that cannot be kept (see
// package input): answered 422, never passed on to be stored.
type badText struct{ inv *apperr.Invalid }

func (e badText) Error() string { return e.inv.Error() }
func (e badText) Unwrap() error { return e.inv }

// message names the refused fields, for a form that is not shown again.
func (e badText) message() string {
	names := make([]string, 0, len(e.inv.Fields))
	for k := range e.inv.Fields {
		names = append(names, "“"+strings.ReplaceAll(k, "_", " ")+"”")
	}
	sort.Strings(names)
	return "The form was not saved: " + strings.Join(names, ", ") + " " + input.Reason + ". Go back, correct it and send the form again."
}

// checkText is the one check of every field of every form of the site
// (values of the body and of the address, and the names of uploaded
// files). Refused values are cleaned in place, so that whatever shows the
// form again shows what was typed less the bad characters, and nothing
// downstream can store them.
func checkText(r *http.Request) error {
	inv := apperr.NewInvalid()
	clean := func(vs url.Values) {
		for k, list := range vs {
			for i, v := range list {
				if !input.Valid(v) {
					inv.Add(k, input.Reason)
					list[i] = input.Clean(v)
				}
			}
		}
	}
	clean(r.PostForm)
	clean(r.Form)
	if r.MultipartForm != nil {
		clean(r.MultipartForm.Value)
		for k, files := range r.MultipartForm.File {
			for _, fh := range files {
				if !input.Valid(fh.Filename) {
					inv.Add(k, "the file's name "+input.Reason)
					fh.Filename = input.Clean(fh.Filename)
				}
			}
		}
	}
	if len(inv.Fields) > 0 {
		return badText{inv}
	}
	return nil
}

// CheckAddress refuses an address whose path or query holds text that
// cannot be kept (see package input) before any handler looks it up: no
// page has such a path, and a query value like that would reach the
// database (PostgreSQL refuses it there, with a 500). A posted form's
// query is checked with its fields, by ParseForm.
func (s *Server) CheckAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !input.Valid(r.URL.Path) {
			s.Fail(w, r, apperr.ErrNotFound)
			return
		}
		if r.Method != http.MethodPost {
			for _, vs := range r.URL.Query() {
				for _, v := range vs {
					if !input.Valid(v) {
						s.Fail(w, r, BadRequest{"The address holds characters that are not text (a control character or bytes that are not UTF-8)."})
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Capitalize starts s with a capital letter, as a domain error's reason
// ("that code was already used") starts a sentence on a page.
func Capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
