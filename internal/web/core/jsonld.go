package core

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// writeJSON writes v as json.Marshal does, byte for byte, for the shapes
// structured data is made of (maps with string keys, strings, numbers,
// lists); anything else, and any string with a character to escape, goes
// through json.Marshal itself. json.Marshal escapes <, > and & (and
// U+2028/9), so nothing in the data can end the script element. Every
// article page writes this: reflection over its map was a twentieth of
// the page's render.
func writeJSON(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		if v == nil {
			break // null, as json.Marshal writes it
		}
		return writeJSONObject(b, v)
	case map[string]string:
		if v == nil {
			break
		}
		return writeJSONObject(b, v)
	case string:
		return writeJSONString(b, v)
	case int:
		b.WriteString(strconv.Itoa(v))
		return nil
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(v))
		return nil
	case nil:
		b.WriteString("null")
		return nil
	}
	js, err := json.Marshal(v)
	b.Write(js)
	return err
}

// writeJSONObject writes a map as json.Marshal does: keys sorted.
func writeJSONObject[V any](b *bytes.Buffer, m map[string]V) error {
	b.WriteByte('{')
	var small [16]string // the page's objects have fewer keys: no allocation
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeJSONString(b, k); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := writeJSON(b, any(m[k])); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// writeJSONString writes a string as json.Marshal does: printable ASCII
// without a quote, backslash or HTML's special characters as it is, any
// other through json.Marshal.
func writeJSONString(b *bytes.Buffer, s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			js, err := json.Marshal(s)
			b.Write(js)
			return err
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
	return nil
}
