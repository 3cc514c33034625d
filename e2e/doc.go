// Package e2e holds Lodestar's whole-binary tests. TestMain builds the
// lodestar command once with CGO_ENABLED=0 (proving the pure-Go build), and
// the tests drive it the way an operator and a user would: they start
// `lodestar serve` as a child process, talk to it over HTTP and through a
// headless Chromium, run the management commands, tamper with the database
// behind its back, and check exit codes, messages and graceful shutdown.
//
// Optional services, all off unless the environment asks for them:
//
//   - LODESTAR_TEST_POSTGRES=postgres://… also runs the end-to-end flow on
//     PostgreSQL, in a database of its own that is dropped afterwards.
//   - The browser test runs when /usr/bin/chromium exists and is skipped
//     otherwise, unless LODESTAR_TEST_BROWSER=1, which makes a missing
//     Chromium a failure.
//
// The package has no non-test code; this file only documents it.
package e2e
