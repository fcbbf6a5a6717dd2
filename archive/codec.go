package archive

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	bbolt "go.etcd.io/bbolt"
)

// Every value the archive stores is an envelope:
//
//	[4] CRC-32C (Castagnoli), big-endian, of the value's bucket path, key,
//	    encoding byte and payload
//	[1] encoding: 'j' JSON, 'd' DEFLATE-compressed JSON, 'b' binary (see
//	    binary.go), 'B' DEFLATE-compressed binary, 'z' gzip-compressed raw
//	    bytes, 'n' no payload
//	[…] payload
//
// The checksum covers the path, so a value written under the wrong key, or
// moved, fails as surely as a flipped byte. JSON longer than deflateOver is
// stored deflated when that is smaller: it keeps most incidents small
// enough for bbolt to store their bucket inline, in their parent's page,
// instead of a 4 KiB page each.
const (
	encJSON    = 'j'
	encDeflate = 'd'
	encGzip    = 'z'
	encNone    = 'n'

	envelopeHeader = 5
	deflateOver    = 256
)

var (
	deflaters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed) // a constant level cannot fail
		return w
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

// deflate returns p compressed with DEFLATE.
func deflate(p []byte) []byte {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	_, _ = w.Write(p) // writes to a bytes.Buffer cannot fail
	_ = w.Close()
	return buf.Bytes()
}

// inflate reverses deflate.
func inflate(z []byte) ([]byte, error) {
	r := inflaters.Get().(io.ReadCloser)
	defer inflaters.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(z), nil); err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// scratches keep buffers binary records are encoded into.
var scratches = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// bucket is a bbolt bucket together with its path from the root, which
// every checksum covers and every error names.
type bucket struct {
	b    *bbolt.Bucket
	path []string
	// sum is the CRC-32C of the path as checksum covers it, so that each
	// value's checksum goes over its key and payload alone.
	sum uint32
	// history is, for a source's incidents bucket and each incident
	// bucket in it, the source's history bucket, where superseded
	// versions are kept (see history.go); nil elsewhere. Nested buckets
	// inherit it.
	history *bucket
	// prefix is, for an incident kept flat in its source's incidents
	// bucket (schema 3, incidents.go), its flat prefix: b is then the
	// incidents bucket and each of the incident's keys is stored there
	// behind prefix, sum covering it. nil for a bucket of its own.
	prefix []byte
}

// key is where b's key k is stored in b.b.
func (b bucket) key(k []byte) []byte {
	if b.prefix == nil {
		return k
	}
	return append(b.prefix[:len(b.prefix):len(b.prefix)], k...)
}

// rawGet returns the envelope stored under k in b, nil for none.
func (b bucket) rawGet(k []byte) []byte { return b.b.Get(b.key(k)) }

// rawPut stores the envelope v under k in b.
func (b bucket) rawPut(k, v []byte) error { return b.b.Put(b.key(k), v) }

// rawDelete removes k from b.
func (b bucket) rawDelete(k []byte) error { return b.b.Delete(b.key(k)) }

// within returns the bucket name inside the one at b's path, with its
// path and sum; b.b is left to the caller.
func (b bucket) within(name string) bucket {
	sum := crc32.Update(b.pathCRC(), castagnoli, []byte(name))
	return bucket{path: append(append(make([]string, 0, len(b.path)+1), b.path...), name), sum: crc32.Update(sum, castagnoli, []byte{0})}
}

func (b bucket) String() string { return strings.Join(b.path, "/") }

// keyPath names key inside b for errors.
func (b bucket) keyPath(key []byte) string {
	shown, ok := "", false
	switch {
	case isIncidents(b.path):
		// A flat incident's key is named as its bucket's would be:
		// incidents/id/head.
		if id, own, flat := flatKey(key); flat {
			shown, ok = id+"/"+showKey(own), true
		}
	case isHistory(b.path):
		shown, ok = showHistoryKey(key)
	}
	if !ok {
		shown = showKey(key)
	}
	return strings.Join(append(append([]string(nil), b.path...), shown), "/")
}

// showKey renders a key for people: text as it is, an 8-byte big-endian
// sequence as #n, anything else in hex.
func showKey(k []byte) string {
	if len(k) == 8 && k[0] == 0 {
		return "#" + strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
	}
	if utf8.Valid(k) && !bytes.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return string(k)
	}
	return fmt.Sprintf("%x", k)
}

func (b bucket) checksum(key []byte, enc byte, payload []byte) uint32 {
	sum := crc32.Update(b.pathCRC(), castagnoli, key)
	sum = crc32.Update(sum, castagnoli, []byte{0, enc})
	return crc32.Update(sum, castagnoli, payload)
}

// pathCRC is the CRC-32C of b's path as checksum covers it: b.sum, or
// computed for a bucket made without it (a literal).
func (b bucket) pathCRC() uint32 {
	// A flat incident's sum covers its prefix too, which its path does
	// not name: it is never made without it.
	if b.sum != 0 || len(b.path) == 0 || b.prefix != nil {
		return b.sum
	}
	var sum uint32
	for _, p := range b.path {
		sum = crc32.Update(sum, castagnoli, []byte(p))
		sum = crc32.Update(sum, castagnoli, []byte{0})
	}
	return sum
}

// seal wraps payload in an envelope for key in b.
func (b bucket) seal(key []byte, enc byte, payload []byte) []byte {
	v := make([]byte, envelopeHeader+len(payload))
	binary.BigEndian.PutUint32(v, b.checksum(key, enc, payload))
	v[4] = enc
	copy(v[envelopeHeader:], payload)
	return v
}

// open verifies the envelope v stored under key and returns its encoding
// and payload. The payload aliases v.
func (b bucket) open(key, v []byte) (byte, []byte, error) {
	if len(v) < envelopeHeader {
		return 0, nil, &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: value of %d bytes is shorter than its header", ErrCorrupt, len(v))}
	}
	enc, payload := v[4], v[envelopeHeader:]
	if want, got := binary.BigEndian.Uint32(v), b.checksum(key, enc, payload); got != want {
		return 0, nil, &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: checksum %08x, stored %08x", ErrCorrupt, got, want)}
	}
	return enc, payload, nil
}

// put stores x under key: in its binary form when it has one (versions
// and heads), else as JSON, deflated when that pays.
func (b bucket) put(key []byte, x any) error {
	if r, ok := x.(binaryRecord); ok {
		// Encoded into a kept buffer, then copied into a value of its
		// size, which bbolt holds until the transaction commits.
		scratch := scratches.Get().(*[]byte)
		defer scratches.Put(scratch)
		p := r.appendBinary((*scratch)[:0])
		*scratch = p
		enc := byte(encBinary)
		if len(p) > binaryDeflateOver {
			if z := deflate(p); len(z) <= len(p)-len(p)/8 {
				enc, p = encBinaryDeflate, z
			}
		}
		v := make([]byte, envelopeHeader+len(p))
		v[4] = enc
		copy(v[envelopeHeader:], p)
		binary.BigEndian.PutUint32(v, b.checksum(key, enc, p))
		if err := b.rawPut(key, v); err != nil {
			return fmt.Errorf("write %s: %w", b.keyPath(key), err)
		}
		return nil
	}
	return b.putJSON(key, x)
}

// putJSON stores x as JSON under key, deflated when that pays.
func (b bucket) putJSON(key []byte, x any) error {
	payload, err := json.Marshal(x)
	if err != nil {
		return fmt.Errorf("encode %s: %w", b.keyPath(key), err)
	}
	enc := byte(encJSON)
	if len(payload) > deflateOver {
		if z := deflate(payload); len(z) < len(payload) {
			enc, payload = encDeflate, z
		}
	}
	if err := b.rawPut(key, b.seal(key, enc, payload)); err != nil {
		return fmt.Errorf("write %s: %w", b.keyPath(key), err)
	}
	return nil
}

// mark stores an empty value (an index entry) under key.
func (b bucket) mark(key []byte) error {
	if err := b.rawPut(key, b.seal(key, encNone, nil)); err != nil {
		return fmt.Errorf("write %s: %w", b.keyPath(key), err)
	}
	return nil
}

// get decodes the JSON value under key into x. It reports false when there
// is no such key, or no such bucket.
func (b bucket) get(key []byte, x any) (bool, error) {
	if b.b == nil {
		return false, nil
	}
	v := b.rawGet(key)
	if v == nil {
		return false, nil
	}
	return true, b.decode(key, v, x)
}

// decode verifies and decodes the JSON envelope v stored under key.
func (b bucket) decode(key, v []byte, x any) error {
	enc, payload, err := b.open(key, v)
	if err != nil {
		return err
	}
	switch enc {
	case encBinary, encBinaryDeflate:
		if enc == encBinaryDeflate {
			if payload, err = inflate(payload); err != nil {
				return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: inflate: %v", ErrCorrupt, err)}
			}
		}
		d, ok := x.(binaryDecoder)
		if !ok {
			return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: a binary record where %T was expected", ErrCorrupt, x)}
		}
		if err := d.decodeBinary(payload); err != nil {
			return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		}
		if r, ok := x.(windowReader); ok {
			r.readMissingWindows()
		}
		return nil
	case encJSON:
	case encDeflate:
		if payload, err = inflate(payload); err != nil {
			return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: inflate: %v", ErrCorrupt, err)}
		}
	default:
		return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: encoding %q where JSON was expected", ErrCorrupt, enc)}
	}
	if err := json.Unmarshal(payload, x); err != nil {
		return &RecordError{Path: b.keyPath(key), Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
	}
	if r, ok := x.(windowReader); ok {
		r.readMissingWindows()
	}
	return nil
}

// windowReader is a stored value holding incidents: decoding leaves the
// stated windows of a record archived before they were read unread
// (parser.Incident.ReadMissingWindows), so decode reads them.
type windowReader interface{ readMissingWindows() }

func (v *Version) readMissingWindows() { v.Incident.ReadMissingWindows() }

// sub returns the nested bucket name, or a bucket with a nil b when b or
// name does not exist.
func (b bucket) sub(name string) bucket {
	nb := b.within(name)
	nb.history = b.history
	if b.b != nil {
		nb.b = b.b.Bucket([]byte(name))
	}
	return nb
}

// create returns the nested bucket name, creating it if needed.
func (b bucket) create(name string) (bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return bucket{}, fmt.Errorf("create bucket %s/%s: %w", b, name, err)
	}
	c := b.within(name)
	c.b, c.history = nb, b.history
	return c, nil
}

func (b bucket) exists() bool { return b.b != nil }

// root returns the top-level bucket name of tx, or one with a nil b.
func root(tx *bbolt.Tx, name string) bucket {
	b := bucket{}.within(name)
	b.b = tx.Bucket([]byte(name))
	return b
}

// createRoot returns the top-level bucket name, creating it if needed.
func createRoot(tx *bbolt.Tx, name string) (bucket, error) {
	b, err := tx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return bucket{}, fmt.Errorf("create bucket %s: %w", name, err)
	}
	r := bucket{}.within(name)
	r.b = b
	return r, nil
}

// seq encodes n as an 8-byte big-endian key, so that cursors scan in order.
func seq(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// unseq decodes an 8-byte big-endian key; ok is false for any other key.
func unseq(k []byte) (uint64, bool) {
	if len(k) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(k), true
}

// gzippers and gunzippers keep gzip writers and readers between pages:
// a new writer allocates about a megabyte of compressor state, which cost
// a third of a first scrape's CPU when each stored page made its own.
var (
	gzippers = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // a constant level cannot fail
		return w
	}}
	gunzippers sync.Pool // of *gzip.Reader
)

// compress returns body gzip-compressed.
func compress(body []byte) []byte {
	buf := bytes.NewBuffer(make([]byte, 0, len(body)/4+64))
	zw := gzippers.Get().(*gzip.Writer)
	defer gzippers.Put(zw)
	zw.Reset(buf)
	_, _ = zw.Write(body) // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	return buf.Bytes()
}

// decompress reverses compress.
func decompress(z []byte) ([]byte, error) {
	zr, _ := gunzippers.Get().(*gzip.Reader)
	if zr == nil {
		zr = new(gzip.Reader)
	}
	defer gunzippers.Put(zr)
	if err := zr.Reset(bytes.NewReader(z)); err != nil {
		return nil, err
	}
	// gzip's trailer states the body's size (mod 4 GiB): read straight
	// into a buffer of that size, up to a bound a corrupt trailer cannot
	// push past.
	var buf bytes.Buffer
	if n := len(z); n >= 8 {
		buf.Grow(int(min(binary.LittleEndian.Uint32(z[n-4:]), 64<<20)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, err
	}
	return buf.Bytes(), zr.Close()
}
