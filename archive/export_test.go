package archive

// Seal builds a stored value as the archive would for key in the bucket at
// path, so that tests can write well-formed records behind its back.
func Seal(path []string, key []byte, payload []byte) []byte {
	return bucket{path: path}.seal(key, encJSON, payload)
}

// Seq encodes n as a version or run key.
func Seq(n uint64) []byte { return seq(n) }

// FlatKey is the key of incident id's own key in its source's incidents
// bucket.
func FlatKey(id string, key []byte) []byte { return append(flatPrefix(id), key...) }
