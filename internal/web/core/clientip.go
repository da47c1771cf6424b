package core

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the address of the person behind a request: the connection's
// peer, or, when that peer is one of the trusted proxies, the nearest
// address in X-Forwarded-For that is not a trusted proxy. Reading the
// header from the right means a client cannot pick its own address by
// sending a forged one: only what our proxies appended is believed.
func (s *Server) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 {
		return host // no proxy to believe: no need to read the address
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trusted(s.TrustedProxies, peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage before this hop was written by nobody we trust
		}
		client = a.Unmap()
		if !trusted(s.TrustedProxies, client) {
			break
		}
	}
	return client.String()
}

func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
