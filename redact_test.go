package lodestar_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestRedactDSN(t *testing.T) {
	const secret = "hunter2"
	tests := []struct {
		in, want string
	}{
		{"postgres://u:hunter2@db.example:5432/lodestar", "postgres://u:***@db.example:5432/lodestar"},
		{"postgresql://u:hunter2@db/lodestar?sslmode=disable", "postgresql://u:***@db/lodestar?sslmode=disable"},
		{"postgres://u@db/lodestar", "postgres://u@db/lodestar"},
		{"postgres://db/lodestar", "postgres://db/lodestar"},
		{"postgres://db/lodestar?sslmode=disable", "postgres://db/lodestar?sslmode=disable"},
		{"postgres://u:@db/lodestar", "postgres://u:***@db/lodestar"},
		// An unescaped '@' in the password: everything up to the last '@' goes.
		{"postgres://u:hun@ter2@db/lodestar", "postgres://u:***@db/lodestar"},
		// The password may also be given as a query parameter.
		{"postgres://u@db/lodestar?password=hunter2", "postgres://u@db/lodestar?password=***"},
		{"postgres://u@db/lodestar?sslmode=disable&password=hunter2&application_name=x",
			"postgres://u@db/lodestar?sslmode=disable&password=***&application_name=x"},
		{"postgres://u:hunter2@db/lodestar?PASSWORD=hunter2", "postgres://u:***@db/lodestar?PASSWORD=***"},
		// The client key's passphrase, however its name is written.
		{"postgres://u@db/lodestar?sslmode=verify-full&sslkey=k.pem&sslpassword=hunter2",
			"postgres://u@db/lodestar?sslmode=verify-full&sslkey=k.pem&sslpassword=***"},
		{"postgres://u@db/lodestar?SSLPassword=hunter2", "postgres://u@db/lodestar?SSLPassword=***"},
		{"postgres://u@db/lodestar?ssl%70assword=hunter2", "postgres://u@db/lodestar?ssl%70assword=***"},
		{"postgres://u@db/lodestar?password", "postgres://u@db/lodestar?password=***"},
		// An '@' in the query is not the end of the user part, and a '?'
		// or '@' written raw in the password does not end it either.
		{"postgres://u:hunter2@db/lodestar?application_name=a@b", "postgres://u:***@db/lodestar?application_name=a@b"},
		{"postgres://u:hun?ter2@db/lodestar", "postgres://u:***@db/lodestar"},
		{"postgres://u:hu@n?ter2@db/x", "postgres://u:***@db/x"},
		{"", ""},
		{"not a url", "not a url"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := lodestar.RedactDSN(tt.in)
			if got != tt.want {
				t.Errorf("lodestar.RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, secret) {
				t.Errorf("lodestar.RedactDSN(%q) = %q still holds the password", tt.in, got)
			}
		})
	}
}

func TestRedactEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"https://svc:hunter2@models.example/predict?api_key=k3y&v=2": "https://svc:***@models.example/predict?api_key=***&v=***",
		"http://127.0.0.1:8080/predict":                              "http://127.0.0.1:8080/predict",
		"http://models.example/predict#frag":                         "http://models.example/predict",
		"http://[::1":                                                "…",
	} {
		if got := lodestar.RedactEndpoint(in); got != want {
			t.Errorf("RedactEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}
