package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

func init() {
	register("export", "use-cases: write the use-case inventory as CSV, XLSX or JSON", (*cmdEnv).export)
}

func (e *cmdEnv) export(args []string) error {
	if len(args) == 0 || args[0] != "use-cases" {
		return errUsage{"export: want 'use-cases'"}
	}
	fs := e.flags("export use-cases")
	e.cfg.DatabaseFlags(fs)
	format := fs.String("format", "csv", "csv, xlsx or json")
	output := fs.String("output", "", "file to write (default: standard output; xlsx needs a file)")
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if !slices.Contains(transfer.Formats, *format) {
		return errUsage{fmt.Sprintf("export: --format %q: want csv, xlsx or json", *format)}
	}
	if *format == "xlsx" && *output == "" {
		return errUsage{"export: --format xlsx needs --output FILE"}
	}
	return e.withStore(func(s *store.Store) error {
		out := e.stdout
		var tmp *os.File
		if *output != "" {
			// Write beside the target and rename, so a failed export never
			// leaves a half-written file where a good one was.
			var err error
			if tmp, err = os.CreateTemp(filepath.Dir(*output), ".export-*"); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer os.Remove(tmp.Name())
			out = tmp
		}
		n, err := transfer.Export(e.ctx, s, lodestar.UseCaseFilter{}, *format, out)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if tmp != nil {
			_ = tmp.Chmod(0o644) // CreateTemp makes 0600; an export is an ordinary file
			if err := tmp.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), *output); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			fmt.Fprintf(e.stderr, "exported %d use cases to %s\n", n, *output)
		}
		return nil
	})
}
