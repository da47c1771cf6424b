// Command gen writes the country list (list.go) from Debian's iso-codes:
// every ISO 3166-1 country with its common name where one is given (so
// "Bolivia", not "Bolivia, Plurinational State of"), sorted by name.
//
//	go generate ./internal/country/
//
// It reads /usr/share/iso-codes/json/iso_3166-1.json (apt-get install
// iso-codes), or the file named by -in. Go's x/text has English names too,
// but from CLDR 32 (2017): "Swaziland", "Macedonia" and "Turkey" where
// the countries' own names are now Eswatini, North Macedonia and Türkiye.
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
)

type entry struct {
	Alpha2     string `json:"alpha_2"`
	Name       string `json:"name"`
	CommonName string `json:"common_name"`
}

func main() {
	in := flag.String("in", "/usr/share/iso-codes/json/iso_3166-1.json", "iso-codes' ISO 3166-1 file")
	out := flag.String("out", "list.go", "the Go file to write")
	flag.Parse()
	src, err := os.ReadFile(*in)
	if err != nil {
		log.Fatalf("%v (Debian's iso-codes package has it)", err)
	}
	code, err := generate(src)
	if err != nil {
		log.Fatalf("%s: %v", *in, err)
	}
	if err := os.WriteFile(*out, code, 0o644); err != nil {
		log.Fatal(err)
	}
}

// generate turns iso-codes' JSON into the Go source of the list.
func generate(src []byte) ([]byte, error) {
	var doc struct {
		Countries []entry `json:"3166-1"`
	}
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if len(doc.Countries) == 0 {
		return nil, fmt.Errorf("no countries")
	}
	type country struct{ code, name string }
	list := make([]country, 0, len(doc.Countries))
	for _, e := range doc.Countries {
		name := e.Name
		if e.CommonName != "" {
			name = e.CommonName
		}
		if len(e.Alpha2) != 2 || name == "" {
			return nil, fmt.Errorf("a country without a code or a name: %+v", e)
		}
		list = append(list, country{e.Alpha2, name})
	}
	// By the names' bytes, as the list has always been ("Åland Islands"
	// comes last).
	slices.SortFunc(list, func(a, b country) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.code, b.code)) })
	var b bytes.Buffer
	b.WriteString("// Code generated from Debian's iso-codes (ISO 3166-1, common names where given). DO NOT EDIT.\n\n")
	b.WriteString("package country\n\nvar all = []Country{\n")
	for _, c := range list {
		fmt.Fprintf(&b, "\t{%q, %q},\n", c.code, c.name)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
