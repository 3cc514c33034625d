package monitoring

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestPrivateAddr: every address a webhook must not reach by default is
// named, including IPv4 hidden in IPv6 (mapped, NAT64, IPv4-compatible,
// 6to4) and a network's own NAT64 prefix; public ones pass.
func TestPrivateAddr(t *testing.T) {
	for addr, private := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "172.16.0.1": true, "192.168.1.1": true, "169.254.169.254": true,
		"0.1.2.3": true, "100.64.0.1": true, "198.18.0.1": true, "192.0.0.8": true, "240.0.0.1": true, "224.0.0.1": true,
		"::1": true, "fe80::1": true, "fc00::1": true, "fec0::1": true, "::ffff:169.254.169.254": true,
		"64:ff9b::a9fe:a9fe": true, "2002:a9fe:a9fe::1": true,
		"64:ff9b:1::a9fe:a9fe": true, "::7f00:1": true, "::a9fe:a9fe": true, "::a00:1": true, "::": true, "64:ff9b:1::808:808": true,
		"203.0.113.10": false, "8.8.8.8": false, "2001:4860:4860::8888": false, "64:ff9b::808:808": false,
	} {
		if got := privateAddr(netip.MustParseAddr(addr).Unmap()) != ""; got != private {
			t.Errorf("%s: private %v, want %v", addr, got, private)
		}
	}
	// Sent directly: an HTTP proxy would hide the target from the check.
	if tr := webhookTransport(false).(*http.Transport); tr.Proxy != nil {
		t.Error("the checked webhook transport goes through a proxy")
	}
}
