package main

import (
	"flag"
	"fmt"
	"io"

	lodestar "github.com/lodestar-hq/lodestar"
)

// provenanceFlags are the flags that write a version's provenance, each
// replacing its field when given (an empty value clears it).
type provenanceFlags struct {
	fs     *flag.FlagSet
	values map[string]*string // flag name → value
}

var provenanceFlagNames = []struct{ name, usage string }{
	{"artifact-uri", "where the version's artifact lives (s3://, gs://, https://, file://, oci:// …)"},
	{"artifact-sha256", "the artifact's SHA-256, 64 hex digits"},
	{"source-commit", "the git commit of the code that made it, 7 to 64 hex digits"},
	{"training-run", "the training run's ID or http(s) link"},
}

func newProvenanceFlags(fs *flag.FlagSet) *provenanceFlags {
	p := &provenanceFlags{fs: fs, values: map[string]*string{}}
	for _, f := range provenanceFlagNames {
		p.values[f.name] = fs.String(f.name, "", f.usage+" (version, provenance)")
	}
	return p
}

// set reports whether any provenance flag was given.
func (p *provenanceFlags) set() bool {
	any := false
	p.fs.Visit(func(f *flag.Flag) {
		if p.values[f.Name] != nil {
			any = true
		}
	})
	return any
}

// apply writes the flags given onto prov.
func (p *provenanceFlags) apply(prov lodestar.Provenance) lodestar.Provenance {
	fields := map[string]*string{"artifact-uri": &prov.ArtifactURI, "artifact-sha256": &prov.ArtifactSHA256,
		"source-commit": &prov.SourceCommit, "training-run": &prov.TrainingRun}
	p.fs.Visit(func(f *flag.Flag) {
		if dst, ok := fields[f.Name]; ok {
			*dst = *p.values[f.Name]
		}
	})
	return prov
}

// writeProvenance prints a version's provenance, whether it can still
// change, and the warning of a version staged or live with no digest.
func writeProvenance(w io.Writer, v *lodestar.ModelVersion, lang string) {
	t := newReportText(lang)
	fmt.Fprintln(w, t.T("cliout.provenance.title"))
	var rows [][]string
	for _, f := range []struct{ name, value string }{
		{"artifact_uri", v.Provenance.ArtifactURI}, {"artifact_sha256", v.Provenance.ArtifactSHA256},
		{"source_commit", v.Provenance.SourceCommit}, {"training_run", v.Provenance.TrainingRun},
	} {
		rows = append(rows, []string{t.T("cliout.provenance." + f.name), orDash(f.value)})
	}
	// Labels padded to 17 cells and a space, as before in English.
	width := 17
	for _, r := range rows {
		width = max(width, cellWidth(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %s %s\n", padCells(r[0], width), r[1])
	}
	if v.ProvenanceFrozen() {
		fmt.Fprintln(w, "  "+t.T("cliout.provenance.frozen"))
	}
	if v.NoDigest() {
		fmt.Fprintln(w, "  "+t.T("cliout.provenance.no_digest"))
	}
	fmt.Fprintln(w)
}
