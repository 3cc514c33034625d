package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIterationOverview checks the Iteration section's page on the demo
// against the store: the open alerts counted by kind, and every retraining
// task in its table, the open ones first.
func TestIterationOverview(t *testing.T) {
	t.Parallel()
	f := startDemo(t)
	ctx := sys()
	open, err := f.app.Store.ListAlerts(ctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, a := range open {
		n[a.Kind]++
	}
	tasks, err := f.app.Store.ListRetrainingTasks(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) == 0 || len(tasks) == 0 {
		t.Fatalf("the demo has %d kinds of open alert and %d retraining tasks; the test needs both", len(n), len(tasks))
	}
	c, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	r := f.get(c, "/iteration")
	if r.StatusCode != 200 {
		t.Fatalf("/iteration: %d", r.StatusCode)
	}
	titles := map[string]string{"drift": "Drift", "accuracy": "Accuracy", "data_quality": "Data quality", "fairness": "Fairness", "latency": "Latency", "volume": "Volume"}
	for kind, count := range n {
		if want := fmt.Sprintf("<li>%s: %d</li>", titles[kind], count); !strings.Contains(r.body, want) {
			t.Errorf("/iteration lacks %q", want)
		}
	}
	statuses := regexp.MustCompile(`class="badge task-(\w+)"`).FindAllStringSubmatch(r.body, -1)
	if len(statuses) != len(tasks) {
		t.Fatalf("%d tasks shown, want %d", len(statuses), len(tasks))
	}
	closedSeen := false
	for _, m := range statuses {
		if m[1] == lodestar.TaskOpen && closedSeen {
			t.Errorf("an open task listed after a closed one: %v", statuses)
		}
		closedSeen = closedSeen || m[1] != lodestar.TaskOpen
	}
	if r := f.get(f.client(), "/iteration"); r.StatusCode != 303 {
		t.Errorf("/iteration signed out: %d, want a redirect to sign in", r.StatusCode)
	}
}
