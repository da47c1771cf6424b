package wordpress

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GenerateOptions size a generated site.
type GenerateOptions struct {
	Articles           int    // posts; pages (one per 50 posts) and attachments (one per 4) come on top
	CommentsPerArticle int    // every post gets exactly this many comments
	Seed               uint64 // the same seed gives the same file, byte for byte
	BaseURL            string // default https://magazine.example
}

// Generate writes a WXR 1.2 file of a made-up magazine, for benchmarks and
// for tests that need size: a file of 100,000 articles and 1,000,000
// comments is a few gigabytes, so it is written item by item and never
// held. It has what a real export has: authors, nested categories, tags,
// posts in both editors' HTML (captions, galleries, embeds, code), every
// post status, password-protected and sticky posts, pages, attachments
// with featured images, and comments nested up to 10 deep by guests and
// members in every status, with pingbacks and trackbacks.
func Generate(w io.Writer, opts GenerateOptions) error {
	g := &generator{
		rnd:  rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		base: strings.TrimSuffix(opts.BaseURL, "/"),
		w:    NewWriter(w),
		opts: opts,
	}
	if g.base == "" {
		g.base = "https://magazine.example"
	}
	return g.run()
}

type generator struct {
	rnd    *rand.Rand
	base   string
	w      *Writer
	opts   GenerateOptions
	nextID int64 // post ids
	nextC  int64 // comment ids
}

const (
	genAuthors    = 20
	genCategories = 12
	genTags       = 60
)

var genStart = time.Date(2010, 1, 4, 8, 0, 0, 0, time.UTC)

var genWords = strings.Fields(`the car road test engine mileage electric hybrid battery charge range
	torque power brake steering comfort cabin seat boot price dealer warranty review verdict drive motorway
	city fuel economy emissions safety rating family estate coupé convertible suv saloon hatchback
	gearbox manual automatic diesel petrol tyre grip handling ride noise quiet fast slow good better best
	über naïve café façade déjà smörgåsbord 日本 自動車 электромобиль`)

func (g *generator) words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = genWords[g.rnd.IntN(len(genWords))]
	}
	return strings.Join(ws, " ")
}

func (g *generator) sentence() string {
	s := g.words(6 + g.rnd.IntN(12))
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:] + "."
}

func (g *generator) paragraph() string {
	n := 2 + g.rnd.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence()
	}
	return strings.Join(s, " ")
}

func (g *generator) run() error {
	w := g.w
	err := w.Site(&Site{
		Title: "The Generated Motor Magazine", Link: g.base, Description: "Road tests & news",
		PubDate: genStart.Format(time.RFC1123Z), Language: "en-GB",
		BaseSiteURL: g.base, BaseBlogURL: g.base,
	})
	if err != nil {
		return err
	}
	for i := 1; i <= genAuthors; i++ {
		if err := w.Author(g.author(i)); err != nil {
			return err
		}
	}
	for i := 1; i <= genCategories; i++ {
		c := &Category{ID: int64(i), Slug: fmt.Sprintf("section-%d", i), Name: fmt.Sprintf("Section %d", i),
			Description: g.sentence()}
		if i > 4 {
			c.Parent = fmt.Sprintf("section-%d", (i-1)%4+1) // written after its parent
		}
		if err := w.Category(c); err != nil {
			return err
		}
	}
	for i := 1; i <= genTags; i++ {
		if err := w.Tag(&Tag{ID: int64(100 + i), Slug: fmt.Sprintf("tag-%d", i), Name: fmt.Sprintf("Tag %d", i)}); err != nil {
			return err
		}
	}
	g.nextID = 1000
	for i := 0; i < g.opts.Articles; i++ {
		if err := g.article(i); err != nil {
			return err
		}
		if i%50 == 0 {
			if err := g.page(i); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

func (g *generator) author(i int) *Author {
	return &Author{ID: int64(i), Login: fmt.Sprintf("writer%d", i), Email: fmt.Sprintf("writer%d@magazine.example", i),
		DisplayName: fmt.Sprintf("Writer Nümber %d", i), FirstName: "Writer", LastName: fmt.Sprintf("Nümber %d", i)}
}

// statuses of posts, with their share in a hundred.
var genStatuses = []struct {
	status string
	share  int
}{{"publish", 84}, {"draft", 5}, {"future", 3}, {"pending", 3}, {"private", 2}, {"trash", 1}, {"publish-password", 2}}

func (g *generator) status() (status, password string) {
	n := g.rnd.IntN(100)
	for _, s := range genStatuses {
		if n < s.share {
			if s.status == "publish-password" {
				return "publish", "secret"
			}
			return s.status, ""
		}
		n -= s.share
	}
	return "publish", ""
}

func (g *generator) article(i int) error {
	g.nextID++
	id := g.nextID
	date := genStart.Add(time.Duration(i) * 97 * time.Minute)
	status, password := g.status()
	slug := fmt.Sprintf("article-%d", i+1)
	it := &Item{
		ID: id, Title: fmt.Sprintf("Article %d: %s", i+1, g.words(4)),
		Link: fmt.Sprintf("%s/%d/%02d/%s/", g.base, date.Year(), date.Month(), slug),
		GUID: fmt.Sprintf("%s/?p=%d", g.base, id), PubDate: date.Format(time.RFC1123Z),
		Creator: fmt.Sprintf("writer%d", 1+g.rnd.IntN(genAuthors)),
		Excerpt: g.sentence(), PostDate: date, PostDateGMT: date,
		PostModified: date.Add(time.Hour), PostModifiedGMT: date.Add(time.Hour),
		CommentStatus: "open", PingStatus: "open", Name: slug, Status: status, Type: "post",
		Password: password, Sticky: i%500 == 0,
	}
	if status == "draft" || status == "pending" {
		it.PostDateGMT = time.Time{} // never published: WordPress leaves GMT unset
	}
	if g.rnd.IntN(10) == 0 {
		it.CommentStatus = "closed"
	}
	cat := 1 + g.rnd.IntN(genCategories)
	it.Terms = append(it.Terms, ItemTerm{Domain: "category", Nicename: fmt.Sprintf("section-%d", cat), Name: fmt.Sprintf("Section %d", cat)})
	for range g.rnd.IntN(4) {
		tag := 1 + g.rnd.IntN(genTags)
		it.Terms = append(it.Terms, ItemTerm{Domain: "post_tag", Nicename: fmt.Sprintf("tag-%d", tag), Name: fmt.Sprintf("Tag %d", tag)})
	}
	var att *Item
	if i%4 == 0 {
		g.nextID++
		file := fmt.Sprintf("%d/%02d/photo-%d.jpg", date.Year(), date.Month(), i+1)
		att = &Item{
			ID: g.nextID, Title: fmt.Sprintf("photo-%d", i+1), Link: it.Link + fmt.Sprintf("photo-%d/", i+1),
			GUID: g.base + "/wp-content/uploads/" + file, PubDate: it.PubDate, Creator: it.Creator,
			Excerpt: "A photograph", PostDate: date, PostDateGMT: date, CommentStatus: "closed", PingStatus: "closed",
			Name: fmt.Sprintf("photo-%d", i+1), Status: "inherit", Parent: id, Type: "attachment",
			AttachmentURL: g.base + "/wp-content/uploads/" + file,
			Meta:          []Meta{{Key: "_wp_attached_file", Value: file}, {Key: "_wp_attachment_image_alt", Value: "A car on a road"}},
		}
		it.Meta = append(it.Meta, Meta{Key: "_thumbnail_id", Value: fmt.Sprint(att.ID)})
	}
	it.Content = g.content(i, att)
	it.Comments = g.comments(date, status == "publish" || status == "private")
	if att != nil {
		if err := g.w.Item(att); err != nil {
			return err
		}
	}
	return g.w.Item(it)
}

// content is the body of an article, in the block editor's HTML for even
// articles and the classic editor's for odd ones.
func (g *generator) content(i int, att *Item) string {
	var b strings.Builder
	n := 3 + g.rnd.IntN(6)
	if i%2 == 0 {
		for p := range n {
			fmt.Fprintf(&b, "<!-- wp:paragraph -->\n<p>%s</p>\n<!-- /wp:paragraph -->\n\n", g.paragraph())
			if p == 1 && att != nil {
				fmt.Fprintf(&b, "<!-- wp:image {\"id\":%d} -->\n<figure class=\"wp-block-image\"><img src=\"%s\" alt=\"\" class=\"wp-image-%d\"/><figcaption>%s</figcaption></figure>\n<!-- /wp:image -->\n\n",
					att.ID, att.AttachmentURL, att.ID, g.words(5))
			}
			if p == 2 && i%6 == 0 {
				b.WriteString("<!-- wp:heading -->\n<h2 class=\"wp-block-heading\">Verdict</h2>\n<!-- /wp:heading -->\n\n")
				b.WriteString("<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>Good</li>\n<!-- /wp:list-item --><!-- wp:list-item -->\n<li>Bad</li>\n<!-- /wp:list-item --></ul>\n<!-- /wp:list -->\n\n")
			}
		}
		return b.String()
	}
	for p := range n {
		b.WriteString(g.paragraph())
		if p == 0 {
			b.WriteString("\n" + g.sentence()) // a single line break: <br>
		}
		b.WriteString("\n\n")
		if p == 1 && att != nil {
			fmt.Fprintf(&b, "[caption id=\"attachment_%d\" align=\"aligncenter\" width=\"640\"]<img class=\"wp-image-%d\" src=\"%s\" alt=\"\" width=\"640\" height=\"427\" /> %s[/caption]\n\n",
				att.ID, att.ID, att.AttachmentURL, g.words(5))
		}
		if p == 2 && i%10 == 1 {
			fmt.Fprintf(&b, "https://www.youtube.com/watch?v=gen%d\n\n", i)
		}
		if p == 2 && i%10 == 3 {
			b.WriteString("<pre>for (;;) {\n\n\tdrive();\n}</pre>\n\n")
		}
	}
	return b.String()
}

// comments makes n comments: about half replies, each to an earlier
// comment less than 10 deep (the first reply chain of each article goes
// all the way down), one in five by a member, in every status.
func (g *generator) comments(date time.Time, public bool) []Comment {
	n := g.opts.CommentsPerArticle
	if n == 0 {
		return nil
	}
	cs := make([]Comment, 0, n)
	depth := make([]int, 0, n)
	for k := range n {
		g.nextC++
		at := date.Add(time.Duration(k+1) * 13 * time.Minute)
		c := Comment{ID: g.nextC, Date: at, DateGMT: at, Approved: "1", Type: "comment"}
		d := 1
		switch {
		case k > 0 && k < 10:
			c.Parent, d = cs[k-1].ID, depth[k-1]+1 // the deep chain
		case k >= 10 && g.rnd.IntN(2) == 0:
			p := g.rnd.IntN(k)
			if depth[p] < 10 {
				c.Parent, d = cs[p].ID, depth[p]+1
			}
		}
		if g.rnd.IntN(5) == 0 {
			a := g.author(1 + g.rnd.IntN(genAuthors))
			c.UserID, c.Author, c.AuthorEmail = a.ID, a.DisplayName, a.Email
			c.AuthorIP = "192.0.2.1"
		} else {
			c.Author = fmt.Sprintf("Reader %d", g.rnd.IntN(100000))
			c.AuthorEmail = fmt.Sprintf("reader%d@mail.example", g.rnd.IntN(100000))
			c.AuthorIP = fmt.Sprintf("198.51.100.%d", g.rnd.IntN(255))
			if g.rnd.IntN(3) == 0 {
				c.AuthorURL = fmt.Sprintf("https://reader%d.example/", g.rnd.IntN(1000))
			}
		}
		switch r := g.rnd.IntN(100); {
		case !public:
			c.Approved = "0"
		case r < 6:
			c.Approved = "0"
		case r < 12:
			c.Approved = "spam"
		case r < 14:
			c.Approved = "trash"
		case r < 15 && c.Parent == 0:
			c.Type, c.Author, c.AuthorEmail, c.UserID = "pingback", "Another Blog", "", 0
			c.AuthorURL = fmt.Sprintf("https://blog.example/%d/", c.ID)
		case r < 16 && c.Parent == 0:
			c.Type, c.Author, c.AuthorEmail, c.UserID = "trackback", "A Trackback", "", 0
			c.AuthorURL = fmt.Sprintf("https://track.example/%d/", c.ID)
		}
		if c.Approved == "0" && g.rnd.IntN(2) == 0 {
			c.DateGMT = time.Time{}
		}
		c.Content = g.paragraph()
		if g.rnd.IntN(4) == 0 {
			c.Content += "\n\n" + g.sentence()
		}
		cs = append(cs, c)
		depth = append(depth, d)
	}
	return cs
}

func (g *generator) page(i int) error {
	g.nextID++
	date := genStart.Add(time.Duration(i) * 97 * time.Minute)
	slug := fmt.Sprintf("page-%d", i/50+1)
	return g.w.Item(&Item{
		ID: g.nextID, Title: fmt.Sprintf("Page %d", i/50+1), Link: g.base + "/" + slug + "/",
		GUID: fmt.Sprintf("%s/?page_id=%d", g.base, g.nextID), PubDate: date.Format(time.RFC1123Z),
		Creator: "writer1", Content: g.paragraph() + "\n\n" + g.paragraph(),
		PostDate: date, PostDateGMT: date, CommentStatus: "closed", PingStatus: "closed",
		Name: slug, Status: "publish", Type: "page", MenuOrder: i / 50,
	})
}
