package parser

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// hashPieces are the characters a canonical form must escape or fold, and
// plain ones.
var hashPieces = []string{"a", "Z", "0", " ", "  ", "\t", "\n", "\r", "\b", "\f", "\x00", "\x1f", "\x7f", `"`, `\`,
	"<", ">", "&", "é", "e\u0301", "\u2028", "\u2029", "\u200b", "\u00a0", "\u00ad", "\xff", "\xe2\x80", "日本", "😀", "/", "'"}

func randomText(rng *rand.Rand) string {
	var b []byte
	for range rng.IntN(12) {
		b = append(b, hashPieces[rng.IntN(len(hashPieces))]...)
	}
	return string(b)
}

func randomTime(rng *rand.Rand) time.Time {
	switch rng.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("X", (rng.IntN(48)-24)*1800))
	case 2:
		return time.Date(10000+rng.IntN(5), 1, 1, 0, 0, 0, 0, time.UTC) // json.Marshal refuses it
	case 3:
		return time.Unix(rng.Int64N(4e9), 0).In(time.FixedZone("S", 37)) // an offset with seconds
	}
	return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()
}

func randomIncident(rng *rand.Rand) Incident {
	text := func() string { return randomText(rng) }
	in := Incident{Kind: Kind(text()), Title: text(), URL: text(), Impact: Impact(text()), ImpactRaw: text(),
		Status: Status(text()), StatusRaw: text(),
		Started: Time{At: randomTime(rng)}, Resolved: Time{At: randomTime(rng)},
		ScheduledFor: Time{At: randomTime(rng)}, ScheduledUntil: Time{At: randomTime(rng)}}
	if rng.IntN(3) == 0 {
		in.URL = "https://status.example.com/incidents/x?utm_source=a&b=" + text()
	}
	for _, f := range []*Impact{&in.Impact} {
		if rng.IntN(2) == 0 {
			*f = ImpactUnknown
		}
	}
	if rng.IntN(2) == 0 {
		in.Status = StatusUnknown
	}
	for range rng.IntN(3) {
		in.Components = append(in.Components, Component{Name: text(), Status: text()})
	}
	for range rng.IntN(4) {
		u := Update{Status: Status(text()), StatusRaw: text(), At: Time{At: randomTime(rng)}, Body: text()}
		if rng.IntN(2) == 0 {
			u.Status = []Status{StatusUnknown, StatusUpdate, StatusResolved}[rng.IntN(3)]
		}
		for range rng.IntN(3) {
			u.Components = append(u.Components, text())
		}
		in.Updates = append(in.Updates, u)
	}
	if rng.IntN(4) == 0 {
		in.Updates = []Update{}
	}
	return in
}

// jsonHash is Hash as it was computed before it wrote its canonical form
// itself: with json.Marshal. Every archived hash was made this way.
func jsonHash(in Incident) string {
	b, err := json.Marshal(in.canonical())
	if err != nil {
		return "unmarshalable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestCanonicalJSON: the canonical form Hash writes itself is byte for
// byte what json.Marshal writes, on incidents full of text to escape and
// fold, odd times and empty or missing lists, so no hash changes.
func TestCanonicalJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	fallbacks := 0
	for range 20000 {
		in := randomIncident(rng)
		c := in.canonical()
		got, ok := c.appendJSON(nil)
		want, err := json.Marshal(c)
		if !ok {
			fallbacks++
			continue
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendJSON = %s\nwant json.Marshal's %s (%v)", got, want, err)
		}
		if got, want := in.Hash(), jsonHash(in); got != want {
			t.Fatalf("Hash = %s, want %s", got, want)
		}
	}
	if fallbacks == 0 || fallbacks > 19000 {
		t.Errorf("%d of 20000 incidents fell back to json.Marshal; want some, not most", fallbacks)
	}
}

// TestNormaliseTextShortcut: text NormaliseText returns as it is, because
// it is plain ASCII, is what the full normalisation makes of it.
func TestNormaliseTextShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	hits := 0
	for range 50000 {
		s := randomText(rng)
		if got, want := NormaliseText(s), normaliseText(s); got != want {
			t.Fatalf("NormaliseText(%q) = %q, want %q", s, got, want)
		}
		if normalASCII(s) {
			hits++
		}
	}
	if hits == 0 {
		t.Errorf("no random text took the shortcut")
	}
}

// TestCanonicalURLShortcut: a URL CanonicalURL returns as it is, because
// it is plain, is what the full canonicalisation makes of it.
func TestCanonicalURLShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	pieces := []string{"a", "Z", "9", "-", ".", "_", "~", "/", "//", "..", "?", "#", "%20", "%41", ":", ":8080", "@", " ", "é", "?utm_source=x", "&", "="}
	hits := 0
	for range 50000 {
		u := []string{"https://", "http://", "HTTP://", "ftp://", ""}[rng.IntN(5)]
		for range rng.IntN(10) {
			u += pieces[rng.IntN(len(pieces))]
		}
		if got, want := CanonicalURL(u), canonicalURL(u); got != want {
			t.Fatalf("CanonicalURL(%q) = %q, want %q", u, got, want)
		}
		if plainURL(u) {
			hits++
		}
	}
	if hits == 0 {
		t.Errorf("no random URL took the shortcut")
	}
}

// FuzzCanonicalJSON: for any text in any field, the canonical form Hash
// writes is json.Marshal's.
func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range hashPieces {
		f.Add(s, s+" x", int64(0))
	}
	f.Add("https://status.example.com/incidents/a-1", "http://x/y?utm_source=z#f", int64(1e9))
	f.Fuzz(func(t *testing.T, a, b string, sec int64) {
		in := Incident{Kind: Kind(a), Title: b, URL: a, ImpactRaw: b, StatusRaw: a,
			Started:    Time{At: time.Unix(sec, 0).UTC()},
			Components: []Component{{Name: a}, {Name: b}},
			Updates:    []Update{{StatusRaw: b, Body: a, Components: []string{b, a}, At: Time{At: time.Unix(sec/2, 0).UTC()}}}}
		if got := NormaliseText(a); got != normaliseText(a) {
			t.Fatalf("NormaliseText(%q) = %q, want %q", a, got, normaliseText(a))
		}
		if got := CanonicalURL(a); got != canonicalURL(a) {
			t.Fatalf("CanonicalURL(%q) = %q, want %q", a, got, canonicalURL(a))
		}
		c := in.canonical()
		got, ok := c.appendJSON(nil)
		want, err := json.Marshal(c)
		if ok && (err != nil || !bytes.Equal(got, want)) {
			t.Fatalf("appendJSON = %s\nwant json.Marshal's %s (%v)", got, want, err)
		}
	})
}
