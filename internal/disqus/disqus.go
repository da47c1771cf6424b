// Package disqus reads a Disqus XML export, one element at a time, so an
// export of any size is read in little memory. It only reads: matching
// threads to articles and storing comments is the importer's work.
//
// An export is a <disqus> root holding, in this order, <category>
// elements, <thread> elements (the pages that had discussions: link,
// title, creation time, author) and <post> elements (the comments: their
// thread and parent by Disqus id, the message as HTML, creation time,
// whether it was deleted or marked spam, the author's name, e-mail,
// username and whether they were anonymous, and the IP address). Disqus
// ids are the dsq:id attributes (namespace http://disqus.com/disqus-internals);
// the <id> element is the site's own identifier, often empty.
package disqus

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Internals is the namespace of Disqus's own ids (dsq:id).
const Internals = "http://disqus.com/disqus-internals"

// Item is what Next returns: a *Category, a *Thread or a *Post.
type Item interface{ item() }

// Category is a forum's category of threads.
type Category struct {
	ID        string // dsq:id
	Forum     string
	Title     string
	IsDefault bool
}

// Author is who wrote a thread or a post. An anonymous author (a guest,
// in Disqus's words) has a name and often an e-mail address, no username.
type Author struct {
	Name      string
	Email     string
	Username  string
	Anonymous bool
}

// Thread is a page that had a discussion.
type Thread struct {
	ID         string // dsq:id: what posts refer to
	Ident      string // the site's identifier for the page (<id>), often empty
	Forum      string
	CategoryID string
	Link       string // the page's address
	Title      string
	Message    string
	CreatedAt  time.Time
	Author     Author
	IP         string
	Closed     bool
	Deleted    bool
}

// Post is a comment.
type Post struct {
	ID        string // dsq:id
	Ident     string // <id>, often empty
	ThreadID  string // the thread's dsq:id
	ParentID  string // the parent post's dsq:id; "" for a top-level comment
	Message   string // HTML, as Disqus kept it
	CreatedAt time.Time
	Deleted   bool
	Spam      bool
	Author    Author
	IP        string
}

func (*Category) item() {}
func (*Thread) item()   {}
func (*Post) item()     {}

// Error is a malformed export: where, and what is wrong.
type Error struct {
	Line, Column int
	Err          error
}

func (e *Error) Error() string {
	return fmt.Sprintf("disqus export: line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Reader reads an export's items in order.
type Reader struct {
	dec     *xml.Decoder
	started bool // inside <disqus>
	done    bool // </disqus> seen
}

// NewReader reads an export from r.
func NewReader(r io.Reader) *Reader {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	return &Reader{dec: dec}
}

// Next returns the next category, thread or post, or io.EOF after the
// root element is closed. Elements it does not know are skipped. A
// malformed or truncated export is an *Error naming its line and column.
func (r *Reader) Next() (Item, error) {
	for {
		tok, err := r.dec.Token()
		if errors.Is(err, io.EOF) {
			if r.done {
				return nil, io.EOF
			}
			return nil, r.fail(errors.New("the export ends before </disqus>: the file is cut short"))
		}
		if err != nil {
			return nil, r.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if r.done {
				return nil, r.fail(fmt.Errorf("<%s> after </disqus>", t.Name.Local))
			}
			if !r.started {
				if t.Name.Local != "disqus" {
					return nil, r.fail(fmt.Errorf("the root element is <%s>, not <disqus>: not a Disqus export", t.Name.Local))
				}
				r.started = true
				continue
			}
			item, err := r.element(t)
			if item != nil || err != nil {
				return item, err
			}
		case xml.EndElement:
			// Only the root's end reaches here: Skip and DecodeElement
			// consume the others'.
			r.done = true
		case xml.CharData:
			if !r.started || r.done {
				if strings.TrimSpace(string(t)) != "" {
					return nil, r.fail(errors.New("text outside the <disqus> element"))
				}
			}
		}
	}
}

// element reads one element of the root.
func (r *Reader) element(start xml.StartElement) (Item, error) {
	line, col := r.dec.InputPos()
	col = max(col, 1)
	at := func(err error) error { return &Error{Line: line, Column: col, Err: err} }
	switch start.Name.Local {
	case "category":
		var x xmlCategory
		if err := r.dec.DecodeElement(&x, &start); err != nil {
			return nil, r.fail(err)
		}
		def, err := boolean("isDefault", x.IsDefault)
		if err != nil {
			return nil, at(err)
		}
		return &Category{ID: strings.TrimSpace(x.ID), Forum: strings.TrimSpace(x.Forum), Title: strings.TrimSpace(x.Title), IsDefault: def}, nil
	case "thread":
		var x xmlThread
		if err := r.dec.DecodeElement(&x, &start); err != nil {
			return nil, r.fail(err)
		}
		t, err := x.thread()
		if err != nil {
			return nil, at(fmt.Errorf("thread %q: %w", x.ID, err))
		}
		return t, nil
	case "post":
		var x xmlPost
		if err := r.dec.DecodeElement(&x, &start); err != nil {
			return nil, r.fail(err)
		}
		p, err := x.post()
		if err != nil {
			return nil, at(fmt.Errorf("post %q: %w", x.ID, err))
		}
		return p, nil
	}
	// Something this reader does not use: skipped, and Next reads on.
	if err := r.dec.Skip(); err != nil {
		return nil, r.fail(err)
	}
	return nil, nil
}

// fail places err where reading stopped (column 1 when that is the start
// of a line). A truncated file is said so plainly: encoding/xml calls it
// an unexpected EOF.
func (r *Reader) fail(err error) error {
	line, col := r.dec.InputPos()
	col = max(col, 1)
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		// Its message without its own "on line N": the place is Error's.
		err = errors.New(syn.Msg)
		if strings.HasPrefix(syn.Msg, "unexpected EOF") {
			err = fmt.Errorf("the export ends in the middle of an element (%s): the file is cut short", syn.Msg)
		}
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the export ends in the middle of an element: the file is cut short")
	}
	return &Error{Line: line, Column: col, Err: err}
}

// The elements as encoding/xml reads them; dsq:id is matched by namespace,
// the others by name whatever their namespace.
type xmlRef struct {
	ID string `xml:"http://disqus.com/disqus-internals id,attr"`
}

type xmlAuthor struct {
	Name        string `xml:"name"`
	Email       string `xml:"email"`
	Username    string `xml:"username"`
	IsAnonymous string `xml:"isAnonymous"`
}

type xmlCategory struct {
	ID        string `xml:"http://disqus.com/disqus-internals id,attr"`
	Forum     string `xml:"forum"`
	Title     string `xml:"title"`
	IsDefault string `xml:"isDefault"`
}

type xmlThread struct {
	ID        string    `xml:"http://disqus.com/disqus-internals id,attr"`
	Ident     string    `xml:"id"`
	Forum     string    `xml:"forum"`
	Category  xmlRef    `xml:"category"`
	Link      string    `xml:"link"`
	Title     string    `xml:"title"`
	Message   string    `xml:"message"`
	CreatedAt string    `xml:"createdAt"`
	Author    xmlAuthor `xml:"author"`
	IP        string    `xml:"ipAddress"`
	IsClosed  string    `xml:"isClosed"`
	IsDeleted string    `xml:"isDeleted"`
}

type xmlPost struct {
	ID        string    `xml:"http://disqus.com/disqus-internals id,attr"`
	Ident     string    `xml:"id"`
	Message   string    `xml:"message"`
	CreatedAt string    `xml:"createdAt"`
	IsDeleted string    `xml:"isDeleted"`
	IsSpam    string    `xml:"isSpam"`
	Author    xmlAuthor `xml:"author"`
	IP        string    `xml:"ipAddress"`
	Thread    xmlRef    `xml:"thread"`
	Parent    xmlRef    `xml:"parent"`
}

func (x xmlAuthor) author() (Author, error) {
	anon, err := boolean("isAnonymous", x.IsAnonymous)
	return Author{Name: strings.TrimSpace(x.Name), Email: strings.TrimSpace(x.Email), Username: strings.TrimSpace(x.Username), Anonymous: anon}, err
}

func (x xmlThread) thread() (*Thread, error) {
	t := &Thread{ID: strings.TrimSpace(x.ID), Ident: strings.TrimSpace(x.Ident), Forum: strings.TrimSpace(x.Forum), CategoryID: strings.TrimSpace(x.Category.ID),
		Link: strings.TrimSpace(x.Link), Title: strings.TrimSpace(x.Title), Message: x.Message, IP: strings.TrimSpace(x.IP)}
	if t.ID == "" {
		return nil, errors.New("no dsq:id")
	}
	var err error
	if t.CreatedAt, err = date(x.CreatedAt); err != nil {
		return nil, err
	}
	if t.Author, err = x.Author.author(); err != nil {
		return nil, err
	}
	if t.Closed, err = boolean("isClosed", x.IsClosed); err != nil {
		return nil, err
	}
	if t.Deleted, err = boolean("isDeleted", x.IsDeleted); err != nil {
		return nil, err
	}
	return t, nil
}

func (x xmlPost) post() (*Post, error) {
	p := &Post{ID: strings.TrimSpace(x.ID), Ident: strings.TrimSpace(x.Ident), ThreadID: strings.TrimSpace(x.Thread.ID), ParentID: strings.TrimSpace(x.Parent.ID),
		Message: strings.TrimSpace(x.Message), IP: strings.TrimSpace(x.IP)}
	switch {
	case p.ID == "":
		return nil, errors.New("no dsq:id")
	case p.ThreadID == "":
		return nil, errors.New("no thread (<thread dsq:id=...>)")
	case p.ParentID == p.ID:
		return nil, errors.New("the post is its own parent")
	}
	var err error
	if p.CreatedAt, err = date(x.CreatedAt); err != nil {
		return nil, err
	}
	if p.Author, err = x.Author.author(); err != nil {
		return nil, err
	}
	if p.Deleted, err = boolean("isDeleted", x.IsDeleted); err != nil {
		return nil, err
	}
	if p.Spam, err = boolean("isSpam", x.IsSpam); err != nil {
		return nil, err
	}
	return p, nil
}

// date reads a creation time: ISO 8601, in UTC when it names no zone (as
// Disqus writes them).
func date(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("no createdAt")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("createdAt %q is not a date and time", s)
	}
	return t, nil
}

// boolean reads true or false; an absent element is false.
func boolean(name, s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%s is %q, not true or false", name, s)
}

// ParentsFirst orders posts so that each comes after its parent: every
// top-level post in the export's order, each followed by its replies
// (depth first, siblings in the export's order), so an importer can store
// a reply under a parent already stored. Posts whose parent is not among
// them come after, with their replies, and posts whose parents loop last,
// for the importer to decide.
func ParentsFirst(posts []Post) []Post {
	byID := make(map[string]int, len(posts))
	for i, p := range posts {
		byID[p.ID] = i
	}
	children := map[string][]int{}
	var roots, orphans []int
	for i, p := range posts {
		switch _, known := byID[p.ParentID]; {
		case p.ParentID == "":
			roots = append(roots, i)
		case known:
			children[p.ParentID] = append(children[p.ParentID], i)
		default:
			orphans = append(orphans, i)
		}
	}
	out := make([]Post, 0, len(posts))
	placed := make([]bool, len(posts))
	// Depth first with a stack, so a deep thread costs no recursion.
	walk := func(start int) {
		stack := []int{start}
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if placed[i] {
				continue
			}
			placed[i] = true
			out = append(out, posts[i])
			kids := children[posts[i].ID]
			for k := len(kids) - 1; k >= 0; k-- {
				stack = append(stack, kids[k])
			}
		}
	}
	for _, i := range roots {
		walk(i)
	}
	for _, i := range orphans {
		walk(i)
	}
	for i := range posts {
		if !placed[i] {
			out = append(out, posts[i]) // a loop of parents
			placed[i] = true
		}
	}
	return out
}
