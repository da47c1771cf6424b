package leads

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ADF is a lead as an ADF 1.0 (Auto-lead Data Format) document, the XML
// dealers' CRMs have accepted since 2000: one prospect, its vehicle, the
// customer's contact, time frame and comments, the dealer (vendor) and
// this site (provider).
func ADF(l Lead, d Dealer, p Provider) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf>\n")
	b.WriteString("  <prospect status=\"new\">\n")
	el(&b, 4, "id", fmt.Sprintf(` sequence="1" source="%s"`, attr(p.Name)), strconv.FormatInt(l.ID, 10))
	el(&b, 4, "requestdate", "", l.CreatedAt.Format(time.RFC3339))
	b.WriteString("    <vehicle interest=\"buy\" status=\"new\">\n")
	el(&b, 6, "year", "", strconv.Itoa(l.Year))
	el(&b, 6, "make", "", l.MakeName)
	el(&b, 6, "model", "", l.ModelName)
	if l.Trim != "" {
		el(&b, 6, "trim", "", l.Trim)
	}
	b.WriteString("    </vehicle>\n    <customer>\n      <contact>\n")
	el(&b, 8, "name", ` part="first"`, l.FirstName)
	el(&b, 8, "name", ` part="last"`, l.LastName)
	el(&b, 8, "email", "", l.Email)
	if l.Phone != "" {
		el(&b, 8, "phone", ` type="voice"`, l.Phone)
	}
	// ADF's address needs a street line; the form asks only for the postal
	// code, so the line is empty.
	b.WriteString("        <address>\n          <street line=\"1\"></street>\n")
	el(&b, 10, "postalcode", "", l.Postal)
	el(&b, 10, "country", "", l.Country)
	b.WriteString("        </address>\n      </contact>\n")
	b.WriteString("      <timeframe>\n")
	el(&b, 8, "description", "", TimeframeLabel(l.Timeframe))
	if earliest, latest, ok := timeframeDates(l.Timeframe, l.CreatedAt); ok {
		el(&b, 8, "earliestdate", "", earliest.Format("2006-01-02"))
		el(&b, 8, "latestdate", "", latest.Format("2006-01-02"))
	}
	b.WriteString("      </timeframe>\n")
	comments := l.Comments
	if l.Consent != "" {
		comments = strings.TrimSpace(comments + "\n\nConsent: " + l.Consent)
	}
	el(&b, 6, "comments", "", comments)
	b.WriteString("    </customer>\n    <vendor>\n")
	el(&b, 6, "id", fmt.Sprintf(` source="%s"`, attr(p.Name)), strconv.FormatInt(d.ID, 10))
	el(&b, 6, "vendorname", "", d.Name)
	b.WriteString("      <contact>\n")
	el(&b, 8, "name", ` part="full" type="business"`, d.Name)
	if len(d.LeadEmails) > 0 {
		el(&b, 8, "email", "", d.LeadEmails[0])
	}
	if d.Phone != "" {
		el(&b, 8, "phone", ` type="voice"`, d.Phone)
	}
	if d.Street != "" {
		b.WriteString("        <address>\n")
		el(&b, 10, "street", ` line="1"`, d.Street)
		for _, f := range []struct{ name, v string }{{"city", d.City}, {"regioncode", d.Region}, {"postalcode", d.Postal}, {"country", d.Country}} {
			if f.v != "" {
				el(&b, 10, f.name, "", f.v)
			}
		}
		b.WriteString("        </address>\n")
	}
	b.WriteString("      </contact>\n    </vendor>\n    <provider>\n")
	el(&b, 6, "name", ` part="full" type="business"`, p.Name)
	el(&b, 6, "service", "", "Get a Free Dealer Quote")
	if p.URL != "" {
		el(&b, 6, "url", "", p.URL)
	}
	if p.Email != "" {
		el(&b, 6, "email", "", p.Email)
	}
	b.WriteString("    </provider>\n  </prospect>\n</adf>\n")
	return b.Bytes()
}

// Provider is the site, as a lead's source.
type Provider struct {
	Name, URL, Email string
}

func el(b *bytes.Buffer, indent int, name, attrs, text string) {
	b.WriteString(strings.Repeat(" ", indent) + "<" + name + attrs + ">")
	xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">\n")
}

func attr(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// --- Checking documents against ADF 1.0 ---

// node is a parsed element.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     string
}

// part is one item of a content model: an element name, how often.
type part struct {
	name     string
	min, max int // max -1: any number
}

// rule is what an element may hold, from the ADF 1.0 DTD: its children in
// order, the values its attributes may take, and whether it is text.
type rule struct {
	seq   []part
	attrs map[string][]string // nil slice: any text
	text  bool
	check func(n *node) error // a constraint the sequence cannot say
}

const many = -1

var text = rule{text: true}

// adfRules are the ADF 1.0 DTD's element declarations for what Byline
// writes and what commonly arrives (options, finance and colour
// combinations are left out: Byline never writes them).
var adfRules = map[string]rule{
	"adf":         {seq: []part{{"prospect", 1, many}}},
	"prospect":    {seq: []part{{"id", 0, many}, {"requestdate", 1, 1}, {"vehicle", 1, many}, {"customer", 1, 1}, {"vendor", 1, 1}, {"provider", 0, 1}}, attrs: map[string][]string{"status": {"new", "resend"}}},
	"requestdate": {text: true, check: isoDate},
	"vehicle": {seq: []part{{"id", 0, many}, {"year", 1, 1}, {"make", 1, 1}, {"model", 1, 1}, {"vin", 0, 1}, {"stock", 0, 1}, {"trim", 0, 1}, {"doors", 0, 1},
		{"bodystyle", 0, 1}, {"transmission", 0, 1}, {"odometer", 0, 1}, {"imagetag", 0, 1}, {"price", 0, 1}, {"pricecomments", 0, 1}, {"comments", 0, 1}},
		attrs: map[string][]string{"interest": {"buy", "lease", "sell", "trade-in", "test-drive"}, "status": {"new", "used"}}},
	"year": {text: true, check: func(n *node) error {
		if y, err := strconv.Atoi(n.text); err != nil || y < 1900 || y > 2100 {
			return fmt.Errorf("year %q is not a year", n.text)
		}
		return nil
	}},
	"make": text, "model": text, "vin": text, "stock": text, "trim": text, "doors": text, "bodystyle": text, "transmission": text,
	"odometer":      {text: true, attrs: map[string][]string{"status": {"unknown", "rolledover", "replaced", "original"}, "units": {"km", "mi"}}},
	"imagetag":      {text: true, attrs: map[string][]string{"width": nil, "height": nil, "alttext": nil}},
	"price":         {text: true, attrs: map[string][]string{"type": {"quote", "offer", "msrp", "invoice", "call", "appraisal", "asking"}, "currency": nil, "delta": {"absolute", "relative", "percentage"}, "relativeto": {"msrp", "invoice"}, "source": nil}},
	"pricecomments": text,
	"customer":      {seq: []part{{"contact", 1, 1}, {"id", 0, many}, {"timeframe", 0, 1}, {"comments", 0, 1}}},
	"timeframe":     {seq: []part{{"description", 1, 1}, {"earliestdate", 0, 1}, {"latestdate", 0, 1}}},
	"description":   text, "earliestdate": {text: true, check: isoDate}, "latestdate": {text: true, check: isoDate},
	"vendor":     {seq: []part{{"id", 0, many}, {"vendorname", 1, 1}, {"url", 0, 1}, {"contact", 1, 1}}},
	"vendorname": text,
	"provider":   {seq: []part{{"id", 0, many}, {"name", 1, 1}, {"service", 0, 1}, {"url", 0, 1}, {"email", 0, 1}, {"phone", 0, 1}, {"contact", 0, 1}}, attrs: map[string][]string{}},
	"service":    text,
	// contact is (name+, ((email | phone+) | (email, phone+)), address?):
	// names, then an e-mail, phones or both, then an address.
	"contact": {seq: []part{{"name", 1, many}, {"email", 0, 1}, {"phone", 0, many}, {"address", 0, 1}}, attrs: map[string][]string{"primarycontact": {"0", "1"}},
		check: func(n *node) error {
			for _, c := range n.children {
				if c.name == "email" || c.name == "phone" {
					return nil
				}
			}
			return fmt.Errorf("a contact needs an email or a phone")
		}},
	"name":      {text: true, attrs: map[string][]string{"part": {"surname", "first", "middle", "last", "full"}, "type": {"business", "individual"}}},
	"email":     {text: true, attrs: map[string][]string{"preferredcontact": {"0", "1"}}},
	"phone":     {text: true, attrs: map[string][]string{"type": {"voice", "fax", "cellphone", "pager"}, "time": {"morning", "afternoon", "evening", "nopreference", "day"}, "preferredcontact": {"0", "1"}}},
	"address":   {seq: []part{{"street", 1, 5}, {"apartment", 0, 1}, {"city", 0, 1}, {"regioncode", 0, 1}, {"postalcode", 0, 1}, {"country", 0, 1}}, attrs: map[string][]string{"type": {"work", "home", "delivery"}}},
	"street":    {text: true, attrs: map[string][]string{"line": nil}},
	"apartment": text, "city": text, "regioncode": text, "postalcode": text, "country": text,
	"id":       {text: true, attrs: map[string][]string{"sequence": nil, "source": nil}},
	"comments": text,
	"url":      text,
}

func isoDate(n *node) error {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02"} {
		if _, err := time.Parse(layout, n.text); err == nil {
			return nil
		}
	}
	return fmt.Errorf("<%s> %q is not an ISO 8601 date", n.name, n.text)
}

// CheckADF reports whether doc is an ADF 1.0 document by the DTD's rules:
// the <?adf version="1.0"?> instruction, known elements in their order and
// numbers, attribute values from their lists, and the constraints the
// DTD's grammar carries (a contact reaches someone; dates are ISO 8601).
func CheckADF(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []*node
	var root *node
	sawPI := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target == "adf" {
				if !strings.Contains(string(t.Inst), `version="1.0"`) {
					return fmt.Errorf("the adf instruction says %q, want version=\"1.0\"", t.Inst)
				}
				sawPI = true
			}
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return fmt.Errorf("more than one root element")
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if !sawPI {
		return fmt.Errorf(`no <?adf version="1.0"?> instruction`)
	}
	if root == nil || root.name != "adf" {
		return fmt.Errorf("the root element must be <adf>")
	}
	return checkNode(root)
}

func checkNode(n *node) error {
	r, ok := adfRules[n.name]
	if !ok {
		return fmt.Errorf("<%s> is not an ADF 1.0 element", n.name)
	}
	for k, v := range n.attrs {
		allowed, known := r.attrs[k]
		if !known {
			return fmt.Errorf("<%s> has no attribute %q in ADF 1.0", n.name, k)
		}
		if allowed != nil && !contains(allowed, v) {
			return fmt.Errorf("<%s %s=%q>: the value must be one of %s", n.name, k, v, strings.Join(allowed, ", "))
		}
	}
	if r.text {
		if len(n.children) > 0 {
			return fmt.Errorf("<%s> holds text only, not <%s>", n.name, n.children[0].name)
		}
	} else {
		if strings.TrimSpace(n.text) != "" {
			return fmt.Errorf("<%s> holds elements, not text", n.name)
		}
		i := 0
		for _, p := range r.seq {
			count := 0
			for i < len(n.children) && n.children[i].name == p.name && (p.max == many || count < p.max) {
				count++
				i++
			}
			if count < p.min {
				return fmt.Errorf("<%s> needs <%s> (at least %d) here", n.name, p.name, p.min)
			}
		}
		if i < len(n.children) {
			return fmt.Errorf("<%s> may not hold <%s> there (order or number)", n.name, n.children[i].name)
		}
	}
	if r.check != nil {
		if err := r.check(n); err != nil {
			return err
		}
	}
	for _, c := range n.children {
		if err := checkNode(c); err != nil {
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
