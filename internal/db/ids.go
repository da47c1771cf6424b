package db

import (
	"strconv"
	"strings"
)

// InIDs is the condition "col is one of ids" with its one argument, as
// parameter $n: a JSON array read by json_each on SQLite, an array on
// PostgreSQL. One statement text serves any number of ids, so it is
// prepared once, where a list of placeholders would be a new statement
// for every length.
func (e Engine) InIDs(col string, n int, ids []int64) (string, any) {
	p := "$" + strconv.Itoa(n)
	if e == Postgres {
		return col + " = ANY(" + p + "::bigint[])", ids
	}
	var b strings.Builder
	b.Grow(len(ids)*8 + 2)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return col + " IN (SELECT value FROM json_each(" + p + "))", b.String()
}
