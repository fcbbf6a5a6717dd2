package archive

import (
	"errors"
	"testing"
)

// TestEnvelopeDetectsEveryByteFlip flips each byte of a sealed value, in
// three ways, and expects every one to fail its checksum: RELIABILITY
// test 8 asks for 100% of payload flips detected.
func TestEnvelopeDetectsEveryByteFlip(t *testing.T) {
	b := bucket{path: []string{"sources", "acme", "incidents", "inc-1"}}
	key := seq(3)
	payload := []byte(`{"n":3,"hash":"ab12","incident":{"title":"Elevated errors","updates":[{"body":"Resolved."}]}}`)
	sealed := b.seal(key, encJSON, payload)
	if _, got, err := b.open(key, sealed); err != nil || string(got) != string(payload) {
		t.Fatalf("open(seal(payload)) = %q, %v", got, err)
	}
	flips, missed := 0, 0
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			v := append([]byte(nil), sealed...)
			v[i] ^= mask
			flips++
			if _, _, err := b.open(key, v); !errors.Is(err, ErrCorrupt) {
				missed++
				t.Errorf("flip %#02x at byte %d: open = %v, want ErrCorrupt", mask, i, err)
			}
		}
	}
	t.Logf("%d single-byte flips, %d undetected", flips, missed)
	for _, tc := range []struct {
		name string
		b    bucket
		key  []byte
	}{
		{"same value under another key", b, seq(4)},
		{"same value in another incident", bucket{path: []string{"sources", "acme", "incidents", "inc-2"}}, key},
	} {
		if _, _, err := tc.b.open(tc.key, sealed); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: open = %v, want ErrCorrupt", tc.name, err)
		}
	}
	if _, _, err := b.open(key, sealed[:3]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a value shorter than its header: open = %v, want ErrCorrupt", err)
	}
}

func TestShowKey(t *testing.T) {
	for _, tc := range []struct {
		key  []byte
		want string
	}{
		{seq(42), "#42"},
		{[]byte("head"), "head"},
		{[]byte{0xff, 0x00, 0x10}, "ff0010"},
	} {
		if got := showKey(tc.key); got != tc.want {
			t.Errorf("showKey(%x) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
