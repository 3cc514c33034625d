// Package httpx is Lodestar's HTTP plumbing: the route table type and the
// guard that authenticates, authorises and checks CSRF for every route,
// strict JSON decoding, the one error shape, middleware and the server
// lifecycle.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// StatusOf maps an error code to its HTTP status.
func StatusOf(code string) int {
	switch code {
	case lodestar.EInvalid:
		return http.StatusBadRequest
	case lodestar.EUnauthorized:
		return http.StatusUnauthorized
	case lodestar.EForbidden:
		return http.StatusForbidden
	case lodestar.ENotFound:
		return http.StatusNotFound
	case lodestar.EMethod:
		return http.StatusMethodNotAllowed
	case lodestar.EConflict:
		return http.StatusConflict
	case lodestar.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case lodestar.EUnsupported:
		return http.StatusUnsupportedMediaType
	case lodestar.ETooManyRequests:
		return http.StatusTooManyRequests
	case lodestar.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the one error shape of the API.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Current is the record as it is now, on a conflict with a change
	// made since the caller read it (lodestar.Error.Current).
	Current any `json:"current,omitempty"`
}

// Detail turns any error into the user-safe detail, logging internal ones
// (only those: the rest are the caller's doing and carry no secrets).
func Detail(log *slog.Logger, r *http.Request, err error) (int, ErrorDetail) {
	code := lodestar.ErrorCode(err)
	d := ErrorDetail{Code: code, Message: lodestar.ErrorMessage(err)}
	// errors.As, as ErrorCode and ErrorMessage use: a wrapped error keeps
	// the fields it names.
	var le *lodestar.Error
	if errors.As(err, &le) {
		d.Fields, d.Current = le.Fields, le.Current
	}
	status := StatusOf(code)
	if ClientGone(r, err) { // (an internal error, or "unavailable" from a connection cut short)
		status = StatusClientClosedRequest
	}
	switch {
	case log == nil:
	case status == StatusClientClosedRequest:
		// The client went (a double click drops the first request): no
		// fault of the server, and no 5xx for an alert to count.
		log.Info("client closed request", "method", r.Method, "path", r.URL.Path, "err", err)
	case code == lodestar.EInternal:
		log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case code == lodestar.EUnavailable:
		// Not a fault of the code, but an operator wants the cause.
		log.Warn("unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return status, d
}

// StatusClientClosedRequest is the status of a request whose client went
// before it was answered (nginx's 499): the answer is recorded in the
// logs and metrics only, as no one reads it.
const StatusClientClosedRequest = 499

// ClientGone reports whether err is r's work cut short because its client
// went: a cancellation while r's own context is done. A cancellation of
// the server's own making (r's context still live) is not.
func ClientGone(r *http.Request, err error) bool {
	return errors.Is(err, context.Canceled) && r.Context().Err() != nil
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// WriteJSONError writes err in the API's error shape, its message (and
// its fields' messages) in the language the request asks for: see
// translateDetail.
func WriteJSONError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	status, d := Detail(log, r, err)
	translateDetail(w, r, &d)
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="lodestar"`)
	case http.StatusServiceUnavailable:
		// 5 s unless the handler knows better (a full server's streams).
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "5")
		}
	}
	WriteJSON(w, status, ErrorBody{Error: d})
}

// translateDetail puts d's messages in the language r's Accept-Language
// header asks for, by their "msg." keys or "msgpat." shapes (numbers and
// names in them kept as they are); one the catalogs lack stays English,
// and so does every message of a request that asks for no other
// language. Only the header decides, not the user's setting of the web
// UI: a program that sends none (the SDK, the command line, curl) reads
// English, as it always has, whoever's token it holds; a browser, or a
// client that asks, reads its language. The code is never translated:
// programs decide by it.
func translateDetail(w http.ResponseWriter, r *http.Request, d *ErrorDetail) {
	b, loc := errorLocale(w, r)
	if b == nil {
		return
	}
	if msg := b.Message(loc, d.Message); msg != d.Message {
		d.Message = msg
		w.Header().Set("Content-Language", loc)
	}
	if len(d.Fields) > 0 {
		fields := make(map[string]string, len(d.Fields))
		for k, v := range d.Fields {
			fields[k] = b.Message(loc, v)
		}
		d.Fields = fields // a copy: the error's own map is left as it was
	}
}

// TranslateError is msg, an error's message for the client in a shape of
// its own rather than ErrorBody (OFREP's errorDetails), in the language
// r's Accept-Language asks for, as WriteJSONError translates its
// messages; it sets the response's Vary (and Content-Language when msg is
// translated), so it is called before the response is written.
func TranslateError(w http.ResponseWriter, r *http.Request, msg string) string {
	b, loc := errorLocale(w, r)
	if b == nil {
		return msg
	}
	t := b.Message(loc, msg)
	if t != msg {
		w.Header().Set("Content-Language", loc)
	}
	return t
}

// Translator translates the messages of one response that are not its
// error — the reasons a batch's refused lines give — as TranslateError
// does, each distinct message once (a batch of thousands of lines holds
// few distinct reasons). Like TranslateError it sets Vary (and
// Content-Language once a message is translated), so it is called before
// the response is written.
func Translator(w http.ResponseWriter, r *http.Request) func(string) string {
	b, loc := errorLocale(w, r)
	if b == nil {
		return func(msg string) string { return msg }
	}
	done := map[string]string{}
	return func(msg string) string {
		t, ok := done[msg]
		if !ok {
			t = b.Message(loc, msg)
			done[msg] = t
			if t != msg {
				w.Header().Set("Content-Language", loc)
			}
		}
		return t
	}
}

// errorLocale is the locale r's Accept-Language asks errors in and the
// catalogs that translate them (the process's one copy, i18n.Shared),
// with a nil Bundle for English — or catalogs that could not be loaded,
// which leave the messages as made. The response varies by the header
// either way.
func errorLocale(w http.ResponseWriter, r *http.Request) (*i18n.Bundle, string) {
	w.Header().Add("Vary", "Accept-Language")
	loc := i18n.Negotiate("", r.Header.Get("Accept-Language"))
	if loc == i18n.Default {
		return nil, loc
	}
	b, err := i18n.Shared()
	if err != nil {
		return nil, i18n.Default
	}
	return b, loc
}
