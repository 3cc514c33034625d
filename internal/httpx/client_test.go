package httpx

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseProxies(t *testing.T) {
	ps, err := ParseProxies(" 10.0.0.0/8, 192.168.1.5 ,fd00::/8,, ")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ps); got != 3 {
		t.Fatalf("got %d prefixes, want 3: %v", got, ps)
	}
	if ps[1].String() != "192.168.1.5/32" {
		t.Errorf("a bare address: got %s, want 192.168.1.5/32", ps[1])
	}
	if ps, err := ParseProxies(""); err != nil || len(ps) != 0 {
		t.Errorf("blank: got %v, %v; want none", ps, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1:80", "fe80::1%eth0", "1.2.3"} {
		if _, err := ParseProxies("10.0.0.1," + bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: got %v, want an error naming it", bad, err)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 2001:db8:ff::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		proxies Proxies
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the header is ignored", nil, "203.0.113.5:4000", []string{"1.1.1.1"}, "203.0.113.5"},
		{"untrusted peer: the header is ignored", proxies, "203.0.113.5:4000", []string{"1.1.1.1"}, "203.0.113.5"},
		{"trusted peer without the header", proxies, "10.1.2.3:4000", nil, "10.1.2.3"},
		{"trusted peer: the client it names", proxies, "10.1.2.3:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"a forged left part is skipped", proxies, "10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"proxies in a chain", proxies, "10.1.2.3:4000", []string{"198.51.100.9, 10.9.9.9", "10.8.8.8"}, "198.51.100.9"},
		{"spaces and lines", proxies, "10.1.2.3:4000", []string{" 6.6.6.6 ", " 198.51.100.9 ,10.0.0.7 "}, "198.51.100.9"},
		{"garbage stops at the last trusted hop", proxies, "10.1.2.3:4000", []string{"198.51.100.9, not-an-ip"}, "10.1.2.3"},
		{"all trusted: the furthest", proxies, "10.1.2.3:4000", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"IPv6 proxy and client", proxies, "[2001:db8:ff::1]:4000", []string{"2001:db8:1::9"}, "2001:db8:1::9"},
		{"IPv4-mapped peer", proxies, "[::ffff:10.1.2.3]:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"IPv4-mapped client", proxies, "10.1.2.3:4000", []string{"::ffff:198.51.100.9"}, "198.51.100.9"},
		// Some proxies (Azure's gateways, IIS) write the client's port too;
		// read as garbage, every client had the proxy's address and one
		// throttle count.
		{"a client with its port", proxies, "10.1.2.3:4000", []string{"198.51.100.9:51234"}, "198.51.100.9"},
		{"an IPv6 client with its port", proxies, "10.1.2.3:4000", []string{"[2001:db8:1::9]:443, 10.0.0.7"}, "2001:db8:1::9"},
		{"a trusted hop with its port", proxies, "10.1.2.3:4000", []string{"198.51.100.9, 10.0.0.7:80"}, "198.51.100.9"},
		{"a remote address without port", proxies, "pipe", []string{"198.51.100.9"}, "pipe"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			g := &Guard{Proxies: c.proxies}
			if got := g.ClientIP(r); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// TestClientIPWarnsOnceAboutIgnoredHeader: a request carrying
// X-Forwarded-For to a server that trusts no proxy is logged once, so an
// operator behind a proxy learns why every sign-in shares one address.
func TestClientIPWarnsOnceAboutIgnoredHeader(t *testing.T) {
	var buf bytes.Buffer
	g := &Guard{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	for range 3 {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = "10.0.0.5:3000"
		r.Header.Set("X-Forwarded-For", "198.51.100.9")
		if got := g.ClientIP(r); got != "10.0.0.5" {
			t.Errorf("got %q, want the peer", got)
		}
	}
	if n := strings.Count(buf.String(), "X-Forwarded-For is ignored"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, buf.String())
	}
	trusted, _ := ParseProxies("10.0.0.0/8")
	buf.Reset()
	g = &Guard{Log: slog.New(slog.NewTextHandler(&buf, nil)), Proxies: trusted}
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "10.0.0.5:3000"
	r.Header.Set("X-Forwarded-For", "198.51.100.9")
	g.ClientIP(r)
	if buf.Len() != 0 {
		t.Errorf("with trusted proxies: logged %q", buf.String())
	}
}
