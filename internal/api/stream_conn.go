package api

import (
	"errors"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// A stream over HTTP/1.1 without TLS is served on its connection, taken
// over from net/http once the headers and the snapshot are sent: the hub
// writes each flip to every such connection itself, from one goroutine
// per core, instead of waking one goroutine per stream to write it (with
// 10,000 streams the wake-ups cost about as much as the writes). The
// body stays chunked as net/http began it: each write is one chunk, and
// a stream the server ends gets the last chunk. Each flip's event is
// formatted once and the same bytes go to every stream at the same event
// ID. The hub never waits on a client: it writes without blocking, and
// what a full socket does not take is left to the stream's own
// goroutine, which the fan-out passes by until it has written it. That
// goroutine otherwise sleeps reading the connection (a client sends
// nothing on a stream: a read ends when it goes away) until the next
// heartbeat, or until the hub asks it to take over a write, or its
// credential's check (credChecks) ends it.
//
// Other streams (HTTP/2, TLS, HTTP/1.0) keep a goroutine each that wakes
// on every flip (streamSwitches).

// connStream is a stream on a connection taken over from net/http.
type connStream struct {
	conn   net.Conn
	w      nowWriter // in the stream, not apart: one less cache line to fetch per flip
	direct bool      // w can write; false: no writes without blocking here, the goroutine writes every flip

	mu   sync.Mutex // guards what follows; never held across a blocking call
	pos  int64      // the hub's flips the stream has been given
	seq  int64      // the event ID last sent
	sent sentVersions
	rest []byte   // the part of a write the socket did not take (busy)
	busy bool     // the stream's goroutine is writing: the fan-out leaves the stream to it
	end  endCause // set: the stream is over
}

type endCause int

const (
	running   endCause = iota
	endClean           // the server ends it: the body gets its last chunk
	endBroken          // the connection failed: it is only closed
)

// poke makes the stream's goroutine stop reading and look at the stream.
// Called with c.mu held.
func (c *connStream) poke() { _ = c.conn.SetReadDeadline(time.Unix(1, 0)) }

// eventCache holds one flip's event as one chunk, for the streams at the
// same event ID: formatted once, written to each.
type eventCache struct {
	n, seq int64 // the chunk is flip n's (the hub's count), at ID seq
	chunk  []byte
	buf    []byte // scratch for the rarer writes of several events
}

// next returns, as one chunk, the events for the flips after the
// stream's position up to st, and moves the stream on; an empty slice
// when it needs none of them, and false when some have left the backlog
// (the stream is too slow). The bytes belong to ec: write them before
// calling again with the same cache. Called with c.mu held.
func (c *connStream) next(st *hubState, ec *eventCache) ([]byte, bool) {
	if c.pos >= st.n {
		return nil, true
	}
	flips, ok := st.since(c.pos)
	if !ok {
		return nil, false
	}
	c.pos = st.n
	if len(flips) == 1 {
		f := flips[0]
		had := c.sent.of(f.idx)
		if f.version <= had {
			return nil, true
		}
		c.seq += f.version - had
		c.sent.set(f.idx, f.version)
		if ec.n != st.n || ec.seq != c.seq || ec.chunk == nil {
			ec.buf = appendEvent(ec.buf[:0], "switch", c.seq, f.data)
			ec.chunk = appendChunk(ec.chunk[:0], ec.buf)
			ec.n, ec.seq = st.n, c.seq
		}
		return ec.chunk, true
	}
	ec.buf = ec.buf[:0]
	for _, f := range flips {
		if had := c.sent.of(f.idx); f.version > had {
			c.seq += f.version - had
			c.sent.set(f.idx, f.version)
			ec.buf = appendEvent(ec.buf, "switch", c.seq, f.data)
		}
	}
	if len(ec.buf) == 0 {
		return nil, true
	}
	ec.n = -1 // ec.chunk is overwritten
	ec.chunk = appendChunk(ec.chunk[:0], ec.buf)
	return ec.chunk, true
}

// deliver writes the flips up to st to the stream, without blocking: what
// the socket does not take is left to the stream's goroutine.
func (c *connStream) deliver(st *hubState, ec *eventCache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy || c.end != running || c.pos >= st.n {
		return
	}
	if !c.direct {
		c.poke()
		return
	}
	b, ok := c.next(st, ec)
	if !ok {
		c.end = endClean // too slow: its client reconnects for a snapshot
		c.poke()
		return
	}
	if len(b) == 0 {
		return
	}
	n, err := c.w.write(b)
	if err != nil {
		c.end = endBroken
		c.poke()
		return
	}
	if n < len(b) {
		c.rest = append(c.rest[:0], b[n:]...)
		c.busy = true
		c.poke()
	}
}

// appendChunk appends p as one chunk of a chunked HTTP/1.1 body; p is
// never empty (an empty chunk ends the body).
func appendChunk(dst, p []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(p)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, p...)
	return append(dst, "\r\n"...)
}

// lastChunk ends a chunked body (with no trailers).
const lastChunk = "0\r\n\r\n"

// takeOver takes the stream's connection from net/http once what was
// written so far (the headers, which begin a chunked body, and the
// snapshot) is sent; nil when the stream stays with net/http.
func takeOver(w http.ResponseWriter, r *http.Request, rc *http.ResponseController) net.Conn {
	// Only HTTP/1.1 bodies of this kind are chunked; a TLS connection
	// cannot be written without blocking.
	if r.ProtoMajor != 1 || r.ProtoMinor < 1 || r.TLS != nil || r.Method != http.MethodGet {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		return nil
	}
	return conn
}

// serveConn serves a stream on its connection until its client goes away
// or the stream ends; st, seq and sent are where its snapshot left it.
func (s *Server) serveConn(r *http.Request, conn net.Conn, st *hubState, seq int64, sent sentVersions, beat time.Duration) {
	c := &connStream{conn: conn, pos: st.n, seq: seq, sent: sent}
	c.direct = c.w.init(conn)
	h := s.Hub
	h.add(c)
	defer h.remove(c)
	defer conn.Close()
	// See streamSwitches: the credential is checked once for all the
	// streams that present it, and one no longer good ends the stream.
	check := s.checks.join(r, beat, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.end == running {
			c.end = endClean
		}
		c.poke()
	})
	defer s.checks.leave(check)
	next := time.Now().Add(jitter(beat))
	c.mu.Lock()
	c.poke() // flips published since st: the fan-out may have passed the stream by
	c.mu.Unlock()
	var ec eventCache
	var out []byte
	in := make([]byte, 512)
	for {
		if _, err := conn.Read(in); err == nil {
			continue // a client has nothing to say on a stream
		} else if !errors.Is(err, os.ErrDeadlineExceeded) {
			c.mu.Lock()
			c.end = endBroken
			c.mu.Unlock()
			return // the client went away
		}
		ping := false
		if !time.Now().Before(next) {
			ping = true
			next = time.Now().Add(beat)
		}
		for {
			c.mu.Lock()
			out = append(out[:0], c.rest...)
			c.rest = c.rest[:0]
			if c.end == running {
				b, ok := c.next(h.state(), &ec)
				if !ok {
					c.end = endClean
				}
				out = append(out, b...)
			}
			if ping && c.end == running {
				out = appendChunk(out, []byte(": ping\n\n"))
			}
			ping = false
			switch c.end {
			case endBroken:
				c.mu.Unlock()
				return
			case endClean:
				c.mu.Unlock()
				// What is left of a chunk goes out first; the stream's own
				// goroutine alone waits, and not for long.
				_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
				_, _ = conn.Write(append(out, lastChunk...))
				return
			}
			if len(out) == 0 {
				c.busy = false
				_ = conn.SetReadDeadline(next)
				c.mu.Unlock()
				break
			}
			c.busy = true
			// A client that takes nothing for writeGrace is ended; set
			// under the lock, so that Close's deadline comes after.
			_ = conn.SetWriteDeadline(time.Now().Add(writeGrace(beat)))
			c.mu.Unlock()
			if _, err := conn.Write(out); err != nil {
				c.mu.Lock()
				c.end = endBroken
				c.mu.Unlock()
				return
			}
		}
	}
}

func (h *SwitchHub) add(c *connStream) {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	h.conns[c] = struct{}{}
}

func (h *SwitchHub) remove(c *connStream) {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	delete(h.conns, c)
}

// Close ends every stream served on its connection (a server shutting
// down does not wait for them, nor close them): each gets the last chunk
// of its body, unless its client had stopped reading (its write is cut),
// and its client reconnects, to another replica or to this one restarted.
func (h *SwitchHub) Close() {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	for c := range h.conns {
		c.mu.Lock()
		if c.end == running {
			c.end = endClean
		}
		c.poke()
		// A write the stream's goroutine is blocked in ends too: a
		// client that reads nothing would otherwise hold it.
		_ = c.conn.SetWriteDeadline(time.Unix(1, 0))
		c.mu.Unlock()
	}
}

// kick starts a fan-out unless one is running (it sends what is
// published meanwhile too).
func (h *SwitchHub) kick() {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	if !h.fanning && len(h.conns) > 0 {
		h.fanning = true
		go h.fanOut()
	}
}

// fanOut writes the flips published so far to every connStream, split
// among one goroutine per core, until it has sent the newest.
func (h *SwitchHub) fanOut() {
	var subs []*connStream
	caches := make([]eventCache, runtime.GOMAXPROCS(0))
	for {
		h.fmu.Lock()
		st := h.cur.Load()
		if st.n == h.fanned {
			h.fanning = false
			h.fmu.Unlock()
			return
		}
		h.fanned = st.n
		subs = subs[:0]
		for c := range h.conns {
			subs = append(subs, c)
		}
		h.fmu.Unlock()
		parts := min(len(caches), (len(subs)+255)/256)
		var wg sync.WaitGroup
		for p := 1; p < parts; p++ {
			wg.Go(func() {
				for _, c := range subs[p*len(subs)/parts : (p+1)*len(subs)/parts] {
					c.deliver(st, &caches[p])
				}
			})
		}
		for _, c := range subs[:len(subs)/max(parts, 1)] {
			c.deliver(st, &caches[0])
		}
		wg.Wait()
		clear(subs) // let the streams that end be collected
	}
}
