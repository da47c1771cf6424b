package core

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy: the peer", "203.0.113.9:5000", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"one trusted proxy", "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a forged left part is skipped", "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", "127.0.0.1:5000", []string{"198.51.100.1, 10.1.2.3", "10.0.0.7"}, "198.51.100.1"},
		{"every hop trusted: the farthest", "127.0.0.1:5000", []string{"10.0.0.2, 10.0.0.3"}, "10.0.0.2"},
		{"garbage stops the walk", "127.0.0.1:5000", []string{"198.51.100.1, junk, 10.0.0.3"}, "10.0.0.3"},
		{"trusted proxy, no header: the proxy", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"IPv6 reader", "[::ffff:10.0.0.1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	s := &Server{Deps: Deps{TrustedProxies: proxies}}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.ClientIP(r); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Without trusted proxies the header means nothing.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (&Server{}).ClientIP(r); got != "127.0.0.1" {
		t.Errorf("untrusted by default: got %s", got)
	}
}
