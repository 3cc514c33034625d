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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/config"
	"github.com/lodestar-hq/lodestar/internal/i18n"
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
	register("backup", "copy the SQLite database, while the server runs, into a new data directory", (*cmdEnv).backup)
	register("version", "print the version", func(e *cmdEnv, _ []string) error {
		fmt.Fprintln(e.stdout, "lodestar", version)
		return nil
	})
}

// usageHead and usageFoot frame the list of commands 'lodestar help'
// prints.
const (
	usageHead = "Lodestar — AI strategy management, from plan to production.\n\nUsage: lodestar <command> [flags]\n\nCommands:\n"
	usageFoot = `
Every command that opens the database takes --data DIR (SQLite, default
./lodestar-data) or --database postgres://… ; env LODESTAR_DATA and
LODESTAR_DATABASE_URL set the same. Run 'lodestar <command> -h' for flags.
`
)

// usage is 'lodestar help' in English.
func usage() string { return usageIn(i18n.Default) }

// usageIn is 'lodestar help' in lang: the commands and what each does.
func usageIn(lang string) string {
	var b strings.Builder
	b.WriteString(helpText(lang, usageHead))
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, helpText(lang, c.synopsis))
	}
	b.WriteString(helpText(lang, usageFoot))
	return b.String()
}

// helpCommand turns 'lodestar help CMD [SUB]' (a command run knows) into
// 'lodestar CMD [SUB] -h' in lang; ok is false for any other help.
func helpCommand(args []string, lang string) (inner []string, ok bool) {
	if len(args) < 2 || args[0] != "help" || !slices.ContainsFunc(commands, func(c command) bool { return c.name == args[1] }) {
		return nil, false
	}
	inner = []string{args[1]}
	for _, a := range args[2:] {
		if a == "--" || strings.HasPrefix(a, "-") {
			break
		}
		inner = append(inner, a)
	}
	return append(inner, "-h", "--lang="+lang), true
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
	// The language of the help and the errors below, decided before any
	// command parses its flags, so that a flag's own error is in it too.
	lang := errorLang(args, getenv)
	// A --lang before the command names no command: it is the language of
	// the whole run, as the locale is (a --lang after it still wins).
	args, lead := leadingLang(args)
	if lead != "" {
		l, err := reportLang("", lead, nil)
		if err != nil {
			fmt.Fprintln(stderr, "lodestar:", errorText(lang, strings.TrimPrefix(err.Error(), ": ")))
			return 2
		}
		getenv = withLocale(getenv, l)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if inner, ok := helpCommand(args, lang); ok {
			// 'lodestar help CMD' is 'lodestar CMD -h', on stdout as
			// 'lodestar help' is.
			return run(ctx, inner, stdout, stdout, getenv)
		}
		fmt.Fprint(stdout, usageIn(lang))
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg := config.Defaults()
	if err := cfg.FromEnv(getenv); err != nil {
		fmt.Fprintln(stderr, "lodestar:", errorText(lang, err.Error()))
		return 2
	}
	out := &errWriter{w: stdout}
	env := &cmdEnv{ctx: ctx, cfg: cfg, stdout: out, stderr: stderr, getenv: getenv, lang: lang}
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
		fmt.Fprintf(stderr, "lodestar: %s\n%s\n", errorText(lang, ue.msg), errorText(lang, usageHint(args)))
		return 2
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, "lodestar:", errorText(lang, ee.msg))
		return ee.code
	}
	fmt.Fprintln(stderr, "lodestar:", errorOf(lang, err))
	return 1
}

// usageHint is the line after a usage error: where the help of what was
// run is, 'lodestar CMD SUB -h' (a subcommand its synopsis names) or
// 'lodestar CMD -h', whose flags 'lodestar help' does not list; 'lodestar
// help' for a command there is none of.
func usageHint(args []string) string {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		return "Run 'lodestar help' for usage."
	}
	name := args[0]
	if len(args) > 1 && slices.Contains(subcommands(commands[i].synopsis), args[1]) {
		name += " " + args[1]
	}
	return fmt.Sprintf("Run 'lodestar %s -h' for usage.", name)
}

// subcommands are the subcommands a command's synopsis begins with
// ("list|show|flip: …", "use-cases FILE: …"), none when it names none.
func subcommands(synopsis string) []string {
	head, _, ok := strings.Cut(synopsis, ": ")
	if !ok || head == "" {
		return nil
	}
	return strings.Split(strings.Fields(head)[0], "|")
}

// errorOf is err's text in lang (errorText), with a service's error that
// describe wrote translated part by part, under the labels that wrap it
// ("switch flip: …").
func errorOf(lang string, err error) string {
	text := err.Error()
	var d describedError
	if lang == i18n.Default || !errors.As(err, &d) {
		return errorText(lang, text)
	}
	label, ok := strings.CutSuffix(text, d.Error())
	if !ok || label != "" && !strings.HasSuffix(label, ": ") {
		return errorText(lang, text)
	}
	out := d.localized(lang)
	if label != "" {
		heads := strings.Split(strings.TrimSuffix(label, ": "), ": ")
		for i := len(heads) - 1; i >= 0; i-- {
			out = reportBundle().T(lang, "msgpat.%s: %s", errorText(lang, heads[i]), out)
		}
	}
	return out
}

// errorText is an error's text in lang: by the catalogs' "msg." key or
// "msgpat." shape it fits (the web's and the API's translation of the
// services' errors; a "cli.msgpat." shape first, where the web's words
// do not suit a terminal), else as it is, in English. English is always the
// text as made, word for word, whatever the English catalog says: what
// scripts and the tests read is unchanged.
func errorText(lang, msg string) string {
	if lang == i18n.Default {
		return msg
	}
	return reportBundle().CLIMessage(lang, msg)
}

// flagOutput is a flag set's output (stderr) in another language than
// English: the help printHelp writes in that language. (The flag
// package's own error line is not written: parseFlags holds it back, and
// run prints the error once, in the language.)
type flagOutput struct {
	w    io.Writer
	lang string
	log  *helpLog // nil but in the tests
}

func (f flagOutput) Write(p []byte) (int, error) { return f.w.Write(p) }

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
	// lang is the language of the errors on stderr (errorLang): run's
	// own lines and the flag package's.
	lang string
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
	log := helpLogOf(e.ctx)
	log.set(fs)
	if e.lang == "" || e.lang == i18n.Default {
		fs.SetOutput(e.stderr)
	} else {
		fs.SetOutput(flagOutput{e.stderr, e.lang, log})
		// The help of a command that has none of its own (serve): Go's
		// "Usage of …:" and the flags, in the command's language.
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), reportBundle().T(e.lang, "clihelp.usage_of", fs.Name()))
			printFlags(fs, e.lang)
		}
	}
	// Every command takes --lang, the language of its errors (run reads
	// it before the command parses its flags); a command with a report
	// in either language points it at its own (registerLang).
	fs.Var(&langFlag{p: new(string)}, "lang", langFlagUsage)
	return fs
}

// parse parses args, turning flag errors into usage errors and refusing
// stray positional arguments beyond want.
func parse(fs *flag.FlagSet, args []string, want int) error {
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage{err.Error()}
	}
	if err := checkLang(fs); err != nil {
		return err
	}
	if fs.NArg() > want {
		return errUsage{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(want))}
	}
	return nil
}

// flagHint adds to parse's refusal of a stray argument the flag it was
// likely meant for, when that flag is not given: 'lodestar user disable
// bob@example.com' is told "give the user with --email bob@example.com".
// (model and switch take the model's KEY either way.) Other errors pass.
func flagHint(err error, fs *flag.FlagSet, name, what string) error {
	var ue errUsage
	if !errors.As(err, &ue) || fs.NArg() == 0 || fs.Lookup(name) == nil || fs.Lookup(name).Value.String() != "" ||
		!strings.HasSuffix(ue.msg, fmt.Sprintf(": unexpected argument %q", fs.Arg(0))) {
		return err
	}
	v := fs.Arg(0)
	if strings.ContainsAny(v, " \t'\"\\$`;&|<>()*?") || v == "" {
		v = strconv.Quote(v)
	}
	return errUsage{fmt.Sprintf("%s; give %s with --%s %s", ue.msg, what, name, v)}
}

// parseFlags is fs.Parse without the flag package's own output on a bad
// flag: its error line and then the whole usage, every flag of the
// command, before run printed the error again. run prints it once, with
// the line that says where the help is (as git and kubectl do); -h still
// prints the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if errors.Is(err, flag.ErrHelp) {
		usage()
	}
	return err
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

// subcommandHelp makes text the help of a command with subcommands:
// what each subcommand does, then the flags they share, printed (on
// stderr) by 'lodestar CMD -h' and by 'lodestar CMD SUB -h', where a
// usage error points. When sub asks for help it prints it and returns
// flag.ErrHelp, which makes run exit 0.
func subcommandHelp(fs *flag.FlagSet, sub, text string) error {
	fs.Usage = func() { printHelp(fs, text, helpFlagsShared) }
	if isHelp(sub) {
		fs.Usage()
		return flag.ErrHelp
	}
	return nil
}

// singleHelp sets the usage of a command with one subcommand, and turns
// 'lodestar <command> -h' into '<command> <sub> -h'.
func singleHelp(fs *flag.FlagSet, args []string, sub, text string) []string {
	fs.Usage = func() { printHelp(fs, text, helpFlags) }
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
		if err := parseFlags(fs, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, checkLang(fs)
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// dbMode is what a command does with the database openDB opens.
type dbMode int

const (
	// dbRead: the command only reads (a list, a show, a check, an
	// export). The database must be there; it is opened read-only and
	// its schema must be current.
	dbRead dbMode = iota
	// dbStatus: migrate status, dbRead on a schema of any version.
	dbStatus
	// dbWrite: the command writes. A brand-new database (no migration
	// applied) is created, as the README's first steps do; an existing
	// one must be current: only serve and migrate up upgrade a schema.
	dbWrite
	// dbMigrate: serve and migrate up, which migrate it themselves,
	// reporting each migration as it is applied.
	dbMigrate
	// dbAudit: audit verify and export, dbRead on any schema since the
	// audit log took its present form (auditSchema): the log is checked
	// before an upgrade, with the new build.
	dbAudit
	// dbBackup: backup, on a database of any schema version, even a
	// newer one (it copies it as it is, not understanding it). Opened to
	// write, though the copy writes nothing: VACUUM INTO opens its output
	// as its connection was opened. The database must be there.
	dbBackup
)

// auditSchema is the migration that gave the audit log its present form
// (0013_audit_at): audit verify and export read any schema from it on.
const auditSchema = 13

// openDB opens the configured database for mode. Every command that
// touches data goes through it, so all refuse a schema that is too new,
// and all but serve and migrate up one that is too old.
func (e *cmdEnv) openDB(mode dbMode) (*sqldb.DB, error) {
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
	open := sqldb.Open
	if mode == dbRead || mode == dbStatus || mode == dbAudit {
		open = sqldb.OpenReadOnly
	}
	db, err := open(e.ctx, e.cfg.DataDir, e.cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	// A database others could read (made by an older release, or copied
	// in) was narrowed to its owner by Open: say so, as for the key file.
	for _, t := range db.Tightened {
		if t.Err != nil {
			fmt.Fprintln(e.stderr, "lodestar:", e.out("warn.db_unchanged", t.Path, t.Was, t.Err))
		} else {
			fmt.Fprintln(e.stderr, "lodestar:", e.out("warn.db_changed", t.Path, t.Was, t.Now))
		}
	}
	audit.UseKeys(db, keys)
	if err := e.checkSchema(db, mode); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkSchema holds a command to the schema mode allows: a database newer
// than the binary is refused by all (sqldb.ErrSchemaTooNew); an older one
// by all but serve and migrate up (sqldb.ErrSchemaBehind), so that no
// list or check upgrades a database unasked; a new, empty one is migrated
// by a command that writes and refused by one that reads.
func (e *cmdEnv) checkSchema(db *sqldb.DB, mode dbMode) error {
	have, known, err := db.SchemaVersion(e.ctx)
	var newer *sqldb.ErrSchemaTooNew
	switch {
	case mode == dbBackup && errors.As(err, &newer):
		return nil
	case err != nil:
		return err
	case have == 0 && (mode == dbBackup || mode == dbAudit):
		return errNoDatabase
	case mode == dbBackup || mode == dbAudit && have >= auditSchema:
		return nil
	case mode == dbStatus || mode == dbMigrate || have == known:
		return nil
	case have == 0 && mode == dbWrite:
		// A brand-new database: made, as the quick start makes it.
		_, err := db.Migrate(e.ctx)
		return err
	case have == 0:
		return errNoDatabase
	}
	return &sqldb.ErrSchemaBehind{DBVersion: have, Known: known}
}

// errNoDatabase is a database with no migration applied opened to be
// read: there is nothing in it. (noDatabase says what is not there.)
var errNoDatabase = errors.New("no Lodestar database here (no migration applied)")

// noDatabase is err, when it is errNoDatabase, followed by what the
// command found nothing to do with ("nothing to verify").
func noDatabase(err error, nothing string) error {
	if errors.Is(err, errNoDatabase) {
		return fmt.Errorf("%w: %s", err, nothing)
	}
	return err
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

// roundDuration is d as a migration's time is printed: to the millisecond
// (to the microsecond under one).
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
