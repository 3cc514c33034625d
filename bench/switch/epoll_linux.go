//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// haveEpoll: this system can run the epoll child.
const haveEpoll = true

// runEpollChild holds n connections opened with plain system calls and
// reads them all from one thread with epoll: no goroutine, no poller
// wake-up, no HTTP client per connection. Each connection stands for a
// client on a machine of its own, so the less of the two shared cores
// the child takes, the nearer the delays come to what the server alone
// makes them. addr is the server; request, when not empty, is sent on
// each connection first, and the connection is ready once its answer
// holds the stream's snapshot event. marker begins the line of each
// flip; see tally.report for what the child says.
func runEpollChild(addr, request string, marker []byte, n, flips int) error {
	ta, err := net.ResolveTCPAddr("tcp4", addr)
	if err != nil {
		return err
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	fds := make([]int, n)
	for i := range fds {
		fds[i] = -1
	}
	defer func() {
		for _, fd := range fds {
			if fd >= 0 {
				syscall.Close(fd)
			}
		}
	}()
	// Connect a few at a time (blocking calls, each on a thread of its
	// own): the listen backlog is finite.
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for w := range errs {
		wg.Go(func() {
			for i := w; i < n && errs[w] == nil; i += len(errs) {
				fds[i], errs[w] = openFD(sa, request)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	for i, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			return err
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(i)}
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return err
		}
	}
	t := newTally(n, flips, os.Stdout)
	failed := make(chan error, 1)
	go func() { failed <- readAll(ep, fds, marker, t) }()
	done := make(chan error, 1)
	go func() { done <- t.report() }()
	select {
	case err := <-failed:
		return err
	case err := <-done:
		return err
	}
}

// openFD connects to sa and, for a stream, sends request and reads its
// answer up to the end of the snapshot event.
func openFD(sa *syscall.SockaddrInet4, request string) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if request == "" {
		return fd, nil
	}
	if err := writeAll(fd, []byte(request)); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	var got []byte
	buf := make([]byte, 4096)
	for {
		k, err := syscall.Read(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || k <= 0 {
			syscall.Close(fd)
			return -1, fmt.Errorf("stream ended before its snapshot (%v): %q", err, got)
		}
		got = append(got, buf[:k]...)
		if !bytes.HasPrefix(got, []byte("HTTP/1.1 200 ")[:min(len(got), 13)]) {
			syscall.Close(fd)
			return -1, fmt.Errorf("stream answered %q", got)
		}
		if at := bytes.Index(got, []byte("event: snapshot")); at >= 0 && bytes.Contains(got[at:], []byte("\n\n")) {
			return fd, nil
		}
	}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		k, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[k:]
	}
	return nil
}

// readAll reads every connection as epoll says it is readable, on one
// locked thread, and records each marker it finds: a marker split
// between two reads is found too, as each connection keeps the last
// len(marker)-1 bytes it read. It returns only when a connection fails
// or ends.
func readAll(ep int, fds []int, marker []byte, t *tally) error {
	runtime.LockOSThread()
	keep := len(marker) - 1
	tails := make([]byte, len(fds)*keep)
	tailLen := make([]int, len(fds))
	seen := make([]int, len(fds))
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, keep+64<<10)
	for {
		k, err := syscall.EpollWait(ep, events, -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		for _, ev := range events[:k] {
			i := int(ev.Fd)
			tail := tails[i*keep : (i+1)*keep]
			held := copy(buf, tail[:tailLen[i]])
			r, err := syscall.Read(fds[i], buf[held:])
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue
			}
			if err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
			if r == 0 {
				return fmt.Errorf("connection %d ended", i)
			}
			now := time.Now().UnixNano()
			data := buf[:held+r]
			at := 0
			for {
				j := bytes.Index(data[at:], marker)
				if j < 0 {
					break
				}
				t.seen(i, seen[i], now)
				seen[i]++
				at += j + len(marker)
			}
			tailLen[i] = copy(tail, data[max(at, len(data)-keep):])
		}
	}
}
