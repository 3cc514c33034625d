package monitoring

// SetRecomputeReach sets recomputeReach to n until the returned function
// restores it.
func SetRecomputeReach(n int) (restore func()) {
	was := recomputeReach
	recomputeReach = n
	return func() { recomputeReach = was }
}
