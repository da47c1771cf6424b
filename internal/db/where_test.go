package db

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	var w Where
	if w.SQL() != "" || len(w.Args()) != 0 {
		t.Fatalf("empty: %q %v", w.SQL(), w.Args())
	}
	w.Add("a.trashed_at IS NULL")
	w.Add("a.status = $1", "draft")
	w.Add("(d < $1 OR (d = $1 AND id < $2))", "2020", 7)
	w.Add(`name LIKE $1 ESCAPE '\'`, "%x%")
	w.Add("$10 = $1", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	want := `WHERE a.trashed_at IS NULL AND a.status = $1 AND (d < $2 OR (d = $2 AND id < $3)) AND name LIKE $4 ESCAPE '\' AND $14 = $5`
	if got := w.SQL(); got != want {
		t.Errorf("SQL:\n got %s\nwant %s", got, want)
	}
	wantArgs := []any{"draft", "2020", 7, "%x%", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if !reflect.DeepEqual(w.Args(), wantArgs) {
		t.Errorf("Args: got %v, want %v", w.Args(), wantArgs)
	}
}

func TestRenumberLeavesOtherDollars(t *testing.T) {
	for in, want := range map[string]string{
		"x = $":         "x = $",
		"x = '$a' $1":   "x = '$a' $4",
		"$1$2":          "$4$5",
		"no parameters": "no parameters",
	} {
		if got := renumber(in, 3); got != want {
			t.Errorf("renumber(%q, 3) = %q, want %q", in, got, want)
		}
	}
}

func TestContains(t *testing.T) {
	for text, want := range map[string]string{"ab": "%ab%", "50%": `%50\%%`, "a_b": `%a\_b%`, `c:\x`: `%c:\\x%`} {
		if got := Contains(text); got != want {
			t.Errorf("Contains(%q) = %q, want %q", text, got, want)
		}
	}
}
