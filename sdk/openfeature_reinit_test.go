package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/lodestar-hq/lodestar/sdk"
)

// initWith runs the provider's InitWithContext, as OpenFeature does, with
// ctx bounding it.
func initWith(ctx context.Context, sw *sdk.Switches) error {
	return sw.Provider().(openfeature.ContextAwareStateHandler).InitWithContext(ctx, openfeature.EvaluationContext{})
}

// A second initialisation (a provider registered again, with another
// OpenFeature API or after a Shutdown) answers what is already known at
// once, as the first does: the refusal the first one heard was taken by
// it, and the second waited for the next refusal (up to MaxBackoff away)
// or its deadline, then said only "no snapshot yet".
func TestOpenFeatureInitAgainAnswersWhatIsKnown(t *testing.T) {
	srv, tok, _ := server(t)

	// The token is refused; the client will not ask again for half an hour.
	refused := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_wrong", MinBackoff: time.Hour, MaxBackoff: time.Hour})
	defer refused.Close()
	for i := range 3 {
		if err := initResult(t, refused); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("initialisation %d with a refused token: %v, want the 401 at once", i+1, err)
		}
	}
	if n := refused.Connections(); n != 0 {
		t.Errorf("%d streams accepted, want none", n)
	}

	// A client that can never connect says why every time, not "closed".
	for _, opt := range []sdk.Options{{URL: "127.0.0.1:8080", Token: "t"}, {URL: srv.URL}} {
		never := sdk.NewSwitches(context.Background(), opt)
		first := initResult(t, never)
		second := initResult(t, never)
		if first == nil || second == nil || first.Error() != second.Error() || strings.Contains(second.Error(), "closed") {
			t.Errorf("%+v: first init %v, second %v; want the same reason twice", opt, first, second)
		}
		never.Close()
	}

	// Ready: every initialisation succeeds.
	ok := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok})
	defer ok.Close()
	for i := range 2 {
		if err := initResult(t, ok); err != nil {
			t.Errorf("initialisation %d with a good token: %v", i+1, err)
		}
	}
}

// Initialisations waiting together all hear the refusal: it was one
// message, and only one of them received it.
func TestOpenFeatureInitsWaitingTogetherAllHearTheRefusal(t *testing.T) {
	release := make(chan struct{})
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-release
		apiError(w, http.StatusUnauthorized, "unauthorized", "This token is revoked.")
	}))
	defer srv.Close()
	defer close(release)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", MinBackoff: time.Hour, MaxBackoff: time.Hour})
	defer sw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = initWith(ctx, sw) })
	}
	waitFor(t, "the stream's request", func() bool { return asked.Load() == 1 })
	release <- struct{}{}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "revoked") || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("initialisation %d: %v, want the refusal", i+1, err)
		}
	}
}

// A refusal stands only until the server accepts a stream: an
// initialisation after that waits for the snapshot, not failing on the
// refusal of before.
func TestOpenFeatureInitForgetsARefusalOnceAccepted(t *testing.T) {
	var n atomic.Int32
	snapshot := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			apiError(w, http.StatusUnauthorized, "unauthorized", "Not yet.")
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		select {
		case <-snapshot:
			fmt.Fprint(w, "event: snapshot\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
	defer sw.Close()
	waitFor(t, "the accepted stream", func() bool { return sw.Connections() == 1 })

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := initWith(short, sw); err == nil || strings.Contains(err.Error(), "Not yet") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("init with the stream accepted but no snapshot: %v, want its deadline, not the old refusal", err)
	}
	close(snapshot)
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := initWith(ctx, sw); err != nil {
		t.Errorf("init once the snapshot is in: %v", err)
	}
}
