package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// Chat formats a webhook can be sent in besides Lodestar's own JSON: the
// incoming-webhook messages of Slack, DingTalk (钉钉), Feishu/Lark (飞书)
// and WeCom (企业微信). A monitor's webhook URL on one of their hosts
// (ChatHosts) gets a text message instead of the JSON payload.
const (
	ChatSlack    = "slack"
	ChatDingTalk = "dingtalk"
	ChatFeishu   = "feishu"
	ChatWeCom    = "wecom"
)

// ChatHosts maps the hosts of the chat services' incoming webhooks to
// their format.
var ChatHosts = map[string]string{
	"hooks.slack.com":     ChatSlack,
	"oapi.dingtalk.com":   ChatDingTalk,
	"open.feishu.cn":      ChatFeishu,
	"open.larksuite.com":  ChatFeishu,
	"qyapi.weixin.qq.com": ChatWeCom,
}

// chatFormat is the chat format of a webhook URL's host ("" for
// Lodestar's JSON): Service.ChatHosts by host and port as written, then
// the package's by host name, any case, any port.
func (s *Service) chatFormat(u *url.URL) string {
	if f, ok := s.ChatHosts[u.Host]; ok {
		return f
	}
	return ChatHosts[strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))]
}

// driftCountsMessage reads the counts from a drift alert's message, as
// alertFor writes it.
var driftCountsMessage = regexp.MustCompile(`^Dataset drift: (\d+) of (\d+) tested features drifted `)

// AlertText says what an alert found, in locale: "Accuracy 0.640 is below
// 0.700." Kinds without a text of their own give the alert's message.
func AlertText(b *i18n.Bundle, locale string, a *lodestar.Alert) string {
	num := func(x float64, d int) string { return b.Number(locale, x, d) }
	switch a.Kind {
	case "accuracy":
		return b.T(locale, "alert.text.accuracy", num(a.Value, 3), num(a.Threshold, 3))
	case "latency":
		return b.T(locale, "alert.text.latency", num(a.Value, 1), num(a.Threshold, 1))
	case "volume":
		return b.T(locale, "alert.text.volume", b.Int(locale, int64(a.Value)), b.Int(locale, int64(a.Threshold)))
	case "drift":
		// An alert's message names the features tested and drifted; one
		// opened before it did gives the share alone.
		if m := driftCountsMessage.FindStringSubmatch(a.Message); m != nil {
			drifted, _ := strconv.ParseInt(m[1], 10, 64)
			tested, _ := strconv.ParseInt(m[2], 10, 64)
			return b.T(locale, "alert.text.drift_tested", b.Int(locale, drifted), b.Int(locale, tested), num(100*a.Value, 0), num(100*a.Threshold, 0))
		}
		return b.T(locale, "alert.text.drift", num(100*a.Value, 0), num(100*a.Threshold, 0))
	}
	return b.Message(locale, a.Message)
}

// chatText is a delivery's message for people: one line in English and
// one in Chinese, each starting with "Lodestar" (DingTalk and Feishu
// robots are often secured by a keyword: it is that word).
func chatText(b *i18n.Bundle, payload []byte) (string, error) {
	var p struct {
		Event   string          `json:"event"`
		Model   string          `json:"model"`
		Version string          `json:"version"`
		Alert   *lodestar.Alert `json:"alert"`
		Task    *struct {
			Version string `json:"version"`
			Reason  string `json:"reason"`
		} `json:"task"`
		Reminder    int   `json:"reminder"`
		OpenSeconds int64 `json:"open_seconds"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", fmt.Errorf("the delivery's payload does not decode: %w", err)
	}
	if p.Alert != nil && p.Version == "" {
		p.Version = p.Alert.Version
	}
	var lines []string
	for _, loc := range i18n.Locales {
		// An alert's subject is its model and the version its monitor
		// watches (during a canary both versions may alert); a delivery
		// queued before deliveries named it says the model alone.
		subject := p.Model
		if p.Version != "" {
			subject = b.T(loc, "webhook.alert.subject", p.Model, p.Version)
		}
		switch {
		case p.Alert != nil && (p.Event == "alert.opened" || p.Event == "alert.resolved"):
			key := "webhook." + p.Event
			if p.Event == "alert.resolved" && p.Alert.Resolution == lodestar.ResolutionWithdrawn {
				key = "webhook.alert.withdrawn" // not a recovery: it never breached
			}
			lines = append(lines, b.T(loc, key, subject, b.T(loc, "alert.kind."+p.Alert.Kind), AlertText(b, loc, p.Alert)))
		case p.Alert != nil && p.Event == "alert.reminder":
			lines = append(lines, b.T(loc, "webhook.alert.reminder", subject, b.T(loc, "alert.kind."+p.Alert.Kind),
				openFor(b, loc, p.OpenSeconds), b.Int(loc, int64(max(p.Reminder, 1))), AlertText(b, loc, p.Alert)))
		case p.Task != nil && p.Event == "retraining.opened":
			lines = append(lines, b.T(loc, "webhook.retraining.opened", p.Model, p.Task.Version, b.Message(loc, p.Task.Reason)))
		case p.Task != nil && p.Event == "retraining.withdrawn":
			lines = append(lines, b.T(loc, "webhook.retraining.withdrawn", p.Model, p.Task.Version))
		default:
			return "", fmt.Errorf("the delivery's event %q has no chat text", p.Event)
		}
	}
	return strings.Join(lines, "\n"), nil
}

// openFor says how long an alert has been open, in whole hours, or in
// whole days from two days on.
func openFor(b *i18n.Bundle, loc string, seconds int64) string {
	hours := seconds / 3600
	switch {
	case hours >= 48:
		return b.T(loc, "webhook.duration.days", b.Int(loc, hours/24))
	case hours <= 1:
		return b.T(loc, "webhook.duration.hour")
	}
	return b.T(loc, "webhook.duration.hours", b.Int(loc, hours))
}

// chatBody is the body a chat service's incoming webhook takes for text.
func chatBody(format, text string) ([]byte, error) {
	type content struct {
		Content string `json:"content"`
	}
	var v any
	switch format {
	case ChatSlack:
		v = struct {
			Text string `json:"text"`
		}{text}
	case ChatDingTalk, ChatWeCom:
		v = struct {
			MsgType string  `json:"msgtype"`
			Text    content `json:"text"`
		}{"text", content{text}}
	case ChatFeishu:
		v = struct {
			MsgType string `json:"msg_type"`
			Content struct {
				Text string `json:"text"`
			} `json:"content"`
		}{MsgType: "text", Content: struct {
			Text string `json:"text"`
		}{text}}
	default:
		return nil, fmt.Errorf("unknown chat format %q", format)
	}
	return json.Marshal(v)
}

// chatRefused reads a chat service's answer: DingTalk, Feishu and WeCom
// answer 200 to a message they refuse (a keyword missing, a bad token, a
// rate limit), saying so in the body; Slack answers an error status.
func chatRefused(format string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if format == ChatSlack || resp.StatusCode/100 != 2 {
		return nil // the status says it
	}
	var r struct {
		ErrCode *int   `json:"errcode"` // DingTalk, WeCom
		ErrMsg  string `json:"errmsg"`
		Code    *int   `json:"code"` // Feishu
		Msg     string `json:"msg"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&r); err != nil {
		return fmt.Errorf("the %s answer is not its JSON: %.80q", format, body)
	}
	switch {
	case r.ErrCode != nil && *r.ErrCode != 0:
		return fmt.Errorf("%s refused the message: errcode %d %s", format, *r.ErrCode, r.ErrMsg)
	case r.Code != nil && *r.Code != 0:
		return fmt.Errorf("%s refused the message: code %d %s", format, *r.Code, r.Msg)
	}
	return nil
}
