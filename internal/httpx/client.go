package httpx

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the addresses of trusted reverse proxies: a request that
// comes from one of them carries its client's address in
// X-Forwarded-For, which is believed up to the first address that is not
// a trusted proxy. Without them (the default) the header is ignored: any
// client can write it.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 192.168.1.5, fd00::/8"); blank gives none.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(f, "/") {
			p, err = netip.ParsePrefix(f)
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(f); err == nil && a.Zone() == "" {
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if err != nil || !p.IsValid() {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// peerAddr is the address the request's connection comes from: as
// written (without port) and parsed.
func peerAddr(r *http.Request) (string, netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return host, a, err
}

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address of the client behind a request, without port:
// the connection's own address, or, when that is a trusted proxy, the
// nearest address in X-Forwarded-For that is not one (all of the
// header's lines, read right to left; an entry may carry a port, as some
// proxies write it; a malformed entry stops the walk at the proxy that
// wrote it). It keys sign-in throttling and is logged.
func (g *Guard) ClientIP(r *http.Request) string {
	host, peer, err := peerAddr(r)
	if len(g.Proxies) == 0 && r.Header.Get("X-Forwarded-For") != "" && g.Log != nil && g.xffWarned.CompareAndSwap(false, true) {
		// Behind a proxy every client has the proxy's address: one
		// client's failed sign-ins would count against them all.
		g.Log.Warn("X-Forwarded-For is ignored: no trusted proxies are set, so sign-ins are throttled and logged by the connection's address; behind a reverse proxy, name it with --trusted-proxies",
			"peer", host)
	}
	if err != nil || len(g.Proxies) == 0 || !g.Proxies.trusted(peer) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, ok := hopAddr(strings.TrimSpace(parts[j]))
			if !ok {
				return client.Unmap().String()
			}
			client = a
			if !g.Proxies.trusted(a) {
				return a.Unmap().String()
			}
		}
	}
	return client.Unmap().String()
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address and
// port ("198.51.100.9:51234", "[2001:db8::9]:443"), without a zone.
func hopAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a, a.Zone() == ""
}
