package web

import (
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// signInLog writes refused sign-ins to the log, where an operator or a
// SIEM watches for guessing, at most signInLogBurst lines a minute: a
// throttled attempt costs the server no password hash, so an attacker
// could otherwise fill the log as fast as they can send. Lines past the
// budget are counted and the count logged with the next line written.
type signInLog struct {
	mu         sync.Mutex
	minute     time.Time
	written    int
	suppressed int
}

const signInLogBurst = 60

// refused logs one refused sign-in: the address tried (only when it is
// one: a password typed into the e-mail field is not logged), the
// client's address and why (wrong credentials or throttled).
func (l *signInLog) refused(log *slog.Logger, now time.Time, email, client string, err error) {
	l.mu.Lock()
	if m := now.Truncate(time.Minute); !m.Equal(l.minute) {
		l.minute, l.written = m, 0
	}
	if l.written >= signInLogBurst {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	l.written++
	suppressed := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	reason := "wrong e-mail or password"
	if lodestar.ErrorCode(err) == lodestar.ETooManyRequests {
		reason = "throttled"
	}
	attrs := []any{"email", loggableEmail(email), "client", client, "reason", reason}
	if suppressed > 0 {
		attrs = append(attrs, "earlier_unlogged", suppressed)
	}
	log.Warn("sign-in refused", attrs...)
}

// loggableEmail is the address tried when it reads as one, else a
// placeholder: what people type into an e-mail field by mistake is
// sometimes their password.
func loggableEmail(s string) string {
	s = lodestar.NormalizeEmail(s)
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || len(s) > 254 || strings.ContainsAny(s, " \t") {
		return "(not an e-mail address)"
	}
	return s
}
