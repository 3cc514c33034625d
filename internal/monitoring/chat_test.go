package monitoring_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// TestChatWebhooks sends an accuracy alert to each chat service's
// incoming webhook, a local receiver standing in for its host: each gets
// its own message shape with the alert in English and Chinese, signed
// like any delivery; a robot's refusal in a 200 answer (DingTalk, Feishu,
// WeCom say so in the body) is not counted as delivered, and is retried.
func TestChatWebhooks(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		format  string
		refusal string // the service's answer to a message it refuses
		text    func(body map[string]any) string
	}{
		{monitoring.ChatSlack, "", func(b map[string]any) string { s, _ := b["text"].(string); return s }},
		{monitoring.ChatDingTalk, `{"errcode":310000,"errmsg":"keywords not in content"}`, func(b map[string]any) string {
			if b["msgtype"] != "text" {
				return ""
			}
			s, _ := b["text"].(map[string]any)["content"].(string)
			return s
		}},
		{monitoring.ChatWeCom, `{"errcode":93000,"errmsg":"invalid webhook url"}`, func(b map[string]any) string {
			if b["msgtype"] != "text" {
				return ""
			}
			s, _ := b["text"].(map[string]any)["content"].(string)
			return s
		}},
		{monitoring.ChatFeishu, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`, func(b map[string]any) string {
			if b["msg_type"] != "text" {
				return ""
			}
			s, _ := b["content"].(map[string]any)["text"].(string)
			return s
		}},
	} {
		t.Run(c.format, func(t *testing.T) {
			e := newEnv(t)
			var mu sync.Mutex
			var bodies []map[string]any
			refuse := c.refusal != ""
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				var b map[string]any
				if err := json.Unmarshal(raw, &b); err != nil {
					t.Errorf("not JSON: %q", raw)
				}
				if got, want := r.Header.Get(monitoring.SignatureHeader), monitoring.Sign([]byte("s3cret"), raw); got != want {
					t.Errorf("signature %q, want %q over the body sent", got, want)
				}
				mu.Lock()
				bodies = append(bodies, b)
				answer := `{"errcode":0,"errmsg":"ok","code":0}`
				if refuse {
					answer = c.refusal
				}
				mu.Unlock()
				if c.format == monitoring.ChatSlack {
					_, _ = io.WriteString(w, "ok")
					return
				}
				_, _ = io.WriteString(w, answer)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/robot/send?access_token=abc")
			e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
			svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true, I18n: bundle, Secret: []byte("s3cret"),
				ChatHosts: map[string]string{u.Host: c.format}}
			if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
				t.Fatal(err)
			}
			if refuse {
				if sent := svc.DeliverWebhooks(e.ctx, far); sent != 0 {
					t.Errorf("a refused message counted as delivered (%d)", sent)
				}
				mu.Lock()
				refuse = false
				mu.Unlock()
			}
			if sent := svc.DeliverWebhooks(e.ctx, far.Add(2*time.Hour)); sent != 1 {
				t.Fatalf("delivered %d, want 1", sent)
			}
			mu.Lock()
			defer mu.Unlock()
			text := c.text(bodies[len(bodies)-1])
			// The line names the model and the version its monitor watches.
			for _, want := range []string{"Lodestar · churn 1: accuracy alert opened", "Accuracy 0.000 is below 0.800", "Lodestar · churn 1：准确率告警已触发", "准确率 0.000 低于 0.800"} {
				if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
					t.Errorf("message %q lacks %q", text, want)
				}
			}
		})
	}
}
