package httpx_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// formServer is a guarded page surface on a real database: one form
// route, POST /records, whose handler writes a row of guard_records in a
// transaction on the request's context, as services do, and answers with
// a redirect to it — or refuses an empty title as a service refuses a
// field. Each handler call may be held (hold) until the test lets it go.
type formServer struct {
	t      *testing.T
	db     *sqldb.DB
	st     *store.Store
	guard  *httpx.Guard
	srv    *httptest.Server
	cookie *http.Cookie
	csrf   string
	logs   *logRecords

	// started gets a value when the handler is entered; the handler then
	// waits for hold, when hold is set (the first call only).
	started chan struct{}
	hold    chan struct{}
	once    sync.Once
	// entered gets each request's server-side context as it comes in;
	// served gets it once the guard (and its recording of the form's
	// outcome) returned.
	entered, served chan context.Context
	// waiting gets a value when the guard found the form claimed by a
	// request not yet acted on (it waits for that one's outcome).
	waiting chan struct{}
}

// logRecords keeps the level and message of what a logger wrote.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// at returns the messages logged at level or above.
func (l *logRecords) at(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		if r.Level >= level {
			msg := r.Message
			r.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
			out = append(out, msg)
		}
	}
	return out
}

// watchedClaims passes every call on to the store, and tells the test
// when a claim was found pending (the guard is about to wait).
type watchedClaims struct {
	*store.Store
	pending chan struct{}
}

func (w watchedClaims) ClaimForm(ctx context.Context, userID int64, formID string) (bool, bool, string, error) {
	claimed, acted, see, err := w.Store.ClaimForm(ctx, userID, formID)
	if err == nil && !claimed && !acted {
		select {
		case w.pending <- struct{}{}:
		default:
		}
	}
	return claimed, acted, see, err
}

// newFormServer serves POST /records on db; resent, when not nil, is the
// route's own answer to a form sent again (Route.Resent).
func newFormServer(t *testing.T, db *sqldb.DB, resent func(http.ResponseWriter, *http.Request, string)) *formServer {
	t.Helper()
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test-setup"})
	if _, err := db.DB.ExecContext(ctx, `CREATE TABLE guard_records (title TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	u, err := st.CreateUser(ctx, lodestar.NewUser{Email: "ann@example.com", Name: "Ann", Role: lodestar.RoleAdmin,
		Password: "correct horse battery staple", Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	sess, secret, err := st.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := &formServer{t: t, db: db, st: st, csrf: sess.CSRFToken, logs: &logRecords{},
		cookie:  &http.Cookie{Name: httpx.SessionCookie, Value: secret},
		started: make(chan struct{}, 8), entered: make(chan context.Context, 8), served: make(chan context.Context, 8), waiting: make(chan struct{}, 1)}
	log := slog.New(f.logs)
	f.guard = &httpx.Guard{Sessions: st, Tokens: st, Forms: watchedClaims{Store: st, pending: f.waiting}, Log: log,
		Deny: func(w http.ResponseWriter, r *http.Request, err error) {
			// The page's answer, as the web surface's: its status and
			// message, and the link to the first submission's result.
			w.Header().Set("X-See", httpx.ResentSee(err))
			httpx.WriteJSONError(log, w, r, err)
		}}
	h := f.guard.Wrap(httpx.Route{Method: "POST", Pattern: "/records", Perm: auth.SignedIn, Handler: f.create, Resent: resent})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.entered <- r.Context()
		h.ServeHTTP(w, r)
		f.served <- r.Context()
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *formServer) create(w http.ResponseWriter, r *http.Request) {
	f.started <- struct{}{}
	f.once.Do(func() {
		if f.hold != nil {
			<-f.hold
		}
	})
	title := r.PostFormValue("title")
	if title == "" {
		httpx.WriteJSONError(nil, w, r, lodestar.FieldError("title", "Give the record a title."))
		return
	}
	err := f.db.InTx(r.Context(), func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO guard_records (title) VALUES (?)`, title)
		return err
	})
	if err != nil {
		f.guard.Deny(w, r, err)
		return
	}
	http.Redirect(w, r, "/records/"+title, http.StatusSeeOther)
}

// post sends the form (title, formID) with ctx; it returns the answer's
// status, the X-See header and the error body, or the client's error.
func (f *formServer) post(ctx context.Context, formID, title string) (int, string, httpx.ErrorDetail, error) {
	form := url.Values{httpx.CSRFField: {f.csrf}, httpx.FormIDField: {formID}, "title": {title}}
	req, err := http.NewRequestWithContext(ctx, "POST", f.srv.URL+"/records", strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", httpx.ErrorDetail{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(f.cookie)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", httpx.ErrorDetail{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var eb httpx.ErrorBody
	_ = json.Unmarshal(body, &eb)
	return resp.StatusCode, resp.Header.Get("X-See"), eb.Error, nil
}

func (f *formServer) records(title string) int {
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM guard_records WHERE title = ?`, title).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

const formA = "0123456789abcdef0123456789abcdef"

// TestFormClaimOutlivesClient: the browser drops the first request of a
// double click while its handler is still at work; that submission is
// acted on all the same (one record), and the second is refused as sent
// already, linking to the first's result, with nothing logged as an
// error. Before, the handler's write failed with "context canceled", the
// claim was given back, and the second had already been told the first
// was the one acted on: the submission was lost.
func TestFormClaimOutlivesClient(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		f := newFormServer(t, db, nil)
		f.hold = make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		sent := make(chan error, 1)
		go func() { _, _, _, err := f.post(ctx, formA, "kept"); sent <- err }()
		first := <-f.entered
		<-f.started
		cancel() // the browser goes
		if err := <-sent; err == nil {
			t.Fatal("the first request was answered before its client went")
		}
		// The server sees its client go; only then does the handler write.
		<-first.Done()
		close(f.hold)
		<-f.served
		if n := f.records("kept"); n != 1 {
			t.Fatalf("records after the first request's client went mid-handler: %d, want 1", n)
		}

		status, see, d, err := f.post(context.Background(), formA, "kept")
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusConflict || !strings.Contains(d.Message, "that first submission is the one acted on") || see != "/records/kept" {
			t.Errorf("second send: got %d %q (see %q), want 409 saying the first was acted on, linking to /records/kept", status, d.Message, see)
		}
		if n := f.records("kept"); n != 1 {
			t.Errorf("records after the second send: %d, want 1", n)
		}
		if errs := f.logs.at(slog.LevelError); len(errs) > 0 {
			t.Errorf("logged at ERROR: %q", errs)
		}
	})
}

// TestFormClaimSecondWaits: a second send that arrives while the first is
// being acted on waits for its outcome. When the first is refused (an
// invalid field) the second is acted on in its turn and shows its own
// field errors, never "the first is the one acted on"; when the first is
// acted on the second is refused as sent already; when the first is still
// at work after the wait, the second says so.
func TestFormClaimSecondWaits(t *testing.T) {
	{
		type answer struct {
			status int
			see    string
			d      httpx.ErrorDetail
			err    error
		}
		// race sends title twice with one form_id: the second while the
		// first is held in its handler, which is let go once the second
		// found the claim not yet acted on (it waits).
		race := func(t *testing.T, f *formServer, formID, title string) (first, second answer) {
			f.hold = make(chan struct{})
			ans := make(chan answer, 1)
			go func() {
				var a answer
				a.status, a.see, a.d, a.err = f.post(context.Background(), formID, title)
				ans <- a
			}()
			<-f.started
			go func() {
				<-f.waiting
				close(f.hold)
			}()
			second.status, second.see, second.d, second.err = f.post(context.Background(), formID, title)
			first = <-ans
			if first.err != nil || second.err != nil {
				t.Fatal(first.err, second.err)
			}
			return first, second
		}

		t.Run("first refused", func(t *testing.T) {
			testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
				f := newFormServer(t, db, nil)
				first, second := race(t, f, formA, "")
				if first.status != http.StatusBadRequest {
					t.Fatalf("first send of an invalid form: got %d, want 400", first.status)
				}
				if second.status != http.StatusBadRequest || second.d.Fields["title"] == "" {
					t.Errorf("second send racing an invalid first: got %d %+v, want 400 with the title's error", second.status, second.d)
				}
				// Corrected, the form is acted on.
				if status, _, _, _ := f.post(context.Background(), formA, "fixed"); status != http.StatusSeeOther || f.records("fixed") != 1 {
					t.Errorf("the corrected form: got %d and %d records, want 303 and 1", status, f.records("fixed"))
				}
			})
		})

		t.Run("first acted on", func(t *testing.T) {
			testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
				f := newFormServer(t, db, nil)
				first, second := race(t, f, formA, "twice")
				if first.status != http.StatusSeeOther {
					t.Fatalf("first send: got %d, want 303", first.status)
				}
				if second.status != http.StatusConflict || !strings.Contains(second.d.Message, "that first submission is the one acted on") || second.see != "/records/twice" {
					t.Errorf("second send racing a valid first: got %d %q (see %q), want 409, acted on, see /records/twice", second.status, second.d.Message, second.see)
				}
				if n := f.records("twice"); n != 1 {
					t.Errorf("records: %d, want 1", n)
				}
			})
		})

		t.Run("first still at work", func(t *testing.T) {
			testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
				f := newFormServer(t, db, nil)
				f.guard.FormWait = time.Nanosecond // no wait: the first is held until the second has answered
				f.hold = make(chan struct{})
				ans := make(chan error, 1)
				go func() { _, _, _, err := f.post(context.Background(), formA, "slow"); ans <- err }()
				<-f.started
				status, see, d, err := f.post(context.Background(), formA, "slow")
				if err != nil {
					t.Fatal(err)
				}
				if status != http.StatusConflict || !strings.Contains(d.Message, "still being acted on") || strings.Contains(d.Message, "is the one acted on") || see != "" {
					t.Errorf("second send while the first is at work: got %d %q (see %q), want 409 saying the first is still being acted on", status, d.Message, see)
				}
				close(f.hold)
				if err := <-ans; err != nil {
					t.Fatal(err)
				}
				if n := f.records("slow"); n != 1 {
					t.Errorf("records: %d, want 1", n)
				}
			})
		})
	}
}

// TestFormResentHook: a route that answers its own forms sent again
// (Route.Resent) gets the second send of an acted-on form, with where the
// first one's result is; the guard's own refusal is not sent.
func TestFormResentHook(t *testing.T) {
	var got []string
	f := newFormServer(t, testdb.Open(t), func(w http.ResponseWriter, r *http.Request, see string) {
		got = append(got, see)
		w.WriteHeader(http.StatusConflict)
	})
	for i, want := range []int{http.StatusSeeOther, http.StatusConflict} {
		status, see, _, err := f.post(context.Background(), formA, "hooked")
		if err != nil || status != want || see != "" {
			t.Errorf("send %d: got %d (see %q, %v), want %d from the route", i+1, status, see, err, want)
		}
	}
	if len(got) != 1 || got[0] != "/records/hooked" {
		t.Errorf("Resent called with %q, want once with /records/hooked", got)
	}
}

// flakyClaims passes every call on to the store, except that the first
// failures calls to record a form's outcome (FinishForm, ReleaseForm)
// fail, as they would while the database is away for a moment.
type flakyClaims struct {
	watchedClaims
	mu       sync.Mutex
	failures int
	calls    int
}

func (f *flakyClaims) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.failures {
		return &lodestar.Error{Code: lodestar.EUnavailable, Message: "database unavailable"}
	}
	return nil
}

func (f *flakyClaims) FinishForm(ctx context.Context, userID int64, formID, see string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.FinishForm(ctx, userID, formID, see)
}

func (f *flakyClaims) ReleaseForm(ctx context.Context, userID int64, formID string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.ReleaseForm(ctx, userID, formID)
}

// TestFormOutcomeRecordedAfterFault: a form's outcome that the database
// refuses to record for a moment is tried again, so the next send of the
// form is told at once what became of the first — acted on, or refused
// and free to send again — instead of waiting and reading "still being
// acted on" for the ten minutes until the claim is taken for abandoned.
// An outcome that cannot be recorded at all is logged as an error, once.
func TestFormOutcomeRecordedAfterFault(t *testing.T) {
	defer httpx.SetFormRecordPause(time.Millisecond)()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		f := newFormServer(t, db, nil)
		flaky := &flakyClaims{watchedClaims: f.guard.Forms.(watchedClaims), failures: 2}
		f.guard.Forms = flaky
		f.guard.FormWait = time.Nanosecond // a pending claim is answered at once

		// Acted on, its record failing twice: the second send is refused
		// as sent already, linking to the first's result.
		if status, _, _, err := f.post(context.Background(), formA, "kept"); err != nil || status != http.StatusSeeOther {
			t.Fatalf("first send: %d %v, want 303", status, err)
		}
		status, see, d, err := f.post(context.Background(), formA, "kept")
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusConflict || !strings.Contains(d.Message, "that first submission is the one acted on") || see != "/records/kept" {
			t.Errorf("second send after a recorded fault: got %d %q (see %q), want 409, acted on, see /records/kept", status, d.Message, see)
		}
		if n := f.records("kept"); n != 1 {
			t.Errorf("records: %d, want 1", n)
		}

		// Refused, its release failing twice: the corrected form is acted on.
		const formB = "fedcba9876543210fedcba9876543210"
		flaky.mu.Lock()
		flaky.calls = 0
		flaky.mu.Unlock()
		if status, _, _, _ := f.post(context.Background(), formB, ""); status != http.StatusBadRequest {
			t.Fatalf("invalid send: got %d, want 400", status)
		}
		if status, _, _, _ := f.post(context.Background(), formB, "fixed"); status != http.StatusSeeOther || f.records("fixed") != 1 {
			t.Errorf("corrected send after a refused one whose release failed twice: got %d and %d records, want 303 and 1", status, f.records("fixed"))
		}
		if errs := f.logs.at(slog.LevelError); len(errs) > 0 {
			t.Errorf("logged at ERROR though every outcome was recorded in the end: %q", errs)
		}

		// Never recorded: one error logged, and the next send says the
		// first may still be at work (it cannot know better).
		const formC = "00000000000000000000000000000abc"
		flaky.mu.Lock()
		flaky.calls, flaky.failures = 0, 1000
		flaky.mu.Unlock()
		if status, _, _, _ := f.post(context.Background(), formC, "lost"); status != http.StatusSeeOther {
			t.Fatalf("send whose outcome is never recorded: got %d, want 303", status)
		}
		if errs := f.logs.at(slog.LevelError); len(errs) != 1 || !strings.Contains(errs[0], "record form outcome") {
			t.Errorf("logged at ERROR: %q, want one 'record form outcome'", errs)
		}
		if status, _, d, _ := f.post(context.Background(), formC, "lost"); status != http.StatusConflict || !strings.Contains(d.Message, "still being acted on") {
			t.Errorf("send after an unrecorded outcome: got %d %q, want 409 still being acted on", status, d.Message)
		}
	})
}
