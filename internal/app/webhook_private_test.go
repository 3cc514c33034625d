package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
)

// TestPrivateWebhookRefusedWhereItWouldNotBeSent: a server that does not
// send webhooks to private addresses (no --webhook-allow-private) refuses
// a monitor's webhook to one when the monitor is created, edited or
// copied — a 400 on webhook_url saying why and naming the flag, in English
// and in Chinese — instead of taking it and failing every delivery. A
// public address is taken; a server with the flag takes the private one.
func TestPrivateWebhookRefusedWhereItWouldNotBeSent(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("allow-private=%v", allow), func(t *testing.T) {
			f := start(t, fixtureOpts{options: app.Options{WebhookAllowPrivate: allow}})
			team := f.user(lodestar.RoleAITeam, "team@example.com")
			_, tok := f.token(team)
			m := f.model("Retention", "churn", "Churn")
			for _, v := range []string{"1.0", "2.0"} {
				if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: v}); err != nil {
					t.Fatal(err)
				}
			}
			body := func(name, hook string) string {
				return fmt.Sprintf(`{"version":"1.0","name":%q,"window":"hour","webhook_url":%q,"reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`, name, hook)
			}
			path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
			private := []string{"http://127.0.0.1:9/hook", "http://localhost:8080/hook", "https://10.1.2.3/hook", "http://[::1]/hook", "http://169.254.169.254/latest"}
			for _, hook := range private {
				r := f.api("POST", path, tok, body("M "+hook, hook))
				if allow {
					if r.StatusCode != http.StatusCreated {
						t.Errorf("create with %s, private allowed: %d %s, want 201", hook, r.StatusCode, r.body)
					}
					continue
				}
				d := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
				if msg := d.Fields["webhook_url"]; !strings.Contains(msg, "--webhook-allow-private") || !strings.Contains(msg, "address") {
					t.Errorf("create with %s: field webhook_url %q, want why and the flag", hook, msg)
				}
			}
			if allow {
				return
			}
			d := wantAPIError(t, f.api("POST", path, tok, body("M", "http://127.0.0.1:9/hook")), http.StatusBadRequest, lodestar.EInvalid)
			if want := "The webhook's host 127.0.0.1 is a loopback address, where this server does not send webhooks: use a public address, or start the server with --webhook-allow-private."; d.Fields["webhook_url"] != want {
				t.Errorf("create: field %q, want %q", d.Fields["webhook_url"], want)
			}
			r := f.do(f.client(), "POST", path, http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}},
				strings.NewReader(body("M", "http://127.0.0.1:9/hook")))
			d = wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
			if want := "Webhook 的主机 127.0.0.1 是回环地址，本服务器不向此类地址发送 Webhook：请使用公网地址，或以 --webhook-allow-private 启动服务器。"; d.Fields["webhook_url"] != want {
				t.Errorf("create in Chinese: field %q, want %q", d.Fields["webhook_url"], want)
			}
			if n := f.count("monitors"); n != 0 {
				t.Fatalf("refused creations made %d monitors", n)
			}

			// A public address is taken; an edit to a private one is refused
			// and changes nothing.
			r = f.api("POST", path, tok, body("M", "https://hooks.example.com/lodestar"))
			if r.StatusCode != http.StatusCreated {
				t.Fatalf("create with a public webhook: %d %s", r.StatusCode, r.body)
			}
			var mon lodestar.Monitor
			if err := json.Unmarshal([]byte(r.body), &mon); err != nil {
				t.Fatal(err)
			}
			stamp, _ := json.Marshal(mon.UpdatedAt)
			r = f.api("PATCH", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), tok, fmt.Sprintf(`{"updated_at":%s,"webhook_url":"http://192.168.0.10/hook"}`, stamp))
			d = wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
			if !strings.Contains(d.Fields["webhook_url"], "192.168.0.10 is a private address") {
				t.Errorf("PATCH: fields %v, want webhook_url saying 192.168.0.10 is private", d.Fields)
			}
			if got, err := f.app.Store.FindMonitorByID(sys(), mon.ID); err != nil || got.WebhookURL != "https://hooks.example.com/lodestar" {
				t.Errorf("after the refused edit: webhook %q (%v), want it unchanged", got.WebhookURL, err)
			}

			// A monitor holding a private webhook (set while the server
			// allowed it) is not copied with it.
			if _, err := f.app.DB.ExecContext(sys(), f.app.DB.Rebind(`UPDATE monitors SET config = REPLACE(config, ?, ?) WHERE id = ?`),
				"https://hooks.example.com/lodestar", "http://127.0.0.1:9/hook", mon.ID); err != nil {
				t.Fatal(err)
			}
			r = f.api("POST", fmt.Sprintf("/api/v1/monitors/%d/copy", mon.ID), tok, `{"version":"2.0"}`)
			d = wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
			if !strings.Contains(d.Fields["webhook_url"], "--webhook-allow-private") {
				t.Errorf("copy: fields %v, want webhook_url naming the flag", d.Fields)
			}
			if n := f.count("monitors"); n != 1 {
				t.Errorf("monitors after the refused copy: %d, want 1", n)
			}
		})
	}
}
