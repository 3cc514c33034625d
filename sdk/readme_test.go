package sdk_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// normalize reads Go source as lines with their spacing collapsed, so that
// gofmt's indentation and comment alignment do not count.
func normalize(src string) []string {
	var out []string
	for l := range strings.Lines(src) {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// The README's Go snippets are the examples' code (example_test.go runs
// them against the real API): every line of each snippet appears, in
// order, in example_test.go, where the compiler and the examples' output
// check it. The README's snippets could stop compiling, or say what the
// SDK no longer does, with no test noticing.
func TestREADMESnippetsAreExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	have := normalize(string(examples))
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 2 {
		t.Fatalf("found %d Go snippets in the README, want the switch client's and the reporter's", len(blocks))
	}
	for n, b := range blocks {
		// The examples' server stands for the README's.
		code := strings.ReplaceAll(b[1], `"https://lodestar.example"`, "lodestarURL")
		i := 0
		for _, line := range normalize(code) {
			if strings.HasPrefix(line, "import ") {
				continue
			}
			for i < len(have) && have[i] != line {
				i++
			}
			if i == len(have) {
				t.Errorf("README snippet %d: %q is not in example_test.go (after the snippet's earlier lines)", n+1, line)
				break
			}
			i++
		}
	}
	// The registration the README gives in its text.
	const register = "openfeature.SetProviderWithContextAndWait(ctx, sw.Provider())"
	if !strings.Contains(string(readme), register) || !strings.Contains(string(examples), register) {
		t.Errorf("%s: want it in the README and in example_test.go", register)
	}
}
