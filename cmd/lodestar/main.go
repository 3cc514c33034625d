// Command lodestar is Lodestar's one binary: the server and the commands
// that manage its database, users, tokens and audit log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/config"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// command is one subcommand: its name, a line for the usage text and the
// function that runs it. Commands register themselves in their own files.
type command struct {
	name, synopsis string
	run            func(e *cmdEnv, args []string) error
}

var commands []command

// register adds a command; called from init in each command's file.
func register(name, synopsis string, run func(e *cmdEnv, args []string) error) {
	commands = append(commands, command{name, synopsis, run})
}

func init() {
	register("serve", "run the web UI and API", (*cmdEnv).serve)
	register("migrate", "up|status: apply or list database migrations", (*cmdEnv).migrate)
	register("user", "add|list|set-role|set-password|disable|enable: manage users", (*cmdEnv).user)
	register("token", "create|list|revoke: manage API tokens", (*cmdEnv).token)
	register("audit", "verify|export: check the audit log's hash chain, or write it as CSV", (*cmdEnv).audit)
	register("version", "print the version", func(e *cmdEnv, _ []string) error {
		fmt.Fprintln(e.stdout, "lodestar", version)
		return nil
	})
}

func usage() string {
	var b strings.Builder
	b.WriteString("Lodestar — AI strategy management, from plan to production.\n\nUsage: lodestar <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.synopsis)
	}
	b.WriteString(`
Every command that opens the database takes --data DIR (SQLite, default
./lodestar-data) or --database postgres://… ; env LODESTAR_DATA and
LODESTAR_DATABASE_URL set the same. Run 'lodestar <command> -h' for flags.
`)
	return b.String()
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// errUsage marks errors that should print usage and exit 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// errExit makes run exit with its code (the reason on stderr) when a
// command ran but its result is one a script must be told of by status,
// as drift --fail-on-drift when the data set drifted.
type errExit struct {
	code int
	msg  string
}

func (e errExit) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one command and returns the process exit code: 0 success,
// 1 failure, 2 bad usage, or an errExit's own code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage())
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg := config.Defaults()
	if err := cfg.FromEnv(getenv); err != nil {
		fmt.Fprintln(stderr, "lodestar:", err)
		return 2
	}
	out := &errWriter{w: stdout}
	env := &cmdEnv{ctx: ctx, cfg: cfg, stdout: out, stderr: stderr, getenv: getenv}
	var err error = errUsage{fmt.Sprintf("unknown command %q", args[0])}
	for _, c := range commands {
		if c.name == args[0] {
			err = c.run(env, args[1:])
		}
	}
	if out.err != nil && (err == nil || err == out.err) {
		// A command's output that was not written is a failure even when
		// the command ignored the write's error: a script reading it gets
		// nothing, or half of it. (A command that returned the write's
		// error as it came gets the same words.)
		err = fmt.Errorf("%s: writing the output: %w", args[0], out.err)
	}
	var ue errUsage
	var ee errExit
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lodestar: %s\nRun 'lodestar help' for usage.\n", ue.msg)
		return 2
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "lodestar:", ee.msg)
		return ee.code
	}
	fmt.Fprintln(stderr, "lodestar:", err)
	return 1
}

// errWriter remembers the first error of the writes through it (and
// refuses the writes after it), so that output printed with fmt.Fprint*,
// whose errors go unread, still fails the command when it could not be
// written: a full disk, a closed pipe.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// cmdEnv is what every command runs with.
type cmdEnv struct {
	ctx    context.Context
	cfg    config.Config
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// writeJSON writes v as indented JSON: every command's --format json.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// flags returns a flag set whose errors are returned, not fatal.
func (e *cmdEnv) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("lodestar "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args, turning flag errors into usage errors and refusing
// stray positional arguments beyond want.
func parse(fs *flag.FlagSet, args []string, want int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage{err.Error()}
	}
	if fs.NArg() > want {
		return errUsage{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(want))}
	}
	return nil
}

// isHelp reports whether a command's first argument asks for its help
// rather than naming a subcommand ('lodestar help' promises that
// 'lodestar <command> -h' shows it).
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// subcommandHelp prints the help of a command with subcommands where a
// command's -h prints it (stderr): what each subcommand does, then the
// flags they share. flag.ErrHelp makes run exit 0.
func subcommandHelp(fs *flag.FlagSet, text string) error {
	fmt.Fprint(fs.Output(), text)
	fmt.Fprintln(fs.Output(), "\nFlags (each subcommand reads those it names):")
	fs.PrintDefaults()
	return flag.ErrHelp
}

// singleHelp sets the usage of a command with one subcommand, and turns
// 'lodestar <command> -h' into '<command> <sub> -h'.
func singleHelp(fs *flag.FlagSet, args []string, sub, text string) []string {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), text)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	if len(args) > 0 && isHelp(args[0]) {
		return []string{sub, "-h"}
	}
	return args
}

// parseInterspersed parses flags that may stand before, between or after
// positional arguments, and returns the positional ones in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openDB opens and migrates the configured database. Every command that
// touches data goes through it, so all refuse a schema that is too new.
func (e *cmdEnv) openDB(migrate bool) (*sqldb.DB, error) {
	if err := e.cfg.Validate(); err != nil {
		return nil, errUsage{err.Error()}
	}
	// The audit keys are read first: a key too short stops the command
	// before anything is opened. Every command that writes appends to the
	// audit log under them.
	keys, err := e.auditKeys()
	if err != nil {
		return nil, errUsage{err.Error()}
	}
	db, err := sqldb.Open(e.ctx, e.cfg.DataDir, e.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	audit.UseKeys(db, keys)
	if migrate {
		if _, err := db.Migrate(e.ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
