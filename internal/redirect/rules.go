// Package redirect owns the table of old addresses and where they lead
// now: a moved site's permalinks, WordPress's ?p=123 links, its uploads
// and feeds, answered with a 301 when no page is at the address. It owns
// the rules of what makes two spellings of an address the same (Normalize),
// what an entry may say (an old path on this site, a target on this site
// or an http(s) address, never itself), and the lookups' memory.
package redirect

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/input"
)

// routedBy are the query parameters WordPress finds content by: an old
// address keeps them, and drops every other one (utm_*, fbclid, gclid,
// replytocom ...), which change nothing about where it leads.
var routedBy = []string{"attachment_id", "author", "cat", "day", "feed", "m", "monthnum", "name", "p", "page_id", "pagename", "post_type", "s", "tag", "year"}

// maxAddress bounds an old address or a target, in bytes.
const maxAddress = 2000

// Normalize writes an old address as the table keys it: its path (escaped
// one way, without a final slash) and only the query parameters WordPress
// routes by, sorted, each with its first value. "/Old/Slug/?utm_source=x"
// and "/Old/Slug" are one address; "/?p=12&utm_medium=y" is "/?p=12".
func Normalize(addr string) (string, error) {
	if !strings.HasPrefix(addr, "/") || strings.HasPrefix(addr, "//") || strings.HasPrefix(addr, "/\\") {
		return "", apperr.Field("old", "an old address starts with / (the path on the old site, like /2011/05/slug/ or /?p=123)")
	}
	u, err := url.Parse(addr)
	if err != nil {
		return "", apperr.Field("old", "this is not an address: "+err.Error())
	}
	return key(u.Path, u.RawQuery), nil
}

// key is Normalize for a path (unescaped, as a request has it) and its raw
// query.
func key(path, rawQuery string) string {
	if path == "" || path == "/index.php" || path == "/index.php/" {
		path = "/" // WordPress without pretty permalinks: /index.php?p=123
	}
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
		if path == "" {
			path = "/"
		}
	}
	k := (&url.URL{Path: path}).EscapedPath()
	if q := routedQuery(rawQuery); q != "" {
		k += "?" + q
	}
	return k
}

// routedQuery keeps the parameters of raw that WordPress routes by, sorted
// by name, each with its first non-empty value. A pair that cannot be
// unescaped is no parameter WordPress would have read, so it is left out.
func routedQuery(raw string) string {
	if raw == "" {
		return ""
	}
	kept := url.Values{}
	for pair := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		value = strings.TrimSpace(value)
		if err1 != nil || err2 != nil || value == "" || !slices.Contains(routedBy, name) || kept.Has(name) {
			continue
		}
		kept.Set(name, value)
	}
	return kept.Encode()
}

// Routed reports whether a request's query names content the WordPress
// way (?p=, ?page_id=, ?feed= ...): on the home page such a request is an
// old address, not the home page.
func Routed(rawQuery string) bool { return routedQuery(rawQuery) != "" }

// checkTarget says what is wrong with a target for the redirect from old
// (a normalised address), if anything, and tidies it; a path on this site
// comes with its key (see Normalize), an address elsewhere with "".
func checkTarget(v *apperr.Invalid, old, target string) (string, string) {
	target = strings.TrimSpace(target)
	switch {
	case target == "":
		v.Add("target", "a target is required: a path on this site (like /2011/05/05/slug/) or an http(s) address")
		return target, ""
	case len(target) > maxAddress:
		v.Add("target", "a target can be at most 2000 characters")
		return target, ""
	case !input.Valid(target) || strings.ContainsAny(target, " \t\r\n"):
		v.Add("target", "a target cannot hold spaces or control characters")
		return target, ""
	}
	if strings.HasPrefix(target, "/") {
		if strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
			v.Add("target", "a path on this site starts with a single /; write another site's address in full, with http:// or https://")
			return target, ""
		}
		u, err := url.Parse(target)
		if err != nil {
			v.Add("target", "this is not an address: "+err.Error())
			return target, ""
		}
		tk := key(u.Path, u.RawQuery)
		if tk == old {
			v.Add("target", "the target is the old address itself: the redirect would lead to itself forever")
		}
		return target, tk
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("target", "a target is a path on this site (starting with /) or an address starting with http:// or https://")
	}
	return target, ""
}

// checkOld tidies and checks an old address, returning its key.
func checkOld(v *apperr.Invalid, old string) string {
	old = strings.TrimSpace(old)
	switch {
	case old == "":
		v.Add("old", "the old address is required, starting with / (like /2011/05/slug/ or /?p=123)")
		return ""
	case len(old) > maxAddress || !utf8.ValidString(old):
		v.Add("old", "an old address can be at most 2000 characters of text")
		return ""
	case !input.Valid(old) || strings.ContainsAny(old, " \t\r\n"):
		v.Add("old", "an old address cannot hold spaces or control characters (write a space as %20)")
		return ""
	}
	k, err := Normalize(old)
	if err != nil {
		if inv, ok := apperr.AsInvalid(err); ok {
			v.Add("old", inv.Fields["old"])
		}
		return ""
	}
	if k == "/" {
		v.Add("old", "the home page is always there; an old address on it needs its query, like /?p=123")
		return ""
	}
	return k
}

// builtin answers the WordPress addresses every moved site had, whether
// or not the table names them: the feeds (?feed=rss2, /feed/rss2/), the
// search (?s=), and month archives (?m=201105).
func builtin(k string) (string, bool) {
	path, q, _ := strings.Cut(k, "?")
	switch path {
	case "/feed/rss2", "/feed/rss", "/feed/rdf":
		return "/feed/", true
	case "/comments/feed/rss2", "/comments/feed/rss", "/comments/feed/rdf":
		return "/comments/feed/", true
	case "/":
	default:
		return "", false
	}
	vals, err := url.ParseQuery(q)
	if err != nil || len(vals) != 1 { // keys come from routedQuery: well formed
		return "", false
	}
	switch {
	case vals.Has("feed"):
		switch vals.Get("feed") {
		case "rss2", "rss", "rdf", "feed":
			return "/feed/", true
		case "atom":
			return "/feed/atom/", true
		case "comments-rss2", "comments-atom":
			return "/comments/feed/", true
		}
	case vals.Has("s"):
		return "/search?q=" + url.QueryEscape(vals.Get("s")), true
	case vals.Has("m"):
		m := vals.Get("m")
		if strings.Trim(m, "0123456789") != "" {
			return "", false
		}
		switch len(m) {
		case 4:
			return "/" + m + "/", true
		case 6:
			return "/" + m[:4] + "/" + m[4:] + "/", true
		case 8:
			return "/" + m[:4] + "/" + m[4:6] + "/" + m[6:] + "/", true
		}
	}
	return "", false
}
