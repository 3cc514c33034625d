package main

import (
	"fmt"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func init() {
	register("switch", "list|show|flip: read or flip the models' human intervention switches", (*cmdEnv).switchCmd)
}

const switchHelp = `Usage: lodestar switch SUBCOMMAND [KEY] [flags]

  list  list every model's switch
  show  KEY: one model's switch, and whether a version of it is in production
  flip  KEY --state on|off|fallback [--fallback WHAT] --reason R --as E [--version N]:
        flip the switch as the user with e-mail E, who must be a risk officer,
        the AI committee or an administrator (as on the web and the API); the
        flip is audited as theirs, made via cli (the flip history says so). With --version, the flip is refused if the
        switch is no longer at that version (someone flipped it since).
        A running server tells its switch streams and SDKs at once on
        PostgreSQL, and within about a second on SQLite.

KEY is the model's key; it may also be given as --key. --format json prints
each switch as GET /api/v1/switches/{key} answers it (list: a JSON array of
them).
`

func (e *cmdEnv) switchCmd(args []string) error {
	if len(args) == 0 {
		return errUsage{"switch: want list, show or flip"}
	}
	sub := args[0]
	fs := e.flags("switch " + sub)
	e.cfg.DatabaseFlags(fs)
	keyFlag := fs.String("key", "", "the model's key (show, flip; or give it as KEY)")
	state := fs.String("state", "", "on, off or fallback (flip)")
	fallback := fs.String("fallback", "", "what to serve instead, when --state is fallback (flip)")
	reason := fs.String("reason", "", "why the switch is flipped (flip; recorded in the audit log)")
	as := fs.String("as", "", "the e-mail of the user flipping: a risk officer, the committee or an admin (flip)")
	version := fs.String("version", "", "the switch's version the flip is based on: refused if it was flipped since (flip)")
	format := fs.String("format", "text", "output format: text or json")
	if err := subcommandHelp(fs, sub, switchHelp); err != nil {
		return err
	}
	if sub != "list" && sub != "show" && sub != "flip" {
		// Before opening the database, so a typo touches nothing.
		return errUsage{fmt.Sprintf("switch: unknown subcommand %q; want list, show or flip", sub)}
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return errUsage{fmt.Sprintf("switch %s: --format must be text or json", sub)}
	}
	var key string
	if sub != "list" {
		if key, err = switchKey(sub, *keyFlag, pos); err != nil {
			return err
		}
	} else if len(pos) > 0 || *keyFlag != "" {
		return errUsage{"switch list: takes no KEY (use 'lodestar switch show KEY')"}
	}
	switch sub {
	case "list":
		return e.readStore("no switches to list", func(s *store.Store) error {
			all, err := s.ListSwitches(e.ctx)
			if err != nil {
				return err
			}
			if *format == "json" {
				return writeJSON(e.stdout, all)
			}
			rows := [][]string{e.cols("key", "state", "fallback", "version", "changed_at", "changed_by", "via", "reason")}
			for _, sw := range all {
				// On with no version in production serves nothing: the
				// row says so, as show does.
				state := sw.State
				if sw.State == lodestar.SwitchOn && !sw.Serving {
					state += e.out("switch.nothing_serves_short")
				}
				rows = append(rows, []string{sw.Key, state, orDash(sw.Fallback), strconv.FormatInt(sw.Version, 10),
					sqldb.FormatTime(sw.ChangedAt), orDash(sw.ChangedBy), orDash(sw.Via), orDash(oneLine(sw.Reason))})
			}
			return writeRows(e.stdout, rows)
		})
	case "show":
		return e.readStore("no switch to show", func(s *store.Store) error {
			sw, err := findSwitch(e, s, key)
			if err != nil {
				return err
			}
			if *format == "json" {
				return writeJSON(e.stdout, sw)
			}
			live, err := liveVersions(e, s, sw.ModelID)
			if err != nil {
				return err
			}
			if sw.State == lodestar.SwitchFallback {
				// A model of the registry named as the fallback may have
				// stopped serving since it was named: say so.
				if fb, err := s.FindSwitch(e.ctx, sw.Fallback); err == nil && !fb.Serving && fb.Key != sw.Key {
					why := e.out("switch.fb_no_production")
					switch fb.State {
					case lodestar.SwitchOff:
						why = e.out("switch.fb_off")
					case lodestar.SwitchFallback:
						why = e.out("switch.fb_at_fallback")
					}
					shown := *sw
					shown.Fallback += e.out("switch.fb_not_serving", why)
					sw = &shown
				} else if err != nil && lodestar.ErrorCode(err) != lodestar.ENotFound {
					return err
				}
			}
			return e.printSwitch(sw, live)
		})
	}
	// flip. A --reason left out is bad usage; one given blank ("  ") is
	// the service's to refuse, as it refuses a PUT's or the web form's:
	// a field error, exit 1, nothing flipped.
	if *state == "" || !flagSet(fs, "reason") || strings.TrimSpace(*as) == "" {
		return errUsage{"switch flip: --state, --reason and --as are required"}
	}
	ctx := e.ctx
	if *version != "" {
		v, err := strconv.ParseInt(*version, 10, 64)
		if err != nil || v < 1 {
			return errUsage{fmt.Sprintf("switch flip: --version %q: want the switch's version the flip is based on, 1 or more ('lodestar switch show %s' prints it)", *version, key)}
		}
		ctx = lodestar.WithSwitchVersion(ctx, v)
	}
	return e.changeStore("no switch to flip", func(s *store.Store) error {
		ctx, err := actingUser(ctx, s, *as, auth.SwitchFlip, "switch flip", "flip a switch")
		if err != nil {
			return err
		}
		prev, err := findSwitch(e, s, key)
		if err != nil {
			return err
		}
		// The same service, and so the same rules, as the web form and
		// PUT /api/v1/switches/{key}: the state, the fallback (which may
		// not be the model itself, nor a model that may not serve), the
		// reason and their lengths, the version guard; audited.
		sw, err := s.FlipSwitch(ctx, key, *state, *fallback, *reason)
		switch {
		case lodestar.ErrorCode(err) == lodestar.EConflict:
			now, ferr := s.FindSwitch(e.ctx, key)
			if ferr != nil {
				return describe(err)
			}
			return fmt.Errorf("switch flip: %s is at version %d now, not %s: %s flipped it to %s since; your flip was not made. Check it with 'lodestar switch show %s', then flip again if you still need to",
				key, now.Version, *version, orDash(now.ChangedBy), now.State, key)
		case lodestar.ErrorCode(err) == lodestar.ENotFound:
			return fmt.Errorf("switch flip: no model with key %q (see 'lodestar switch list')", key)
		case err != nil:
			return fmt.Errorf("switch flip: %w", describe(err))
		}
		if *format == "json" {
			return writeJSON(e.stdout, sw)
		}
		what := sw.State
		if sw.Fallback != "" {
			what += e.out("switch.with_fallback", sw.Fallback)
		}
		if prev.State == sw.State && prev.Fallback == sw.Fallback {
			fmt.Fprintln(e.stdout, e.out("switch.already", sw.Key, what, sw.Version, lodestar.ActorFrom(ctx).Label))
		} else {
			fmt.Fprintln(e.stdout, e.out("switch.flipped", sw.Key, prev.State, what, sw.Version, lodestar.ActorFrom(ctx).Label))
		}
		return nil
	})
}

// switchKey is the model's key of show and flip: KEY or --key, not both
// unless they agree.
func switchKey(sub, flagKey string, pos []string) (string, error) {
	key, err := positionalKey("switch "+sub, flagKey, pos)
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", errUsage{fmt.Sprintf("switch %s: name the model's KEY ('lodestar switch list' lists them)", sub)}
	}
	return key, nil
}

// positionalKey is the model's key a command (cmd, "switch show") is
// given: KEY, its one positional argument, or --key; not both unless they
// agree; "" when neither is given.
func positionalKey(cmd, flagKey string, pos []string) (string, error) {
	if len(pos) > 1 {
		return "", errUsage{fmt.Sprintf("%s: unexpected argument %q (one KEY at a time)", cmd, pos[1])}
	}
	key := flagKey
	if len(pos) == 1 {
		if key != "" && key != pos[0] {
			return "", errUsage{fmt.Sprintf("%s: KEY %q and --key %q differ; give one", cmd, pos[0], key)}
		}
		key = pos[0]
	}
	return key, nil
}

// findSwitch finds a model's switch, saying where to look when there is none.
func findSwitch(e *cmdEnv, s *store.Store, key string) (*lodestar.Switch, error) {
	sw, err := s.FindSwitch(e.ctx, key)
	if lodestar.ErrorCode(err) == lodestar.ENotFound {
		return nil, fmt.Errorf("no model with key %q (see 'lodestar switch list')", key)
	}
	return sw, err
}

// liveVersions names the model's versions in production.
func liveVersions(e *cmdEnv, s *store.Store, modelID int64) ([]string, error) {
	vs, err := s.ListModelVersions(e.ctx, modelID)
	if err != nil {
		return nil, err
	}
	var live []string
	for _, v := range vs {
		if v.Status == lodestar.ModelProduction {
			live = append(live, v.Version)
		}
	}
	return live, nil
}

// printSwitch prints one switch as show does.
func (e *cmdEnv) printSwitch(sw *lodestar.Switch, live []string) error {
	state := sw.State
	switch {
	case sw.State == lodestar.SwitchOn && len(live) == 0:
		state += e.out("switch.state_on_nothing")
	case sw.State == lodestar.SwitchOn:
		state += e.out("switch.state_on")
	case sw.State == lodestar.SwitchOff:
		state += e.out("switch.state_off")
	case sw.State == lodestar.SwitchFallback:
		state += e.out("switch.state_fallback")
	}
	var rows [][]string
	label := func(name, v string) { rows = append(rows, []string{e.out("switch.show." + name), v}) }
	label("key", sw.Key)
	label("state", state)
	label("fallback", orDash(sw.Fallback))
	label("in_production", orDash(strings.Join(live, ", ")))
	label("version", strconv.FormatInt(sw.Version, 10))
	label("changed_at", sqldb.FormatTime(sw.ChangedAt))
	label("changed_by", orDash(sw.ChangedBy))
	label("changed_via", orDash(sw.Via))
	label("reason", orDash(oneLine(sw.Reason)))
	return writeRows(e.stdout, rows)
}

// oneLine keeps a reason that spans lines on its table row.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
