package main

import "testing"

func TestGenerate(t *testing.T) {
	src := `{"3166-1": [
		{"alpha_2": "BO", "name": "Bolivia, Plurinational State of", "common_name": "Bolivia"},
		{"alpha_2": "AX", "name": "Åland Islands"},
		{"alpha_2": "CI", "name": "Côte d'Ivoire"}]}`
	got, err := generate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := `// Code generated from Debian's iso-codes (ISO 3166-1, common names where given). DO NOT EDIT.

package country

var all = []Country{
	{"BO", "Bolivia"},
	{"CI", "Côte d'Ivoire"},
	{"AX", "Åland Islands"},
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := generate([]byte(`{"3166-1": []}`)); err == nil {
		t.Error("an empty list was accepted")
	}
}
