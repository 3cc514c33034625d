package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// A switch stream holds a connection, and so a file descriptor, for as
// long as its client keeps it. Without a cap one credential (a token in
// a loop, a session) could open streams until the process ran out of
// descriptors, and then no request at all — a flip of the kill switch
// included — could be accepted. So the streams open on a server are
// capped, in all (Server.MaxStreams: 503, the server is full), per
// credential, a token or a session (Server.MaxStreamsPerCredential: 429,
// that credential holds its share), and per user, all its tokens and
// sessions together (Server.MaxStreamsPerUser: 429, the user holds its
// share; minting more tokens gives no more), before anything else of the
// stream is done. A stream's slot is given back the moment it ends, however it
// ends: its client gone, its credential no longer good, the server
// shutting down.

// Retry-After of a stream refused at a cap. A slot frees only when a
// stream ends, which a client cannot know; these are long enough that
// the refused clients of a full server ask a few times a minute, not
// in a loop, and short enough that one finds the slot another freed
// (or, behind a load balancer, another replica) soon. Both are at most
// two thirds of the Go SDK's default MaxBackoff (30 s): the SDK waits
// Retry-After and up to half as long again, within MaxBackoff, and a
// Retry-After of 30 s left that spread no room — every replica of a
// service refused at its token's cap came back in the same instant.
const (
	credentialFullRetry = 20 * time.Second
	serverFullRetry     = 10 * time.Second
)

// streamSlots counts the streams open on a server, in all, per
// credential and per user; its zero value is ready.
type streamSlots struct {
	mu     sync.Mutex
	open   int
	byCred map[string]int // by httpx.CredentialKey; an entry is dropped at 0
	byUser map[int64]int  // by user ID; an entry is dropped at 0
	// The streams refused at each cap since the server started.
	refusedCred, refusedUser, refusedServer int64
	lastLog                                 time.Time // the last refusal logged
}

// StreamStats is what an operator sees of the switch streams (GET
// /metrics).
type StreamStats struct {
	// Open is how many streams are open now.
	Open int
	// RefusedCredential, RefusedUser and RefusedServer count the streams
	// refused since the server started: at the per-credential cap (429),
	// the per-user cap (429), and the server's (503).
	RefusedCredential, RefusedUser, RefusedServer int64
}

// StreamStats returns the server's stream counts.
func (s *Server) StreamStats() StreamStats {
	s.slots.mu.Lock()
	defer s.slots.mu.Unlock()
	return StreamStats{Open: s.slots.open, RefusedCredential: s.slots.refusedCred, RefusedUser: s.slots.refusedUser, RefusedServer: s.slots.refusedServer}
}

// streamsOf returns how many streams credential key holds, for tests.
func (s *Server) streamsOf(key string) int {
	s.slots.mu.Lock()
	defer s.slots.mu.Unlock()
	return s.slots.byCred[key]
}

// streamsOfUser returns how many streams a user holds, for tests.
func (s *Server) streamsOfUser(id int64) int {
	s.slots.mu.Lock()
	defer s.slots.mu.Unlock()
	return s.slots.byUser[id]
}

// takeStreamSlot takes a slot for r's stream, or refuses it (429 at the
// per-credential or the per-user cap, 503 at the server's, each with
// Retry-After). The function returned gives the slot back, once however
// often it is called; call it when the stream ends.
func (s *Server) takeStreamSlot(w http.ResponseWriter, r *http.Request) (func(), error) {
	key := httpx.CredentialKey(r)
	// The user whose streams these are: 0 (counted under no user, held to
	// no user cap) only for a request the guard let in without one.
	var user int64
	if u := httpx.IdentityFrom(r.Context()).User; u != nil {
		user = u.ID
	}
	sl := &s.slots
	sl.mu.Lock()
	var err error
	var retry time.Duration
	held, userHeld := sl.byCred[key], sl.byUser[user]
	switch {
	// The credential's own cap first: a credential at it is told so
	// (something of its own to mend) even when the server is full too;
	// then its user's, for the same reason.
	case s.MaxStreamsPerCredential > 0 && held >= s.MaxStreamsPerCredential:
		sl.refusedCred++
		retry = credentialFullRetry
		msg := "This token already holds %d switch streams on this server, the most one token or sign-in may (serve --max-streams-per-credential): close one it no longer reads, or retry in %d s."
		if credentialNoun(key) == "sign-in" {
			msg = "This sign-in already holds %d switch streams on this server, the most one token or sign-in may (serve --max-streams-per-credential): close one it no longer reads, or retry in %d s."
		}
		err = lodestar.Errorf(lodestar.ETooManyRequests, msg, held, int(retry/time.Second))
	case user != 0 && s.MaxStreamsPerUser > 0 && userHeld >= s.MaxStreamsPerUser:
		sl.refusedUser++
		retry = credentialFullRetry
		err = lodestar.Errorf(lodestar.ETooManyRequests, "This user already holds %d switch streams on this server across all its tokens and sign-ins, the most one user may (serve --max-streams-per-user): close one no longer read, or retry in %d s.",
			userHeld, int(retry/time.Second))
	case s.MaxStreams > 0 && sl.open >= s.MaxStreams:
		sl.refusedServer++
		retry = serverFullRetry
		err = lodestar.Errorf(lodestar.EUnavailable, "This server holds %d switch streams, the most it takes (serve --max-streams): retry in %d s.",
			sl.open, int(retry/time.Second))
	}
	if err != nil {
		logIt := s.Log != nil && time.Since(sl.lastLog) >= time.Minute
		if logIt {
			sl.lastLog = time.Now()
		}
		open, refCred, refUser, refServer := sl.open, sl.refusedCred, sl.refusedUser, sl.refusedServer
		sl.mu.Unlock()
		if logIt {
			// At most once a minute: a full server refuses its clients
			// again and again; the counts are on /metrics.
			s.Log.Warn("switch streams refused at a cap", slog.String("credential", key), slog.Int64("user", user), slog.Int("open", open),
				slog.Int("max_streams", s.MaxStreams), slog.Int("max_streams_per_credential", s.MaxStreamsPerCredential),
				slog.Int("max_streams_per_user", s.MaxStreamsPerUser), slog.Int64("refused_per_credential", refCred),
				slog.Int64("refused_per_user", refUser), slog.Int64("refused_server", refServer))
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
		return nil, err
	}
	if sl.byCred == nil {
		sl.byCred, sl.byUser = map[string]int{}, map[int64]int{}
	}
	sl.byCred[key] = held + 1
	sl.byUser[user] = userHeld + 1
	sl.open++
	sl.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			sl.mu.Lock()
			defer sl.mu.Unlock()
			sl.open--
			if n := sl.byCred[key] - 1; n > 0 {
				sl.byCred[key] = n
			} else {
				delete(sl.byCred, key)
			}
			if n := sl.byUser[user] - 1; n > 0 {
				sl.byUser[user] = n
			} else {
				delete(sl.byUser, user)
			}
		})
	}, nil
}

// credentialNoun names the kind of credential a key is.
func credentialNoun(key string) string {
	if strings.HasPrefix(key, "session:") {
		return "sign-in"
	}
	return "token"
}
