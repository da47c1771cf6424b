// Package wordpress reads and writes WordPress export files (WXR, the
// format of Tools → Export, versions 1.0 to 1.2) and turns the HTML that
// WordPress stores into HTML that Byline can keep as an article's text.
//
// It touches no database: the importer and the exporter are built on it, so
// everything here can be tested and fuzzed on its own, and a file can be
// checked (read to the end) before anything is written anywhere.
//
// Reading streams: Reader yields one record at a time (the site header,
// then authors, categories, tags, terms and items in the file's order), so a
// file of any size is read in the memory of its largest item.
package wordpress

import "time"

// Record is what Reader.Next yields: *Site, *Author, *Category, *Tag, *Term
// or *Item.
type Record interface{ record() }

// Site is the channel's header. It comes first, before any author, term or
// item, because the importer keys everything by BaseSiteURL (two sites'
// ids must not meet).
type Site struct {
	Title       string
	Link        string
	Description string
	PubDate     string // as written (RFC 1123); informational only
	Language    string
	// WXRVersion is "1.0", "1.1" or "1.2": the wxr_version element, or the
	// namespace's version for files that lack the element.
	WXRVersion  string
	BaseSiteURL string
	BaseBlogURL string
}

// Author is a wp:author (WXR 1.1 and later). WXR 1.0 files name authors only
// by login in each item's dc:creator.
type Author struct {
	ID          int64
	Login       string
	Email       string
	DisplayName string
	FirstName   string
	LastName    string
}

// Meta is one key and value of postmeta, commentmeta or termmeta. Values
// are kept as written: PHP-serialized arrays are the caller's business.
type Meta struct {
	Key   string
	Value string
}

// Category is a wp:category. Parent is the parent's slug, empty at the top:
// WordPress names parents by slug, so a category can be placed only after
// its parent has been read (WordPress writes parents first).
type Category struct {
	ID          int64 // term_id; 0 in WXR 1.0
	Slug        string
	Parent      string
	Name        string
	Description string
	Meta        []Meta
}

// Tag is a wp:tag.
type Tag struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	Meta        []Meta
}

// Term is a wp:term of any other taxonomy (nav_menu, post_format, a
// plugin's). The importer decides which ones matter.
type Term struct {
	ID          int64
	Taxonomy    string
	Slug        string
	Parent      string
	Name        string
	Description string
	Meta        []Meta
}

// ItemTerm is a category element on an item: Domain is the taxonomy
// ("category", "post_tag", "post_format", ...), Nicename its slug, Name the
// text. WXR 1.0 also wrote bare <category>Name</category> elements (no
// domain): they are kept with an empty Domain and Nicename.
type ItemTerm struct {
	Domain   string
	Nicename string
	Name     string
}

// Item is a post of any type: "post", "page", "attachment", "nav_menu_item",
// a plugin's. Every field WordPress writes is kept.
//
// Dates: WordPress stores a local time (in the site's zone at the time of
// writing) and a GMT time. PostDateGMT and PostModifiedGMT are in UTC, and
// zero when WordPress wrote "0000-00-00 00:00:00" (drafts never published).
// PostDate and PostModified are the local wall clock, in the zone given to
// the reader (ReaderOptions.Location, UTC by default), because the file does
// not say the site's zone. Use Item.Date, which takes GMT when it is set.
type Item struct {
	ID              int64
	Title           string
	Link            string
	GUID            string
	GUIDIsPermaLink bool
	PubDate         string // RSS pubDate as written; informational only
	Creator         string // author login (dc:creator)
	Description     string
	Content         string // content:encoded, HTML as WordPress stores it
	Excerpt         string // excerpt:encoded
	PostDate        time.Time
	PostDateGMT     time.Time
	PostModified    time.Time
	PostModifiedGMT time.Time
	CommentStatus   string // "open" or "closed"
	PingStatus      string
	Name            string // post_name, the slug
	Status          string // publish, future, draft, pending, private, trash, inherit, auto-draft
	Parent          int64
	MenuOrder       int
	Type            string
	Password        string
	Sticky          bool
	AttachmentURL   string
	Terms           []ItemTerm
	Meta            []Meta
	Comments        []Comment
}

// Comment is a wp:comment of an item. Approved is "1", "0", "spam" or
// "trash" (or "post-trashed", when its post was trashed); Type is "",
// "comment", "pingback", "trackback" or a plugin's. Parent is the parent
// comment's ID (0 at the top), UserID the WordPress user who wrote it (0 for
// a guest). Dates follow the rule of Item's.
type Comment struct {
	ID          int64
	Author      string
	AuthorEmail string
	AuthorURL   string
	AuthorIP    string
	Date        time.Time
	DateGMT     time.Time
	Content     string
	Approved    string
	Type        string
	Parent      int64
	UserID      int64
	Meta        []Meta
}

func (*Site) record()     {}
func (*Author) record()   {}
func (*Category) record() {}
func (*Tag) record()      {}
func (*Term) record()     {}
func (*Item) record()     {}

// Date is the moment the item was published (or last saved, for a draft):
// the GMT field when set, otherwise the local field, read in the zone the
// reader was given.
func (it *Item) Date() time.Time {
	if !it.PostDateGMT.IsZero() {
		return it.PostDateGMT
	}
	return it.PostDate
}

// Modified is the item's last change, by the same rule as Date.
func (it *Item) Modified() time.Time {
	if !it.PostModifiedGMT.IsZero() {
		return it.PostModifiedGMT
	}
	return it.PostModified
}

// Moment is when the comment was written, by the rule of Item.Date.
func (c *Comment) Moment() time.Time {
	if !c.DateGMT.IsZero() {
		return c.DateGMT
	}
	return c.Date
}

// MetaValue returns the first value of key in m, and whether there is one.
func MetaValue(m []Meta, key string) (string, bool) {
	for _, kv := range m {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// dateLayout is how WordPress writes post_date and comment_date.
const dateLayout = "2006-01-02 15:04:05"

// unsetDate is what WordPress writes for a GMT date never set.
const unsetDate = "0000-00-00 00:00:00"
