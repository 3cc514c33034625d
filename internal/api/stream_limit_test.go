package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// bothPathsWith is bothPaths with the server's options set before it
// starts.
func bothPathsWith(t *testing.T, option func(*Server), fn func(t *testing.T, f *checkFixture)) {
	for _, h2 := range []bool{false, true} {
		name := "http1-hijacked"
		if h2 {
			name = "h2-goroutine"
		}
		t.Run(name, func(t *testing.T) {
			fn(t, newCheckFixture(t, h2, option))
		})
	}
}

// refusal is a stream the server refused: its status, Retry-After and
// error.
type refusal struct {
	status     int
	retryAfter string
	body       httpx.ErrorBody
}

// tryStream opens a stream with req's credential and, when the server
// refuses it, returns the refusal; an accepted stream is closed at once
// and its status returned.
func (f *checkFixture) tryStream(req *http.Request) refusal {
	f.t.Helper()
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := refusal{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if resp.StatusCode != http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			f.t.Errorf("refused stream: Content-Type %q, want JSON like every API error", ct)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out.body); err != nil {
			f.t.Errorf("refused stream: body is not the API's error: %v", err)
		}
	}
	return out
}

func (f *checkFixture) tokenRequest(secret string) *http.Request {
	req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	return req
}

// TestStreamCapPerCredential: a token at its cap of streams is refused
// another with 429, Retry-After and a message naming the flag, and is
// counted; another token, and a session, still connect; and a stream of
// the token that ends gives its slot back at once, whichever way its
// client goes.
func TestStreamCapPerCredential(t *testing.T) {
	bothPathsWith(t, func(s *Server) { s.MaxStreamsPerCredential = 2 }, func(t *testing.T, f *checkFixture) {
		tok, secret := f.token("service@example.com")
		key := "token:" + strconv.FormatInt(tok.ID, 10)
		streams := f.open(secret, 2)
		r := f.tryStream(f.tokenRequest(secret))
		if r.status != http.StatusTooManyRequests || r.body.Error.Code != lodestar.ETooManyRequests {
			t.Fatalf("third stream of a token capped at 2: %d %+v, want 429 too_many_requests", r.status, r.body)
		}
		if r.retryAfter != "20" {
			t.Errorf("Retry-After %q, want 20", r.retryAfter)
		}
		if msg := r.body.Error.Message; !strings.Contains(msg, "--max-streams-per-credential") || !strings.Contains(msg, "This token already holds 2 switch streams") {
			t.Errorf("message %q: want it to say the token holds 2 streams and name --max-streams-per-credential", msg)
		}
		if st := f.s.StreamStats(); st.RefusedCredential != 1 || st.RefusedServer != 0 || st.Open != 2 {
			t.Errorf("stats %+v, want 2 open and one refused at the credential's cap", st)
		}

		// Another credential is not held to this one's count.
		_, other := f.token("other@example.com")
		others := f.open(other, 2)
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		u, err := f.st.CreateUser(ctx, lodestar.NewUser{Email: "person@example.com", Name: "Person", Role: lodestar.RoleViewer, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		_, sessSecret, err := f.st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sessSecret})
		if r := f.tryStream(req); r.status != http.StatusOK {
			t.Errorf("a session's stream while a token is at its cap: %d %+v, want 200", r.status, r.body)
		}

		// The client of one stream goes away: its slot is free again, and
		// the token's next stream is taken.
		streams[0].close()
		eventually(t, "the closed stream's slot to be given back", func() bool { return f.s.streamsOf(key) == 1 })
		streams = append(streams, f.open(secret, 1)...)
		if r := f.tryStream(f.tokenRequest(secret)); r.status != http.StatusTooManyRequests {
			t.Errorf("at the cap again: %d, want 429", r.status)
		}
		for _, cs := range append(streams, others...) {
			cs.close()
		}
		eventually(t, "every slot to be given back", func() bool { return f.s.StreamStats().Open == 0 })
		if f.s.streamsOf(key) != 0 || len(f.s.slots.byCred) != 0 {
			t.Errorf("slots left after every stream ended: %v", f.s.slots.byCred)
		}
	})
}

// TestStreamCapServer: a server at its cap refuses the next stream, of
// any credential, with 503 and its own Retry-After (not the 5 s of a
// database away), counted apart; a stream the server ends (its token
// revoked) gives its slot back, and the next stream is taken.
func TestStreamCapServer(t *testing.T) {
	bothPathsWith(t, func(s *Server) { s.MaxStreams = 2 }, func(t *testing.T, f *checkFixture) {
		tokA, a := f.token("a@example.com")
		_, b := f.token("b@example.com")
		_, c := f.token("c@example.com")
		streamsA := f.open(a, 1)
		f.open(b, 1)
		r := f.tryStream(f.tokenRequest(c))
		if r.status != http.StatusServiceUnavailable || r.body.Error.Code != lodestar.EUnavailable {
			t.Fatalf("a third stream on a server capped at 2: %d %+v, want 503 unavailable", r.status, r.body)
		}
		if r.retryAfter != "10" {
			t.Errorf("Retry-After %q, want 10", r.retryAfter)
		}
		if msg := r.body.Error.Message; !strings.Contains(msg, "--max-streams)") || !strings.Contains(msg, "holds 2 switch streams") {
			t.Errorf("message %q: want it to say the server holds 2 streams and name --max-streams", msg)
		}
		if st := f.s.StreamStats(); st.RefusedServer != 1 || st.RefusedCredential != 0 || st.Open != 2 {
			t.Errorf("stats %+v, want 2 open and one refused at the server's cap", st)
		}

		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		if err := f.st.RevokeToken(ctx, tokA.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked token's stream to end", func() bool { return ended(streamsA[0]) })
		eventually(t, "its slot to be given back", func() bool { return f.s.StreamStats().Open == 1 })
		f.open(c, 1)
	})
}

// TestStreamSlotsUncapped: with no caps (0, as app.New leaves them
// unless told) nothing is refused, and the slots are still counted.
func TestStreamSlotsUncapped(t *testing.T) {
	f := newCheckFixture(t, false)
	_, secret := f.token("service@example.com")
	streams := f.open(secret, 5)
	if st := f.s.StreamStats(); st.Open != 5 || st.RefusedCredential+st.RefusedServer != 0 {
		t.Errorf("stats %+v, want 5 open, none refused", st)
	}
	for _, cs := range streams {
		cs.close()
	}
	eventually(t, "every slot to be given back", func() bool { return f.s.StreamStats().Open == 0 })
}

// TestStreamCapPerUser: a user at its cap of streams, across all its
// tokens and sessions, is refused another with 429, Retry-After and a
// message naming the flag, even from a token of its own that holds
// fewer than its per-credential share (minting tokens gives no more
// streams), and is counted apart; another user still connects; a stream
// of the user that ends gives the user's slot back, and the user's next
// stream is taken.
func TestStreamCapPerUser(t *testing.T) {
	bothPathsWith(t, func(s *Server) { s.MaxStreamsPerCredential, s.MaxStreamsPerUser = 2, 3 }, func(t *testing.T, f *checkFixture) {
		tok, first := f.token("service@example.com")
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		_, second, err := f.st.CreateToken(ctx, "service@example.com", "another", nil)
		if err != nil {
			t.Fatal(err)
		}
		streams := append(f.open(first, 2), f.open(second, 1)...)
		r := f.tryStream(f.tokenRequest(second))
		if r.status != http.StatusTooManyRequests || r.body.Error.Code != lodestar.ETooManyRequests {
			t.Fatalf("a fourth stream of a user capped at 3, from a token holding 1: %d %+v, want 429 too_many_requests", r.status, r.body)
		}
		if r.retryAfter != "20" {
			t.Errorf("Retry-After %q, want 20", r.retryAfter)
		}
		if msg := r.body.Error.Message; !strings.Contains(msg, "--max-streams-per-user") || !strings.Contains(msg, "This user already holds 3 switch streams") {
			t.Errorf("message %q: want it to say the user holds 3 streams and name --max-streams-per-user", msg)
		}
		// A sign-in of the same user counts against the same cap.
		_, sessSecret, err := f.st.CreateSession(ctx, tok.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sessSecret})
		if r := f.tryStream(req); r.status != http.StatusTooManyRequests || !strings.Contains(r.body.Error.Message, "--max-streams-per-user") {
			t.Errorf("a sign-in's stream of the user at its cap: %d %+v, want 429 naming --max-streams-per-user", r.status, r.body)
		}
		if st := f.s.StreamStats(); st.RefusedUser != 2 || st.RefusedCredential != 0 || st.RefusedServer != 0 || st.Open != 3 {
			t.Errorf("stats %+v, want 3 open and two refused at the user's cap", st)
		}

		// Another user is not held to this one's count.
		_, other := f.token("other@example.com")
		others := f.open(other, 2)

		// One of the user's streams ends: its slot is the user's again.
		streams[0].close()
		eventually(t, "the closed stream's slot to be given back", func() bool { return f.s.streamsOfUser(tok.UserID) == 2 })
		streams = append(streams, f.open(second, 1)...)
		if r := f.tryStream(f.tokenRequest(first)); r.status != http.StatusTooManyRequests || !strings.Contains(r.body.Error.Message, "--max-streams-per-user") {
			t.Errorf("at the user's cap again: %d %+v, want 429 naming --max-streams-per-user", r.status, r.body)
		}
		for _, cs := range append(streams, others...) {
			cs.close()
		}
		eventually(t, "every slot to be given back", func() bool { return f.s.StreamStats().Open == 0 })
		if len(f.s.slots.byUser) != 0 || len(f.s.slots.byCred) != 0 {
			t.Errorf("slots left after every stream ended: by user %v, by credential %v", f.s.slots.byUser, f.s.slots.byCred)
		}
	})
}

// TestStreamSlotGivenBackOnce: a slot's release given twice gives the
// slot back once; the other streams' slots, of the same credential and
// user, stay counted.
func TestStreamSlotGivenBackOnce(t *testing.T) {
	s := &Server{MaxStreamsPerCredential: 5, MaxStreamsPerUser: 5}
	r := httptest.NewRequest("GET", "/stream", nil)
	var releases []func()
	for range 3 {
		release, err := s.takeStreamSlot(httptest.NewRecorder(), r)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	releases[0]()
	releases[0]()
	if st := s.StreamStats(); st.Open != 2 || s.streamsOf("") != 2 || s.streamsOfUser(0) != 2 {
		t.Errorf("after one release given twice: %d open, %d of the credential, %d of the user; want 2 each", st.Open, s.streamsOf(""), s.streamsOfUser(0))
	}
	releases[1]()
	releases[2]()
	if st := s.StreamStats(); st.Open != 0 || len(s.slots.byCred) != 0 || len(s.slots.byUser) != 0 {
		t.Errorf("after every release: %+v, by credential %v, by user %v; want none", st, s.slots.byCred, s.slots.byUser)
	}
}

// TestStreamRefusalsInChinese: a client whose Accept-Language asks for
// Simplified Chinese reads each cap's refusal in Chinese — a token's, a
// sign-in's, a user's, the server's — with its numbers (the streams held,
// the seconds to wait) as they are, and the code and Retry-After
// unchanged; a client that asks for nothing reads English.
func TestStreamRefusalsInChinese(t *testing.T) {
	bothPathsWith(t, func(s *Server) { s.MaxStreamsPerCredential, s.MaxStreamsPerUser, s.MaxStreams = 2, 3, 6 }, func(t *testing.T, f *checkFixture) {
		zh := func(req *http.Request) *http.Request {
			req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
			return req
		}
		check := func(what string, r refusal, status int, code, retry string, parts ...string) {
			t.Helper()
			if r.status != status || r.body.Error.Code != code || r.retryAfter != retry {
				t.Errorf("%s: %d %s Retry-After %q, want %d %s %s", what, r.status, r.body.Error.Code, r.retryAfter, status, code, retry)
			}
			for _, p := range parts {
				if !strings.Contains(r.body.Error.Message, p) {
					t.Errorf("%s: message %q, want it to hold %q", what, r.body.Error.Message, p)
				}
			}
		}
		tok, a1 := f.token("service@example.com")
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		_, a2, err := f.st.CreateToken(ctx, "service@example.com", "another", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.open(a1, 2)
		check("a token at its cap", f.tryStream(zh(f.tokenRequest(a1))), 429, lodestar.ETooManyRequests, "20",
			"此令牌在本服务器上已持有 2 个开关流", "serve --max-streams-per-credential", "20 秒后重试")
		// Asked for nothing, the same refusal is English.
		check("a token at its cap, no Accept-Language", f.tryStream(f.tokenRequest(a1)), 429, lodestar.ETooManyRequests, "20",
			"This token already holds 2 switch streams")
		f.open(a2, 1)
		check("a user at its cap", f.tryStream(zh(f.tokenRequest(a2))), 429, lodestar.ETooManyRequests, "20",
			"此用户的全部令牌和登录在本服务器上共持有 3 个开关流", "serve --max-streams-per-user", "20 秒后重试")

		// A sign-in (of another user) at its cap of 2.
		u, err := f.st.CreateUser(ctx, lodestar.NewUser{Email: "person@example.com", Name: "Person", Role: lodestar.RoleViewer, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		_, sess, err := f.st.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		sessionRequest := func() *http.Request {
			req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: sess})
			return req
		}
		for range 2 {
			resp, err := f.client.Do(sessionRequest())
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("a sign-in's stream: %v %v", resp, err)
			}
			t.Cleanup(func() { resp.Body.Close() })
		}
		check("a sign-in at its cap", f.tryStream(zh(sessionRequest())), 429, lodestar.ETooManyRequests, "20",
			"此登录在本服务器上已持有 2 个开关流", "serve --max-streams-per-credential")

		// The server at its cap of 6: a third user is refused.
		_, b := f.token("b@example.com")
		f.open(b, 1)
		_, c := f.token("c@example.com")
		check("the server at its cap", f.tryStream(zh(f.tokenRequest(c))), 503, lodestar.EUnavailable, "10",
			"本服务器已持有 6 个开关流", "serve --max-streams", "10 秒后重试")
		if st := f.s.StreamStats(); st.Open != 6 || f.s.streamsOfUser(tok.UserID) != 3 {
			t.Errorf("stats %+v, want 6 open, 3 of the first user", st)
		}
	})
}
