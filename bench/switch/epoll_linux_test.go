//go:build linux

package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The epoll reader finds every flip's marker on every connection, also
// one split between two reads, and only whole markers; a connection that
// ends is an error.
func TestReadAllFindsSplitMarkers(t *testing.T) {
	const n, flips = 3, 3
	ours, theirs := make([]int, n), make([]int, n)
	for i := range n {
		p, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		ours[i], theirs[i] = p[0], p[1]
		if err := syscall.SetNonblock(p[0], true); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for i := range n {
			syscall.Close(ours[i])
			syscall.Close(theirs[i])
		}
	}()
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	for i, fd := range ours {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(i)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			t.Fatal(err)
		}
	}
	var said bytes.Buffer
	ta := newTally(n, flips, &said)
	done := make(chan error, 1)
	go func() { done <- readAll(ep, ours, []byte("event: switch"), ta) }()
	send := func(i int, s string) {
		t.Helper()
		if _, err := syscall.Write(theirs[i], []byte(s)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // read apart from what follows
	}
	// Flip 0: whole on connection 0; split after "event: sw" on 1; split
	// after "e" on 2, with a near miss ("event: swatch") before it.
	send(0, "2b\r\nid: 1\nevent: switch\ndata: {}\n\n\r\n")
	send(1, "2b\r\nid: 1\nevent: sw")
	send(1, "itch\ndata: {}\n\n\r\n")
	send(2, ": ping\n\nevent: swatch\ne")
	send(2, "vent: switch\ndata: {}\n\n")
	// Flips 1 and 2 in one read on every connection.
	for i := range n {
		send(i, "event: switch\ndata: {}\n\nevent: switch\ndata: {}\n\n")
	}
	// Wait for the last count (the atomic orders the arrivals before it).
	for deadline := time.Now().Add(10 * time.Second); ta.counts[flips-1].Load() < n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	for k := range flips {
		if got := ta.counts[k].Load(); got != n {
			t.Errorf("flip %d seen by %d connections, want %d", k, got, n)
		}
		for i := range n {
			if ta.arrived[k][i] == 0 {
				t.Errorf("flip %d has no arrival on connection %d", k, i)
			}
		}
	}
	ta.mu.Lock()
	if got := strings.Fields(said.String()); strings.Join(got, " ") != "seen 0 seen 1 seen 2" {
		t.Errorf("said %q, want seen 0, 1, 2", said.String())
	}
	ta.mu.Unlock()
	syscall.Close(theirs[1])
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "connection 1 ended") {
			t.Errorf("a connection ended: %v, want 'connection 1 ended'", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a connection ended and the reader went on")
	}
}
