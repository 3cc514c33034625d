package main

// The text the record-keeping commands (switch, model, monitor, alert,
// user, token, migrate, audit, backup, import, serve) write on stdout for
// a reader — table headings, labels, confirmations — is in the language
// of the run (--lang, else the locale: cmdEnv.lang), its words from the
// catalogs' "cliout." keys. Values (keys, e-mails, states, roles,
// statuses, times, reasons as written) are written as they are, and JSON
// and CSV, for programs, are not translated.

// out is the catalog's text for "cliout."+key in the run's language,
// formatted with args.
func (e *cmdEnv) out(key string, args ...any) string {
	return reportBundle().T(e.lang, "cliout."+key, args...)
}

// cols are a table's headings in the run's language: "cliout.col."+name
// each.
func (e *cmdEnv) cols(names ...string) []string { return colsOf(newReportText(e.lang), names...) }

// colsOf is cols for a writer given the report's text rather than a run.
func colsOf(t reportText, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = t.T("cliout.col." + n)
	}
	return out
}

// plural is key+".one" for 1 (it takes no number), else key+".n" with n.
func plural(t reportText, key string, n int) string {
	if n == 1 {
		return t.T(key + ".one")
	}
	return t.T(key+".n", n)
}
