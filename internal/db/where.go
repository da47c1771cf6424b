package db

import (
	"strconv"
	"strings"
)

// Where builds the conditions of a WHERE clause, joined by AND, and their
// arguments. Each condition numbers its own parameters from $1; Add
// renumbers them after those already added, so a filter is written as it
// reads and the query text stays the same for the same filters (the
// prepared statement is reused).
type Where struct {
	conds []string
	args  []any
}

// Add appends a condition with its arguments: $1 in cond is the first of
// args, $2 the second, and so on (a number may be used more than once).
func (w *Where) Add(cond string, args ...any) {
	w.conds = append(w.conds, renumber(cond, len(w.args)))
	w.args = append(w.args, args...)
}

// SQL is "WHERE a AND b ...", or "" if there is no condition.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(w.conds, " AND ")
}

// Args are the arguments of every condition, in order.
func (w *Where) Args() []any { return w.args }

// renumber adds by to every $N placeholder of cond.
func renumber(cond string, by int) string {
	if by == 0 || !strings.Contains(cond, "$") {
		return cond
	}
	var b strings.Builder
	for i := 0; i < len(cond); i++ {
		c := cond[i]
		j := i + 1
		for j < len(cond) && cond[j] >= '0' && cond[j] <= '9' {
			j++
		}
		if c != '$' || j == i+1 {
			b.WriteByte(c)
			continue
		}
		n, err := strconv.Atoi(cond[i+1 : j])
		if err != nil { // more digits than an int holds: leave it to the database to refuse
			b.WriteString(cond[i:j])
		} else {
			b.WriteString("$" + strconv.Itoa(n+by))
		}
		i = j - 1
	}
	return b.String()
}

// Contains is the LIKE pattern that finds text anywhere, literally: its
// %, _ and \ match themselves. Use it with ESCAPE '\'.
func Contains(text string) string {
	return "%" + likeEscaper.Replace(text) + "%"
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
