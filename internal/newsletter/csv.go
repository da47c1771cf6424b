package newsletter

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"byline/internal/csvcell"
	"byline/internal/db"
	"byline/internal/input"
	"byline/internal/mail"
	"byline/internal/token"
)

// ImportReport says what an import did: good rows are kept even when
// others are refused, each refusal with its line.
type ImportReport struct {
	Added    int
	Existing int // already on the list: left as they were
	Problems []ImportProblem
}

// ImportProblem is a refused row.
type ImportProblem struct {
	Line   int
	Reason string
}

// maxImportRows bounds one import.
const maxImportRows = 200_000

// consentYes are the consent column's values that record consent.
var consentYes = map[string]bool{"yes": true, "y": true, "true": true, "1": true, "opt-in": true, "opted in": true, "confirmed": true}

// Import adds subscribers from CSV with a header row naming at least
// "email" and "consent"; "frequency" (daily or weekly) is optional. A row
// is added, confirmed, only when its consent column records consent
// ("yes", "true", "1", or a date of opt-in); the consent is kept with it.
func (s *Store) Import(ctx context.Context, r io.Reader, by string) (ImportReport, error) {
	var rep ImportReport
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return rep, fmt.Errorf("the file has no header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	emailCol, ok1 := col["email"]
	consentCol, ok2 := col["consent"]
	if !ok1 || !ok2 {
		return rep, errors.New(`the header row must name an "email" and a "consent" column`)
	}
	freqCol, hasFreq := col["frequency"]
	statusCol, hasStatus := col["status"]
	type row struct {
		line                     int
		email, freq, why, status string
	}
	var rows []row
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Problems = append(rep.Problems, ImportProblem{pe.Line, "unreadable: " + pe.Err.Error()})
				continue
			}
			return rep, err
		}
		line, _ := cr.FieldPos(0)
		if len(rows)+len(rep.Problems) >= maxImportRows {
			return rep, fmt.Errorf("a file may hold at most %d rows", maxImportRows)
		}
		if i := slices.IndexFunc(rec, func(c string) bool { return !input.Valid(c) }); i >= 0 {
			rep.Problems = append(rep.Problems, ImportProblem{line, fmt.Sprintf("column %d %s (save the file as UTF-8)", i+1, input.Reason)})
			continue
		}
		get := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		email, ok := mail.CleanAddress(get(emailCol))
		if !ok {
			rep.Problems = append(rep.Problems, ImportProblem{line, fmt.Sprintf("%q: %s", get(emailCol), mail.AddressProblem(email))})
			continue
		}
		consent := get(consentCol)
		if !consentYes[strings.ToLower(consent)] {
			if _, err := time.Parse("2006-01-02", firstField(consent)); err != nil {
				rep.Problems = append(rep.Problems, ImportProblem{line, email + ": no consent recorded (the consent column says " + fmt.Sprintf("%q", consent) + ")"})
				continue
			}
		}
		freq := Weekly
		if hasFreq && get(freqCol) != "" {
			freq = strings.ToLower(get(freqCol))
			if freq != Daily && freq != Weekly {
				rep.Problems = append(rep.Problems, ImportProblem{line, email + ": frequency must be daily or weekly"})
				continue
			}
		}
		status := Confirmed
		if hasStatus {
			switch st := strings.ToLower(get(statusCol)); st {
			case "", Confirmed:
			case Unsubscribed, Bounced: // kept so they are never mailed, not put back on the list
				status = st
			default:
				rep.Problems = append(rep.Problems, ImportProblem{line, email + ": status must be confirmed, unsubscribed or bounced"})
				continue
			}
		}
		if first, dup := seen[email]; dup {
			rep.Problems = append(rep.Problems, ImportProblem{line, fmt.Sprintf("%s: already on line %d", email, first)})
			continue
		}
		seen[email] = line
		rows = append(rows, row{line, email, freq, "import by " + by + ": consent " + consent, status})
	}
	now := s.now()
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, r := range batch {
				secret, _ := token.New()
				var unsubAt, bouncedAt any
				switch r.status {
				case Unsubscribed:
					unsubAt = now
				case Bounced:
					bouncedAt = now
				}
				res, err := tx.Exec(ctx, `INSERT INTO subscribers (email, status, frequency, token, source, consent, created_at, confirmed_at, unsubscribed_at, bounced_at)
					VALUES ($1, $6, $2, $3, 'import', $4, $5, $5, $7, $8)
					ON CONFLICT (email) DO NOTHING`, r.email, r.freq, secret, r.why, now, r.status, unsubAt, bouncedAt)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 1 {
					rep.Added++
				} else {
					rep.Existing++
				}
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("newsletter: import: %w", err)
		}
	}
	return rep, nil
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Export writes every subscriber as CSV, the columns Import reads first
// ("consent" is yes for those who confirmed; consent_record says how).
func (s *Store) Export(ctx context.Context, w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"email", "consent", "frequency", "status", "source", "consent_record", "created_at", "confirmed_at", "unsubscribed_at"})
	var after int64
	for {
		rows, err := s.db.Query(ctx, `SELECT `+subCols+` FROM subscribers WHERE id > $1 ORDER BY id LIMIT 1000`, after)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			sub, err := scanSub(rows)
			if err != nil {
				rows.Close()
				return err
			}
			n++
			after = sub.ID
			consent := "no"
			if !sub.ConfirmedAt.IsZero() && (sub.Status == Confirmed || sub.Status == Unsubscribed || sub.Status == Bounced) {
				consent = "yes" // the status column keeps the others off the list on import
			}
			cw.Write(csvcell.Safe([]string{sub.Email, consent, sub.Frequency, sub.Status, sub.Source, sub.Consent, stamp(sub.CreatedAt), stamp(sub.ConfirmedAt), stamp(sub.UnsubscribedAt)}))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if n < 1000 {
			return nil
		}
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
