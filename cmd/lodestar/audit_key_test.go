package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

const (
	cliKey1 = "cli-audit-key-one-0123456789abcdef-000"
	cliKey2 = "cli-audit-key-two-0123456789abcdef-000"
)

// envWith is a getenv holding only vars.
func envWith(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func runEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, envWith(env))
	return code, out.String(), errOut.String()
}

func TestAuditKeyRefusedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	short := "too-short-audit-key-123"
	keyFile := func(content string) string {
		p := filepath.Join(t.TempDir(), "keys")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"short key in the environment", map[string]string{"LODESTAR_AUDIT_KEY": short}, nil,
			"LODESTAR_AUDIT_KEY: audit key 1 of 1 is 23 bytes long: an audit key must be at least 32 bytes"},
		{"short old key in a file", nil, []string{"--audit-key-file", keyFile("# current\n" + cliKey1 + "\n\n" + short + "\n")},
			"audit key 2 of 2 is 23 bytes long"},
		{"empty key file", nil, []string{"--audit-key-file", keyFile("# nothing yet\n\n")}, "holds no key"},
		{"missing key file", nil, []string{"--audit-key-file", filepath.Join(dir, "absent")}, "--audit-key-file: open"},
		{"both", map[string]string{"LODESTAR_AUDIT_KEY": cliKey1}, []string{"--audit-key-file", keyFile(cliKey2)}, "are both set"},
		{"the same key twice", map[string]string{"LODESTAR_AUDIT_KEY": cliKey1 + "," + cliKey1}, nil, "are the same key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--monitor-interval", "0"}, tc.args...)
			code, out, errOut := runEnv(t, tc.env, args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
			for _, k := range []string{short, cliKey1, cliKey2} {
				if strings.Contains(out+errOut, k) {
					t.Errorf("the output shows a key: %s%s", out, errOut)
				}
			}
		})
	}
	// Nothing was opened: the data directory is as it was.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused start left %d file(s) in the data directory", len(entries))
	}
}

// watchBuffer is an output that can be read while serve writes it, and
// tells when a line holding want has been written.
type watchBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if w.seen != nil && strings.Contains(w.b.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestServeWithAuditKey starts serve with a key, checks that the key is in
// none of its output nor /healthz, then verifies the log it keyed with
// and without the key, and refuses a start without it.
func TestServeWithAuditKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"LODESTAR_AUDIT_KEY": cliKey1}
	id := audit.KeyID([]byte(cliKey1))
	for _, format := range []string{"text", "json"} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &watchBuffer{want: "serving on", seen: make(chan struct{})}
		seen := stdout.seen
		stderr := &watchBuffer{}
		done := make(chan int)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--monitor-interval", "0",
				"--log-level", "debug", "--log-format", format}, stdout, stderr, envWith(env))
		}()
		select {
		case <-seen:
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before serving: %s%s", code, stdout, stderr)
		case <-time.After(60 * time.Second):
			cancel()
			t.Fatalf("serve did not start: %s%s", stdout, stderr)
		}
		url := regexp.MustCompile(`serving on (\S+)`).FindStringSubmatch(stdout.String())[1]
		var health []byte
		if resp, err := http.Get(url + "/healthz"); err != nil {
			t.Errorf("healthz: %v", err)
		} else {
			health, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr)
		}
		all := stdout.String() + stderr.String() + string(health)
		if strings.Contains(all, cliKey1) || strings.Contains(all, cliKey1[:16]) {
			t.Errorf("%s: the key shows in serve's output or /healthz:\n%s", format, all)
		}
		if !strings.Contains(stderr.String(), "audit log keyed") || !strings.Contains(stderr.String(), id) {
			t.Errorf("%s: serve's log does not say the audit log is keyed under %s:\n%s", format, id, stderr)
		}
	}

	// The log: the keying entry (1) and the first admin (2), both keyed.
	code, out, errOut := runEnv(t, env, "audit", "verify", "--data", dir)
	anchor := regexp.MustCompile(`anchor: (2:hmac-sha256:` + id + `:[0-9a-f]{64})`).FindStringSubmatch(out)
	if code != 0 || !strings.Contains(out, "audit chain intact: 2 entries verified") ||
		!strings.Contains(out, "entries 1–2: keyed under key id "+id+", checked") || anchor == nil {
		t.Fatalf("verify with the key: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runEnv(t, env, "audit", "verify", "--data", dir, "--expect", anchor[1]); code != 0 || !strings.Contains(out, "anchor 2 matches") {
		t.Errorf("verify --expect with a keyed anchor: exit %d, %s", code, out)
	}
	code, out, errOut = runEnv(t, nil, "audit", "verify", "--data", dir)
	if code != 3 || strings.Contains(out, "intact") || !strings.Contains(errOut, "NOT VERIFIED: 2 of its 2 entries are keyed (key id "+id+")") ||
		!strings.Contains(out, "NOT checked (no key given)") {
		t.Errorf("verify without the key: exit %d\n%s%s; want 3 and NOT VERIFIED", code, out, errOut)
	}
	code, _, errOut = runEnv(t, map[string]string{"LODESTAR_AUDIT_KEY": cliKey2}, "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "BROKEN at entry 1") || !strings.Contains(errOut, "none of the keys given") {
		t.Errorf("verify with another key: exit %d, %s; want 1 and BROKEN", code, errOut)
	}
	// Without the key, serve will not start on the keyed log.
	code, out, errOut = runEnv(t, nil, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--monitor-interval", "0")
	if code != 1 || !strings.Contains(errOut, "the audit log is keyed") || strings.Contains(out, "serving on") {
		t.Errorf("serve without the key on a keyed log: exit %d, %s%s", code, out, errOut)
	}
}

// TestAuditVerifyKeyedOutcomes drives verify through rotation, a key file,
// a downgrade of every keyed entry, and a command writing with the key.
func TestAuditVerifyKeyedOutcomes(t *testing.T) {
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		id1, id2 := audit.KeyID([]byte(cliKey1)), audit.KeyID([]byte(cliKey2))
		verify := func(env map[string]string, extra ...string) (int, string, string) {
			return runEnv(t, env, append(append([]string{"audit", "verify"}, d.args...), extra...)...)
		}
		addUser := func(env map[string]string, email string) {
			t.Helper()
			args := append([]string{"user", "add", "--email", email, "--role", "viewer", "--password", "a-long-password-1"}, d.args...)
			if code, out, errOut := runEnv(t, env, args...); code != 0 {
				t.Fatalf("user add %s: exit %d %s%s", email, code, out, errOut)
			}
		}
		n := countAudit(t, d.db) // the seed's entries, unkeyed
		// Keys given, nothing keyed yet: not a success.
		code, _, errOut := verify(map[string]string{"LODESTAR_AUDIT_KEY": cliKey1})
		if code != 3 || !strings.Contains(errOut, "NOT VERIFIED as keyed") {
			t.Errorf("key given, log unkeyed: exit %d %s", code, errOut)
		}
		addUser(map[string]string{"LODESTAR_AUDIT_KEY": cliKey1}, "k1@example.com")                  // n+1 keying, n+2
		addUser(map[string]string{"LODESTAR_AUDIT_KEY": cliKey2 + ", " + cliKey1}, "k2@example.com") // n+3 rotation, n+4
		keys := transferFile(t, "keys", []byte("# current first\n"+cliKey2+"\n"+cliKey1+"\r\n"))
		code, out, errOut := verify(nil, "--audit-key-file", keys)
		for _, want := range []string{
			"entries 1–" + itoa(n) + ": unkeyed (SHA-256), checked",
			"entries " + itoa(n+1) + "–" + itoa(n+2) + ": keyed under key id " + id1 + ", checked",
			"entries " + itoa(n+3) + "–" + itoa(n+4) + ": keyed under key id " + id2 + ", checked",
		} {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("rotated log, both keys: exit %d, want %q in\n%s%s", code, want, out, errOut)
			}
		}
		if code, _, errOut := verify(map[string]string{"LODESTAR_AUDIT_KEY": cliKey2}); code != 1 || !strings.Contains(errOut, "BROKEN at entry "+itoa(n+1)) {
			t.Errorf("the retired key left out: exit %d %s", code, errOut)
		}
		// A command without the key refuses to write to the keyed log.
		args := append([]string{"user", "add", "--email", "nokey@example.com", "--role", "viewer", "--password", "a-long-password-1"}, d.args...)
		if code, _, errOut := runEnv(t, nil, args...); code == 0 || !strings.Contains(errOut, "LODESTAR_AUDIT_KEY") {
			t.Errorf("user add without the key on a keyed log: exit %d %s", code, errOut)
		}

		// Downgrade: every keyed entry rewritten unkeyed, head and all.
		testdb.DropAuditTriggers(t, d.db)
		evs, err := audit.Find(d.ctx, d.db, lodestar.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		prev := ""
		for i := len(evs) - 1; i >= 0; i-- {
			ev := evs[i]
			if ev.Seq > n {
				ev.PrevHash = prev
				ev.Hash = audit.Hash(ev)
				exec := d.db.Rebind(`UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`)
				if _, err := d.db.ExecContext(d.ctx, exec, ev.PrevHash, ev.Hash, ev.Seq); err != nil {
					t.Fatal(err)
				}
			}
			prev = ev.Hash
		}
		if _, err := d.db.ExecContext(d.ctx, d.db.Rebind(`UPDATE audit_head SET hash = ? WHERE id = 1`), prev); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := verify(nil); code != 0 {
			t.Fatalf("the downgraded log holds as an unkeyed chain: exit %d %s", code, out)
		}
		if code, _, errOut := verify(nil, "--audit-key-file", keys); code != 3 || !strings.Contains(errOut, "none is keyed") {
			t.Errorf("downgraded log, keys given: exit %d %s; want 3", code, errOut)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func countAudit(t *testing.T, db *sqldb.DB) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAuditVerifyWantsTheCurrentKeyLast: after a rotation, whoever holds
// the retired key could rewrite the log from inside its segment to the end
// under it, rotation and all; each entry then checks under a key given.
// Verify given the current key first must not call such a log intact when
// the log's last entry is not under that key — and a command given the
// retired key first refuses to write rather than switch back to it.
func TestAuditVerifyWantsTheCurrentKeyLast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id1, id2 := audit.KeyID([]byte(cliKey1)), audit.KeyID([]byte(cliKey2))
	old, rotated := map[string]string{"LODESTAR_AUDIT_KEY": cliKey1}, map[string]string{"LODESTAR_AUDIT_KEY": cliKey2 + "," + cliKey1}
	addUser := func(env map[string]string, email string) (int, string) {
		code, _, errOut := runEnv(t, env, "user", "add", "--email", email, "--role", "viewer", "--password", "a-long-password-1", "--data", dir)
		return code, errOut
	}
	if code, errOut := addUser(old, "a@example.com"); code != 0 {
		t.Fatalf("user add under the first key: exit %d %s", code, errOut)
	}
	code, out, errOut := runEnv(t, rotated, "audit", "verify", "--data", dir)
	if code != 3 || strings.Contains(out, "intact") || !strings.Contains(errOut, "NOT VERIFIED under the current key") ||
		!strings.Contains(errOut, "key id "+id1) || !strings.Contains(errOut, "key id "+id2) {
		t.Errorf("verify with a new key first, the log's last entry under the old: exit %d\n%s%s; want 3", code, out, errOut)
	}
	if code, errOut := addUser(rotated, "b@example.com"); code != 0 {
		t.Fatalf("user add after the rotation: exit %d %s", code, errOut)
	}
	if code, out, errOut := runEnv(t, rotated, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("verify after the rotation: exit %d\n%s%s; want 0", code, out, errOut)
	}
	if code, errOut := addUser(old, "c@example.com"); code == 0 || !strings.Contains(errOut, "retired") {
		t.Errorf("user add with the retired key alone: exit %d %s; want a refusal", code, errOut)
	}
	if code, out, errOut := runEnv(t, rotated, "audit", "verify", "--data", dir); code != 0 {
		t.Errorf("verify after the refused write: exit %d\n%s%s; want 0", code, out, errOut)
	}
}

// TestAuditKeyFileLoosePermissions: a key file that group or others can
// read is used, with a warning naming the file and its mode (as ssh does
// for a private key), never the key; a file only its owner reads gets none.
func TestAuditKeyFileLoosePermissions(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	keys := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keys, []byte(cliKey1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o644, true}, {0o640, true}, {0o600, false}, {0o400, false}} {
		if err := os.Chmod(keys, tc.mode); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runEnv(t, nil, "user", "add", "--email", fmt.Sprintf("u%o@example.com", tc.mode), "--role", "viewer",
			"--password", "a-long-password-1", "--data", dir, "--audit-key-file", keys)
		if code != 0 {
			t.Fatalf("mode %o: user add exit %d %s%s", tc.mode, code, out, errOut)
		}
		warned := strings.Contains(errOut, "warning: --audit-key-file "+keys+" can be read by others") && strings.Contains(errOut, fmt.Sprintf("mode %04o", tc.mode))
		if warned != tc.warn || strings.Contains(errOut, "warning") != tc.warn {
			t.Errorf("mode %o: stderr %q; want a warning: %v", tc.mode, errOut, tc.warn)
		}
		if strings.Contains(out+errOut, cliKey1) {
			t.Errorf("mode %o: the key shows: %s%s", tc.mode, out, errOut)
		}
	}
}
