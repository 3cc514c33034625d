package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

func init() {
	register("export", "use-cases: write the use-case inventory as CSV, XLSX or JSON", (*cmdEnv).export)
}

const exportHelp = `Usage: lodestar export use-cases [--format csv|xlsx|json] [--output FILE]

Writes the use-case inventory; 'lodestar import use-cases' reads it back.
`

func (e *cmdEnv) export(args []string) error {
	fs := e.flags("export use-cases")
	e.cfg.DatabaseFlags(fs)
	format := fs.String("format", "csv", "csv, xlsx or json")
	output := fs.String("output", "", "file to write (default: standard output; xlsx needs a file)")
	args = singleHelp(fs, args, "use-cases", exportHelp)
	if len(args) == 0 || args[0] != "use-cases" {
		return errUsage{"export: want 'use-cases'"}
	}
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	if !slices.Contains(transfer.Formats, *format) {
		return errUsage{fmt.Sprintf("export: --format %q: want csv, xlsx or json", *format)}
	}
	if *format == "xlsx" && *output == "" {
		return errUsage{"export: --format xlsx needs --output FILE"}
	}
	if fi, err := os.Stat(*output); *output != "" && err == nil && fi.IsDir() {
		return fmt.Errorf("export: --output %s is a directory: name the file to write", *output)
	}
	return e.readStore("no use cases to export", func(s *store.Store) error {
		n, err := e.writeOutput(*output, 0o644, func(w io.Writer) (int, error) {
			return transfer.Export(e.ctx, s, lodestar.UseCaseFilter{}, *format, w)
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if *output != "" {
			fmt.Fprintln(e.stderr, e.out("export.use_cases", n, *output))
		}
		return nil
	})
}

// writeOutput runs write on standard output, or, given a file, on a
// temporary file beside it renamed over it once write has succeeded, so a
// failed export never leaves a half-written file where a good one was;
// the file gets mode.
func (e *cmdEnv) writeOutput(output string, mode os.FileMode, write func(io.Writer) (int, error)) (int, error) {
	if output == "" {
		return write(e.stdout)
	}
	if fi, err := os.Stat(output); err == nil && fi.IsDir() {
		return 0, fmt.Errorf("--output %s is a directory: name the file to write", output)
	}
	tmp, err := os.CreateTemp(filepath.Dir(output), ".export-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := write(tmp)
	if err != nil {
		return n, err
	}
	if err := tmp.Chmod(mode); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), output)
}

func init() {
	register("import", "use-cases FILE: import a use-case inventory from CSV or XLSX", (*cmdEnv).importCmd)
}

// MaxImportFile bounds an import file (64 MiB).
const MaxImportFile = 64 << 20

const importHelp = `Usage: lodestar import use-cases FILE [flags]

Imports a use-case inventory from CSV or XLSX. Every row is checked first;
nothing is written unless every row is valid (or --skip-invalid). A row
whose title or title_zh is (ignoring case) the title or title_zh of a
live use case in its business unit, or of an earlier row, is refused: a
file imported twice adds nothing the second time. With --dry-run nothing
is written and the exit status is the import's: 1 when a row would be
refused (0 with --skip-invalid).
`

func (e *cmdEnv) importCmd(args []string) error {
	fs := e.flags("import use-cases")
	e.cfg.DatabaseFlags(fs)
	mapping := fs.String("map", "", `column mapping "Source column=field,…" (fields: `+strings.Join(transfer.Fields, ", ")+`; "#N" selects the N-th column)`)
	mapFile := fs.String("map-file", "", "file with one \"Source column=field\" per line")
	enc := fs.String("encoding", "", "utf-8, gb18030 (gbk) or windows-1252 (latin-1); detected when empty")
	sep := fs.String("separator", "", `CSV separator: "," ";" or "tab"; detected when empty`)
	createMissing := fs.Bool("create-missing", false, "create business units the file names that do not exist")
	dryRun := fs.Bool("dry-run", false, "check every row and show what would be created; write nothing; exit 1, as the import would, when a row would be refused (0 with --skip-invalid)")
	skipInvalid := fs.Bool("skip-invalid", false, "write the valid rows and list the rest (default: write nothing unless every row is valid)")
	format := fs.String("format", "text", "report format: text or json")
	args = singleHelp(fs, args, "use-cases", importHelp)
	if len(args) == 0 || args[0] != "use-cases" {
		return errUsage{"import: want 'use-cases FILE'"}
	}
	// The file may stand anywhere among the flags.
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return errUsage{fmt.Sprintf("import use-cases: unexpected argument %q (one FILE at a time)", pos[1])}
	}
	if len(pos) == 0 {
		return errUsage{"import use-cases: name the FILE to import"}
	}
	file := pos[0]
	if strings.EqualFold(filepath.Ext(file), ".json") {
		// export --format json is for other tools: read as CSV, it failed
		// with a quoting error about its first line.
		return fmt.Errorf("import use-cases: %s is JSON; import reads CSV or XLSX (export them with --format csv or xlsx)", file)
	}
	if *format != "text" && *format != "json" {
		return errUsage{"import use-cases: --format must be text or json"}
	}
	var sepRune rune
	switch *sep {
	case "":
	case ",", ";":
		sepRune = rune((*sep)[0])
	case "tab", "\\t", "\t":
		sepRune = '\t'
	default:
		return errUsage{`import use-cases: --separator must be "," ";" or "tab"`}
	}
	// --map's entries are split at commas; a map file's at line ends
	// only, so a column name may hold a comma there. A BOM (Windows
	// editors write one) is not part of the first column's name.
	entries := strings.Split(*mapping, ",")
	if *mapFile != "" {
		b, err := os.ReadFile(*mapFile)
		if err != nil {
			return fmt.Errorf("read --map-file: %w", err)
		}
		text := strings.TrimPrefix(string(b), "\ufeff")
		entries = append(strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n"), entries...)
	}
	fieldMap, err := transfer.ParseMapEntries(entries)
	if err != nil {
		return errUsage{"import use-cases: " + lodestar.ErrorMessage(err)}
	}
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if st.Size() > MaxImportFile {
		return fmt.Errorf("import: %s is %d bytes; the limit is %d", file, st.Size(), MaxImportFile)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	t, err := transfer.ReadTable(file, data, *enc, sepRune)
	if err != nil {
		// The reader's messages name the line, not the file.
		return fmt.Errorf("import: %s: %s", file, lodestar.ErrorMessage(err))
	}
	if *dryRun {
		// A dry run writes nothing: not even a new database in a data
		// directory given by mistake.
		if err := e.requireDB("a dry run has nothing to check against (an import without --dry-run creates the database)"); err != nil {
			return err
		}
	}
	ctx := lodestar.WithActor(e.ctx, e.cliCtx())
	return e.withStore(func(s *store.Store) error {
		res, err := transfer.Import(ctx, s, s, t, transfer.Options{Map: fieldMap, CreateMissing: *createMissing, SkipInvalid: *skipInvalid, DryRun: *dryRun})
		if err != nil {
			return fmt.Errorf("import: %s", lodestar.ErrorMessage(err))
		}
		if *format == "json" {
			if err := writeJSON(e.stdout, res); err != nil {
				return err
			}
		} else {
			e.importReport(t, res, *dryRun)
		}
		// A dry run exits as the import would, so that it can gate a
		// script: 1 when a row would be refused (unless --skip-invalid).
		if res.Refused > 0 && !*skipInvalid && *dryRun {
			return fmt.Errorf("import: dry run: %d row(s) would be refused; nothing was written (fix them, or use --skip-invalid)", res.Refused)
		}
		if res.Refused > 0 && !*skipInvalid {
			return fmt.Errorf("import: %d row(s) refused; nothing was written (fix them, or use --skip-invalid)", res.Refused)
		}
		return nil
	})
}

func (e *cmdEnv) importReport(t *transfer.Table, res *transfer.Result, dryRun bool) {
	w := e.stdout
	tr := newReportText(e.lang)
	if t.Encoding != "" {
		sep := e.out("import.sep." + map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[t.Sep])
		fmt.Fprintln(w, e.out("import.read_csv", res.Rows, t.Encoding, sep))
	} else {
		fmt.Fprintln(w, e.out("import.read_xlsx", res.Rows))
	}
	for _, f := range transfer.Fields {
		if i, ok := res.Columns[f]; ok {
			fmt.Fprintf(w, "  %-19s ← %s\n", f, e.out("import.column", i+1, t.Header[i]))
		}
	}
	if len(res.Ignored) > 0 {
		fmt.Fprintln(w, e.out("import.ignored", strings.Join(res.Ignored, ", ")))
	}
	for _, er := range res.Errors {
		if er.Field != "" {
			fmt.Fprintln(w, e.out("import.line_field", er.Line, er.Field, tr.Msg(er.Reason)))
		} else {
			fmt.Fprintln(w, e.out("import.line", er.Line, tr.Msg(er.Reason)))
		}
	}
	switch {
	case dryRun:
		fmt.Fprintln(w, e.out("import.dry_run", res.Valid, len(res.NewUnits), res.NewUnits, res.Refused))
		for i, in := range res.Preview {
			if i == 10 {
				fmt.Fprintln(w, "  "+e.out("import.more", len(res.Preview)-10))
				break
			}
			fmt.Fprintf(w, "  + %s\n", in.Title)
		}
	case res.Created > 0:
		fmt.Fprintln(w, e.out("import.created", res.Created, len(res.NewUnits), res.NewUnits, res.Refused))
	}
}
