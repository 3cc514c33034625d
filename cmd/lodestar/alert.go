package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// The monitors and their alerts from a shell: what an engineer on call
// reads first (which alerts are open, what the windows say) and the one
// thing they do about an alert without the web UI — take it on.

func init() {
	register("alert", "list|ack: the monitors' alerts, and taking one on", (*cmdEnv).alertCmd)
	register("monitor", "list|show|pause|resume|copy|evaluate: the model monitors, their settings and latest windows", (*cmdEnv).monitorCmd)
}

const alertHelp = `Usage: lodestar alert SUBCOMMAND [ID] [flags]

  list  [--model KEY] [--open]: the alerts, newest first (at most 500), with
        their model and version, kind, state, when they opened and resolved
        (and why), and who acknowledged them
  ack   ID --note N --as E: acknowledge the open alert ID as the user with
        e-mail E, who must be an administrator, on the AI team or a risk
        officer (as on the web and the API): N says what is being done. The
        acknowledgement is audited as theirs, made via cli.

--format json prints the objects GET /api/v1/alerts lists, as a JSON array.
`

func (e *cmdEnv) alertCmd(args []string) error {
	if len(args) == 0 {
		return errUsage{"alert: want list or ack"}
	}
	sub := args[0]
	fs := e.flags("alert " + sub)
	e.cfg.DatabaseFlags(fs)
	model := fs.String("model", "", "only this model's alerts: its key (list)")
	open := fs.Bool("open", false, "only the open alerts (list)")
	note := fs.String("note", "", "what is being done about the alert (ack; recorded with it)")
	as := fs.String("as", "", "the e-mail of the user acknowledging: an admin, the AI team or a risk officer (ack)")
	format := fs.String("format", "text", "output format: text or json")
	if err := subcommandHelp(fs, sub, alertHelp); err != nil {
		return err
	}
	pos, err := parseSub(fs, "alert", sub, []string{"list", "ack"}, args[1:], format)
	if err != nil {
		return err
	}
	if sub == "list" {
		if len(pos) > 0 {
			return errUsage{fmt.Sprintf("alert list: unexpected argument %q (filter with --model KEY, --open)", pos[0])}
		}
		return e.readStore("no alerts to list", func(s *store.Store) error {
			keys, modelID, err := modelFilter(e, s, *model)
			if err != nil {
				return err
			}
			as, err := s.ListAlerts(e.ctx, modelID, *open)
			if err != nil {
				return err
			}
			if *format == "json" {
				if as == nil {
					as = []*lodestar.Alert{}
				}
				return writeJSON(e.stdout, as)
			}
			return writeAlerts(e.stdout, as, keys, e.lang)
		})
	}
	// ack
	id, err := idArg("alert ack", "ID", pos, "'lodestar alert list --open' lists the open alerts")
	if err != nil {
		return err
	}
	// A --note left out is bad usage; one given blank ("  ") is the
	// service's to refuse, as it refuses the API's and the web form's: a
	// field error, exit 1, nothing acknowledged.
	if !flagSet(fs, "note") || strings.TrimSpace(*as) == "" {
		return errUsage{"alert ack: --note and --as are required"}
	}
	return e.changeStore("no alert to acknowledge", func(s *store.Store) error {
		ctx, err := actingUser(e.ctx, s, *as, auth.AlertAck, "alert ack", "acknowledge an alert")
		if err != nil {
			return err
		}
		a, err := s.AcknowledgeAlert(ctx, id, *note)
		if lodestar.ErrorCode(err) == lodestar.ENotFound {
			return fmt.Errorf("alert ack: no alert %d ('lodestar alert list' lists them)", id)
		} else if err != nil {
			return fmt.Errorf("alert ack: %w", describe(err))
		}
		if *format == "json" {
			return writeJSON(e.stdout, a)
		}
		fmt.Fprintln(e.stdout, e.out("alert.acked", a.ID, a.AckedBy, cliTime(a.AckedAt)))
		return nil
	})
}

// actingUser is ctx for a command done as the user with e-mail email,
// checked as the web and the API check them: the user exists, is not
// disabled and holds perm. cmd names the command and verb what perm
// allows, for the errors.
func actingUser(ctx context.Context, s *store.Store, email string, perm auth.Permission, cmd, verb string) (context.Context, error) {
	u, err := s.FindUserByEmail(ctx, email)
	switch {
	case lodestar.ErrorCode(err) == lodestar.ENotFound:
		return nil, fmt.Errorf("%s: no user %s in this database; 'lodestar user list' shows the users (and check --data or --database)", cmd, email)
	case err != nil:
		return nil, err
	case u.Disabled:
		return nil, fmt.Errorf("%s: %s is disabled and may not %s", cmd, u.Email, verb)
	case !auth.Allowed(u.Role, perm):
		return nil, fmt.Errorf("%s: %s has the role %s; only the roles %s may %s", cmd, u.Email, u.Role, strings.Join(rolesAllowed(perm), ", "), verb)
	}
	return lodestar.WithActor(ctx, lodestar.Actor{ID: u.ID, Label: u.Email, Role: u.Role, Via: lodestar.ViaCLI}), nil
}

// rolesAllowed names the roles that hold perm, from the one matrix the web
// and the API check.
func rolesAllowed(perm auth.Permission) []string {
	var out []string
	for _, r := range lodestar.Roles {
		if auth.Allowed(r, perm) {
			out = append(out, string(r))
		}
	}
	return out
}

// idArg is the one positional ID a subcommand takes.
func idArg(cmd, what string, pos []string, hint string) (int64, error) {
	switch {
	case len(pos) == 0:
		return 0, errUsage{fmt.Sprintf("%s: name the %s (%s)", cmd, what, hint)}
	case len(pos) > 1:
		return 0, errUsage{fmt.Sprintf("%s: unexpected argument %q (one %s at a time)", cmd, pos[1], what)}
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return 0, errUsage{fmt.Sprintf("%s: %s %q is not a number 1 or more (%s)", cmd, what, pos[0], hint)}
	}
	return id, nil
}

// parseSub parses a subcommand's flags and positional arguments, once sub
// is known to be one of subs; format is --format's flag, as parsed, which
// must be text or json.
func parseSub(fs *flag.FlagSet, cmd, sub string, subs, args []string, format *string) ([]string, error) {
	if !slices.Contains(subs, sub) {
		want := strings.Join(subs[:len(subs)-1], ", ") + " or " + subs[len(subs)-1]
		return nil, errUsage{fmt.Sprintf("%s: unknown subcommand %q; want %s", cmd, sub, want)}
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if *format != "text" && *format != "json" {
		return nil, errUsage{fmt.Sprintf("%s %s: --format must be text or json", cmd, sub)}
	}
	return pos, nil
}

// modelFilter is what a list filtered by --model KEY needs: every model's
// key by ID, and the ID of the model key names (0 for key "": all).
func modelFilter(e *cmdEnv, s *store.Store, key string) (map[int64]string, int64, error) {
	keys, err := modelKeys(e.ctx, s)
	if err != nil || key == "" {
		return keys, 0, err
	}
	m, err := modelByKey(e, s, key)
	if err != nil {
		return nil, 0, err
	}
	return keys, m.ID, nil
}

// modelKeys maps every model's ID to its key.
func modelKeys(ctx context.Context, s *store.Store) (map[int64]string, error) {
	ms, err := s.ListModels(ctx, 0)
	if err != nil {
		return nil, err
	}
	keys := make(map[int64]string, len(ms))
	for _, m := range ms {
		keys[m.ID] = m.Key
	}
	return keys, nil
}

// writeAlerts prints alerts as a table.
func writeAlerts(w io.Writer, as []*lodestar.Alert, keys map[int64]string, lang string) error {
	t := newReportText(lang)
	rows := [][]string{colsOf(t, "id", "model", "version", "monitor", "kind", "state", "opened", "resolved", "acknowledged_by", "message")}
	for _, a := range as {
		kind, state, msg := a.Kind, a.Status, a.Message
		if a.Resolution != "" {
			state += " (" + a.Resolution + ")"
		}
		if lang != i18n.Default {
			// As the web writes them: the kind, state and why resolved in
			// the reader's words, the message from its figures.
			kind, state, msg = t.Word("alert.kind.", a.Kind), t.Word("alert.status.", a.Status), monitoring.AlertText(t.b, lang, a)
			if a.Resolution != "" {
				state += "（" + t.Word("alert.resolution.", a.Resolution) + "）"
			}
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10), orDash(keys[a.ModelID]), orDash(a.Version), strconv.FormatInt(a.MonitorID, 10),
			kind, state, cliTime(a.OpenedAt), cliTime(a.ResolvedAt), orDash(a.AckedBy), oneLine(msg)})
	}
	return writeRows(w, rows, 0, 2)
}

// writeRows writes rows as writeTable does, with columns numbers right
// aligned, and returns the write's error.
func writeRows(dst io.Writer, rows [][]string, numbers ...int) error {
	right := make([]bool, len(rows[0]))
	for _, i := range numbers {
		right[i] = true
	}
	w := &errWriter{w: dst}
	writeTable(w, rows, right)
	return w.err
}

// cliTime is a time as the tables print it: RFC 3339 in UTC, to the
// second; "-" when it is not set.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

const monitorHelp = `Usage: lodestar monitor SUBCOMMAND [ID] [flags]

  list  [--model KEY]: the monitors, with their model, version, window and
        how far they have evaluated
  show  ID [--windows N]: a monitor's settings (reference, thresholds, when
        alerts open and resolve, retraining) and its latest N windows
        (default 12, oldest first): events, labels, the quality and latency metrics
        measured, the share of features drifted, and what breached
  pause ID --reason R --as E: stop evaluating the monitor (its open alerts
        stay open), as the user with e-mail E, an administrator or on the AI
        team (as on the web and the API); audited as theirs, via cli
  resume ID --as E: evaluate it again; its next run evaluates the windows
        it missed
  copy  ID --version V [--name N] [--from T --to T] --as E: a new monitor
        of version V of the same model with this one's settings and
        reference (the same dataset; for a reference of events, --from and
        --to give version V's range: a date YYYY-MM-DD or an RFC 3339
        time), as the user E (admin or AI team); audited as a new monitor
  evaluate ID [--from T] --as E: evaluate the monitor now, as the user E
        (admin or AI team), as POST /api/v1/monitors/{id}/evaluate does;
        --from (a date YYYY-MM-DD or an RFC 3339 time) recomputes its
        windows from there and decides their alerts again (late labels
        are recomputed by the server's monitor pass without it)

--format json prints each monitor as GET /api/v1/monitors/{id} answers it
(list: a JSON array of them); show prints {"monitor": …, "windows": […]}, the
windows the objects GET /api/v1/monitors/{id}/windows lists, as a JSON array.
`

func (e *cmdEnv) monitorCmd(args []string) error {
	if len(args) == 0 {
		return errUsage{"monitor: want list, show, pause, resume, copy or evaluate"}
	}
	sub := args[0]
	fs := e.flags("monitor " + sub)
	e.cfg.DatabaseFlags(fs)
	model := fs.String("model", "", "only this model's monitors: its key (list)")
	windows := fs.Int("windows", 12, "how many of the latest windows to show, 1 to 500 (show)")
	reason := fs.String("reason", "", "why the monitor is paused (pause; recorded with it)")
	version := fs.String("version", "", "the version the copy watches (copy)")
	name := fs.String("name", "", "the copy's name; the monitor's own when not given (copy)")
	from := fs.String("from", "", "start of the new version's reference events, for a monitor whose reference is events (copy); where to recompute from (evaluate)")
	to := fs.String("to", "", "end of the new version's reference events (copy)")
	as := fs.String("as", "", "the e-mail of the user pausing, resuming, copying or evaluating: an admin or the AI team (pause, resume, copy, evaluate)")
	format := fs.String("format", "text", "output format: text or json")
	if err := subcommandHelp(fs, sub, monitorHelp); err != nil {
		return err
	}
	pos, err := parseSub(fs, "monitor", sub, []string{"list", "show", "pause", "resume", "copy", "evaluate"}, args[1:], format)
	if err != nil {
		return err
	}
	if sub == "list" {
		if len(pos) > 0 {
			return errUsage{fmt.Sprintf("monitor list: unexpected argument %q (filter with --model KEY)", pos[0])}
		}
		return e.readStore("no monitors to list", func(s *store.Store) error {
			keys, modelID, err := modelFilter(e, s, *model)
			if err != nil {
				return err
			}
			ms, err := s.ListMonitors(e.ctx, modelID)
			if err != nil {
				return err
			}
			if *format == "json" {
				if ms == nil {
					ms = []*lodestar.Monitor{}
				}
				return writeJSON(e.stdout, ms)
			}
			rows := [][]string{e.cols("id", "model", "version", "name", "task", "window", "reference", "state", "evaluated_to")}
			// A retired version's monitors are not evaluated (whatever
			// events still come): their state says so, not "running".
			retired := map[[2]any]bool{}
			for _, m := range ms {
				if _, ok := retired[[2]any{m.ModelID, ""}]; ok {
					continue
				}
				retired[[2]any{m.ModelID, ""}] = false
				vs, err := s.ListModelVersions(e.ctx, m.ModelID)
				if err != nil {
					return err
				}
				for _, v := range vs {
					retired[[2]any{m.ModelID, v.Version}] = v.Status == lodestar.ModelRetired
				}
			}
			for _, m := range ms {
				state := "running"
				switch {
				case retired[[2]any{m.ModelID, m.Version}]:
					state = "retired"
				case m.Paused():
					state = "paused"
				}
				rows = append(rows, []string{strconv.FormatInt(m.ID, 10), orDash(keys[m.ModelID]), m.Version, m.Name, m.Task, m.Window,
					m.Reference.Kind, state, cliTime(m.EvaluatedTo)})
			}
			return writeRows(e.stdout, rows, 0)
		})
	}
	if *model != "" {
		return errUsage{fmt.Sprintf("monitor %s: --model filters list; %s takes the monitor's ID", sub, sub)}
	}
	id, err := idArg("monitor "+sub, "monitor ID", pos, "'lodestar monitor list' lists them")
	if err != nil {
		return err
	}
	if sub == "pause" || sub == "resume" {
		return e.pauseMonitor(sub, id, *reason, flagSet(fs, "reason"), *as, *format)
	}
	if sub == "evaluate" {
		if strings.TrimSpace(*as) == "" {
			return errUsage{"monitor evaluate: --as is required"}
		}
		if *to != "" || *version != "" || *name != "" || *reason != "" {
			return errUsage{"monitor evaluate: takes only --from and --as"}
		}
		f, _, err := lodestar.ParseTimeRange(*from, "")
		if err != nil {
			return errUsage{"monitor evaluate: " + describe(err).Error()}
		}
		return e.evaluateMonitor(id, f, *as, *format)
	}
	if sub == "copy" {
		if strings.TrimSpace(*version) == "" || strings.TrimSpace(*as) == "" {
			return errUsage{"monitor copy: --version and --as are required"}
		}
		f, t, err := lodestar.ParseTimeRange(*from, *to)
		if err != nil {
			return errUsage{"monitor copy: " + describe(err).Error()}
		}
		return e.copyMonitor(id, monitoring.CopyTo{Version: *version, Name: *name, From: f, To: t}, *as, *format)
	}
	// show
	if *windows < 1 || *windows > 500 {
		return errUsage{fmt.Sprintf("monitor show: --windows %d: want 1 to 500", *windows)}
	}
	return e.readStore("no monitor to show", func(s *store.Store) error {
		m, err := s.FindMonitorByID(e.ctx, id)
		if lodestar.ErrorCode(err) == lodestar.ENotFound {
			return fmt.Errorf("monitor show: no monitor %d ('lodestar monitor list' lists them)", id)
		} else if err != nil {
			return err
		}
		ws, err := s.ListWindows(e.ctx, id, *windows)
		if err != nil {
			return err
		}
		if ws == nil {
			ws = []*lodestar.WindowResult{}
		}
		if *format == "json" {
			return writeJSON(e.stdout, struct {
				Monitor *lodestar.Monitor        `json:"monitor"`
				Windows []*lodestar.WindowResult `json:"windows"`
			}{m, ws})
		}
		keys, err := modelKeys(e.ctx, s)
		if err != nil {
			return err
		}
		writeMonitor(e.stdout, m, keys[m.ModelID], e.lang)
		fmt.Fprintln(e.stdout)
		return writeWindows(e.stdout, ws, e.lang)
	})
}

// writeMonitor prints a monitor's settings, one per line; thresholds
// that are off are left out.
func writeMonitor(w io.Writer, m *lodestar.Monitor, key, lang string) {
	t := newReportText(lang)
	var rows [][]string
	line := func(name, format string, args ...any) {
		rows = append(rows, []string{t.T("cliout.monitor.show." + strings.ReplaceAll(name, " ", "_")), fmt.Sprintf(format, args...)})
	}
	word := func(k string, args ...any) string { return t.T("cliout.monitor."+k, args...) }
	line("monitor", "%d %s", m.ID, m.Name)
	line("model", "%s %s", orDash(key), m.Version)
	line("task", "%s", m.Task)
	line("window", "%s", m.Window)
	ref := m.Reference.Kind
	switch {
	case m.Reference.FileName != "":
		ref += word("ref_file", m.Reference.FileName, m.Reference.Format, m.Reference.Rows)
	case !m.Reference.From.IsZero():
		ref += word("ref_span", cliTime(m.Reference.From), cliTime(m.Reference.To))
	}
	line("reference", "%s", ref)
	line("features", "%s", word("features", len(m.Numeric), len(m.Categorical)))
	th := m.Thresholds
	if th.MinAccuracy > 0 {
		line("accuracy below", "%g", th.MinAccuracy)
	}
	if th.MaxLatencyP95MS > 0 {
		line("latency p95 above", "%g ms", th.MaxLatencyP95MS)
	}
	if th.MinEvents > 0 {
		line("events fewer than", "%d", th.MinEvents)
	}
	if th.MaxEvents > 0 {
		line("events more than", "%d", th.MaxEvents)
	}
	if th.Drift {
		line("drift", "%s", word("drift_tests", orAuto(th.DriftNumericTest), orAuto(th.DriftCategoricalTest)))
	}
	if th.Fairness {
		line("fairness", "%s", word("yes"))
	}
	if th.DataQuality {
		line("data quality", "%s", word("yes"))
	}
	line("alert after", "%s", plural(t, "cliout.monitor.breaching", max(m.AlertAfter, 1)))
	line("resolve after", "%s", plural(t, "cliout.monitor.good", max(m.ResolveAfter, 1)))
	if m.RetrainAfter > 0 {
		line("retraining after", "%s", plural(t, "cliout.monitor.breaching", m.RetrainAfter))
	} else {
		line("retraining after", "%s", word("never"))
	}
	line("webhook", "%s", orDash(lodestar.RedactURL(m.WebhookURL)))
	if m.RemindAfter > 0 {
		line("remind after", "%s", plural(t, "cliout.monitor.remind", m.RemindAfter))
	} else {
		line("remind after", "%s", word("never"))
	}
	line("evaluated to", "%s", cliTime(m.EvaluatedTo))
	if m.Paused() {
		line("paused", "%s", word("paused_since", cliTime(m.PausedAt), m.PausedBy, oneLine(m.PauseReason)))
	}
	writeRows(w, rows)
}

// pauseMonitor pauses or resumes monitor id as the user with e-mail as.
// A pause's --reason left out (reasonGiven false) is bad usage; one given
// blank is the service's to refuse, as it refuses the API's and the web
// form's: a field error, exit 1, nothing paused.
func (e *cmdEnv) pauseMonitor(sub string, id int64, reason string, reasonGiven bool, as, format string) error {
	switch {
	case sub == "pause" && (!reasonGiven || strings.TrimSpace(as) == ""):
		return errUsage{"monitor pause: --reason and --as are required"}
	case sub == "resume" && strings.TrimSpace(as) == "":
		return errUsage{"monitor resume: --as is required"}
	case sub == "resume" && reason != "":
		return errUsage{"monitor resume: takes no --reason (the pause's is kept in the audit log)"}
	}
	return e.changeStore("no monitor to "+sub, func(s *store.Store) error {
		ctx, err := actingUser(e.ctx, s, as, auth.ModelWrite, "monitor "+sub, sub+" a monitor")
		if err != nil {
			return err
		}
		var m *lodestar.Monitor
		if sub == "pause" {
			m, err = s.PauseMonitor(ctx, id, reason)
		} else {
			m, err = s.ResumeMonitor(ctx, id)
		}
		if lodestar.ErrorCode(err) == lodestar.ENotFound {
			return fmt.Errorf("monitor %s: no monitor %d ('lodestar monitor list' lists them)", sub, id)
		} else if err != nil {
			return fmt.Errorf("monitor %s: %w", sub, describe(err))
		}
		if format == "json" {
			return writeJSON(e.stdout, m)
		}
		if sub == "pause" {
			fmt.Fprintln(e.stdout, e.out("monitor.paused", m.ID, m.PausedBy, cliTime(m.PausedAt)))
		} else {
			fmt.Fprintln(e.stdout, e.out("monitor.resumed", m.ID))
		}
		return nil
	})
}

// evaluateMonitor evaluates monitor id now as the user with e-mail as —
// from, when set, recomputing its windows from there — as the API's
// POST /api/v1/monitors/{id}/evaluate does.
func (e *cmdEnv) evaluateMonitor(id int64, from time.Time, as, format string) error {
	return e.changeStore("no monitor to evaluate", func(s *store.Store) error {
		ctx, err := actingUser(e.ctx, s, as, auth.ModelWrite, "monitor evaluate", "evaluate a monitor")
		if err != nil {
			return err
		}
		svc := &monitoring.Service{Store: s, AllowPrivateWebhooks: e.cfg.WebhookAllowPrivate, Lateness: e.cfg.MonitorLateness}
		ev, err := svc.Evaluate(ctx, id, time.Now().UTC(), from)
		if lodestar.ErrorCode(err) == lodestar.ENotFound {
			return fmt.Errorf("monitor evaluate: no monitor %d ('lodestar monitor list' lists them)", id)
		} else if err != nil {
			return fmt.Errorf("monitor evaluate: %w", describe(err))
		}
		if format == "json" {
			return writeJSON(e.stdout, ev)
		}
		t := newReportText(e.lang)
		fmt.Fprintln(e.stdout, e.out("monitor.evaluated", id, plural(t, "cliout.monitor.windows", len(ev.Windows)), len(ev.Opened)+len(ev.Reopened), len(ev.Resolved), len(ev.Tasks)))
		return nil
	})
}

// copyMonitor copies monitor id as the user with e-mail as.
func (e *cmdEnv) copyMonitor(id int64, to monitoring.CopyTo, as, format string) error {
	return e.changeStore("no monitor to copy", func(s *store.Store) error {
		ctx, err := actingUser(e.ctx, s, as, auth.ModelWrite, "monitor copy", "copy a monitor")
		if err != nil {
			return err
		}
		// The copy's webhook is refused where the server, run with this
		// configuration, would refuse to send to it.
		m, err := (&monitoring.Service{Store: s, AllowPrivateWebhooks: e.cfg.WebhookAllowPrivate}).CopyMonitor(ctx, id, to)
		if lodestar.ErrorCode(err) == lodestar.ENotFound {
			return fmt.Errorf("monitor copy: no monitor %d ('lodestar monitor list' lists them)", id)
		} else if err != nil {
			return fmt.Errorf("monitor copy: %w", describe(err))
		}
		if format == "json" {
			return writeJSON(e.stdout, m)
		}
		fmt.Fprintln(e.stdout, e.out("monitor.copied", id, m.Version, m.ID, m.Name))
		return nil
	})
}

// count is n and noun, singular for 1: "1 breaching window", "3 good
// windows".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func orAuto(s string) string {
	if s == "" {
		return "auto"
	}
	return s
}

// windowMetrics are the metrics writeWindows may show, in order (their
// headings are the catalog's cliout.col.KEY): those measured in at least
// one of the windows printed.
var windowMetrics = []string{"accuracy", "auc", "f1", "log_loss", "mae", "rmse", "latency_p95"}

// writeWindows prints windows, oldest first, as a table.
func writeWindows(w io.Writer, ws []*lodestar.WindowResult, lang string) error {
	t := newReportText(lang)
	if len(ws) == 0 {
		_, err := fmt.Fprintln(w, t.T("cliout.monitor.no_window"))
		return err
	}
	var cols, heads []string
	for _, m := range windowMetrics {
		for _, r := range ws {
			if _, ok := r.Metrics[m]; ok {
				cols, heads = append(cols, m), append(heads, t.T("cliout.col."+m))
				break
			}
		}
	}
	head := append(colsOf(t, "start", "events", "labelled"), heads...)
	rows := [][]string{append(head, colsOf(t, "drifted", "breaches")...)}
	numbers := []int{1, 2}
	for k := range cols {
		numbers = append(numbers, 3+k)
	}
	numbers = append(numbers, 3+len(cols))
	for _, r := range ws {
		row := []string{cliTime(r.Start), strconv.FormatInt(r.Events, 10), strconv.FormatInt(r.Labelled, 10)}
		for _, c := range cols {
			if v, ok := r.Metrics[c]; ok && c == "latency_p95" {
				// Milliseconds, to at most a tenth, as the web writes them.
				row = append(row, strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
			} else if ok {
				row = append(row, strconv.FormatFloat(v, 'f', 4, 64))
			} else {
				row = append(row, "-")
			}
		}
		// No figure without a drift result, nor when no feature could be
		// tested: 0 of 0 drifted is not 0%.
		drift := "-"
		if v := r.DriftVerdict(); v == lodestar.VerdictDrift || v == lodestar.VerdictNoDrift {
			drift = fmt.Sprintf("%.0f%%", 100*r.DriftShare)
		}
		rows = append(rows, append(row, drift, orDash(strings.Join(r.Breaches, ", "))))
	}
	return writeRows(w, rows, numbers...)
}
