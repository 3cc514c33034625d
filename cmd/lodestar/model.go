package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func init() {
	register("model", "list|show|add|version|card|provenance|status: the model registry", (*cmdEnv).model)
}

// modelByKey finds a model by its key.
func modelByKey(e *cmdEnv, s *store.Store, key string) (*lodestar.Model, error) {
	ms, err := s.ListModels(e.ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Key == key {
			return m, nil
		}
	}
	return nil, fmt.Errorf("no model with key %q (see 'lodestar model list')", key)
}

const modelHelp = `Usage: lodestar model SUBCOMMAND [KEY] [flags]

  list     [--use-case ID]: list the models and their versions
  show     --key K [--version V] [--format text|json]: a model and its
           versions, or one version with its model card
  add      --use-case ID --key K --name N: register a model under a use case
  version  --key K --version V [card flags] [provenance flags]: add a
           version, with its card and provenance
  card     --key K --version V card flags --as E: change a version's model
           card (audited, as the user with e-mail E: an admin or the AI
           team); fields not named keep their text
  provenance --key K --version V provenance flags: change what a version
           in development is (audited); fields not named keep their value,
           an empty value clears one. Frozen once the version leaves
           development: move it back (status) to change it.
  status   --key K --version V --status S --reason R --as E: move a version
           one step forward (development, staging, production), back to
           development, or to retired from any status; retired is final
           (audited, as the user with e-mail E: an admin or the AI team)

Card flags: --card FILE (the whole card as JSON, the API's card object:
intended_use, out_of_scope_use, training_data, evaluation_metrics (an
object of numbers), limitations, ethical_considerations), then any of
--intended-use, --out-of-scope-use, --training-data, --limitations,
--ethical-considerations T (an empty T clears the field) and
--metric NAME=VALUE, repeatable (NAME= removes the metric).

Provenance flags: --artifact-uri U (s3://, gs://, https://, file://,
oci:// …, an absolute path or an OCI image reference; no credentials or
signed links), --artifact-sha256 H (64 hex digits), --source-commit C (a
git commit, 7 to 64 hex digits: not a tag or branch), --training-run R
(its ID or an http(s) link).

KEY is the model's key, as --key K gives it: 'lodestar model show churn2' is
'lodestar model show --key churn2' (as for switch; flags may come before or
after it).
`

func (e *cmdEnv) model(args []string) error {
	if len(args) == 0 {
		return errUsage{"model: want list, show, add, version, card, provenance or status"}
	}
	sub := args[0]
	fs := e.flags("model " + sub)
	e.cfg.DatabaseFlags(fs)
	common := flagNames(fs)
	useCase := fs.Int64("use-case", 0, "use case ID (add; list filter)")
	key := fs.String("key", "", "the model's key (add) or the model (show, version, card, provenance, status; or give it as KEY)")
	name := fs.String("name", "", "display name (add)")
	version := fs.String("version", "", "version name (show, version, card, provenance, status)")
	before := flagNames(fs)
	card := newCardFlags(fs)
	cardFlags := newFlagNames(fs, before)
	before = flagNames(fs)
	prov := newProvenanceFlags(fs)
	provFlags := newFlagNames(fs, before)
	format := fs.String("format", "text", "text or json (show)")
	status := fs.String("status", "", "development, staging, production or retired (status)")
	reason := fs.String("reason", "", "why the status changes (status)")
	as := fs.String("as", "", "the e-mail of the user changing the card or the status: an admin or the AI team (card, status)")
	if err := subcommandHelp(fs, sub, modelHelp); err != nil {
		return err
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	// A flag another subcommand takes is refused, not ignored: 'model
	// version --status production' added a version in development.
	takes := map[string][]string{
		"list": {"use-case"}, "show": {"key", "version", "format"}, "add": {"use-case", "key", "name"},
		"version":    append(append([]string{"key", "version"}, cardFlags...), provFlags...),
		"card":       append([]string{"key", "version", "as"}, cardFlags...),
		"provenance": append([]string{"key", "version"}, provFlags...),
		"status":     {"key", "version", "status", "reason", "as"},
	}
	if ok, known := takes[sub]; known {
		var extra []string
		fs.Visit(func(f *flag.Flag) {
			if !common[f.Name] && !slices.Contains(ok, f.Name) {
				extra = append(extra, "--"+f.Name)
			}
		})
		if len(extra) > 0 {
			hint := fmt.Sprintf("see 'lodestar model %s -h'", sub)
			if sub == "version" && slices.ContainsFunc(extra, func(s string) bool { return s == "--status" || s == "--reason" }) {
				hint = "a new version starts in development: move it with 'lodestar model status'"
			}
			return errUsage{fmt.Sprintf("model %s: takes no %s (%s)", sub, strings.Join(extra, ", "), hint)}
		}
	}
	if sub == "list" {
		if len(pos) > 0 {
			return errUsage{fmt.Sprintf("model list: unexpected argument %q (filter with --use-case ID)", pos[0])}
		}
	} else if *key, err = positionalKey("model "+sub, *key, pos); err != nil {
		return err
	}
	ctx := lodestar.WithActor(e.ctx, e.cliCtx())
	switch sub {
	case "list":
		return e.readStore("no models to list", func(s *store.Store) error {
			ms, err := s.ListModels(ctx, *useCase)
			if err != nil {
				return err
			}
			// Columns padded by terminal cells: a Chinese name pushed its
			// row out of line under tabwriter.
			rows := [][]string{e.cols("id", "key", "name", "use_case", "versions")}
			for _, m := range ms {
				vs, err := s.ListModelVersions(ctx, m.ID)
				if err != nil {
					return err
				}
				var parts []string
				for _, v := range vs {
					parts = append(parts, v.Version+" ("+v.Status+")")
				}
				rows = append(rows, []string{strconv.FormatInt(m.ID, 10), m.Key, oneLine(m.Name), strconv.FormatInt(m.UseCaseID, 10), orDash(strings.Join(parts, ", "))})
			}
			return writeRows(e.stdout, rows, 0, 3)
		})
	case "add":
		if *useCase == 0 || *key == "" || *name == "" {
			return errUsage{"model add: --use-case, --key and --name are required"}
		}
		return e.changeStore("no use case to register a model under", func(s *store.Store) error {
			m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: *useCase, Key: *key, Name: *name})
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("model.registered", m.ID, m.Key))
			return nil
		})
	case "show":
		if *key == "" {
			return errUsage{"model show: --key is required"}
		}
		if *format != "text" && *format != "json" {
			return errUsage{fmt.Sprintf("model show: --format is text or json, not %q", *format)}
		}
		return e.readStore("no models to show", func(s *store.Store) error {
			return e.showModel(s, ctx, *key, *version, *format)
		})
	case "card":
		if *key == "" || *version == "" || !card.set() || strings.TrimSpace(*as) == "" {
			return errUsage{"model card: --key, --version, --as and a card flag (--card FILE, --intended-use, --metric, …) are required"}
		}
		return e.changeStore("no model to change", func(s *store.Store) error {
			ctx, err := actingUser(e.ctx, s, *as, auth.ModelWrite, "model card", "change a model card")
			if err != nil {
				return err
			}
			m, v, err := versionByName(e, s, *key, *version)
			if err != nil {
				return err
			}
			c, err := card.apply(v.Card)
			if err != nil {
				return err
			}
			// The card was merged into the version as read: a change made
			// meanwhile (on the web, by another command) is not overwritten.
			if _, err := s.UpdateModelCard(lodestar.WithBasedOn(ctx, v.UpdatedAt), v.ID, c); err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("model.card_updated", m.Key, v.Version))
			return nil
		})
	case "version":
		if *key == "" || *version == "" {
			return errUsage{"model version: --key and --version are required"}
		}
		c, err := card.apply(lodestar.ModelCard{})
		if err != nil {
			return err
		}
		return e.changeStore("no model to add a version to", func(s *store.Store) error {
			m, err := modelByKey(e, s, *key)
			if err != nil {
				return err
			}
			v, err := s.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: *version, Card: c, Provenance: prov.apply(lodestar.Provenance{})})
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("model.version_added", m.Key, v.Version, v.ID, v.Status))
			return nil
		})
	case "provenance":
		if *key == "" || *version == "" || !prov.set() {
			return errUsage{"model provenance: --key, --version and a provenance flag (--artifact-uri, --artifact-sha256, --source-commit, --training-run) are required"}
		}
		return e.changeStore("no model to change", func(s *store.Store) error {
			m, v, err := versionByName(e, s, *key, *version)
			if err != nil {
				return err
			}
			if _, err := s.UpdateModelProvenance(lodestar.WithBasedOn(ctx, v.UpdatedAt), v.ID, prov.apply(v.Provenance)); err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("model.provenance_updated", m.Key, v.Version))
			return nil
		})
	case "status":
		// A --reason left out is bad usage; one given blank is the
		// service's to refuse, as it refuses the API's: exit 1.
		if *key == "" || *version == "" || *status == "" || !flagSet(fs, "reason") || strings.TrimSpace(*as) == "" {
			return errUsage{"model status: --key, --version, --status, --reason and --as are required"}
		}
		return e.changeStore("no model to change", func(s *store.Store) error {
			ctx, err := actingUser(e.ctx, s, *as, auth.ModelWrite, "model status", "change a version's status")
			if err != nil {
				return err
			}
			m, v, err := versionByName(e, s, *key, *version)
			if err != nil {
				return err
			}
			got, err := s.SetModelVersionStatus(ctx, v.ID, *status, *reason)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("model.status_now", m.Key, got.Version, got.Status))
			return nil
		})
	}
	return errUsage{fmt.Sprintf("model: unknown subcommand %q; want list, show, add, version, card, provenance or status", sub)}
}

// flagNames is the set of the flags fs defines.
func flagNames(fs *flag.FlagSet) map[string]bool {
	out := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { out[f.Name] = true })
	return out
}

// newFlagNames names the flags fs defines that before did not hold.
func newFlagNames(fs *flag.FlagSet, before map[string]bool) []string {
	var out []string
	fs.VisitAll(func(f *flag.Flag) {
		if !before[f.Name] {
			out = append(out, f.Name)
		}
	})
	return out
}

// versionByName finds a model's version by its name.
func versionByName(e *cmdEnv, s *store.Store, key, version string) (*lodestar.Model, *lodestar.ModelVersion, error) {
	m, err := modelByKey(e, s, key)
	if err != nil {
		return nil, nil, err
	}
	vs, err := s.ListModelVersions(e.ctx, m.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range vs {
		if v.Version == version {
			return m, v, nil
		}
	}
	return nil, nil, fmt.Errorf("model %s has no version %q (see 'lodestar model show --key %s')", m.Key, version, m.Key)
}

// showModel prints a model and its versions, or one version and its
// card: as text, or as the API's JSON.
func (e *cmdEnv) showModel(s *store.Store, ctx context.Context, key, version, format string) error {
	m, err := modelByKey(e, s, key)
	if err != nil {
		return err
	}
	if version != "" {
		_, v, err := versionByName(e, s, key, version)
		if err != nil {
			return err
		}
		if format == "json" {
			return writeJSON(e.stdout, v)
		}
		fmt.Fprintf(e.stdout, "%s\n\n", e.out("model.version_head", m.Key, v.Version, v.ID, v.Status, v.UpdatedAt.UTC().Format(time.RFC3339)))
		writeProvenance(e.stdout, v, e.lang)
		writeCard(e.stdout, v.Card, e.lang)
		return nil
	}
	vs, err := s.ListModelVersions(ctx, m.ID)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(e.stdout, struct {
			*lodestar.Model
			Versions []*lodestar.ModelVersion `json:"versions"`
		}{m, vs})
	}
	fmt.Fprintf(e.stdout, "%s\n\n", e.out("model.head", m.Key, m.Name, m.ID, m.UseCaseID))
	rows := [][]string{e.cols("version", "status", "updated", "intended_use")}
	for _, v := range vs {
		intended, _, _ := strings.Cut(v.Card.IntendedUse, "\n")
		if r := []rune(intended); len(r) > 60 {
			intended = string(r[:59]) + "…"
		}
		rows = append(rows, []string{v.Version, v.Status, v.UpdatedAt.UTC().Format(time.RFC3339), orDash(intended)})
	}
	return writeRows(e.stdout, rows)
}
