package main

import (
	"strings"
	"testing"
)

// TestExplainEndpointReportHidesCredentials: a prediction service is often
// reached with credentials in its address (user:password@, ?api_key=);
// the report (text and JSON, which users attach as evidence) and the
// error messages must not repeat them.
func TestExplainEndpointReportHidesCredentials(t *testing.T) {
	good := newModelServer(t, linearModel)
	data := writeFile(t, "d.csv", "y,x0,x1,x2\n1,0.5,1,2\n0,-0.5,2,1\n1,1.5,0,0\n")
	endpoint := strings.Replace(good.URL, "http://", "http://svc:hunter2@", 1) + "/predict?api_key=k3y"
	for _, format := range []string{"text", "json"} {
		code, out, errOut := runCLI(t, "explain", "--endpoint", endpoint, "--data", data, "--label", "y", "--format", format)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, secret := range []string{"hunter2", "k3y"} {
			if strings.Contains(out, secret) {
				t.Errorf("--format %s: the report holds %q:\n%s", format, secret, firstLine(out))
			}
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// An endpoint that fails (here: nothing listens) is named in the error
// without its secrets.
func TestExplainEndpointErrorHidesCredentials(t *testing.T) {
	data := writeFile(t, "d.csv", "y,x0\n1,0.5\n0,-0.5\n")
	code, _, errOut := runCLI(t, "explain", "--endpoint", "http://svc:hunter2@127.0.0.1:1/predict?api_key=k3y", "--data", data, "--label", "y")
	if code == 0 {
		t.Fatal("exit 0 with no endpoint listening")
	}
	if !strings.Contains(errOut, "127.0.0.1:1/predict") {
		t.Errorf("the error does not name the endpoint: %s", errOut)
	}
	for _, secret := range []string{"hunter2", "k3y"} {
		if strings.Contains(errOut, secret) {
			t.Errorf("the error holds %q: %s", secret, errOut)
		}
	}
}
