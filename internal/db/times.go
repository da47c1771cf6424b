package db

import (
	"fmt"
	"time"
)

// TimeText is a timestamp column as a query on a hot path selects it. On
// SQLite the column comes as its stored text, which ScanTime parses in one
// pass: read as the column itself, the driver tries layout after layout
// (the first always failing, since it is not the one the driver writes),
// about a fifth of the cost of reading a page of comments. On PostgreSQL
// it is the column.
func (e Engine) TimeText(col string) string {
	if e == SQLite {
		return "(" + col + " || '')"
	}
	return col
}

// ScanTime is a Scan destination for a TimeText column into t: NULL is
// an error, as it would be for a time.Time.
func ScanTime(t *time.Time) any { return timeDest{t: t} }

// ScanNullTime is a Scan destination for a nullable TimeText column: *t
// is nil for NULL.
func ScanNullTime(t **time.Time) any { return nullTimeDest{t: t} }

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(v any) error {
	if v == nil {
		return fmt.Errorf("db: NULL for a time that cannot be NULL")
	}
	t, err := scannedTime(v)
	*d.t = t
	return err
}

type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(v any) error {
	if v == nil {
		*d.t = nil
		return nil
	}
	t, err := scannedTime(v)
	if err != nil {
		return err
	}
	*d.t = &t
	return nil
}

func scannedTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		return ParseTime(v)
	case []byte:
		return ParseTime(string(v))
	}
	return time.Time{}, fmt.Errorf("db: %T for a time", v)
}

// timeLayouts are the layouts SQLite's text timestamps come in: the one
// the driver writes (_time_format=sqlite) first, then SQLite's own
// (datetime(), CURRENT_TIMESTAMP) and their variants.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// ParseTime reads a timestamp as SQLite stores it, in UTC as the database
// connection reads them (_timezone=UTC). The form the driver writes,
// "2006-01-02 15:04:05[.fraction]±07:00" or with Z, is read by hand;
// any other goes through timeLayouts.
func ParseTime(s string) (time.Time, error) {
	if t, ok := parseWritten(s); ok {
		return t, nil
	}
	ts := s
	zulu := len(ts) > 0 && ts[len(ts)-1] == 'Z'
	if zulu {
		ts = ts[:len(ts)-1]
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, ts); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("db: unreadable time %q", s)
}

// parseWritten reads "2006-01-02 15:04:05[.fraction](±07:00|Z)", or with
// a T between date and time.
func parseWritten(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02 15:04:05Z") || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	minute, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := num(i+1, 2)
		om, okm := num(i+4, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31 April: let the layouts refuse it
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}
