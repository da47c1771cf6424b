package oidcclient

import (
	"encoding/json"
	"strings"
)

// FormPostName reads the name Apple sends once, on a person's first
// authorization only, in the form_post's "user" field
// ({"name":{"firstName":"Ann","lastName":"Lee"},"email":"..."}); Apple's
// ID token never carries it. Anything else gives "".
func FormPostName(user string) string {
	if user == "" || len(user) > 4096 {
		return ""
	}
	var u struct {
		Name struct {
			First string `json:"firstName"`
			Last  string `json:"lastName"`
		} `json:"name"`
	}
	if json.Unmarshal([]byte(user), &u) != nil {
		return ""
	}
	return strings.Join(strings.Fields(u.Name.First+" "+u.Name.Last), " ")
}
