package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func init() {
	register("model", "list|add|version|status: the model registry", (*cmdEnv).model)
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

const modelHelp = `Usage: lodestar model SUBCOMMAND [flags]

  list     [--use-case ID]: list the models and their versions
  add      --use-case ID --key K --name N: register a model under a use case
  version  --key K --version V [--intended-use T]: add a version
  status   --key K --version V --status S --reason R: move a version through
           development, staging, production and retired (audited)
`

func (e *cmdEnv) model(args []string) error {
	if len(args) == 0 {
		return errUsage{"model: want list, add, version or status"}
	}
	sub := args[0]
	fs := e.flags("model " + sub)
	e.cfg.DatabaseFlags(fs)
	useCase := fs.Int64("use-case", 0, "use case ID (add; list filter)")
	key := fs.String("key", "", "the model's key (add) or the model (version, status)")
	name := fs.String("name", "", "display name (add)")
	version := fs.String("version", "", "version name (version, status)")
	intended := fs.String("intended-use", "", "the model card's intended use (version)")
	status := fs.String("status", "", "development, staging, production or retired (status)")
	reason := fs.String("reason", "", "why the status changes (status)")
	if isHelp(sub) {
		return subcommandHelp(fs, modelHelp)
	}
	if err := parse(fs, args[1:], 0); err != nil {
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
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKEY\tNAME\tUSE CASE\tVERSIONS")
			for _, m := range ms {
				vs, err := s.ListModelVersions(ctx, m.ID)
				if err != nil {
					return err
				}
				var parts []string
				for _, v := range vs {
					parts = append(parts, v.Version+" ("+v.Status+")")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", m.ID, m.Key, m.Name, m.UseCaseID, orDash(strings.Join(parts, ", ")))
			}
			return tw.Flush()
		})
	case "add":
		if *useCase == 0 || *key == "" || *name == "" {
			return errUsage{"model add: --use-case, --key and --name are required"}
		}
		return e.readStore("no use case to register a model under", func(s *store.Store) error {
			m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: *useCase, Key: *key, Name: *name})
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(e.stdout, "registered model %d %s\n", m.ID, m.Key)
			return nil
		})
	case "version":
		if *key == "" || *version == "" {
			return errUsage{"model version: --key and --version are required"}
		}
		return e.readStore("no model to add a version to", func(s *store.Store) error {
			m, err := modelByKey(e, s, *key)
			if err != nil {
				return err
			}
			v, err := s.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: *version, Card: lodestar.ModelCard{IntendedUse: *intended}})
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(e.stdout, "added %s %s (version %d, %s)\n", m.Key, v.Version, v.ID, v.Status)
			return nil
		})
	case "status":
		if *key == "" || *version == "" || *status == "" || strings.TrimSpace(*reason) == "" {
			return errUsage{"model status: --key, --version, --status and --reason are required"}
		}
		return e.readStore("no model to change", func(s *store.Store) error {
			m, err := modelByKey(e, s, *key)
			if err != nil {
				return err
			}
			vs, err := s.ListModelVersions(ctx, m.ID)
			if err != nil {
				return err
			}
			for _, v := range vs {
				if v.Version == *version {
					got, err := s.SetModelVersionStatus(ctx, v.ID, *status, *reason)
					if err != nil {
						return describe(err)
					}
					fmt.Fprintf(e.stdout, "%s %s is now %s\n", m.Key, got.Version, got.Status)
					return nil
				}
			}
			return fmt.Errorf("model %s has no version %q", m.Key, *version)
		})
	}
	return errUsage{fmt.Sprintf("model: unknown subcommand %q; want list, add, version or status", sub)}
}
