package archive

import (
	"bytes"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"
)

// BenchmarkCompress stores a 130 KB Statuspage home page the way a scrape
// stores each new raw page, and reads it back.
func BenchmarkCompress(b *testing.B) {
	page, err := fixtures.ReadFile("realworld/statuspage/fastly-home-2021.html")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("compress", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			compress(page)
		}
	})
	z := compress(page)
	b.Run("decompress", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			got, err := decompress(z)
			if err != nil || !bytes.Equal(got, page) {
				b.Fatalf("decompress = %d bytes, %v; want the page back", len(got), err)
			}
		}
	})
}

// BenchmarkIngestFloor is the floor under BenchmarkIngest10k: the same
// 10,000 incidents' heads and first versions written to bbolt in one
// transaction, with nothing else an ingest does (no validation, hashing,
// drift guard, run log, pages): "flat" as Ingest writes them (schema 3),
// "bucket-each" in a bucket each, as schema 2 did. "put" writes values
// encoded beforehand, "encode+put" encodes them too.
func BenchmarkIngestFloor(b *testing.B) {
	const n = 10_000
	versions := make([]storedVersion, n)
	heads := make([]head, n)
	for i := range versions {
		versions[i], heads[i] = floorVersion(i, 0, 1)
	}
	for _, layout := range []string{"flat", "bucket-each"} {
		for _, encode := range []bool{false, true} {
			name := layout + "/put"
			if encode {
				name = layout + "/encode+put"
			}
			b.Run(name, func(b *testing.B) { benchIngestFloor(b, layout == "flat", encode, false, heads, versions) })
		}
	}
	// With the hash of each record's rendering, which tells a new version
	// from a sighting: the least a new incident costs.
	b.Run("flat/hash+encode+put", func(b *testing.B) { benchIngestFloor(b, true, true, true, heads, versions) })
}

// benchIngestFloor writes heads and versions in the flat layout (schema
// 3, what Ingest writes) or a bucket each (schema 2), encoded beforehand
// or as it goes, hashing each incident first when hash is set.
func benchIngestFloor(b *testing.B, flat, encode, hash bool, heads []head, versions []storedVersion) {
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		// As Open opens an archive.
		db, err := bbolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, &bbolt.Options{Timeout: time.Second,
			FreelistType: bbolt.FreelistMapType, InitialMmapSize: initialMmapSize})
		if err != nil {
			b.Fatal(err)
		}
		db.AllocSize = allocSize
		incidents := bucket{}.within(bucketSources).within("acme").within(bucketIncidents)
		own := func(i int) bucket {
			if flat {
				return incidents.newIncident(versions[i].Incident.ID)
			}
			return incidents.within(versions[i].Incident.ID)
		}
		var sealedHeads, sealedVersions [][]byte
		if !encode {
			for i := range versions {
				ib := own(i)
				sealedHeads = append(sealedHeads, ib.seal([]byte(keyHead), encBinary, heads[i].appendBinary(nil)))
				sealedVersions = append(sealedVersions, ib.seal(seq(1), encBinary, versions[i].appendBinary(nil)))
			}
		}
		b.StartTimer()
		start := procCPU()
		err = db.Update(func(tx *bbolt.Tx) error {
			sources, err := createRoot(tx, bucketSources)
			if err != nil {
				return err
			}
			src, err := sources.create("acme")
			if err != nil {
				return err
			}
			incidents, err := src.create(bucketIncidents)
			if err != nil {
				return err
			}
			incidents.b.FillPercent = 0.9
			for i := range versions {
				if hash {
					heads[i].Hash = versions[i].Incident.Hash()
				}
				var ib bucket
				if flat {
					ib = incidents.newIncident(versions[i].Incident.ID)
				} else {
					if ib, err = incidents.create(versions[i].Incident.ID); err != nil {
						return err
					}
					ib.b.FillPercent = 0.9
					if _, err := ib.b.NextSequence(); err != nil {
						return err
					}
				}
				if encode {
					if err := ib.put(seq(1), versions[i]); err != nil {
						return err
					}
					if err := ib.put([]byte(keyHead), heads[i]); err != nil {
						return err
					}
					continue
				}
				if err := ib.rawPut(seq(1), sealedVersions[i]); err != nil {
					return err
				}
				if err := ib.rawPut([]byte(keyHead), sealedHeads[i]); err != nil {
					return err
				}
			}
			return nil
		})
		cpu += procCPU() - start
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(versions)*b.N)/cpu.Seconds(), "incidents/cpu-s")
}

var floorT0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// floorVersion is version n of the floor benchmarks' incident i, whose
// last update names variant, and its head.
func floorVersion(i, variant, n int) (storedVersion, head) {
	in := parser.Incident{Source: "acme", ID: fmt.Sprintf("inc-%06d", i), Kind: parser.KindIncident,
		Title: fmt.Sprintf("Elevated errors on inc-%06d", i), Impact: parser.ImpactMinor, Status: parser.StatusResolved,
		URL: fmt.Sprintf("https://status.acme.example/incidents/inc-%06d", i)}
	for j, body := range []string{
		"We are investigating elevated error rates on the API in the EU region. Some requests may fail.",
		"We have identified the cause: a configuration change to the load balancers. A rollback is in progress.",
		"The rollback has completed and error rates are back to normal. We are monitoring.",
		fmt.Sprintf("This incident has been resolved (variant %d). We will publish a postmortem.", variant),
	} {
		in.Updates = append(in.Updates, parser.Update{Status: parser.StatusUpdate, StatusRaw: "Update", Body: body,
			At: parser.NewTime(floorT0.Add(time.Duration(j-24*(i%3000+1))*time.Hour), "")})
	}
	in.ReadWindows()
	hash := in.Hash()
	at := floorT0.Add(time.Duration(n) * time.Minute)
	v := storedVersion{Version: Version{N: n, Hash: hash, FirstSeen: at, LastSeen: at, RunID: uint64(n),
		PageURL: in.URL, Origin: OriginVendor, Incident: in}}
	return v, head{N: n, Hash: hash, FirstSeen: floorT0, LastSeen: at, LastRun: uint64(n), Kind: in.Kind, FirstUpdate: in.First().At, Updates: 4}
}

// BenchmarkIngestChangedFloor is the floor under
// BenchmarkIngestChanged10k: 10,000 flat incidents each given a new
// version in one transaction (their last update edited) with what
// addVersion does and nothing else an ingest does: the head and the
// latest version read, the new rendering hashed, the latest moved to
// history relative to the new one, the new version and head written.
func BenchmarkIngestChangedFloor(b *testing.B) {
	const n = 10_000
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "floor.db"), 0o600, &bbolt.Options{Timeout: time.Second,
		FreelistType: bbolt.FreelistMapType, InitialMmapSize: initialMmapSize})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.AllocSize = allocSize
	err = db.Update(func(tx *bbolt.Tx) error {
		incidents, err := createRoot(tx, bucketSources)
		if err == nil {
			incidents, err = incidents.create("acme")
		}
		if err == nil {
			incidents, err = incidents.create(bucketIncidents)
		}
		for i := 0; i < n && err == nil; i++ {
			v, h := floorVersion(i, 0, 1)
			ib := incidents.newIncident(v.Incident.ID)
			if err = ib.put(seq(1), v); err == nil {
				err = ib.put([]byte(keyHead), h)
			}
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var cpu time.Duration
	variant := 0
	for b.Loop() {
		b.StopTimer()
		variant++
		next := make([]parser.Incident, n)
		for i := range next {
			v, _ := floorVersion(i, variant, 0)
			next[i] = v.Incident
		}
		b.StartTimer()
		start := procCPU()
		err := db.Update(func(tx *bbolt.Tx) error {
			source := root(tx, bucketSources).sub("acme")
			incidents := incidentsOf(source)
			incidents.b.FillPercent = 0.9
			history, err := source.create(bucketHistory)
			if err != nil {
				return err
			}
			history.b.FillPercent = 0.9
			for _, in := range next {
				ib := incidents.incident(in.ID)
				var h head
				if _, err := ib.get([]byte(keyHead), &h); err != nil {
					return err
				}
				hash := in.Hash()
				if hash == h.Hash {
					return fmt.Errorf("incident %s unchanged", in.ID)
				}
				prev, err := readVersion(ib, h.N)
				if err != nil {
					return err
				}
				var rec binaryRecord = prev
				if shared(&prev.Incident, in.Updates) > 0 {
					rec = relativeVersion{v: prev, next: in.Updates}
				}
				if err := history.put(historyKey(in.ID, uint64(h.N)), rec); err != nil {
					return err
				}
				if err := ib.rawDelete(seq(uint64(h.N))); err != nil {
					return err
				}
				at := floorT0.Add(time.Duration(variant) * time.Hour)
				v := storedVersion{Version: Version{N: h.N + 1, Hash: hash, FirstSeen: at, LastSeen: at, RunID: uint64(variant + 1),
					PageURL: in.URL, Origin: OriginVendor, Incident: in}, prevLastSeen: h.LastSeen}
				if err := ib.put(seq(uint64(v.N)), v); err != nil {
					return err
				}
				h.N, h.Hash, h.LastSeen, h.LastRun = v.N, hash, at, v.RunID
				if err := ib.put([]byte(keyHead), h); err != nil {
					return err
				}
			}
			return nil
		})
		cpu += procCPU() - start
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/cpu.Seconds(), "versions/cpu-s")
}

// procCPU is the CPU time this process has used.
func procCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
