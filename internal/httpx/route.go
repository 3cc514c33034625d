package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// Route is one method+path with the permission it needs. Both surfaces,
// HTML and API, declare their routes as tables of these.
type Route struct {
	Method  string
	Pattern string // net/http pattern path, e.g. "/use-cases/{id}"
	Perm    auth.Permission
	Handler http.HandlerFunc
	// ReadOnly marks a handler that changes nothing whatever the method
	// (the 404/405 fallback), so it needs no CSRF token.
	ReadOnly bool
	// MaxBody is the largest body the route accepts; 0 means
	// DefaultMaxBody.
	MaxBody int64
	// FileLimit, when set, has a page's multipart form read part by part
	// as it arrives, its files written to temporary files (UploadFrom) of
	// at most FileLimit bytes each: a larger file is read through and
	// dropped, marked TooLarge, and the form's other fields are read all
	// the same, so that the handler can give the form back as it was
	// filled in. A body over MaxBody is then not refused before it is
	// read: it is read up to MaxBody, and when the cut is in a file (the
	// form's last field) the fields before it kept; a cut in a field is
	// refused as too large.
	FileLimit int64
	// TextError, when set, answers a request the guard refuses for its
	// text (checkText: a path, query or form value that is not UTF-8 or
	// holds NUL) in the route's own error shape (OFREP's); nil: the
	// surface's (the API's JSON error, or the web's error page).
	TextError func(w http.ResponseWriter, r *http.Request, err error)
	// ServerError, when set, answers a failure of the guard's own past
	// the request's fault (a 5xx: the store failing as the caller's token
	// is looked up) in the route's own error shape (OFREP's), as the
	// handler answers its own; nil: the surface's. A refusal of the
	// caller (401, 403, 413) keeps the surface's.
	ServerError func(w http.ResponseWriter, r *http.Request, err error)
	// Resent, when set, answers a form of this route sent again whose
	// first submission was acted on, in place of the guard's 409 page
	// (Guard.Wrap): a form whose first answer cannot be had again (a
	// token's secret) says what became of it. see is where the first
	// submission's result can be seen, "" when not known. It acts on
	// nothing.
	Resent func(w http.ResponseWriter, r *http.Request, see string)
}

// DefaultMaxBody is a route's body limit unless it sets its own (1 MiB).
const DefaultMaxBody = 1 << 20

// MaxServerBody caps every request body (32 MiB, for evidence uploads),
// whatever a route says; each route then holds its body to its own limit.
const MaxServerBody = 32 << 20

// Cookie names.
const (
	SessionCookie = "lodestar_session"
	CSRFCookie    = "lodestar_csrf"   // double-submit token for forms shown before sign-in
	LocaleCookie  = "lodestar_locale" // the switch's choice for visitors not signed in
	CSRFField     = "csrf_token"
	FormIDField   = "form_id" // the page's random ID, so that a form is acted on once
	CSRFHeader    = "X-CSRF-Token"
)

// Identity is who is calling and in which language, resolved once per
// request by the guard.
type Identity struct {
	User    *lodestar.User
	Session *lodestar.Session
	Token   *lodestar.APIToken
	Locale  string
	// CSRF is the token forms on this page must carry.
	CSRF string
	// formUnused: the handler acted on nothing (a wizard's step), so the
	// form's claim is given back (FormNotActedOn).
	formUnused bool
	// formSee: where the form's result can be seen (FormResultAt).
	formSee string
	// uploads are the files of a streamed form (Route.FileLimit).
	uploads map[string]*Upload
}

// FormNotActedOn tells the guard that this POST wrote nothing (a step of a
// wizard, a preview), so its form may be sent again: its claim is given
// back once the handler returns.
func FormNotActedOn(r *http.Request) { IdentityFrom(r.Context()).formUnused = true }

// FormResultAt tells the guard where the result of this POST's form can
// be seen (a path of this site), for the answer to a second send of the
// form to link to. A handler that answers with a redirect need not: its
// target is taken.
func FormResultAt(r *http.Request, path string) { IdentityFrom(r.Context()).formSee = path }

type identityKey struct{}

// IdentityFrom returns the request's identity (never nil inside a route).
func IdentityFrom(ctx context.Context) *Identity {
	if id, ok := ctx.Value(identityKey{}).(*Identity); ok {
		return id
	}
	return &Identity{Locale: i18n.Default}
}

// Role is the caller's role, or "" when anonymous.
func (id *Identity) Role() lodestar.Role {
	if id.User == nil {
		return ""
	}
	return id.User.Role
}

// Guard resolves identity and enforces permissions and CSRF for one surface.
type Guard struct {
	Sessions lodestar.SessionService
	Tokens   lodestar.TokenService
	Log      *slog.Logger
	// Forms, when set, makes a signed-in user's form act once (HTML only).
	Forms FormClaims
	// API selects JSON errors, bearer tokens and the CSRF header; otherwise
	// HTML: session cookies only and CSRF form fields.
	API bool
	// Deny renders a refusal on the HTML surface (sign-in redirect, 403 page).
	Deny func(w http.ResponseWriter, r *http.Request, err error)
	// Secure marks cookies Secure (set when serving TLS or behind HTTPS).
	Secure bool
	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (ClientIP); none: the connection's own address is the client's.
	Proxies Proxies
	// UploadDir is where streamed forms' files are written as they
	// arrive (Route.FileLimit): an UploadDir's Path, so that what a
	// killed server leaves is found again; "" is the system's temporary
	// directory.
	UploadDir string
	// FormWait is how long a second send of a form waits for the first
	// one's outcome before it answers that the first is still being acted
	// on; 0 means 30 s.
	FormWait time.Duration

	xffWarned atomic.Bool // ClientIP has said once that X-Forwarded-For is ignored
}

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// FormClaims records the forms signed-in users send, so that a form sent
// twice (a double click, a browser resend) is acted on once. A claim is
// held while its submission is acted on, then either finished (it was
// acted on) or given back (refused); a second send sees which.
type FormClaims interface {
	// ClaimForm claims formID for userID: claimed when this call holds
	// it now; else another submission holds it, and actedOn says whether
	// that one was acted on (false: it still is being), see where its
	// result can be seen ("" when not known).
	ClaimForm(ctx context.Context, userID int64, formID string) (claimed, actedOn bool, see string, err error)
	// FinishForm records that the claim's submission was acted on.
	FinishForm(ctx context.Context, userID int64, formID, see string) error
	// ReleaseForm gives the claim back: the submission was refused.
	ReleaseForm(ctx context.Context, userID int64, formID string) error
}

// How a form sent twice is decided (Guard.Wrap, claimForm).
const (
	// formActTimeout bounds the handler of a claimed submission, which
	// runs on after its browser goes (the server's WriteTimeout is 60 s:
	// no answer comes later than that anyway).
	formActTimeout = 2 * time.Minute
	// defaultFormWait is how long a second send of a form waits for the
	// first one's outcome (Guard.FormWait).
	defaultFormWait = 30 * time.Second
	// formPollFirst and formPollMax space the second send's looks.
	formPollFirst = 20 * time.Millisecond
	formPollMax   = 250 * time.Millisecond
	// formRecordTries is how many times a form's outcome is tried to be
	// recorded (recordFormOutcome).
	formRecordTries = 6
)

// formRecordPause is the first wait before recording a form's outcome
// again; each next one is twice as long (100 ms: 3.1 s in all). A
// variable for the tests.
var formRecordPause = 100 * time.Millisecond

// ResentError refuses a form sent again whose first submission was acted
// on; See is where that one's result can be seen ("" when not known), for
// the page to link to.
type ResentError struct {
	Err *lodestar.Error
	See string
}

func (e *ResentError) Error() string { return e.Err.Error() }

// Unwrap gives the error's code and message to lodestar.ErrorCode.
func (e *ResentError) Unwrap() error { return e.Err }

// ResentSee is where the result of the first submission of a form err
// refuses as sent again can be seen; "" for any other error, or when the
// guard does not know.
func ResentSee(err error) string {
	var re *ResentError
	if errors.As(err, &re) {
		return re.See
	}
	return ""
}

// claimForm claims userID's form formID for this request, waiting while
// another submission of it is being acted on: a second send is refused as
// "sent already" only once the first was acted on (a ResentError); when
// the first was refused, its claim is given back and this one takes it
// and is acted on in its turn (an invalid form's field errors are shown
// to this one; a write the first lost to a fault is tried again). After
// the wait, a first submission still under way is named as such, not as
// acted on.
//
// The outcome is read from the claims table, not from this process's
// memory: on PostgreSQL the first submission may be on another replica.
// Each look is a short transaction of its own (never one held open while
// the first is acted on: SQLite has one writer, which that first one
// needs).
func (g *Guard) claimForm(ctx context.Context, userID int64, formID string) error {
	wait := g.FormWait
	if wait <= 0 {
		wait = defaultFormWait
	}
	deadline := time.Now().Add(wait)
	pause := formPollFirst
	for {
		claimed, actedOn, see, err := g.Forms.ClaimForm(ctx, userID, formID)
		switch {
		case err != nil:
			return err
		case claimed:
			return nil
		case actedOn:
			msg := "This form was sent already, and that first submission is the one acted on; this one was not. Find its result through the menu."
			if see != "" {
				msg = "This form was sent already, and that first submission is the one acted on; this one was not."
			}
			return &ResentError{Err: lodestar.Errorf(lodestar.EConflict, "%s", msg), See: see}
		case !time.Now().Before(deadline):
			return lodestar.Errorf(lodestar.EConflict, "This form was sent already, and that first submission is still being acted on; this one was not. Find its result through the menu in a minute.")
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for form: %w", ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, formPollMax)
	}
}

// recordFormOutcome records a claimed form's outcome (record), trying
// again a few times over about three seconds when the database refuses
// it: an outcome left unrecorded keeps every later send of the form
// waiting (claimForm) and then told the first is "still being acted on"
// until the claim is taken for abandoned (formPendingTTL, ten minutes) —
// for a moment's fault, such as a PostgreSQL restart. The user's answer
// waits for it: their next click must find the outcome.
func (g *Guard) recordFormOutcome(record func() error, status int) {
	pause := formRecordPause
	for try := 1; ; try++ {
		err := record()
		if err == nil {
			if try > 1 && g.Log != nil {
				g.Log.Info("form outcome recorded after retrying", "status", status, "tries", try)
			}
			return
		}
		if try == formRecordTries {
			if g.Log != nil {
				g.Log.Error("record form outcome", "status", status, "tries", try, "err", err)
			}
			return
		}
		time.Sleep(pause)
		pause *= 2
	}
}

// formSee is where a form's result can be seen, from its handler's
// answer: the page a redirect sends the browser to, else what the handler
// said (FormResultAt); only paths of this site.
func formSee(status int, h http.Header, said string) string {
	see := said
	if status >= 300 && status < 400 {
		see = h.Get("Location")
	}
	if !strings.HasPrefix(see, "/") || strings.HasPrefix(see, "//") || strings.HasPrefix(see, "/\\") {
		return ""
	}
	return see
}

// validFormID is a form_id as pages make them: 32 hex digits.
func validFormID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// wildcards are the names of a route pattern's path wildcards, in order
// ("/models/{key}/events" → key; "{rest...}" → rest).
func wildcards(pattern string) []string {
	var names []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return names
		}
		pattern = pattern[i+1:]
		j := strings.IndexByte(pattern, '}')
		if j < 0 {
			return names
		}
		if name := strings.TrimSuffix(pattern[:j], "..."); name != "$" && name != "" {
			names = append(names, name)
		}
		pattern = pattern[j+1:]
	}
}

// checkText refuses a request whose path values, query parameters or
// form fields — urlencoded, or a multipart form's text parts; never its
// files, data files with encodings of their own that their readers
// decode — hold bytes that are not UTF-8 or the NUL character, naming
// the first such parameter (a name that is itself bad counts as its
// parameter's). PostgreSQL's text refuses both (a 500, even before
// sign-in), while SQLite stored them, sent them raw into pages and turned
// them into U+FFFD in every export: the same request must mean the same
// thing on either database, and no handler or database sees it. JSON
// bodies are checked as they are decoded (DecodeJSON).
func checkText(names []string, r *http.Request) error {
	for _, name := range names {
		if err := textError(inPath, name, r.PathValue(name)); err != nil {
			return err
		}
	}
	if err := checkValues(inQuery, r.URL.Query()); err != nil {
		return err
	}
	return checkValues(inForm, r.PostForm) // nil until the guard reads a page's form
}

// Where a request's text comes from, for checkText's messages.
const (
	inPath = iota
	inQuery
	inForm
)

func checkValues(in int, vs url.Values) error {
	keys := make([]string, 0, len(vs))
	for k := range vs {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same request is refused naming the same parameter
	for _, k := range keys {
		if err := textError(in, k, k); err != nil {
			return err
		}
		for _, v := range vs[k] {
			if err := textError(in, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// textError is nil when v is text either database stores as it is;
// otherwise the field error naming parameter name, found in.
func textError(in int, name, v string) error {
	bad := !utf8.ValidString(v)
	if !bad && strings.IndexByte(v, 0) < 0 {
		return nil
	}
	q := strconv.Quote(name) // a name holding the bad bytes is named legibly
	var msg string
	switch {
	case in == inPath && bad:
		msg = fmt.Sprintf("Path parameter %s is not valid UTF-8 text; send it in UTF-8.", q)
	case in == inPath:
		msg = fmt.Sprintf("Path parameter %s holds the NUL character, which text may not hold.", q)
	case in == inQuery && bad:
		msg = fmt.Sprintf("Query parameter %s is not valid UTF-8 text; send it in UTF-8.", q)
	case in == inQuery:
		msg = fmt.Sprintf("Query parameter %s holds the NUL character, which text may not hold.", q)
	case bad:
		msg = fmt.Sprintf("Form field %s is not valid UTF-8 text. Type it again, or paste it from a source that uses UTF-8.", q)
	default:
		msg = fmt.Sprintf("Form field %s holds the NUL character, which text may not hold. Type it again.", q)
	}
	// The field is the name as JSON can carry it; the message, quoted.
	return lodestar.FieldError(strings.ToValidUTF8(name, "\uFFFD"), msg)
}

// tooLarge refuses a body over limit bytes: the API says the limit in
// bytes; a page says it in the reader's language.
func (g *Guard) tooLarge(limit int64) error {
	if g.API {
		return lodestar.Errorf(lodestar.ETooLarge, "The request body is larger than %d bytes.", limit)
	}
	return lodestar.Errorf(lodestar.ETooLarge, "What you sent is larger than this form takes. Send a smaller file, or split it.")
}

// drainRefused reads and drops what is left of the body of a request the
// guard refuses (body: as the client sends it, not held to the route's
// limit), before the refusal is written, so that the refusal reaches its
// client. Left unread, a body of more than the little Go's server reads
// after the handler (256 KiB) makes the server close the connection
// ("Connection: close") while the client is still sending; the reset
// that follows can drop the answer before the client reads it, and a
// browser then shows a network error, not the 401, 403 or 413 page — a
// signed-out user's upload, a viewer's, a form sent from a page whose
// sign-in has ended.
//
// It reads at most MaxServerBody (32 MiB), the server's cap on any body,
// which a request to the largest routes may send accepted: a refused
// request costs the server no more than an accepted one can, and nothing
// but reading — what comes is dropped as it comes, never held — for at
// most the server's ReadTimeout (60 s), as any slow body does. A body
// declared larger is not read: it would be cut all the same, and its
// client may see the reset (a page checks its file's size before sending
// it). Nor is one whose client waits on "Expect: 100-continue": it has
// sent none of it, and reading would ask for what the answer refuses.
// Nor one cut by its route's limit as it was read (cut: a form over it
// by its fields): the server closes that connection after the answer
// whatever is read now (http.MaxBytesReader tells it so), and reading
// up to 32 MiB more would only hold the answer back.
func drainRefused(r *http.Request, body io.Reader, cut bool) {
	if cut || body == nil || r.ContentLength == 0 || r.ContentLength > MaxServerBody {
		return
	}
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, MaxServerBody))
}

// Wrap returns route's handler behind the guard. A route that names no
// permission, or one the policy does not know, is a programming error:
// Wrap panics, so that such a route stops the server at start rather
// than being served (it would be refused to everyone, silently).
func (g *Guard) Wrap(rt Route) http.Handler {
	if !auth.Known(rt.Perm) {
		panic(fmt.Sprintf("httpx: route %s %s names no known permission (%q): every route must say who may use it (internal/auth/policy.go)", rt.Method, rt.Pattern, rt.Perm))
	}
	names := wildcards(rt.Pattern)
	limit := rt.MaxBody
	if limit == 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := r.Body
		r = r.WithContext(r.Context()) // the server's request keeps its body (LimitBody)
		// read counts what the route's cap took of the body: past limit,
		// the cap was hit, and the connection is closed after the answer.
		read := &countedReader{ReadCloser: body}
		r.Body = http.MaxBytesReader(w, read, limit)
		drain := func() { drainRefused(r, body, read.n > limit) }
		// A multipart form read on r (checkCSRF) or on the handler's copy
		// (ParseMultipartForm, FormFile) may have put its files over the
		// memory it was given in the system's temporary directory:
		// net/http removes them only for its own request, never for these
		// copies, so they are removed here once the request is answered.
		forms := []*http.Request{r}
		defer func() { removeFormFiles(forms...) }()
		// Who is asking first: an anonymous or badly signed request is a
		// 401 whatever its size, and a signed-in person's refusal comes
		// in their language, on their page.
		id, err := g.identify(w, r)
		if id != nil {
			defer id.removeUploads()
		}
		if err == nil {
			// A declared length over the limit is refused before the body
			// is read (a client waiting on 100-continue sends none of it)
			// — except an anonymous API call, a 401 first, and a page's
			// streamed form, read up to the limit to keep its fields.
			over := r.ContentLength > limit && (g.API || rt.FileLimit == 0)
			if over && !(g.API && id.User == nil) {
				err = g.tooLarge(limit)
			} else if err = g.authorize(rt, r, id); err == nil && over {
				err = g.tooLarge(limit)
			}
			if err != nil { // refused for who they are: say so in their language
				r = r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
			}
		}
		if err != nil {
			drain()
			if rt.ServerError != nil && StatusOf(lodestar.ErrorCode(err)) >= 500 {
				rt.ServerError(w, r, err)
				return
			}
			g.fail(w, r, err)
			return
		}
		if err := checkText(names, r); err != nil {
			drain()
			r = r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
			if rt.TextError != nil {
				rt.TextError(w, r, err)
			} else {
				g.fail(w, r, err)
			}
			return
		}
		ctx := context.WithValue(r.Context(), identityKey{}, id)
		ctx = context.WithValue(ctx, recheckKey{}, func(c context.Context) error {
			again, err := g.identify(discardWriter{}, r.WithContext(c))
			if err == nil {
				err = g.authorize(rt, r, again)
			}
			return err
		})
		if id.User != nil {
			via := lodestar.ViaWeb
			if g.API {
				via = lodestar.ViaAPI
			}
			ctx = lodestar.WithActor(ctx, lodestar.Actor{ID: id.User.ID, Label: id.User.Email, Role: id.User.Role, Via: via})
		}
		// A form is acted on once. The submission that claims its form_id
		// is acted on to the end, even if its browser goes meanwhile (a
		// double click drops the first request): its handler runs on a
		// context its client's going does not cancel, bounded by
		// formActTimeout. Its outcome is then recorded on the claim —
		// acted on (any answer below 400), or refused and the claim given
		// back (4xx, 5xx, a panic, FormNotActedOn) — and a second send
		// waits for that outcome (claimForm): it is refused as "sent
		// already" only when the first was acted on, and is acted on
		// itself when the first was refused. A claim taken in the write's
		// own transaction would do without the wait, but every handler
		// and service would have to carry it; this holds for all of them,
		// on SQLite and on PostgreSQL replicas alike.
		// (The CSRF check has read the form already; an API body is never
		// read here.)
		if g.Forms != nil && !g.API && r.Method == http.MethodPost && id.User != nil && validFormID(r.PostFormValue(FormIDField)) {
			formID := r.PostFormValue(FormIDField)
			if err := g.claimForm(ctx, id.User.ID, formID); err != nil {
				drain()
				rr := r.WithContext(ctx) // the page in the user's language
				if see, resent := ResentSee(err), errors.As(err, new(*ResentError)); resent && rt.Resent != nil {
					rt.Resent(w, rr, see)
				} else {
					g.fail(w, rr, err)
				}
				return
			}
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), formActTimeout)
			defer cancel()
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				done := context.WithoutCancel(ctx)
				// (status 0: the handler wrote nothing — it panicked.)
				record := func() error {
					return g.Forms.FinishForm(done, id.User.ID, formID, formSee(sw.status, sw.Header(), id.formSee))
				}
				if sw.status >= 400 || sw.status == 0 || id.formUnused {
					record = func() error { return g.Forms.ReleaseForm(done, id.User.ID, formID) }
				}
				g.recordFormOutcome(record, sw.status)
			}()
			w = sw
		}
		hr := r.WithContext(ctx)
		forms = append(forms, hr)
		rt.Handler(w, hr)
	})
}

// countedReader counts the bytes read through it.
type countedReader struct {
	io.ReadCloser
	n int64
}

func (c *countedReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// removeFormFiles removes the temporary files of the multipart forms read
// on rs (a form shared by copies is removed once).
func removeFormFiles(rs ...*http.Request) {
	var done []*multipart.Form
	for _, r := range rs {
		if mf := r.MultipartForm; mf != nil && !slices.Contains(done, mf) {
			mf.RemoveAll()
			done = append(done, mf)
		}
	}
}

// recheckKey holds, in a guarded request's context, the guard's checks
// of its credential and route run again (Recheck).
type recheckKey struct{}

// Recheck runs the guard's checks of r's credential and route again, as
// they would run on a new request: an error when the token has since been
// revoked or has expired, the session ended, the user was disabled, or
// their role or the token's scopes no longer allow the route. A response
// that outlives its request's check — an event stream open for hours —
// calls it now and then, and ends when it fails. nil for a request the
// guard did not check.
func Recheck(r *http.Request) error {
	check, _ := r.Context().Value(recheckKey{}).(func(context.Context) error)
	if check == nil {
		return nil
	}
	// A slow database must not hold the caller (a stream's flips wait on
	// it) for long: a check cut short is an internal error, not a refusal.
	ctx, cancel := context.WithTimeout(r.Context(), recheckTimeout)
	defer cancel()
	return check(ctx)
}

// CredentialKey names the credential r was let in with, without its
// secret: "token:" and the API token's ID, or "session:" and the
// session's ID; "" when it had none (or the guard did not check it).
// Requests to the same route with the same key get the same answer from
// Recheck, so a response open for long may share one check with others
// of its key.
func CredentialKey(r *http.Request) string {
	id, ok := r.Context().Value(identityKey{}).(*Identity)
	switch {
	case !ok:
		return ""
	case id.Token != nil:
		return "token:" + strconv.FormatInt(id.Token.ID, 10)
	case id.Session != nil:
		return "session:" + strconv.FormatInt(id.Session.ID, 10)
	}
	return ""
}

// recheckTimeout bounds a Recheck.
const recheckTimeout = 5 * time.Second

// discardWriter takes what identify would send a browser (a cookie
// cleared) when Recheck runs: nothing is sent mid-stream.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

func (g *Guard) fail(w http.ResponseWriter, r *http.Request, err error) {
	if g.API || g.Deny == nil {
		WriteJSONError(g.Log, w, r, err)
		return
	}
	g.Deny(w, r, err)
}

// identify resolves a bearer token (API only) or the session cookie. A
// present but invalid credential is an error even on public routes, so a
// revoked token never silently becomes anonymous.
func (g *Guard) identify(w http.ResponseWriter, r *http.Request) (*Identity, error) {
	id := &Identity{}
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" && g.API {
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, lodestar.Errorf(lodestar.EUnauthorized, "Authorization must be \"Bearer <token>\".")
		}
		tok, u, err := g.Tokens.ResolveToken(ctx, strings.TrimSpace(secret))
		if err != nil {
			return nil, err
		}
		id.Token, id.User = tok, u
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		sess, u, err := g.Sessions.ResolveSession(ctx, c.Value)
		if err != nil && lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			return nil, err
		}
		if err != nil {
			// Expired or unknown: forget the cookie, carry on anonymous;
			// the route decides whether that is enough.
			http.SetCookie(w, g.cookie(SessionCookie, "", -1))
		} else {
			id.Session, id.User, id.CSRF = sess, u, sess.CSRFToken
		}
	}
	userLocale := ""
	if id.User != nil {
		userLocale = id.User.Locale
	} else if c, err := r.Cookie(LocaleCookie); err == nil {
		userLocale = c.Value
	}
	id.Locale = i18n.Negotiate(userLocale, r.Header.Get("Accept-Language"))
	if id.Session == nil && !g.API {
		id.CSRF = g.anonymousCSRF(w, r)
	}
	return id, nil
}

// anonymousCSRF returns the double-submit token for visitors who are not
// signed in, setting its cookie when missing.
func (g *Guard) anonymousCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok, err := auth.NewSecret("")
	if err != nil {
		return ""
	}
	c := g.cookie(CSRFCookie, tok, 0)
	c.SameSite = http.SameSiteStrictMode
	http.SetCookie(w, c)
	r.AddCookie(c) // so a form rendered in this response agrees with it
	return tok
}

func (g *Guard) authorize(rt Route, r *http.Request, id *Identity) error {
	if rt.Perm != auth.Public && id.User == nil {
		return lodestar.Errorf(lodestar.EUnauthorized, "Sign in to continue.")
	}
	if !auth.Allowed(id.Role(), rt.Perm) {
		if roles := auth.RolesWith(rt.Perm); g.API && len(roles) > 0 {
			// A script's author reads which role the user needs.
			return lodestar.Errorf(lodestar.EForbidden, "Your role (%s) does not allow this; it needs one of the roles %s.", id.Role(), auth.RoleList(roles))
		}
		return lodestar.Errorf(lodestar.EForbidden, "Your role does not allow this.")
	}
	if id.Token != nil && !tokenMay(id.Token, rt, r.Method) {
		// Say what the token has and what the request needs: "do not allow"
		// alone left an ingest-only token given to the switch client (or a
		// read token to the reporter) to guesswork.
		return lodestar.Errorf(lodestar.EForbidden, "This token's scopes (%s) do not allow this request; it needs a token with the %s scope.",
			strings.Join(id.Token.Scopes, ", "), neededScope(rt, r.Method))
	}
	if isSafe(r.Method) || id.Token != nil || rt.ReadOnly {
		return nil // bearer tokens are not sent by browsers on their own: no CSRF risk
	}
	return g.checkCSRF(r, id, rt.FileLimit)
}

// tokenMay applies a token's scopes, which narrow its user's role: write
// allows everything, read allows safe methods, ingest allows the
// ingestion routes.
func tokenMay(t *lodestar.APIToken, rt Route, method string) bool {
	switch {
	case hasScope(t, lodestar.ScopeWrite):
		return true
	case rt.Perm == auth.Public:
		// What anyone may reach, a token may: the OpenAPI document, the
		// health endpoints, and the 404/405 answer to a misspelt path or
		// a wrong method (an ingest token posting to …/event was told it
		// needed a read or write token, not that the path was wrong).
		return true
	case rt.Perm == auth.ModelIngest && hasScope(t, lodestar.ScopeIngest):
		return true
	case rt.Perm == auth.SignedIn && isSafe(method):
		return true // who the caller is (GET /api/v1/me): any token may ask
	default:
		// A read token may use safe methods, and routes that change
		// nothing whatever their method (OFREP's evaluations are POSTs).
		return (isSafe(method) || rt.ReadOnly) && hasScope(t, lodestar.ScopeRead)
	}
}

// MayIngestTo refuses, with a 403, a request whose API token is bound to
// models (APIToken.Models) none of which is the path's model: ref as the
// path gives it (a key, or an ID), and m the model it names once found
// (nil before). An ingest route calls it twice: before it looks the model
// up, so that a model outside the binding is refused whether it exists or
// not (a 404 for a missing key and a 403 for an existing one would let a
// bound token learn which keys exist), and again with the model found,
// for a ref that is a bound model's ID and another model's key (keys are
// looked up first). Both refusals are one message, naming ref as sent. A
// token bound to none, and a request with no token, may send to any model
// its role allows. The guard cannot decide this itself: the path names a
// model by key or by ID, and only the route's service knows which model
// that is.
func MayIngestTo(r *http.Request, ref string, m *lodestar.Model) error {
	tok := IdentityFrom(r.Context()).Token
	if tok == nil || len(tok.Models) == 0 {
		return nil
	}
	if m != nil {
		if tok.MayIngestTo(m.ID) {
			return nil
		}
	} else if bindingNames(tok, ref) {
		return nil
	}
	return lodestar.Errorf(lodestar.EForbidden, "This token may send events and labels only to the models it is bound to (%s), not to model %s.",
		strings.Join(tok.ModelKeys(), ", "), strconv.Quote(ref))
}

// bindingNames reports whether ref, a path's model, may name one of the
// models tok is bound to: its key, or its ID (as the store reads an ID).
func bindingNames(tok *lodestar.APIToken, ref string) bool {
	id, err := strconv.ParseInt(ref, 10, 64)
	for _, bm := range tok.Models {
		if bm.Key == ref || err == nil && bm.ID == id {
			return true
		}
	}
	return false
}

// neededScope names the scopes that would allow a request, for the
// refusal's message; tokenMay decides.
func neededScope(rt Route, method string) string {
	switch {
	case rt.Perm == auth.ModelIngest:
		return "ingest or write"
	case isSafe(method) || rt.ReadOnly:
		return "read or write"
	}
	return "write"
}

func hasScope(t *lodestar.APIToken, scope string) bool {
	for _, s := range t.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// crossOrigin reports whether the browser that sent r says it came from
// another origin: Sec-Fetch-Site other than same-origin (or none: typed,
// bookmarked), or, from a browser that does not send that header (older
// ones; any browser over plain HTTP off localhost), an Origin whose host
// is not the request's — nor, from a trusted proxy, the host it says the
// browser asked for (X-Forwarded-Host: a proxy may pass the request on
// under a Host of its own). A request with neither header (curl, the
// SDK) is left to the token check.
//
// The token check alone has a gap: a site on a sibling subdomain may set
// the double-submit cookie of the forms shown before sign-in (cookies
// are shared across subdomains) and post the sign-in form with the token
// it chose, signing a victim into the attacker's account. Same-site is
// not same-origin: a sibling is refused too.
func (g *Guard) crossOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "":
	default:
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" { // "null": a sandboxed frame, a data: URL
		return true
	}
	if strings.EqualFold(u.Host, r.Host) {
		return false
	}
	if g.fromProxy(r) {
		for _, v := range r.Header.Values("X-Forwarded-Host") {
			for _, h := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(h), u.Host) {
					return false
				}
			}
		}
	}
	return true
}

// fromProxy reports whether r's connection comes from a trusted proxy.
func (g *Guard) fromProxy(r *http.Request) bool {
	_, a, err := peerAddr(r)
	return err == nil && g.Proxies.trusted(a)
}

func (g *Guard) checkCSRF(r *http.Request, id *Identity, fileLimit int64) error {
	if g.crossOrigin(r) {
		return lodestar.Errorf(lodestar.EForbidden, "This request came from another site, and Lodestar acts only on forms sent from its own pages. Open Lodestar itself and send the form from there.")
	}
	sent := r.Header.Get(CSRFHeader)
	if !g.API {
		// A page's form is read here, whether its token comes as a field
		// or a header, so that what Wrap checks of it (UTF-8) holds for
		// every form. ParseForm first: ParseMultipartForm calls it too,
		// but drops its error when the body is not multipart — an
		// urlencoded body over the limit was read as a form without its
		// token. ParseMultipartForm runs whatever ParseForm said (a bad
		// query string must not lose a multipart body's fields); the
		// body is capped already.
		// A route that streams its files reads them as they come, and a
		// body over its limit is no refusal there (readStreamedForm).
		if fileLimit > 0 {
			if err := readStreamedForm(r, id, fileLimit, g.UploadDir); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return g.tooLarge(mbe.Limit)
				}
				if errors.As(err, new(*diskError)) {
					return err // the server's failure (500), not the form's
				}
				return lodestar.Errorf(lodestar.EInvalid, "The form could not be read. Reload the page and try again.")
			}
		} else {
			for _, err := range []error{r.ParseForm(), r.ParseMultipartForm(32 << 20)} {
				var mbe *http.MaxBytesError
				if err != nil && errors.As(err, &mbe) {
					return g.tooLarge(mbe.Limit)
				}
			}
		}
		if sent == "" {
			sent = r.PostFormValue(CSRFField)
		}
	}
	if !auth.EqualTokens(sent, id.CSRF) {
		if g.API {
			// No form to reload: say what the call lacks.
			return lodestar.Errorf(lodestar.EForbidden, "An API write with a session cookie needs the X-CSRF-Token header, holding the session's CSRF token; a program should send an API token instead (Authorization: Bearer).")
		}
		return lodestar.Errorf(lodestar.EForbidden, "The form has expired or did not come from Lodestar. Reload the page and try again.")
	}
	return nil
}

func (g *Guard) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: g.Secure, SameSite: http.SameSiteLaxMode}
}

// SessionCookieFor is the cookie that carries a new session's secret.
func (g *Guard) SessionCookieFor(secret string, ttl time.Duration) *http.Cookie {
	return g.cookie(SessionCookie, secret, int(ttl.Seconds()))
}

// ClearCookie removes a cookie.
func (g *Guard) ClearCookie(name string) *http.Cookie { return g.cookie(name, "", -1) }
