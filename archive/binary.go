package archive

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// Versions and heads are stored in a compact binary form (encoding 'b'):
// JSON with its field names, and the deflate that made it small enough,
// were most of the cost of archiving and of reading a version. Records
// written before it ('j', 'd') are read as they are.
//
// A binary payload starts with its layout number (binLayout), then the
// fields in a fixed order:
//
//	varint     zig-zag signed integer; uvarint: unsigned
//	string     uvarint length, then the bytes as they are
//	slice      uvarint: 0 for nil, else the length plus 1 (nil and empty
//	           differ: an update's Stated is nil before its windows were
//	           read); then the elements
//	bool       within a uvarint of flag bits
//	time       uvarint tag: 0 the zero time; 1 UTC; 2 a fixed offset,
//	           followed by its varint seconds east of UTC; then varint
//	           Unix seconds and uvarint nanoseconds
//	hash       uvarint tag: 1 then 32 bytes for a lowercase hex SHA-256,
//	           0 then a string for anything else
//
// head:    layout, flags (1 deleted), N, hash, first_seen, last_seen,
//
//	last_run (uvarint), kind, first_update, updates
//
// Version: layout, flags (1 deleted, 2 relative), N, hash, first_seen,
//
//	last_seen, previous_last_seen, run (uvarint), page_url, origin,
//	incident
//
// Incident: source, id, kind, title, url, impact, impact_raw, status,
//
//	status_raw, components (name, status, status_raw), started,
//	resolved, scheduled_for, scheduled_until (each a time and its
//	text), updates (status, status_raw, at and its text, body,
//	components, stated: text, start, end, flags (1 future),
//	problem), updates_claimed, flags (1 partial, 2 truncated,
//	4 incomplete)
//
// previous_last_seen is when the version this one superseded was last
// seen: a new version carries it, so that the superseded one need not be
// written again for it. Zero when there was none; a version without it
// keeps its own last_seen (the latest's is its head's).
//
// A relative version is a superseded one stored against the version after
// it, which repeats most of its timeline: each of its updates starts with
// a uvarint, the position plus 1 of the identical update of the next
// version (nothing else follows), or 0 before an update stored in full.
// The latest version is always stored whole, so reading it (an export, an
// ingest) reads one record; reading an older one resolves the versions
// after it first. A version is written again as relative, once, when the
// version that supersedes it shares at least one update with it.
//
// A binary payload longer than binaryDeflateOver is stored deflated
// (encoding 'B') when that saves an eighth of it. Shorter ones are not:
// DEFLATE costs some 20-40 µs per record however small it is (building
// its Huffman tables), more than everything else an ingest does for it,
// and a version of up to that size still fits with its head in the
// quarter page below which bbolt keeps an incident's bucket inline in its
// parent's page. A longer one would take a page of its own uncompressed.
const (
	encBinary         = 'b'
	encBinaryDeflate  = 'B'
	binLayout         = 1
	binaryDeflateOver = 768
)

// binaryRecord is a stored value with a binary form.
type binaryRecord interface {
	appendBinary(b []byte) []byte
}

// binaryDecoder decodes a binary payload into a stored value.
type binaryDecoder interface {
	decodeBinary(p []byte) error
}

// errBinary is what a malformed binary payload reports.
var errBinary = errors.New("malformed binary record")

func appendUvarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }
func appendVarint(b []byte, x int64) []byte   { return binary.AppendVarint(b, x) }

func appendString(b []byte, s string) []byte {
	return append(appendUvarint(b, uint64(len(s))), s...)
}

func appendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return appendUvarint(b, uint64(n)+1)
}

func appendFlags(b []byte, flags ...bool) []byte {
	var x uint64
	for i, f := range flags {
		if f {
			x |= 1 << i
		}
	}
	return appendUvarint(b, x)
}

func appendTime(b []byte, t time.Time) []byte {
	if t == (time.Time{}) {
		return append(b, 0)
	}
	// As JSON keeps them: a time at offset 0 reads back in UTC, any
	// other in a fixed zone of its offset.
	if _, off := t.Zone(); off == 0 {
		b = append(b, 1)
	} else {
		b = appendVarint(append(b, 2), int64(off))
	}
	return appendUvarint(appendVarint(b, t.Unix()), uint64(t.Nanosecond()))
}

func appendHash(b []byte, h string) []byte {
	if len(h) == 64 && isLowerHex(h) {
		b, _ = hex.AppendDecode(append(b, 1), []byte(h)) // lowercase hex: checked above
		return b
	}
	return appendString(append(b, 0), h)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// reader decodes a binary payload. It holds the payload as one string, so
// that every string field it returns shares that one allocation.
type reader struct {
	s   string
	i   int
	err error
	// noHash skips hashes (hash returns ""): for readers that give none.
	noHash bool
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", errBinary, what, r.i)
	}
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	var x uint64
	var s uint
	for n := 0; ; n++ {
		if r.i >= len(r.s) || n == binary.MaxVarintLen64 {
			r.fail("bad varint")
			return 0
		}
		c := r.s[r.i]
		r.i++
		if c < 0x80 {
			if n == binary.MaxVarintLen64-1 && c > 1 {
				r.fail("varint overflows")
				return 0
			}
			return x | uint64(c)<<s
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
}

func (r *reader) varint() int64 {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (r *reader) int() int {
	x := r.varint()
	if x < math.MinInt || x > math.MaxInt {
		r.fail("integer out of range")
		return 0
	}
	return int(x)
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.s) {
		r.fail("truncated")
		return 0
	}
	c := r.s[r.i]
	r.i++
	return c
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)-r.i) {
		r.fail("string longer than the record")
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

// count reads a slice header: whether it is nil and its length. Every
// element takes at least one byte, so a length beyond the bytes left is
// malformed (and allocates nothing).
func (r *reader) count() (isNil bool, n int) {
	x := r.uvarint()
	if r.err != nil || x == 0 {
		return true, 0
	}
	if x-1 > uint64(len(r.s)-r.i) {
		r.fail("slice longer than the record")
		return true, 0
	}
	return false, int(x - 1)
}

// flags reads n flag bits; a bit beyond them is malformed.
func (r *reader) flags(n int) uint64 {
	x := r.uvarint()
	if x>>n != 0 {
		r.fail("unknown flags")
	}
	return x
}

func (r *reader) time() time.Time {
	tag := r.uvarint()
	if r.err != nil || tag == 0 {
		return time.Time{}
	}
	var loc *time.Location
	switch tag {
	case 1:
	case 2:
		off := r.varint()
		if off == 0 || off < -24*3600 || off > 24*3600 {
			r.fail("zone offset out of range")
			return time.Time{}
		}
		loc = time.FixedZone("", int(off))
	default:
		r.fail("unknown time tag")
		return time.Time{}
	}
	sec, nsec := r.varint(), r.uvarint()
	if nsec >= 1e9 {
		r.fail("nanoseconds out of range")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if loc != nil {
		t = t.In(loc)
	}
	return t
}

func (r *reader) hash() string {
	switch r.uvarint() {
	case 0:
		return r.string()
	case 1:
		if r.err != nil {
			return ""
		}
		if len(r.s)-r.i < 32 {
			r.fail("truncated hash")
			return ""
		}
		if r.noHash {
			r.i += 32
			return ""
		}
		var h [64]byte // one allocation, the string's
		hex.Encode(h[:], []byte(r.s[r.i:r.i+32]))
		r.i += 32
		return string(h[:])
	}
	r.fail("unknown hash tag")
	return ""
}

// start checks the layout number.
func (r *reader) start() {
	if l := r.uvarint(); r.err == nil && l != binLayout {
		r.err = fmt.Errorf("%w: layout %d, this build reads %d", errBinary, l, binLayout)
	}
}

// end reports the first error, or bytes left over.
func (r *reader) end() error {
	if r.err == nil && r.i != len(r.s) {
		r.fail("bytes after the record")
	}
	return r.err
}

func (h head) appendBinary(b []byte) []byte {
	b = appendUvarint(b, binLayout)
	b = appendFlags(b, h.Deleted)
	b = appendVarint(b, int64(h.N))
	b = appendHash(b, h.Hash)
	b = appendTime(b, h.FirstSeen)
	b = appendTime(b, h.LastSeen)
	b = appendUvarint(b, h.LastRun)
	b = appendString(b, string(h.Kind))
	b = appendTime(b, h.FirstUpdate)
	return appendVarint(b, int64(h.Updates))
}

func (h *head) decodeBinary(p []byte) error { return decodeHead(p, h, false) }

// rowHead is a head for Rows, which needs no hash: decoding leaves it
// empty, saving its hex form.
type rowHead struct{ head }

func (h *rowHead) decodeBinary(p []byte) error { return decodeHead(p, &h.head, true) }

func decodeHead(p []byte, h *head, noHash bool) error {
	r := reader{s: string(p), noHash: noHash}
	r.start()
	f := r.flags(1)
	*h = head{
		Deleted: f&1 != 0, N: r.int(), Hash: r.hash(), FirstSeen: r.time(), LastSeen: r.time(),
		LastRun: r.uvarint(), Kind: parser.Kind(r.string()), FirstUpdate: r.time(), Updates: r.int(),
	}
	return r.end()
}

// storedVersion is a version as stored: with the last time the version it
// superseded was seen (see previous_last_seen above), and, for one stored
// relative to the next version, where its updates are.
type storedVersion struct {
	Version
	prevLastSeen time.Time
	// refs is nil for a version stored whole. For one stored relative to
	// the next, it holds per update the position plus 1 of the identical
	// update of the next version, or 0 for an update stored here; resolve
	// fills them in.
	refs []int
}

func (v Version) appendBinary(b []byte) []byte {
	return storedVersion{Version: v}.appendBinary(b)
}

func (v storedVersion) appendBinary(b []byte) []byte {
	return v.appendTo(b, nil)
}

// relativeVersion is a superseded version to store relative to the
// version after it: each update identical to one of next's is stored as
// its position there.
type relativeVersion struct {
	v    storedVersion
	next []parser.Update
}

func (r relativeVersion) appendBinary(b []byte) []byte { return r.v.appendTo(b, r.next) }

// shared counts the updates of v that are identical to one of next's.
func shared(v *parser.Incident, next []parser.Update) int {
	n := 0
	for i := range v.Updates {
		if sameUpdateIn(&v.Updates[i], next) >= 0 {
			n++
		}
	}
	return n
}

// sameUpdateIn returns the position of an update of next identical to u
// (nil and empty lists told apart), or -1.
func sameUpdateIn(u *parser.Update, next []parser.Update) int {
	for j := range next {
		if n := &next[j]; n.Body == u.Body && n.At == u.At && n.Status == u.Status && n.StatusRaw == u.StatusRaw &&
			(n.Components == nil) == (u.Components == nil) && slices.Equal(n.Components, u.Components) &&
			(n.Stated == nil) == (u.Stated == nil) && slices.Equal(n.Stated, u.Stated) {
			return j
		}
	}
	return -1
}

// appendTo appends v, relative to next's updates when next is not nil.
func (v storedVersion) appendTo(b []byte, next []parser.Update) []byte {
	b = appendUvarint(b, binLayout)
	b = appendFlags(b, v.Deleted, next != nil)
	b = appendVarint(b, int64(v.N))
	b = appendHash(b, v.Hash)
	b = appendTime(b, v.FirstSeen)
	b = appendTime(b, v.LastSeen)
	b = appendTime(b, v.prevLastSeen)
	b = appendUvarint(b, v.RunID)
	b = appendString(b, v.PageURL)
	b = appendString(b, string(v.Origin))
	return appendIncident(b, &v.Incident, next)
}

// errRelative is decoding a version stored relative to the next one
// without reading that one.
var errRelative = errors.New("a version stored relative to the next one, read alone")

func (v *Version) decodeBinary(p []byte) error { return decodeLatest(p, v, false) }

// rowVersion is a version for Rows, which gives no hash: decoding leaves
// it empty, saving its hex form.
type rowVersion struct{ Version }

func (v *rowVersion) decodeBinary(p []byte) error { return decodeLatest(p, &v.Version, true) }

// decodeLatest decodes a version stored whole, as the latest always is.
func decodeLatest(p []byte, v *Version, noHash bool) error {
	_, refs, err := decodeVersion(p, v, noHash)
	if err == nil && refs != nil {
		err = errRelative
	}
	return err
}

func (v *storedVersion) decodeBinary(p []byte) error {
	var err error
	v.prevLastSeen, v.refs, err = decodeVersion(p, &v.Version, false)
	return err
}

// decodeVersion decodes a version's binary record into v, and returns its
// previous_last_seen and, for one stored relative to the next, its refs.
func decodeVersion(p []byte, v *Version, noHash bool) (prevLastSeen time.Time, refs []int, err error) {
	r := reader{s: string(p), noHash: noHash}
	prevLastSeen, relative := readHeader(&r, v)
	v.RunID = r.uvarint()
	v.PageURL = r.string()
	v.Origin = Origin(r.string())
	v.Incident, refs = readIncident(&r, relative)
	return prevLastSeen, refs, r.end()
}

// readHeader reads the fields every version starts with into v, up to
// previous_last_seen, which it returns, and reports whether the version
// is stored relative to the next one.
func readHeader(r *reader, v *Version) (prevLastSeen time.Time, relative bool) {
	r.start()
	f := r.flags(2)
	*v = Version{Deleted: f&1 != 0, N: r.int(), Hash: r.hash(), FirstSeen: r.time(), LastSeen: r.time()}
	return r.time(), f&2 != 0
}

// resolve fills in the updates a version stored relative to next takes
// from it; next must be resolved already.
func (v *storedVersion) resolve(next *storedVersion) error {
	if v.refs == nil {
		return nil
	}
	if next == nil || next.N != v.N+1 || next.refs != nil {
		return fmt.Errorf("%w: version %d is stored relative to version %d, which is not there", errBinary, v.N, v.N+1)
	}
	for i, ref := range v.refs {
		if ref == 0 {
			continue
		}
		if ref > len(next.Incident.Updates) {
			return fmt.Errorf("%w: version %d names update %d of version %d, which has %d", errBinary, v.N, ref, next.N, len(next.Incident.Updates))
		}
		u := next.Incident.Updates[ref-1]
		u.Components, u.Stated = slices.Clone(u.Components), slices.Clone(u.Stated)
		v.Incident.Updates[i] = u
	}
	v.refs = nil
	return nil
}

func appendPTime(b []byte, t parser.Time) []byte {
	return appendString(appendTime(b, t.At), t.Text)
}

func (r *reader) ptime() parser.Time {
	at := r.time()
	return parser.Time{At: at, Text: r.string()}
}

// appendIncident appends in; with next, each update identical to one of
// next's as its position there plus 1, the others after a 0.
func appendIncident(b []byte, in *parser.Incident, next []parser.Update) []byte {
	for _, s := range [...]string{in.Source, in.ID, string(in.Kind), in.Title, in.URL, string(in.Impact),
		in.ImpactRaw, string(in.Status), in.StatusRaw} {
		b = appendString(b, s)
	}
	b = appendLen(b, in.Components == nil, len(in.Components))
	for _, c := range in.Components {
		b = appendString(appendString(appendString(b, c.Name), c.Status), c.StatusRaw)
	}
	b = appendPTime(b, in.Started)
	b = appendPTime(b, in.Resolved)
	b = appendPTime(b, in.ScheduledFor)
	b = appendPTime(b, in.ScheduledUntil)
	b = appendLen(b, in.Updates == nil, len(in.Updates))
	for i := range in.Updates {
		u := &in.Updates[i]
		if next != nil {
			j := sameUpdateIn(u, next)
			b = appendUvarint(b, uint64(j+1))
			if j >= 0 {
				continue
			}
		}
		b = appendString(b, string(u.Status))
		b = appendString(b, u.StatusRaw)
		b = appendPTime(b, u.At)
		b = appendString(b, u.Body)
		b = appendLen(b, u.Components == nil, len(u.Components))
		for _, c := range u.Components {
			b = appendString(b, c)
		}
		b = appendLen(b, u.Stated == nil, len(u.Stated))
		for _, w := range u.Stated {
			b = appendString(b, w.Text)
			b = appendTime(b, w.Start)
			b = appendTime(b, w.End)
			b = appendFlags(b, w.Future)
			b = appendString(b, w.Problem)
		}
	}
	b = appendVarint(b, int64(in.UpdatesClaimed))
	return appendFlags(b, in.Partial, in.Truncated, in.Incomplete)
}

func readIncident(r *reader, relative bool) (in parser.Incident, refs []int) {
	in = parser.Incident{
		Source: r.string(), ID: r.string(), Kind: parser.Kind(r.string()), Title: r.string(), URL: r.string(),
		Impact: parser.Impact(r.string()), ImpactRaw: r.string(), Status: parser.Status(r.string()), StatusRaw: r.string(),
	}
	if isNil, n := r.count(); !isNil {
		in.Components = make([]parser.Component, n)
		for i := range in.Components {
			in.Components[i] = parser.Component{Name: r.string(), Status: r.string(), StatusRaw: r.string()}
		}
	}
	in.Started, in.Resolved, in.ScheduledFor, in.ScheduledUntil = r.ptime(), r.ptime(), r.ptime(), r.ptime()
	if isNil, n := r.count(); !isNil {
		in.Updates = make([]parser.Update, n)
		if relative {
			refs = make([]int, n)
		}
		for i := range in.Updates {
			u := &in.Updates[i]
			if relative {
				ref := r.uvarint()
				if ref > math.MaxInt32 {
					r.fail("update reference out of range")
				}
				if refs[i] = int(ref); ref > 0 {
					continue
				}
			}
			u.Status, u.StatusRaw, u.At, u.Body = parser.Status(r.string()), r.string(), r.ptime(), r.string()
			if isNil, n := r.count(); !isNil {
				u.Components = make([]string, n)
				for j := range u.Components {
					u.Components[j] = r.string()
				}
			}
			if isNil, n := r.count(); !isNil {
				u.Stated = make([]parser.Window, n)
				for j := range u.Stated {
					w := &u.Stated[j]
					w.Text, w.Start, w.End = r.string(), r.time(), r.time()
					w.Future = r.flags(1) != 0
					w.Problem = r.string()
				}
			}
			if r.err != nil {
				return in, refs
			}
		}
	}
	if relative && refs == nil {
		refs = []int{} // relative, though it has no updates to take
	}
	in.UpdatesClaimed = r.int()
	f := r.flags(3)
	in.Partial, in.Truncated, in.Incomplete = f&1 != 0, f&2 != 0, f&4 != 0
	return in, refs
}
