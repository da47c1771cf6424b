package leads

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/cars"
	"byline/internal/db"
	"byline/internal/input"
)

// Dealer is a store that receives quote requests.
type Dealer struct {
	ID                                    int64
	Name                                  string
	Street, City, Region, Postal, Country string
	Phone                                 string
	LeadEmails                            []string // their CRM's lead addresses
	Coverage                              []string // postal code prefixes or whole codes, normalized
	DailyCap                              int
	Active                                bool
	ADFAttachment                         bool // send the ADF document as an attachment, not as the body
	MakeIDs                               []int64
	LastLeadAt                            time.Time
	CreatedAt                             time.Time
}

// Covers reports whether the dealer takes requests from a postal code.
func (d Dealer) Covers(postal string) bool {
	p := strings.ReplaceAll(postal, " ", "")
	for _, c := range d.Coverage {
		if strings.HasPrefix(p, c) {
			return true
		}
	}
	return false
}

// Sells reports whether the dealer sells a make.
func (d Dealer) Sells(makeID int64) bool {
	for _, m := range d.MakeIDs {
		if m == makeID {
			return true
		}
	}
	return false
}

const dealerCols = `d.id, d.name, d.street, d.city, d.region, d.postal, d.country, d.phone, d.lead_emails, d.coverage, d.daily_cap, d.active, d.adf_attachment, d.last_lead_at, d.created_at`

func scanDealer(sc db.Scanner) (Dealer, error) {
	var d Dealer
	var emails, coverage string
	var last *time.Time
	err := sc.Scan(&d.ID, &d.Name, &d.Street, &d.City, &d.Region, &d.Postal, &d.Country, &d.Phone, &emails, &coverage, &d.DailyCap, &d.Active, &d.ADFAttachment, &last, &d.CreatedAt)
	d.LeadEmails, d.Coverage = strings.Fields(emails), strings.Fields(coverage)
	if last != nil {
		d.LastLeadAt = *last
	}
	return d, err
}

// Dealers lists every dealer with the makes they sell, by name.
func (s *Store) Dealers(ctx context.Context) ([]Dealer, error) {
	rows, err := s.db.Query(ctx, `SELECT `+dealerCols+` FROM dealers d ORDER BY d.name, d.id`)
	if err != nil {
		return nil, fmt.Errorf("leads: dealers: %w", err)
	}
	out, err := db.Collect(rows, scanDealer)
	if err != nil {
		return nil, err
	}
	idx := make(map[int64]int, len(out))
	for i, d := range out {
		idx[d.ID] = i
	}
	rows, err = s.db.Query(ctx, `SELECT dealer_id, make_id FROM dealer_makes ORDER BY make_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var d, m int64
		if err := rows.Scan(&d, &m); err != nil {
			return nil, err
		}
		if i, ok := idx[d]; ok {
			out[i].MakeIDs = append(out[i].MakeIDs, m)
		}
	}
	return out, rows.Err()
}

// Dealer returns one dealer.
func (s *Store) Dealer(ctx context.Context, id int64) (Dealer, error) {
	all, err := s.Dealers(ctx)
	if err != nil {
		return Dealer{}, err
	}
	for _, d := range all {
		if d.ID == id {
			return d, nil
		}
	}
	return Dealer{}, apperr.ErrNotFound
}

// LeadsToday counts each dealer's leads sent today (the site's day).
func (s *Store) LeadsToday(ctx context.Context) (map[int64]int, error) {
	return s.countsSince(ctx, s.db, s.dayStart(s.now()))
}

// DealerForm is a dealer as an admin types it.
type DealerForm struct {
	Name, Street, City, Region, Postal, Country, Phone string
	LeadEmails, Coverage                               string // separated by spaces, commas or semicolons
	Makes                                              []string
	DailyCap                                           int
	Active, ADFAttachment                              bool
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
}

// normalize checks a dealer form against the catalogue.
func (s *Store) normalize(ctx context.Context, f DealerForm) (Dealer, error) {
	v := apperr.NewInvalid()
	d := Dealer{Name: strings.Join(strings.Fields(f.Name), " "), Street: strings.TrimSpace(f.Street), City: strings.TrimSpace(f.City),
		Region: strings.ToUpper(strings.TrimSpace(f.Region)), Phone: strings.TrimSpace(f.Phone), DailyCap: f.DailyCap, Active: f.Active, ADFAttachment: f.ADFAttachment}
	if n := utf8.RuneCountInString(d.Name); n == 0 || n > 120 {
		v.Add("name", "a dealer needs a name (at most 120 characters)")
	}
	d.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	if d.Country == "" {
		d.Country = "US"
	}
	if d.Country != "US" && d.Country != "CA" {
		v.Add("country", "dealers are in the US or Canada")
	}
	if strings.TrimSpace(f.Postal) != "" {
		if code, _, ok := NormalizePostal(f.Postal); ok {
			d.Postal = code
		} else {
			v.Add("postal", "enter a US ZIP code or a Canadian postal code")
		}
	}
	for _, e := range splitList(f.LeadEmails) {
		e = strings.ToLower(e)
		if !validEmail(e) {
			v.Add("lead_emails", fmt.Sprintf("%q is not an e-mail address", e))
			break
		}
		d.LeadEmails = append(d.LeadEmails, e)
	}
	if len(d.LeadEmails) == 0 && v.Fields["lead_emails"] == "" {
		v.Add("lead_emails", "give at least one lead address of the dealer's CRM")
	}
	for _, c := range splitList(f.Coverage) {
		c = strings.ToUpper(strings.TrimSuffix(c, "*"))
		if c == "" || len(c) > 6 || strings.IndexFunc(c, func(r rune) bool { return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') }) >= 0 {
			v.Add("coverage", fmt.Sprintf("%q is not a postal code or the start of one (e.g. 100 or M5V)", c))
			break
		}
		d.Coverage = append(d.Coverage, c)
	}
	if len(d.Coverage) == 0 && v.Fields["coverage"] == "" {
		v.Add("coverage", "list the postal codes the dealer covers, or their first digits (e.g. 100 101 07030)")
	}
	if d.DailyCap < 0 || d.DailyCap > 10000 {
		v.Add("daily_cap", "the daily cap runs from 0 to 10,000")
	}
	cat, err := s.cars.Catalogue(ctx)
	if err != nil {
		return Dealer{}, err
	}
	for _, m := range f.Makes {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		mk, ok := findMake(cat, m)
		if !ok {
			v.Add("makes", fmt.Sprintf("%q is not a make in the catalogue", m))
			break
		}
		d.MakeIDs = append(d.MakeIDs, mk.ID)
	}
	if len(d.MakeIDs) == 0 && v.Fields["makes"] == "" {
		v.Add("makes", "choose the makes the dealer sells")
	}
	return d, v.Err()
}

func findMake(cat *cars.Catalogue, key string) (*cars.Make, bool) {
	if mk, ok := cat.Make(strings.ToLower(key)); ok {
		return mk, true
	}
	for _, mk := range cat.Makes {
		if strings.EqualFold(mk.Name, key) || strconv.FormatInt(mk.ID, 10) == key {
			return mk, true
		}
	}
	return nil, false
}

// SaveDealer creates a dealer (id 0) or changes one.
func (s *Store) SaveDealer(ctx context.Context, id int64, f DealerForm) (int64, error) {
	d, err := s.normalize(ctx, f)
	if err != nil {
		return 0, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error { return saveDealer(ctx, tx, &id, d, s.now()) })
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok || errors.Is(err, apperr.ErrNotFound) {
			return 0, err
		}
		return 0, fmt.Errorf("leads: save dealer: %w", err)
	}
	return id, nil
}

func saveDealer(ctx context.Context, tx *db.Tx, id *int64, d Dealer, now time.Time) error {
	args := []any{d.Name, d.Street, d.City, d.Region, d.Postal, d.Country, d.Phone, strings.Join(d.LeadEmails, " "), strings.Join(d.Coverage, " "),
		d.DailyCap, d.Active, d.ADFAttachment}
	if *id == 0 {
		if err := tx.QueryRow(ctx, `INSERT INTO dealers (name, street, city, region, postal, country, phone, lead_emails, coverage, daily_cap, active, adf_attachment, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`, append(args, now)...).Scan(id); err != nil {
			return err
		}
	} else {
		res, err := tx.Exec(ctx, `UPDATE dealers SET name = $1, street = $2, city = $3, region = $4, postal = $5, country = $6, phone = $7,
			lead_emails = $8, coverage = $9, daily_cap = $10, active = $11, adf_attachment = $12 WHERE id = $13`, append(args, *id)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dealer_makes WHERE dealer_id = $1`, *id); err != nil {
			return err
		}
	}
	for _, m := range d.MakeIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO dealer_makes (dealer_id, make_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, *id, m); err != nil {
			return err
		}
	}
	return nil
}

// ImportReport says what a dealer import did, refusals by line.
type ImportReport struct {
	Added    int
	Problems []string
}

// ImportDealers adds dealers from CSV with a header row: name, street,
// city, region, postal, country, phone, lead_emails, makes, coverage,
// daily_cap, active, adf_attachment (lists inside a cell separated by
// semicolons or spaces). Good rows are kept; bad ones are reported with
// their line and reason.
func (s *Store) ImportDealers(ctx context.Context, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("the file has no header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"name", "lead_emails", "makes", "coverage"} {
		if _, ok := col[need]; !ok {
			return rep, fmt.Errorf("the header row must name the columns name, lead_emails, makes and coverage (it lacks %q)", need)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("line %d: unreadable: %v", pe.Line, pe.Err))
				continue
			}
			return rep, err
		}
		line, _ := cr.FieldPos(0)
		if i := slices.IndexFunc(rec, func(c string) bool { return !input.Valid(c) }); i >= 0 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("line %d: column %d %s (save the file as UTF-8)", line, i+1, input.Reason))
			continue
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		f := DealerForm{Name: get("name"), Street: get("street"), City: get("city"), Region: get("region"), Postal: get("postal"), Country: get("country"),
			Phone: get("phone"), LeadEmails: get("lead_emails"), Coverage: get("coverage"), Makes: strings.Split(get("makes"), ";"),
			DailyCap: 50, Active: get("active") == "" || isYes(get("active")), ADFAttachment: isYes(get("adf_attachment"))}
		if c := get("daily_cap"); c != "" {
			if f.DailyCap, err = strconv.Atoi(c); err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("line %d: daily_cap %q is not a number", line, c))
				continue
			}
		}
		if _, err := s.SaveDealer(ctx, 0, f); err != nil {
			if inv, ok := apperr.AsInvalid(err); ok {
				var reasons []string
				for _, r := range inv.Fields {
					reasons = append(reasons, r)
				}
				sortStrings(reasons)
				rep.Problems = append(rep.Problems, fmt.Sprintf("line %d (%s): %s", line, f.Name, strings.Join(reasons, "; ")))
				continue
			}
			return rep, err
		}
		rep.Added++
	}
	return rep, nil
}

func isYes(s string) bool {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "x":
		return true
	}
	return false
}

func sortStrings(s []string) { sort.Strings(s) }
