package archive

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// Since schema 3 an incident's records, its head and its latest version
// (superseded versions are in the source's history bucket), are kept flat
// in its source's incidents bucket, each key behind the incident's id:
// the id, its NUL bytes escaped as NUL 0xFF, then NUL 0x01, then the key
// ("head", or the version's 8-byte number). The escape keeps the keys of
// every id apart and in id order. Schemas 1 and 2 gave every incident a
// bucket of its own, named by its id, holding the same keys. This build
// reads both, writes new incidents flat and leaves an old incident in its
// bucket until Compact moves it (migrateIncidents). A bucket per incident
// cost bbolt a bucket header and a seek to open it, and when created, an
// inline page to copy on every write; flat keys are plain puts, and one
// cursor reads them all.
//
// A flat record's checksum covers its key in the incidents bucket, as any
// value's does, so Check verifies it where it lies; errors name it as its
// own bucket would (incidents/id/head).

// schemaFlat is the schema whose incidents may be kept flat.
const schemaFlat = 3

// Flat keys: an escaped NUL in an id, and the end of the id.
const (
	flatNUL = 0xFF
	flatEnd = 0x01
)

// flatPrefix is the prefix of incident id's flat keys.
func flatPrefix(id string) []byte {
	p := make([]byte, 0, len(id)+2)
	for i := 0; i < len(id); i++ {
		p = append(p, id[i])
		if id[i] == 0 {
			p = append(p, flatNUL)
		}
	}
	return append(p, 0, flatEnd)
}

// flatKey splits a flat key of an incidents bucket into the incident's id
// (unescaped) and its own key; ok is false for a key that is none.
func flatKey(k []byte) (id string, key []byte, ok bool) {
	var b []byte // the id, when it needs unescaping
	start := 0
	for i := 0; i < len(k)-1; i++ {
		if k[i] != 0 {
			continue
		}
		switch k[i+1] {
		case flatNUL:
			b = append(b, k[start:i+1]...)
			start = i + 2
			i++
		case flatEnd:
			if i == 0 {
				return "", nil, false // no id
			}
			if b == nil {
				return string(k[:i]), k[i+2:], true
			}
			return string(append(b, k[start:i]...)), k[i+2:], true
		default:
			return "", nil, false
		}
	}
	return "", nil, false
}

// flat returns incident id of the incidents bucket b, kept flat: b with
// the id's prefix, whose checksums cover the prefix as a key's part.
func (b bucket) flat(id string, prefix []byte) bucket {
	ib := b.within(id)
	ib.b, ib.history, ib.prefix = b.b, b.history, prefix
	ib.sum = crc32.Update(b.pathCRC(), castagnoli, prefix)
	return ib
}

// incident returns incident id of the incidents bucket b: its own bucket,
// or b with the incident's prefix when it is flat; its b is nil when the
// incident is not archived.
func (b bucket) incident(id string) bucket {
	ib := b.within(id)
	ib.history = b.history
	if b.b == nil {
		return ib
	}
	prefix := flatPrefix(id)
	// One seek finds either, mostly: a bucket named id, or the first
	// flat key after it.
	c := b.b.Cursor()
	k, v := c.Seek([]byte(id))
	if k != nil && v == nil && string(k) == id {
		ib.b = b.b.Bucket(k)
		return ib
	}
	if !bytes.HasPrefix(k, prefix) {
		k, v = c.Seek(prefix)
	}
	if v != nil && bytes.HasPrefix(k, prefix) {
		return b.flat(id, prefix)
	}
	return ib
}

// newIncident returns the bucket of incident id, not archived yet, of the
// incidents bucket b: b with the id's prefix.
func (b bucket) newIncident(id string) bucket { return b.flat(id, flatPrefix(id)) }

// latestN is the number of the latest version of the incident in ib: its
// bucket's sequence, or a flat incident's head's.
func latestN(ib bucket) (uint64, error) {
	if ib.prefix == nil {
		return ib.b.Sequence(), nil
	}
	var h head
	if _, err := ib.get([]byte(keyHead), &h); err != nil {
		return 0, err
	}
	return uint64(h.N), nil
}

// flatRecords are a flat incident's records as a walk of its source's
// incidents bucket finds them: its head's envelope and the envelope of
// the version stored before it (its latest, when the incident is sound)
// with that version's number. Both are nil for an incident with a bucket
// of its own. They are valid until the bucket changes.
type flatRecords struct {
	head, version []byte
	n             uint64
}

// latest returns the envelope of version n of the incident, when recs
// hold it, else nil.
func (recs flatRecords) latest(n int) []byte {
	if recs.version == nil || recs.n != uint64(n) {
		return nil
	}
	return recs.version
}

// readHead decodes the incident's head into h: from recs when the walk
// found it, else from ib. found is false when it has none.
func (recs flatRecords) readHead(ib bucket, h any) (found bool, err error) {
	if recs.head != nil {
		return true, ib.decode([]byte(keyHead), recs.head, h)
	}
	return ib.get([]byte(keyHead), h)
}

// eachIncident calls fn with every incident of the incidents bucket b in
// id order: its id, its bucket and, for a flat incident, its records as
// the walk found them. fn must not add or remove incidents.
// odd, when not nil, is called with every key of b that is no incident's:
// a value that is no flat key, a flat key neither head nor version, the
// versions of an id without a head. An error from fn stops the walk.
func eachIncident(b bucket, fn func(id string, ib bucket, recs flatRecords) error, odd func(k []byte, why string)) error {
	if b.b == nil {
		return nil
	}
	if odd == nil {
		odd = func([]byte, string) {}
	}
	var orphan, version []byte // a flat version's key whose head is still to come, and its envelope
	// settle reports the orphan unless prefix, the flat prefix of the
	// key at hand, is its incident's.
	settle := func(prefix []byte) {
		if orphan != nil && (prefix == nil || !bytes.HasPrefix(orphan, prefix)) {
			odd(orphan, "a version of an incident without a head record")
		}
		orphan = nil
	}
	c := b.b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			settle(nil)
			ib := b.within(string(k))
			ib.b, ib.history = b.b.Bucket(k), b.history
			if err := fn(string(k), ib, flatRecords{}); err != nil {
				return err
			}
			continue
		}
		id, key, ok := flatKey(k)
		switch {
		case !ok:
			settle(nil)
			odd(k, "a value where an incident belongs")
		case string(key) == keyHead:
			prefix := k[:len(k)-len(key)]
			recs := flatRecords{head: v}
			if orphan != nil && bytes.HasPrefix(orphan, prefix) {
				recs.version, recs.n = version, binary.BigEndian.Uint64(orphan[len(prefix):])
			}
			settle(prefix)
			if err := fn(id, b.flat(id, append([]byte(nil), prefix...)), recs); err != nil {
				return err
			}
		case len(key) == 8:
			settle(k[:len(k)-len(key)])
			orphan, version = append(orphan[:0], k...), v
		default:
			settle(k[:len(k)-len(key)]) // its head may still come
			odd(k, "a key of an incident that is neither its head nor a version")
		}
	}
	settle(nil)
	return nil
}

// ownKeys calls fn with each key of the incident in ib, in order, without
// its prefix when flat. An error from fn stops the walk.
func ownKeys(ib bucket, fn func(k []byte) error) error {
	c := ib.b.Cursor()
	k, v := c.First()
	if ib.prefix != nil {
		k, v = c.Seek(ib.prefix)
	}
	for ; k != nil && bytes.HasPrefix(k, ib.prefix); k, v = c.Next() {
		if v == nil && ib.prefix != nil {
			continue // another incident's bucket, its id holding a NUL byte
		}
		if err := fn(k[len(ib.prefix):]); err != nil {
			return err
		}
	}
	return nil
}
