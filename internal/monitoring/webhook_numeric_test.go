package monitoring_test

import (
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// TestWebhookNumericIPv4Refused: an IPv4 address written in a short,
// decimal, hexadecimal or octal form — which inet_aton and browsers read
// as the address it stands for — is refused when the webhook is set: a
// private one as the address it means, a public one with the way to
// write it; a host whose last label is a number but which is no address
// is refused too. Addresses written out and host names are judged as
// before.
func TestWebhookNumericIPv4Refused(t *testing.T) {
	strict := &monitoring.Service{}
	allow := &monitoring.Service{AllowPrivateWebhooks: true}
	loopback := "is a loopback address, where this server does not send webhooks"
	for _, tc := range []struct {
		url, strict, allow string // "" for accepted
	}{
		// Private, as what they mean.
		{"http://127.1:18199/", "host 127.1 (127.0.0.1) " + loopback, "written in a short, octal or hexadecimal form: write it as 127.0.0.1."},
		{"http://2130706433:18199/", "host 2130706433 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		{"http://0x7f.1:18199/", "host 0x7f.1 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		{"http://0X7F000001/", "host 0x7f000001 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		{"http://0177.0.0.1:18199/", "host 0177.0.0.1 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		{"http://127.000.000.001/", "host 127.000.000.001 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		{"http://10.1/", "host 10.1 (10.0.0.1) is a private address", "write it as 10.0.0.1."},
		{"http://192.168.257/", "host 192.168.257 (192.168.1.1) is a private address", "write it as 192.168.1.1."},
		{"http://169.254.43518/", "host 169.254.43518 (169.254.169.254) is a link-local address", "write it as 169.254.169.254."},
		{"http://0/", "host 0 (0.0.0.0) is an unspecified address", "write it as 0.0.0.0."},
		{"http://0x/", "host 0x (0.0.0.0) is an unspecified address", "write it as 0.0.0.0."},
		{"http://2130706433./", "host 2130706433 (127.0.0.1) " + loopback, "write it as 127.0.0.1."},
		// Public, but not written out: refused with the way to write it.
		{"https://134744072/hook", "host 134744072 is the IPv4 address 8.8.8.8 written in a short, octal or hexadecimal form: write it as 8.8.8.8.", "write it as 8.8.8.8."},
		{"https://8.8.2056/", "write it as 8.8.8.8.", "write it as 8.8.8.8."},
		{"https://010.0.0.1/", "the IPv4 address 8.0.0.1 written", "the IPv4 address 8.0.0.1 written"},
		// A number but no address.
		{"http://4294967296/", "host 4294967296 is written as a number but is not an IPv4 address", "is not an IPv4 address"},
		{"http://1.2.3.256/", "is not an IPv4 address", "is not an IPv4 address"},
		{"http://1.2.3.4.5/", "is not an IPv4 address", "is not an IPv4 address"},
		{"http://08.0.0.1/", "is not an IPv4 address", "is not an IPv4 address"},
		{"http://0x1g/", "", ""}, // a name (its last label is not a number)
		{"http://example.123/", "host example.123 is written as a number but is not an IPv4 address", "is not an IPv4 address"},
		// Written out, or names: as before.
		{"http://127.0.0.1:18199/", "host 127.0.0.1 " + loopback, ""},
		{"http://[::1]/", "host ::1 " + loopback, ""},
		{"https://8.8.8.8/", "", ""},
		{"https://hooks.example.com/x", "", ""},
		{"https://1e100.net/", "", ""},
		{"https://0x7f.example.com/", "", ""},
		{"http://localhost/", "host localhost " + loopback, ""},
	} {
		for _, c := range []struct {
			name string
			svc  *monitoring.Service
			want string
		}{{"default", strict, tc.strict}, {"--webhook-allow-private", allow, tc.allow}} {
			got := c.svc.WebhookRefusal(tc.url)
			if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("%s, %s: got %q, want %q", tc.url, c.name, got, c.want)
			}
		}
	}
}

// TestWebhookNumericIPv4RefusalTranslated: the new refusals read in
// Chinese, the host and the address it means kept.
func TestWebhookNumericIPv4RefusalTranslated(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	strict := &monitoring.Service{}
	for url, want := range map[string][]string{
		"http://127.1/":      {"127.1 (127.0.0.1)", "回环地址", "--webhook-allow-private"},
		"https://134744072/": {"134744072", "8.8.8.8", "请写成 8.8.8.8"},
		"http://4294967296/": {"4294967296", "不是 IPv4 地址"},
	} {
		got := b.Message("zh-CN", strict.WebhookRefusal(url))
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s in Chinese: got %q, want it to hold %q", url, got, w)
			}
		}
	}
}
