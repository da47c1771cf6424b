package core

import (
	"strconv"
	"time"
)

// The long forms of a time that pages show: a comment's title (with its
// zone) and its date once it is older than a week.
const (
	DateTimeLayout = "January 2, 2006 at 3:04 PM MST"
	DateLayout     = "January 2, 2006 at 3:04 pm"
)

// LongTimes is t (already in the site's zone) in DateTimeLayout and
// DateLayout, written by hand as Format writes them: Format reads its
// layout anew on every call, and two of them per comment were 5% of the
// instructions of a page of 200 comments. A time Format would write
// differently (no zone name, a year outside 0 to 9999) goes to Format.
func LongTimes(t time.Time) (dateTime, date string) {
	zone, _ := t.Zone()
	year, month, day := t.Date()
	if zone == "" || year < 0 || year > 9999 {
		return t.Format(DateTimeLayout), t.Format(DateLayout)
	}
	hour, minute, _ := t.Clock()
	var buf [64]byte
	b := append(buf[:0], month.String()...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(day), 10)
	b = append(b, ", "...)
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10))
	b = append(b, " at "...)
	b = strconv.AppendInt(b, int64((hour+11)%12+1), 10)
	b = append(b, ':', byte('0'+minute/10), byte('0'+minute%10), ' ')
	n := len(b)
	if hour < 12 {
		b = append(b, "AM "...)
	} else {
		b = append(b, "PM "...)
	}
	b = append(b, zone...)
	dateTime = string(b)
	b[n], b[n+1] = b[n]+'a'-'A', 'm' // "am" or "pm"
	return dateTime, string(b[:n+2])
}
