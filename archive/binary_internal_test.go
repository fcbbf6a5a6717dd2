package archive

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// fill sets every field reachable from v (a pointer) to a random value:
// strings of random bytes (invalid UTF-8 included), integers of either
// sign, bools, times in UTC or in a fixed zone, slices that are nil, empty
// or of a few elements. A field the binary codec does not carry then
// comes back zero and the round trip fails: adding a field to Version,
// head or parser.Incident without codec support fails this test.
func fill(rng *rand.Rand, v reflect.Value) {
	if v.Type() == reflect.TypeFor[time.Time]() {
		var t time.Time
		switch rng.IntN(4) {
		case 0: // the zero time
		case 1:
			t = time.Unix(rng.Int64N(1<<40)-1<<39, rng.Int64N(1e9)).In(time.FixedZone("", (rng.IntN(96)-48)*900+1))
		default:
			t = time.Unix(rng.Int64N(1<<40)-1<<39, rng.Int64N(1e9)).UTC()
		}
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.String:
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		v.SetString(string(b))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64() >> rng.UintN(64))
		if rng.IntN(2) == 0 {
			v.SetInt(-v.Int())
		}
	case reflect.Uint64:
		v.SetUint(rng.Uint64() >> rng.UintN(64))
	case reflect.Slice:
		switch n := rng.IntN(5); n {
		case 0:
			v.SetZero()
		default:
			v.Set(reflect.MakeSlice(v.Type(), n-1, n-1))
			for i := range n - 1 {
				fill(rng, v.Index(i))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i))
			}
		}
	default:
		panic("fill: no random values for " + v.Type().String())
	}
}

// TestBinaryRoundTrip encodes versions and heads whose every field is
// random and decodes them back unchanged. Hashes that are hex SHA-256s
// (stored as 32 bytes) and any other text both come back as they were.
func TestBinaryRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var want storedVersion
		fill(rng, reflect.ValueOf(&want.Version).Elem())
		fill(rng, reflect.ValueOf(&want.prevLastSeen).Elem())
		if i%2 == 0 {
			want.Hash = parser.Incident{ID: want.Hash}.Hash()
		}
		var got storedVersion
		if err := got.decodeBinary(want.appendBinary(nil)); err != nil {
			t.Fatalf("decode(encode(%+v)): %v", want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decode(encode(version)) =\n%+v\nwant\n%+v", got, want)
		}
		var seen seenOnly
		if err := seen.decodeBinary(want.appendBinary(nil)); err != nil || !seen.FirstSeen.Equal(want.FirstSeen) || !seen.prevLastSeen.Equal(want.prevLastSeen) {
			t.Fatalf("seenOnly of %+v = %+v, %v", want, seen, err)
		}

		var wantHead head
		fill(rng, reflect.ValueOf(&wantHead).Elem())
		if i%2 == 0 {
			wantHead.Hash = want.Hash
		}
		var gotHead head
		if err := gotHead.decodeBinary(wantHead.appendBinary(nil)); err != nil {
			t.Fatalf("decode(encode(%+v)): %v", wantHead, err)
		}
		if !reflect.DeepEqual(gotHead, wantHead) {
			t.Fatalf("decode(encode(head)) = %+v, want %+v", gotHead, wantHead)
		}
	}
}

// TestRelativeRoundTrip stores random versions relative to a next
// version holding copies of some of their updates, and resolves them
// back unchanged.
func TestRelativeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 2000 {
		var want, next storedVersion
		fill(rng, reflect.ValueOf(&want.Version).Elem())
		fill(rng, reflect.ValueOf(&next.Version).Elem())
		next.N = want.N + 1
		if next.Incident.Updates == nil {
			next.Incident.Updates = []parser.Update{}
		}
		for _, u := range want.Incident.Updates {
			if rng.IntN(2) == 0 {
				at := rng.IntN(len(next.Incident.Updates) + 1)
				next.Incident.Updates = slices.Insert(next.Incident.Updates, at, u)
			}
		}
		p := relativeVersion{v: want, next: next.Incident.Updates}.appendBinary(nil)
		var got storedVersion
		if err := got.decodeBinary(p); err != nil {
			t.Fatalf("decode(encode(%+v)): %v", want, err)
		}
		if got.refs == nil {
			t.Fatalf("a version stored relative to the next reads as whole")
		}
		var alone Version
		if err := alone.decodeBinary(p); !errors.Is(err, errRelative) {
			t.Fatalf("a relative version decoded alone: %v, want errRelative", err)
		}
		if err := got.resolve(&next); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("resolve(decode(encode(version))) =\n%+v\nwant\n%+v", got, want)
		}
	}
}

// TestBinaryRefusesDamage: every proper prefix of a record and every
// record with bytes after it are refused, not read as something else.
func TestBinaryRefusesDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var v storedVersion
	fill(rng, reflect.ValueOf(&v.Version).Elem())
	p := v.appendBinary(nil)
	for n := range len(p) {
		var got storedVersion
		if err := got.decodeBinary(p[:n]); err == nil {
			t.Errorf("decode of the first %d of %d bytes succeeded", n, len(p))
		}
	}
	var got storedVersion
	if err := got.decodeBinary(append(p, 0)); err == nil {
		t.Errorf("decode with a byte after the record succeeded")
	}
	if err := got.decodeBinary(append([]byte{binLayout + 1}, p[1:]...)); err == nil {
		t.Errorf("decode of an unknown layout succeeded")
	}
}

// FuzzDecodeBinary feeds hostile bytes to the decoders: they never panic
// nor allocate beyond the input's size, and what they accept encodes back
// to a record that decodes the same.
func FuzzDecodeBinary(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 8 {
		var v storedVersion
		fill(rng, reflect.ValueOf(&v.Version).Elem())
		f.Add(v.appendBinary(nil))
		var h head
		fill(rng, reflect.ValueOf(&h).Elem())
		f.Add(h.appendBinary(nil))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		var v storedVersion
		if err := v.decodeBinary(p); err == nil {
			var again storedVersion
			if err := again.decodeBinary(v.appendBinary(nil)); err != nil || !reflect.DeepEqual(again, v) {
				t.Fatalf("re-encoded version decodes to %+v, %v; want %+v", again, err, v)
			}
		}
		var h head
		if err := h.decodeBinary(p); err == nil {
			var again head
			if err := again.decodeBinary(h.appendBinary(nil)); err != nil || !reflect.DeepEqual(again, h) {
				t.Fatalf("re-encoded head decodes to %+v, %v; want %+v", again, err, h)
			}
		}
		var s seenOnly
		_ = s.decodeBinary(p)
		if v.decodeBinary(p) == nil && v.refs != nil {
			next := storedVersion{Version: Version{N: v.N + 1, Incident: parser.Incident{Updates: make([]parser.Update, 2)}}}
			_ = v.resolve(&next)
		}
	})
}
