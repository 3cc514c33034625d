package api

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// A stream outlives the check of its credential made when it opened, so
// the credential is checked again every heartbeat (httpx.Recheck): a
// token revoked or expired, a session ended, a user disabled or given a
// role without ModelRead stops getting flips. Thousands of streams often
// present one credential (a service's token, on every replica of it), and
// a check is database queries, so the check is made once per credential,
// not once per stream: the streams that present the same token (or
// session) share one credCheck, which checks it every heartbeat on its
// own timer and, when the credential is no longer good, ends every one of
// them at once.
//
// The bound: a credential that stops being good at time T ends all its
// streams by T + one heartbeat + the time of two checks (one may have read
// the credential just before T; the next starts one heartbeat after that
// one returned) — milliseconds; a check is cut short after 5 s. A stream
// that opens later is checked within a heartbeat of opening. A check that
// could not run (the database briefly away: an internal error) decides
// nothing: the streams stay, and the next check is a heartbeat later.
//
// Nothing secret is kept here: a credCheck is found by the token's or
// session's ID, and checks with the request of one of its streams, whose
// stream holds the same secret anyway; it is dropped when its last stream
// ends, or when its credential is found no longer good.

// credChecks is the checks of the credentials of a server's open
// streams; its zero value is ready.
type credChecks struct {
	mu sync.Mutex
	m  map[string]*credCheck // by httpx.CredentialKey
}

// credCheck checks one credential for the streams that present it.
type credCheck struct {
	key     string // "" when not in credChecks.m: a stream's own
	beat    time.Duration
	streams map[*streamCheck]struct{}
	timer   *time.Timer
	over    bool // its streams are ended or gone: it checks no more
}

// streamCheck is one stream's place in its credential's checks.
type streamCheck struct {
	r   *http.Request
	cc  *credCheck
	end func() // ends the stream; called at most once, with no lock held
}

// jitter returns when, from now, the first of a series of events every
// beat should happen: at a random point of the second half of the
// interval, so that streams opened together (a replica's clients
// reconnecting after a restart) do not all ping or check in the same
// instant, and no gap is longer than beat.
func jitter(beat time.Duration) time.Duration {
	return beat/2 + rand.N(beat/2+1)
}

// join adds a stream, whose request is r and which end ends, to the
// checks of its credential, every beat.
func (cs *credChecks) join(r *http.Request, beat time.Duration, end func()) *streamCheck {
	sc := &streamCheck{r: r, end: end}
	key := httpx.CredentialKey(r)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cc := cs.m[key]
	if key == "" || cc == nil {
		cc = &credCheck{key: key, beat: beat, streams: map[*streamCheck]struct{}{}}
		if key != "" {
			if cs.m == nil {
				cs.m = map[string]*credCheck{}
			}
			cs.m[key] = cc
		}
		cc.timer = time.AfterFunc(jitter(beat), func() { cs.check(cc) })
	}
	cc.streams[sc] = struct{}{}
	sc.cc = cc
	return sc
}

// leave removes a stream that ends; its credential's checks stop with
// its last stream.
func (cs *credChecks) leave(sc *streamCheck) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cc := sc.cc
	delete(cc.streams, sc)
	if len(cc.streams) == 0 && !cc.over {
		cs.drop(cc)
	}
}

// drop ends cc's checks. Called with cs.mu held.
func (cs *credChecks) drop(cc *credCheck) {
	cc.over = true
	cc.timer.Stop()
	if cc.key != "" && cs.m[cc.key] == cc {
		delete(cs.m, cc.key)
	}
}

// check checks cc's credential with the request of one of its streams,
// and ends them all when it is no longer good.
func (cs *credChecks) check(cc *credCheck) {
	cs.mu.Lock()
	if cc.over {
		cs.mu.Unlock()
		return
	}
	var r *http.Request
	for sc := range cc.streams {
		r = sc.r
		break
	}
	cs.mu.Unlock()
	// Not cut short when that stream ends meanwhile: the others need the
	// answer (Recheck bounds the check's time).
	err := httpx.Recheck(r.WithContext(context.WithoutCancel(r.Context())))
	cs.mu.Lock()
	if cc.over {
		cs.mu.Unlock()
		return
	}
	if err == nil || lodestar.ErrorCode(err) == lodestar.EInternal {
		cc.timer.Reset(cc.beat)
		cs.mu.Unlock()
		return
	}
	cs.drop(cc)
	ended := make([]*streamCheck, 0, len(cc.streams))
	for sc := range cc.streams {
		ended = append(ended, sc)
	}
	clear(cc.streams)
	cs.mu.Unlock()
	for _, sc := range ended {
		sc.end()
	}
}
