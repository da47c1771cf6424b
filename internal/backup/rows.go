package backup

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"byline/internal/db"
)

// Values cross between the engines in one canonical form per column
// family: nil, int64 (integers and flags, 0 and 1), float64, string,
// []byte, and time.Time in UTC to the microsecond. The same row read from
// SQLite or from PostgreSQL is the same canonical row, so a table's digest
// says whether two databases hold the same rows.

// timeLayout writes times with a fixed number of digits, so that one
// moment has one spelling.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// canon is v, as a driver returned it for a column of family, in the
// canonical form.
func canon(family string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch family {
	case "integer", "boolean":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case []byte:
			return strconv.ParseInt(string(x), 10, 64)
		case string:
			return strconv.ParseInt(x, 10, 64)
		case float64:
			return int64(x), nil
		}
	case "real":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case []byte:
			return strconv.ParseFloat(string(x), 64)
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "blob":
		switch x := v.(type) {
		case []byte:
			return append([]byte(nil), x...), nil
		case string:
			return []byte(x), nil
		}
	case "timestamp":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil
		case string:
			return parseTime(x)
		case []byte:
			return parseTime(string(x))
		}
	}
	return nil, fmt.Errorf("a %T value in a %s column", v, family)
}

// parseTime reads a time that came back as text (SQLite's), as the
// database package reads them, to the microsecond a backup keeps.
func parseTime(s string) (time.Time, error) {
	t, err := db.ParseTime(s)
	return t.Truncate(time.Microsecond), err
}

// encodeRow is a canonical row as one line of JSON: blobs in base64,
// times in timeLayout.
func encodeRow(row []any) ([]byte, error) {
	out := make([]any, len(row))
	for i, v := range row {
		if t, ok := v.(time.Time); ok {
			out[i] = t.Format(timeLayout)
		} else {
			out[i] = v
		}
	}
	return json.Marshal(out)
}

// decodeRow reads a line encodeRow wrote, for columns of families.
func decodeRow(line []byte, families []string) ([]any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, err
	}
	if len(raw) != len(families) {
		return nil, fmt.Errorf("a row of %d values for %d columns", len(raw), len(families))
	}
	row := make([]any, len(raw))
	for i, r := range raw {
		if string(r) == "null" {
			continue
		}
		var err error
		switch families[i] {
		case "integer", "boolean":
			var n int64
			err = json.Unmarshal(r, &n)
			row[i] = n
		case "real":
			var f float64
			err = json.Unmarshal(r, &f)
			row[i] = f
		case "text":
			var s string
			err = json.Unmarshal(r, &s)
			row[i] = s
		case "blob":
			var s string
			if err = json.Unmarshal(r, &s); err == nil {
				row[i], err = base64.StdEncoding.DecodeString(s)
			}
		case "timestamp":
			var s string
			if err = json.Unmarshal(r, &s); err == nil {
				row[i], err = time.Parse(timeLayout, s)
			}
		default:
			err = fmt.Errorf("unknown column family %q", families[i])
		}
		if err != nil {
			return nil, fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	return row, nil
}

// digest sums the rows of a table whatever their order: two tables with
// the same rows have the same digest, on either engine.
type digest struct {
	rows int64
	a, b uint64
}

func (d *digest) add(line []byte) {
	h := sha256.Sum256(line)
	d.rows++
	d.a += binary.BigEndian.Uint64(h[0:8])
	d.b += binary.BigEndian.Uint64(h[8:16])
}

func (d digest) String() string { return fmt.Sprintf("%016x%016x", d.a, d.b) }
