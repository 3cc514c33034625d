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
func writeProvenance(w io.Writer, v *lodestar.ModelVersion) {
	fmt.Fprintln(w, "Provenance:")
	for _, f := range []struct{ name, value string }{
		{"Artifact URI", v.Provenance.ArtifactURI}, {"Artifact SHA-256", v.Provenance.ArtifactSHA256},
		{"Source commit", v.Provenance.SourceCommit}, {"Training run", v.Provenance.TrainingRun},
	} {
		fmt.Fprintf(w, "  %-17s %s\n", f.name+":", orDash(f.value))
	}
	if v.ProvenanceFrozen() {
		fmt.Fprintln(w, "  (frozen: the version has left development)")
	}
	if v.NoDigest() {
		fmt.Fprintln(w, "  warning: no digest recorded; nothing shows that what runs is what was reviewed")
	}
	fmt.Fprintln(w)
}
