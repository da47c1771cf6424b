// Package links builds the site's public addresses, in one place, at the
// paths WordPress uses so a migrated site keeps its links.
package links

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Article is /YYYY/MM/DD/slug/, the date taken in the site's time zone.
func Article(published time.Time, slug string, loc *time.Location) string {
	t := published.In(loc)
	return fmt.Sprintf("/%04d/%02d/%02d/%s/", t.Year(), int(t.Month()), t.Day(), url.PathEscape(slug))
}

// Tag is /tag/slug/.
func Tag(slug string) string { return "/tag/" + url.PathEscape(slug) + "/" }

// Author is /author/slug/.
func Author(slug string) string { return "/author/" + url.PathEscape(slug) + "/" }

// Search is /search?q=..., the query escaped.
func Search(q string) string { return "/search?q=" + url.QueryEscape(q) }

// Avatar is the address of a person's picture; it changes when their
// profile does, so browsers may keep it a day.
func Avatar(slug string, updated time.Time) string {
	return "/avatar/" + url.PathEscape(slug) + "?v=" + strconv.FormatInt(updated.Unix(), 10)
}
