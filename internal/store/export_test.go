package store

// SetLabelPage sets how many labels ScanEvents reads a page at a time,
// until the returned function puts it back.
func SetLabelPage(n int) (restore func()) {
	old := labelPage
	labelPage = n
	return func() { labelPage = old }
}
