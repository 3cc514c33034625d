package sdk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// A refused token could be told from an unreachable server only by
// reading Err's text: a service alerting on a wrong or revoked token (its
// switches frozen at the defaults for good) had nothing to compare. Err,
// and the OpenFeature initialisation, wrap ErrRefused; other failures
// do not.
func TestSwitchesRefusalIsErrRefused(t *testing.T) {
	srv, _, _ := server(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_wrong", FailClosed: true, MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	waitFor(t, "the refusal", func() bool { return sw.Err() != nil })
	if err := sw.Err(); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("Err %v: not ErrRefused", err)
	}
	if err := initResult(t, sw); !errors.Is(err, sdk.ErrRefused) {
		t.Errorf("OpenFeature initialisation %v: not ErrRefused", err)
	}

	down := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://127.0.0.1:1", Token: "lst_x", MinBackoff: 10 * time.Millisecond})
	defer down.Close()
	waitFor(t, "the failure", func() bool { return down.Err() != nil })
	if err := down.Err(); errors.Is(err, sdk.ErrRefused) {
		t.Errorf("an unreachable server's Err %v is ErrRefused", err)
	}
}
