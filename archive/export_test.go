package archive

// Every test archive runs bbolt's StrictMode: a full consistency check
// after every commit. Benchmarks turn it off with SetStrict(false).
func init() { strictMode = true }

// SetStrict switches StrictMode for archives opened afterwards and
// returns the previous setting.
func SetStrict(on bool) bool {
	was := strictMode
	strictMode = on
	return was
}

// Seal builds a stored value as the archive would for key in the bucket at
// path, so that tests can write well-formed records behind its back.
func Seal(path []string, key []byte, payload []byte) []byte {
	return bucket{path: path}.seal(key, encJSON, payload)
}

// Seq encodes n as a version or run key.
func Seq(n uint64) []byte { return seq(n) }

// SetMaxDead sets how many dead letters Abandon keeps and returns the
// previous bound.
func SetMaxDead(n int) int {
	was := maxDead
	maxDead = n
	return was
}
