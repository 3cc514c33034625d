package monitoring

import (
	"net/url"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestChatText words each kind of delivery in both languages, and refuses
// a payload it cannot word rather than send an empty message.
func TestChatText(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		payload string
		want    []string
	}{
		{`{"event":"alert.opened","model":"recsys","version":"3.1","alert":{"kind":"drift","value":0.6,"threshold":0.5}}`,
			[]string{"Lodestar · recsys 3.1: Drift alert opened. 60% of features drifted (threshold 50%).", "Lodestar · recsys 3.1：漂移告警已触发。"}},
		// During a canary the other version alerts too: the line says which.
		{`{"event":"alert.opened","model":"recsys","version":"3.2-canary","alert":{"kind":"drift","value":0.6,"threshold":0.5}}`,
			[]string{"Lodestar · recsys 3.2-canary: Drift alert opened.", "Lodestar · recsys 3.2-canary：漂移告警已触发。"}},
		// A delivery queued before payloads said the version: the alert's
		// own version, else the model alone.
		{`{"event":"alert.opened","model":"recsys","alert":{"kind":"drift","value":0.6,"threshold":0.5,"version":"3.1"}}`,
			[]string{"Lodestar · recsys 3.1: Drift alert opened.", "Lodestar · recsys 3.1：漂移告警已触发。"}},
		{`{"event":"alert.opened","model":"recsys","alert":{"kind":"drift","value":0.6,"threshold":0.5}}`,
			[]string{"Lodestar · recsys: Drift alert opened.", "Lodestar · recsys：漂移告警已触发。"}},
		{`{"event":"alert.resolved","model":"recsys","version":"3.1","alert":{"kind":"latency","value":180.26,"threshold":120}}`,
			[]string{"Lodestar · recsys 3.1: Latency alert resolved. It had found: p95 latency 180.3 ms is above 120.0 ms.", "延迟告警已解除。此前：p95 延迟 180.3 毫秒"}},
		{`{"event":"alert.resolved","model":"churn","version":"2","alert":{"kind":"accuracy","value":0.5,"threshold":0.8,"resolution":"withdrawn"}}`,
			[]string{"Lodestar · churn 2: Accuracy alert withdrawn: its windows, recomputed, never breached. It had found: Accuracy 0.500 is below 0.800.", "准确率告警已撤销"}},
		{`{"event":"alert.opened","model":"m","alert":{"kind":"volume","value":12000,"threshold":10000}}`,
			[]string{"12,000 events in the window; the limit is 10,000."}},
		{`{"event":"alert.opened","model":"pdm","version":"1.0","alert":{"kind":"data_quality","value":0.074,"threshold":0.05,"message":"Feature \"vibration_rms\": 7.4% of values outside the reference's range 0.47 to 7.12 (threshold 5.0%)."}}`,
			[]string{`Lodestar · pdm 1.0: Data quality alert opened. Feature "vibration_rms": 7.4% of values outside the reference's range 0.47 to 7.12 (threshold 5.0%).`,
				`Lodestar · pdm 1.0：数据质量告警已触发。特征 "vibration_rms"：7.4% 的取值超出参考数据范围 0.47 至 7.12（阈值 5.0%）。`}},
		{`{"event":"alert.reminder","model":"recsys","version":"3.1","reminder":2,"open_seconds":93600,"alert":{"kind":"drift","value":0.6,"threshold":0.5}}`,
			[]string{"Lodestar · recsys 3.1: Drift alert still open after 26 hours and not acknowledged (reminder 2). 60% of features drifted (threshold 50%).",
				"Lodestar · recsys 3.1：漂移告警已持续 26 小时，仍无人确认（第 2 次提醒）。"}},
		{`{"event":"alert.reminder","model":"churn","version":"2","reminder":1,"open_seconds":3700,"alert":{"kind":"accuracy","value":0.5,"threshold":0.8}}`,
			[]string{"Lodestar · churn 2: Accuracy alert still open after 1 hour and not acknowledged (reminder 1). Accuracy 0.500 is below 0.800.",
				"Lodestar · churn 2：准确率告警已持续 1 小时，仍无人确认（第 1 次提醒）。"}},
		{`{"event":"alert.reminder","model":"m","reminder":12,"open_seconds":259205,"alert":{"kind":"volume","value":12000,"threshold":10000}}`,
			[]string{"still open after 3 days and not acknowledged (reminder 12).", "已持续 3 天，仍无人确认（第 12 次提醒）。"}},
		{`{"event":"retraining.opened","model":"pdm","task":{"version":"1.0","reason":"accuracy below 0.9 for 7 windows"}}`,
			[]string{"Lodestar · pdm 1.0: retraining task opened. accuracy below 0.9 for 7 windows", "Lodestar · pdm 1.0：已创建再训练任务。"}},
		{`{"event":"retraining.withdrawn","model":"churn","task":{"version":"2","status":"withdrawn"}}`,
			[]string{"Lodestar · churn 2: retraining task withdrawn: recomputed with corrected labels, its windows no longer show the decay.",
				"Lodestar · churn 2：再训练任务已撤回：按更正后的标签重新计算，其窗口已不再显示衰退。"}},
	} {
		text, err := chatText(b, []byte(c.payload))
		if err != nil {
			t.Errorf("%s: %v", c.payload, err)
			continue
		}
		if lines := strings.Split(text, "\n"); len(lines) != 2 {
			t.Errorf("%s: got %d lines, want English and Chinese: %q", c.payload, len(lines), text)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q lacks %q", c.payload, text, w)
			}
		}
	}
	for _, bad := range []string{`{"event":"alert.opened","model":"m"}`, `{"event":"alert.reminder","model":"m","reminder":1}`, `{"event":"something.new"}`, `not json`} {
		if _, err := chatText(b, []byte(bad)); err == nil {
			t.Errorf("%s: worded, want an error", bad)
		}
	}
	for raw, want := range map[string]string{
		"https://hooks.slack.com/services/T/B/x":              ChatSlack,
		"https://HOOKS.Slack.com:443/services/T/B/x":          ChatSlack,
		"https://oapi.dingtalk.com./robot/send?access_token=": ChatDingTalk,
		"https://open.larksuite.com/open-apis/bot/v2/hook/x":  ChatFeishu,
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send":    ChatWeCom,
		"https://hooks.slack.com.evil.example/x":              "",
		"https://example.com/hook":                            "",
	} {
		u, _ := url.Parse(raw)
		if got := (&Service{}).chatFormat(u); got != want {
			t.Errorf("%s: format %q, want %q", raw, got, want)
		}
	}
	if _, err := chatBody("telegram", "x"); err == nil {
		t.Error("an unknown chat format: no error")
	}
}
