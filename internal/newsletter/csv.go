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
	cols, err := readImportHeader(cr)
	if err != nil {
		return rep, err
	}
	rows, err := readImportRows(cr, cols, by, &rep)
	if err != nil {
		return rep, err
	}
	return rep, s.addImported(ctx, rows, &rep)
}

// importColumns is where a file's fields are; -1 for a column it lacks.
type importColumns struct {
	email, consent, freq, status int
}

// importRow is a row that passed the checks.
type importRow struct {
	email, freq, why, status string
}

// readImportHeader finds the columns by the header row's names.
func readImportHeader(cr *csv.Reader) (importColumns, error) {
	head, err := cr.Read()
	if err != nil {
		return importColumns{}, fmt.Errorf("the file has no header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	at := func(name string) int {
		if i, ok := col[name]; ok {
			return i
		}
		return -1
	}
	c := importColumns{email: at("email"), consent: at("consent"), freq: at("frequency"), status: at("status")}
	if c.email < 0 || c.consent < 0 {
		return c, errors.New(`the header row must name an "email" and a "consent" column`)
	}
	return c, nil
}

// readImportRows reads and checks every row; the refused ones go to
// rep's problems, with their lines.
func readImportRows(cr *csv.Reader, cols importColumns, by string, rep *ImportReport) ([]importRow, error) {
	var rows []importRow
	seen := map[string]int{} // address -> its first line
	for {
		rec, err := cr.Read()
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return rows, nil
		case errors.As(err, &pe):
			rep.Problems = append(rep.Problems, ImportProblem{pe.Line, "unreadable: " + pe.Err.Error()})
			continue
		case err != nil:
			return rows, err
		}
		line, _ := cr.FieldPos(0)
		if len(rows)+len(rep.Problems) >= maxImportRows {
			return rows, fmt.Errorf("a file may hold at most %d rows", maxImportRows)
		}
		row, problem := cols.check(rec, by)
		if first, dup := seen[row.email]; problem == "" && dup {
			problem = fmt.Sprintf("%s: already on line %d", row.email, first)
		}
		if problem != "" {
			rep.Problems = append(rep.Problems, ImportProblem{line, problem})
			continue
		}
		seen[row.email] = line
		rows = append(rows, row)
	}
}

// check reads one record into a row, or says why it is refused.
func (c importColumns) check(rec []string, by string) (importRow, string) {
	if i := slices.IndexFunc(rec, func(v string) bool { return !input.Valid(v) }); i >= 0 {
		return importRow{}, fmt.Sprintf("column %d %s (save the file as UTF-8)", i+1, input.Reason)
	}
	email, ok := mail.CleanAddress(cell(rec, c.email))
	if !ok {
		return importRow{}, fmt.Sprintf("%q: %s", cell(rec, c.email), mail.AddressProblem(email))
	}
	consent := cell(rec, c.consent)
	if !consentRecorded(consent) {
		return importRow{}, email + ": no consent recorded (the consent column says " + fmt.Sprintf("%q", consent) + ")"
	}
	freq := Weekly
	if f := cell(rec, c.freq); f != "" {
		if freq = strings.ToLower(f); freq != Daily && freq != Weekly {
			return importRow{}, email + ": frequency must be daily or weekly"
		}
	}
	status := strings.ToLower(cell(rec, c.status))
	switch status {
	case "":
		status = Confirmed
	case Confirmed, Unsubscribed, Bounced: // the others are kept so they are never mailed, not put back on the list
	default:
		return importRow{}, email + ": status must be confirmed, unsubscribed or bounced"
	}
	return importRow{email: email, freq: freq, why: "import by " + by + ": consent " + consent, status: status}, ""
}

// cell is column i of rec, trimmed ("" when the row is short or the
// column missing).
func cell(rec []string, i int) string {
	if i >= 0 && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// consentRecorded reports whether a consent cell records consent: a yes,
// or a date of opt-in.
func consentRecorded(consent string) bool {
	if consentYes[strings.ToLower(consent)] {
		return true
	}
	_, err := time.Parse("2006-01-02", firstField(consent))
	return err == nil
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// addImported stores the rows, 500 a transaction. An address already on
// the list is left as it was.
func (s *Store) addImported(ctx context.Context, rows []importRow, rep *ImportReport) error {
	now := s.now()
	for batch := range slices.Chunk(rows, 500) {
		var added, existing int
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, r := range batch {
				ok, err := insertImported(ctx, tx, r, now)
				if err != nil {
					return err
				}
				if ok {
					added++
				} else {
					existing++
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("newsletter: import: %w", err)
		}
		rep.Added += added
		rep.Existing += existing
	}
	return nil
}

// insertImported adds one row unless its address is on the list, and
// reports whether it did.
func insertImported(ctx context.Context, tx *db.Tx, r importRow, now time.Time) (bool, error) {
	secret, _ := token.New() // preference links carry the token itself, kept as it is
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
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
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
		page, err := db.Collect(rows, scanSub)
		if err != nil {
			return err
		}
		for _, sub := range page {
			cw.Write(csvcell.Safe(exportRecord(sub)))
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// exportRecord is one subscriber's row of the export.
func exportRecord(sub Subscriber) []string {
	consent := "no"
	if !sub.ConfirmedAt.IsZero() && (sub.Status == Confirmed || sub.Status == Unsubscribed || sub.Status == Bounced) {
		consent = "yes" // the status column keeps the others off the list on import
	}
	return []string{sub.Email, consent, sub.Frequency, sub.Status, sub.Source, sub.Consent, stamp(sub.CreatedAt), stamp(sub.ConfirmedAt), stamp(sub.UnsubscribedAt)}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
