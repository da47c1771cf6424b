package country

import (
	"strings"
	"testing"
)

func TestListSortedAndWellFormed(t *testing.T) {
	list := All()
	if len(list) < 200 {
		t.Fatalf("%d countries", len(list))
	}
	seen := map[string]bool{}
	for i, c := range list {
		if len(c.Code) != 2 || strings.ToUpper(c.Code) != c.Code || c.Name == "" {
			t.Errorf("malformed entry %+v", c)
		}
		if seen[c.Code] {
			t.Errorf("%s twice", c.Code)
		}
		seen[c.Code] = true
		if i > 0 && list[i-1].Name >= c.Name {
			t.Errorf("not sorted by name: %q before %q", list[i-1].Name, c.Name)
		}
	}
}

func TestNameAndParse(t *testing.T) {
	if got := Name("ca"); got != "Canada" {
		t.Errorf("Name(ca) = %q", got)
	}
	for in, want := range map[string]string{"US": "US", "ca": "CA", "canada": "CA", "uk": "GB", "USA": "US", "Türkiye": "TR"} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := Parse("Atlantis"); ok {
		t.Error("Parse(Atlantis) succeeded")
	}
}
