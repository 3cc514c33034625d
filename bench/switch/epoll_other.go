//go:build !linux

package main

import "errors"

// haveEpoll: this system cannot run the epoll child.
const haveEpoll = false

func runEpollChild(addr, request string, marker []byte, n, flips int) error {
	return errors.New("the epoll child runs on Linux only; use -client go")
}
