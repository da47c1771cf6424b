// Package leads is "Get a Free Dealer Quote": car buyers' quote requests,
// the dealers who receive them, the routing between the two (up to three
// dealers that sell the make and cover the buyer's postal code, in turn,
// within their daily caps), and the delivery of each request to each
// dealer as an ADF 1.0 document through the mail outbox. No request is
// dropped: one no dealer covers is kept as unrouted.
package leads

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/cars"
	"byline/internal/csvcell"
	"byline/internal/db"
	bmail "byline/internal/mail"
)

// Lead statuses.
const (
	Routed    = "routed"    // sent to at least one dealer
	Unrouted  = "unrouted"  // no dealer covers it: kept for the site to place by hand
	Duplicate = "duplicate" // the same person asked for the same model lately: not sent again
)

// Timeframes are the purchase time frames a buyer may choose.
var Timeframes = []struct{ Value, Label string }{
	{"now", "Within a week"},
	{"month", "Within a month"},
	{"quarter", "Within 3 months"},
	{"later", "Later than 3 months"},
	{"research", "Just researching"},
}

// TimeframeLabel is a time frame in words.
func TimeframeLabel(v string) string {
	for _, t := range Timeframes {
		if t.Value == v {
			return t.Label
		}
	}
	return v
}

func timeframeDates(v string, from time.Time) (time.Time, time.Time, bool) {
	days := map[string]int{"now": 7, "month": 31, "quarter": 92}[v]
	if days == 0 {
		return time.Time{}, time.Time{}, false
	}
	return from, from.AddDate(0, 0, days), true
}

// ConsentText is what a buyer agrees to; each lead keeps it with the time.
const ConsentText = "I agree to be contacted about this request by up to three dealers, by e-mail or phone."

// duplicateWindow is how long a request for the same model from the same
// person counts as already sent.
const duplicateWindow = 30 * 24 * time.Hour

// maxDealers is how many dealers one request goes to.
const maxDealers = 3

// Lead is one quote request.
type Lead struct {
	ID                  int64
	CreatedAt           time.Time
	MakeID, ModelID     int64
	MakeName, ModelName string
	Trim                string
	Year                int
	Postal, Country     string
	FirstName, LastName string
	Email, Phone        string
	Timeframe, Comments string
	Consent, IP, Status string
	ThanksToken         string
	HeldReason          string // why no dealer was sent it, as the shopper was told
	Deliveries          []Delivery
}

// Delivery is one lead's way to one dealer.
type Delivery struct {
	DealerID   int64
	DealerName string
	MessageIDs []string
	Duplicate  bool   // already sent to this dealer lately: not sent again
	ADF        []byte // the document as sent (none for a duplicate)
	Status     string // the mail's: pending, sent, failed, held (worst of its addresses)
	LastError  string
	CreatedAt  time.Time
}

// Outbox is where deliveries go.
type Outbox interface {
	EnqueueID(ctx context.Context, q db.Querier, m bmail.Message) (string, error)
}

// Store keeps dealers and leads.
type Store struct {
	db     *db.DB
	cars   *cars.Store
	outbox Outbox
	now    func() time.Time
	loc    *time.Location // daily caps count days here
}

// NewStore returns a Store on d.
func NewStore(d *db.DB, catalogue *cars.Store, outbox Outbox, loc *time.Location) *Store {
	if loc == nil {
		loc = time.UTC
	}
	return &Store{db: d, cars: catalogue, outbox: outbox, now: time.Now, loc: loc}
}

// SetClock makes the store read the time from now (tests, and the demo's
// past requests).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Request is what a buyer fills in.
type Request struct {
	MakeID, ModelID     int64
	Year                int
	Trim                string
	Postal              string
	FirstName, LastName string
	Email, Phone        string
	Timeframe, Comments string
	Consent             bool
	IP                  string
}

var (
	usZIP      = regexp.MustCompile(`^(\d{5})(?:-?\d{4})?$`)
	caPostal   = regexp.MustCompile(`^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$`)
	phoneChars = regexp.MustCompile(`^[0-9+().\- ]+$`)
)

// NormalizePostal reads a US ZIP code (12345 or 12345-6789) or a Canadian
// postal code (A1A 1A1) and returns it in one form, with its country.
func NormalizePostal(s string) (code, country string, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if m := usZIP.FindStringSubmatch(s); m != nil {
		return m[1], "US", true
	}
	if m := caPostal.FindStringSubmatch(s); m != nil {
		return m[1] + " " + m[2], "CA", true
	}
	return "", "", false
}

// validate checks a request against the catalogue and returns the lead it
// makes, or an *apperr.Invalid naming each wrong field.
func (s *Store) validate(ctx context.Context, r Request) (Lead, error) {
	v := apperr.NewInvalid()
	cat, err := s.cars.Catalogue(ctx)
	if err != nil {
		return Lead{}, err
	}
	l := Lead{MakeID: r.MakeID, ModelID: r.ModelID, Year: r.Year, Timeframe: r.Timeframe, IP: r.IP}
	checkVehicle(cat, r, &l, v)
	var okPostal bool
	if l.Postal, l.Country, okPostal = NormalizePostal(r.Postal); !okPostal {
		v.Add("postal", "enter a US ZIP code (12345) or a Canadian postal code (A1A 1A1)")
	}
	checkContact(r, &l, v)
	if TimeframeLabel(r.Timeframe) == r.Timeframe {
		v.Add("timeframe", "choose when you plan to buy")
	}
	l.Comments = strings.TrimSpace(r.Comments)
	if utf8.RuneCountInString(l.Comments) > 2000 {
		v.Add("comments", "comments can be at most 2,000 characters")
	}
	if !r.Consent {
		v.Add("consent", "tick the box to let dealers contact you; without it we cannot send your request")
	}
	return l, v.Err()
}

// checkVehicle checks the make, model, year and trim against the catalogue
// and names them in the lead.
func checkVehicle(cat *cars.Catalogue, r Request, l *Lead, v *apperr.Invalid) {
	m, ok := cat.Model(r.ModelID)
	switch {
	case r.MakeID == 0:
		v.Add("make", "choose a make")
	case !ok:
		v.Add("model", "choose a model from the list")
	case m.MakeID != r.MakeID:
		v.Add("model", "that model is not one of "+makeName(cat, r.MakeID)+"'s: choose again")
	default:
		l.MakeName, l.ModelName = m.Make.Name, m.Name
		if r.Year < m.YearFrom || r.Year > m.YearTo {
			v.Add("year", fmt.Sprintf("the %s is offered for %d to %d", m.FullName(), m.YearFrom, m.YearTo))
		}
		if r.Trim != "" {
			for _, t := range m.Trims {
				if t == r.Trim {
					l.Trim = t
				}
			}
			if l.Trim == "" {
				v.Add("trim", "choose a trim from the list")
			}
		}
	}
}

// checkContact checks and tidies the shopper's name, address and phone
// (kept as its digits).
func checkContact(r Request, l *Lead, v *apperr.Invalid) {
	l.FirstName, l.LastName = strings.Join(strings.Fields(r.FirstName), " "), strings.Join(strings.Fields(r.LastName), " ")
	for _, f := range []struct{ field, val, what string }{{"first_name", l.FirstName, "first name"}, {"last_name", l.LastName, "last name"}} {
		if n := utf8.RuneCountInString(f.val); n == 0 || n > 60 {
			v.Add(f.field, "enter your "+f.what+" (at most 60 characters)")
		}
	}
	var okEmail bool
	if l.Email, okEmail = bmail.CleanAddress(r.Email); !okEmail {
		v.Add("email", bmail.AddressProblem(l.Email))
	}
	if p := strings.TrimSpace(r.Phone); p != "" {
		digits := strings.Map(func(c rune) rune {
			if c >= '0' && c <= '9' {
				return c
			}
			return -1
		}, p)
		if !phoneChars.MatchString(p) || len(digits) < 10 || len(digits) > 15 {
			v.Add("phone", "enter a phone number with its area code, or leave it empty")
		} else {
			l.Phone = digits
		}
	}
}

func makeName(cat *cars.Catalogue, id int64) string {
	for _, m := range cat.Makes {
		if m.ID == id {
			return m.Name
		}
	}
	return "that make"
}

// Submit records a request and routes it: to up to three active dealers
// that sell the make and cover the postal code, least recently sent
// first and within their daily caps, each receiving an ADF document by
// mail. Dealers that had the same request from the same person lately are
// recorded but not sent it again. The shopper is mailed what became of
// the request (which dealers have it, or that it is kept and why) in the
// same transaction. It returns the lead with its deliveries.
func (s *Store) Submit(ctx context.Context, r Request, p Provider) (Lead, error) {
	l, err := s.validate(ctx, r)
	if err != nil {
		return Lead{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		l, err = s.route(ctx, tx, l, p, s.now())
		return err
	})
	if err != nil {
		return Lead{}, fmt.Errorf("leads: submit: %w", err)
	}
	return l, nil
}

// Past is a request made at a time gone by (the demo's history).
type Past struct {
	Request
	At time.Time
}

// SubmitPast records and routes requests made in the past, in their order
// and as Submit would have at their times, in one transaction (loading
// many costs one commit).
func (s *Store) SubmitPast(ctx context.Context, reqs []Past, p Provider) error {
	ls := make([]Lead, len(reqs))
	for i, r := range reqs {
		l, err := s.validate(ctx, r.Request)
		if err != nil {
			return fmt.Errorf("leads: past request %d: %w", i+1, err)
		}
		ls[i] = l
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, l := range ls {
			if _, err := s.route(ctx, tx, l, p, reqs[i].At); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("leads: past requests: %w", err)
	}
	return nil
}

// route stores a validated lead made at now, sends it to its dealers and
// mails its shopper, inside tx.
func (s *Store) route(ctx context.Context, tx *db.Tx, l Lead, p Provider, now time.Time) (Lead, error) {
	l.CreatedAt = now
	l.Consent = ConsentText + " (agreed " + now.UTC().Format(time.RFC3339) + ")"
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program first)
	l.ThanksToken = hex.EncodeToString(b)
	err := func() error {
		already, err := s.recentDealers(ctx, tx, l, now)
		if err != nil {
			return err
		}
		pick, covering, err := s.eligible(ctx, tx, l, now)
		if err != nil {
			return err
		}
		chosen := choose(pick, already)
		l.Status = statusFor(chosen, already)
		if l.Status == Unrouted {
			l.HeldReason = heldReason(l, covering)
		}
		if l.ID, err = insertLead(ctx, tx, l); err != nil {
			return err
		}
		for i, d := range chosen {
			dl, err := s.deliver(ctx, tx, l, d, already[d.ID], p, now, i)
			if err != nil {
				return err
			}
			l.Deliveries = append(l.Deliveries, dl)
		}
		dealers := make(map[int64]Dealer, len(chosen))
		for _, d := range chosen {
			dealers[d.ID] = d
		}
		_, err = s.outbox.EnqueueID(ctx, tx, confirmationMail(answer(l, dealers), p))
		return err
	}()
	return l, err
}

// choose picks up to maxDealers of the eligible dealers: those who have
// the request already count first (they will call anyway), then fresh
// dealers in turn.
func choose(pick []Dealer, already map[int64]bool) []Dealer {
	var chosen []Dealer
	for _, d := range pick {
		if already[d.ID] && len(chosen) < maxDealers {
			chosen = append(chosen, d)
		}
	}
	for _, d := range pick {
		if !already[d.ID] && len(chosen) < maxDealers {
			chosen = append(chosen, d)
		}
	}
	return chosen
}

// statusFor is a lead's status once sent to chosen: routed if a dealer
// gets it fresh, a duplicate if all had it already, else unrouted.
func statusFor(chosen []Dealer, already map[int64]bool) string {
	status := Unrouted
	for _, d := range chosen {
		if !already[d.ID] {
			status = Routed
		} else if status == Unrouted {
			status = Duplicate
		}
	}
	return status
}

// insertLead stores a routed lead and returns its id.
func insertLead(ctx context.Context, tx *db.Tx, l Lead) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO leads (created_at, make_id, model_id, year, postal, country, first_name, last_name, email, phone,
		timeframe, comments, consent, ip, status, thanks_token, held_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		l.CreatedAt, l.MakeID, l.ModelID, l.Year, l.Postal, l.Country, l.FirstName, l.LastName, l.Email, l.Phone, l.Timeframe,
		commentsWithTrim(l), l.Consent, l.IP, l.Status, l.ThanksToken, l.HeldReason).Scan(&id)
	return id, err
}

// deliver records the lead's delivery to dealer d, the turn-th chosen. A
// dealer who had it already is recorded only; any other is mailed the ADF
// document and moves to the back of the queue.
func (s *Store) deliver(ctx context.Context, tx *db.Tx, l Lead, d Dealer, duplicate bool, p Provider, now time.Time, turn int) (Delivery, error) {
	dl := Delivery{DealerID: d.ID, DealerName: d.Name, Duplicate: duplicate, CreatedAt: now}
	var doc []byte
	if !dl.Duplicate {
		doc = ADF(l, d, p)
		if err := CheckADF(doc); err != nil { // never send a dealer a document its CRM may refuse
			return dl, fmt.Errorf("lead %d for dealer %d: %w", l.ID, d.ID, err)
		}
		for _, m := range deliveryMails(l, d, p, doc) {
			id, err := s.outbox.EnqueueID(ctx, tx, m)
			if err != nil {
				return dl, err
			}
			dl.MessageIDs = append(dl.MessageIDs, id)
		}
		// Turns: a microsecond apart, so dealers chosen together
		// keep their order and equals take turns.
		if _, err := tx.Exec(ctx, `UPDATE dealers SET last_lead_at = $2 WHERE id = $1`, d.ID, now.Add(time.Duration(turn)*time.Microsecond)); err != nil {
			return dl, err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO lead_deliveries (lead_id, dealer_id, message_id, duplicate, created_at, adf) VALUES ($1, $2, $3, $4, $5, $6)`,
		l.ID, d.ID, strings.Join(dl.MessageIDs, " "), dl.Duplicate, now, string(doc))
	return dl, err
}

// commentsWithTrim keeps the chosen trim with the comments, where the
// lead's record shows it.
func commentsWithTrim(l Lead) string {
	if l.Trim == "" {
		return l.Comments
	}
	return strings.TrimSpace("Trim: " + l.Trim + "\n" + l.Comments)
}

// deliveryMails are the mails that carry a lead to a dealer: one per lead
// address, the ADF document as the body or, if the dealer's CRM wants it
// so, attached.
func deliveryMails(l Lead, d Dealer, p Provider, doc []byte) []bmail.Message {
	subject := fmt.Sprintf("New lead %d: %d %s %s, %s %s (%s)", l.ID, l.Year, l.MakeName, l.ModelName, l.FirstName, l.LastName, l.Postal)
	var out []bmail.Message
	for _, to := range d.LeadEmails {
		m := bmail.Message{To: to, Subject: subject, Text: string(doc)}
		if d.ADFAttachment {
			m.Text = fmt.Sprintf("A quote request from %s: %d %s %s, for %s %s at %s.\nThe lead is attached as ADF XML (lead-%d.xml).\n",
				p.Name, l.Year, l.MakeName, l.ModelName, l.FirstName, l.LastName, l.Postal, l.ID)
			m.Attachments = []bmail.Attachment{{Name: fmt.Sprintf("lead-%d.xml", l.ID), ContentType: "application/x-adf+xml", Data: doc}}
		}
		out = append(out, m)
	}
	return out
}

// recentDealers are the dealers the same person's request for the same
// model went to within the duplicate window.
func (s *Store) recentDealers(ctx context.Context, tx *db.Tx, l Lead, now time.Time) (map[int64]bool, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT d.dealer_id FROM lead_deliveries d JOIN leads l ON l.id = d.lead_id
		WHERE l.model_id = $1 AND (l.email = $2 OR (l.phone <> '' AND l.phone = $3)) AND l.created_at > $4 AND d.duplicate = $5`,
		l.ModelID, l.Email, l.Phone, now.Add(-duplicateWindow), false)
	if err != nil {
		return nil, err
	}
	ids, err := db.Collect(rows, db.Value[int64])
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// lockDealers makes two requests routed at once on PostgreSQL take turns
// over the same dealers, so caps and turns hold; SQLite has one writer.
var lockDealers = map[db.Engine]string{db.SQLite: "", db.Postgres: " FOR UPDATE OF d"}

// heldReason says why a request went to no dealer: none covers it, or
// those who do have had their day's share.
func heldReason(l Lead, covering int) string {
	if covering == 0 {
		return fmt.Sprintf("no dealer in our network sells %s near %s yet", l.MakeName, l.Postal)
	}
	return fmt.Sprintf("the dealers who sell %s near %s have taken all the requests they can today", l.MakeName, l.Postal)
}

// eligible lists the active dealers that sell the lead's make, cover its
// postal code and are under their cap today, least recently sent first,
// and how many cover it, capped or not.
func (s *Store) eligible(ctx context.Context, tx *db.Tx, l Lead, now time.Time) ([]Dealer, int, error) {
	rows, err := tx.Query(ctx, `SELECT `+dealerCols+` FROM dealers d JOIN dealer_makes dm ON dm.dealer_id = d.id
		WHERE dm.make_id = $1 AND d.active = $2 ORDER BY d.last_lead_at IS NOT NULL, d.last_lead_at, d.id`+lockDealers[s.db.Engine], l.MakeID, true)
	if err != nil {
		return nil, 0, err
	}
	selling, err := db.Collect(rows, scanDealer)
	if err != nil {
		return nil, 0, err
	}
	var covering []Dealer
	for _, d := range selling {
		if d.Covers(l.Postal) {
			covering = append(covering, d)
		}
	}
	if len(covering) == 0 {
		return nil, 0, nil
	}
	today, err := s.countsSince(ctx, tx, s.dayStart(now))
	if err != nil {
		return nil, 0, err
	}
	var out []Dealer
	for _, d := range covering {
		if today[d.ID] < d.DailyCap {
			out = append(out, d)
		}
	}
	return out, len(covering), nil
}

// dayStart is the start of now's day where the site is.
func (s *Store) dayStart(now time.Time) time.Time {
	t := now.In(s.loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, s.loc)
}

func (s *Store) countsSince(ctx context.Context, q db.Querier, since time.Time) (map[int64]int, error) {
	rows, err := q.Query(ctx, `SELECT dealer_id, count(*) FROM lead_deliveries WHERE created_at >= $1 AND duplicate = $2 GROUP BY dealer_id`, since, false)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// ByThanks returns the lead a thank-you page's token names.
func (s *Store) ByThanks(ctx context.Context, token string) (Lead, error) {
	if token == "" {
		return Lead{}, apperr.ErrNotFound
	}
	return s.one(ctx, `l.thanks_token = $1`, token)
}

// ByID returns a lead with its deliveries.
func (s *Store) ByID(ctx context.Context, id int64) (Lead, error) {
	return s.one(ctx, `l.id = $1`, id)
}

const leadCols = `l.id, l.created_at, l.make_id, l.model_id, mk.name, md.name, l.year, l.postal, l.country, l.first_name, l.last_name,
	l.email, l.phone, l.timeframe, l.comments, l.consent, l.ip, l.status, l.thanks_token, l.held_reason`

const leadFrom = `leads l JOIN makes mk ON mk.id = l.make_id JOIN models md ON md.id = l.model_id`

func scanLead(sc db.Scanner) (Lead, error) {
	var l Lead
	err := sc.Scan(&l.ID, &l.CreatedAt, &l.MakeID, &l.ModelID, &l.MakeName, &l.ModelName, &l.Year, &l.Postal, &l.Country, &l.FirstName, &l.LastName,
		&l.Email, &l.Phone, &l.Timeframe, &l.Comments, &l.Consent, &l.IP, &l.Status, &l.ThanksToken, &l.HeldReason)
	if t, rest, ok := strings.Cut(l.Comments, "\n"); ok && strings.HasPrefix(t, "Trim: ") {
		l.Trim, l.Comments = strings.TrimPrefix(t, "Trim: "), rest
	} else if strings.HasPrefix(l.Comments, "Trim: ") {
		l.Trim, l.Comments = strings.TrimPrefix(l.Comments, "Trim: "), ""
	}
	return l, err
}

func (s *Store) one(ctx context.Context, where string, arg any) (Lead, error) {
	l, err := scanLead(s.db.QueryRow(ctx, `SELECT `+leadCols+` FROM `+leadFrom+` WHERE `+where, arg))
	if err != nil {
		return Lead{}, db.MapError(s.db.Engine, err)
	}
	rows, err := s.db.Query(ctx, `SELECT d.dealer_id, dl.name, d.message_id, d.duplicate, d.created_at, d.adf FROM lead_deliveries d JOIN dealers dl ON dl.id = d.dealer_id
		WHERE d.lead_id = $1 ORDER BY d.dealer_id`, l.ID)
	if err != nil {
		return Lead{}, err
	}
	l.Deliveries, err = db.Collect(rows, func(sc db.Scanner) (Delivery, error) {
		var dl Delivery
		var ids, adf string
		if err := sc.Scan(&dl.DealerID, &dl.DealerName, &ids, &dl.Duplicate, &dl.CreatedAt, &adf); err != nil {
			return dl, err
		}
		dl.MessageIDs = strings.Fields(ids)
		if adf != "" {
			dl.ADF = []byte(adf)
		}
		return dl, nil
	})
	if err != nil {
		return Lead{}, err
	}
	for i := range l.Deliveries {
		if err := s.deliveryStatus(ctx, &l.Deliveries[i]); err != nil {
			return Lead{}, err
		}
	}
	return l, nil
}

// mailRank orders mail statuses from best to worst.
var mailRank = map[string]int{"sent": 0, "pending": 1, "held": 2, "failed": 3}

// deliveryStatus reads a delivery's mails' status from the outbox.
func (s *Store) deliveryStatus(ctx context.Context, dl *Delivery) error {
	if dl.Duplicate {
		dl.Status = "not sent again"
		return nil
	}
	dl.Status = "sent"
	for _, id := range dl.MessageIDs {
		var st, last string
		err := s.db.QueryRow(ctx, `SELECT status, last_error FROM mail_outbox WHERE message_id = $1`, id).Scan(&st, &last)
		if err != nil {
			if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
				continue
			}
			return err
		}
		if mailRank[st] > mailRank[dl.Status] {
			dl.Status, dl.LastError = st, last
		}
	}
	return nil
}

// Query selects leads for the admin's list.
type Query struct {
	MakeID   int64
	DealerID int64
	Status   string
	From, To time.Time // created in [From, To)
	Before   int64     // keyset: ids below this
	Limit    int
}

// Export writes every lead that q matches as CSV, newest first, page by
// page (q's Before and Limit are its own), with cells a spreadsheet will
// not run as formulas.
func (s *Store) Export(ctx context.Context, q Query, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "created_at", "status", "year", "make", "model", "trim", "postal", "country", "first_name", "last_name", "email", "phone", "timeframe", "comments", "consent"}); err != nil {
		return err
	}
	q.Before, q.Limit = 0, 1000
	for {
		list, err := s.List(ctx, q)
		if err != nil {
			return fmt.Errorf("leads: export: %w", err)
		}
		for _, l := range list {
			if err := cw.Write(csvcell.Safe([]string{strconv.FormatInt(l.ID, 10), l.CreatedAt.UTC().Format(time.RFC3339), l.Status, strconv.Itoa(l.Year), l.MakeName, l.ModelName, l.Trim,
				l.Postal, l.Country, l.FirstName, l.LastName, l.Email, l.Phone, TimeframeLabel(l.Timeframe), l.Comments, l.Consent})); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(list) < q.Limit {
			return nil
		}
		q.Before = list[len(list)-1].ID
	}
}

// List returns leads, newest first (deliveries not loaded).
func (s *Store) List(ctx context.Context, q Query) ([]Lead, error) {
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 50
	}
	var where db.Where
	if q.MakeID > 0 {
		where.Add("l.make_id = $1", q.MakeID)
	}
	if q.DealerID > 0 {
		where.Add("EXISTS (SELECT 1 FROM lead_deliveries d WHERE d.lead_id = l.id AND d.dealer_id = $1)", q.DealerID)
	}
	if q.Status != "" {
		where.Add("l.status = $1", q.Status)
	}
	if !q.From.IsZero() {
		where.Add("l.created_at >= $1", q.From)
	}
	if !q.To.IsZero() {
		where.Add("l.created_at < $1", q.To)
	}
	if q.Before > 0 {
		where.Add("l.id < $1", q.Before)
	}
	rows, err := s.db.Query(ctx, `SELECT `+leadCols+` FROM `+leadFrom+` `+where.SQL()+
		fmt.Sprintf(` ORDER BY l.id DESC LIMIT %d`, q.Limit), where.Args()...)
	if err != nil {
		return nil, fmt.Errorf("leads: list: %w", err)
	}
	return db.Collect(rows, scanLead)
}

// StatusCounts counts every lead by status (routed, unrouted, duplicate),
// in SQL: the dashboard's figures, whatever their number.
func (s *Store) StatusCounts(ctx context.Context) (map[string]int, error) {
	counts, err := s.db.CountBy(ctx, `SELECT status, count(*) FROM leads GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("leads: count by status: %w", err)
	}
	return counts, nil
}

// WeekCount is the leads for one make in one week.
type WeekCount struct {
	Week  time.Time // the Monday it starts
	Make  string
	Count int
}

// PerMakePerWeek counts the leads of the last weeks (this one included)
// by make, for the chart.
func (s *Store) PerMakePerWeek(ctx context.Context, weeks int) ([]WeekCount, error) {
	start := s.dayStart(s.now())
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, -1)
	}
	start = start.AddDate(0, 0, -7*(weeks-1))
	byMake, err := s.db.CountBucketsBy(ctx, `FROM leads l JOIN makes mk ON mk.id = l.make_id WHERE 1 = 1`, "l.created_at", "mk.name", db.Edges(start, 7, weeks))
	if err != nil {
		return nil, fmt.Errorf("leads: per make per week: %w", err)
	}
	var out []WeekCount
	for mk, perWeek := range byMake {
		for w, n := range perWeek {
			if n > 0 {
				out = append(out, WeekCount{start.AddDate(0, 0, 7*w), mk, n})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Week.Equal(out[j].Week) {
			return out[i].Week.Before(out[j].Week)
		}
		return out[i].Make < out[j].Make
	})
	return out, nil
}

// validEmail is a plain address.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// Document is a lead's ADF document for one dealer.
type Document struct {
	Dealer Dealer
	XML    []byte
}

// Documents are the ADF documents of a lead, one per dealer it went to,
// as they were sent (made from the lead as stored for a lead from before
// documents were kept).
func (s *Store) Documents(ctx context.Context, l Lead, p Provider) ([]Document, error) {
	var out []Document
	for _, dl := range l.Deliveries {
		if dl.Duplicate {
			continue
		}
		d, err := s.Dealer(ctx, dl.DealerID)
		if err != nil {
			return nil, err
		}
		doc := dl.ADF
		if doc == nil {
			doc = ADF(l, d, p)
		}
		out = append(out, Document{d, doc})
	}
	return out, nil
}
