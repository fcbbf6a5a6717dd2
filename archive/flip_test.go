package archive_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// TestRandomByteFlips flips one random byte of a real archive at a time
// (RELIABILITY test 7) and opens, checks and reads each copy in a child
// process, since bbolt can fault on a damaged file where no recover()
// helps. Every flip must be refused by Open, reported by Check, crash
// only the child, or leave everything the archive says unchanged: no
// silent corruption.
func TestRandomByteFlips(t *testing.T) {
	flips := 300
	if testing.Short() {
		flips = 60
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "archive.db")
	db := mustOpenPath(t, path)
	for i := range 4 {
		h := history(40)
		h[i].Title = fmt.Sprintf("Title %d", i)
		mustIngest(t, db, scrape(i != 2, fmt.Sprintf("<html>page %d</html>", i)), h[:40-i])
	}
	used, err := db.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	offsets := make([]string, flips)
	for i := range offsets {
		offsets[i] = strconv.FormatInt(rng.Int64N(used.UsedBytes), 10)
	}
	t.Logf("seed %d: %d flips over the %d bytes in use", seed, flips, used.UsedBytes)

	results := map[string]int{}
	for next := 0; next < flips; {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
		cmd.Env = append(os.Environ(), "ARCHIVE_CHILD=flip", "ARCHIVE_CHILD_PATH="+path,
			"ARCHIVE_CHILD_FLIPS="+strings.Join(offsets[next:], ","))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		done, hung := 0, false
	read:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					break read
				}
				f := strings.Fields(line)
				if len(f) < 2 || f[0] != "flip" {
					continue
				}
				results[f[1]]++
				done++
				if f[1] == "silent" {
					t.Errorf("flip at byte %s changed what the archive says without any error", offsets[next+done-1])
				}
			case <-time.After(flipWatchdog):
				// A damaged file can send bbolt into a loop that eats
				// memory: measured 12 GB in 7 minutes before this watchdog.
				hung = true
				_ = cmd.Process.Kill()
				for range lines {
				}
				break read
			}
		}
		werr := cmd.Wait()
		next += done
		switch {
		case hung:
			results["hang"]++
			t.Logf("flip at byte %s hung the child; killed after %v", offsets[next], flipWatchdog)
			next++
		case werr != nil && next < flips:
			results["crash"]++ // the child died on this flip
			t.Logf("flip at byte %s crashed the child: %v: %s", offsets[next], werr, firstLines(stderr.String(), 12))
			next++
		case werr != nil:
			t.Fatalf("child: %v", werr)
		}
	}
	t.Logf("%d flips: %d refused at open, %d reported by Check, %d crashed and %d hung the child (not the caller), %d harmless (same content), %d silent",
		flips, results["open"], results["check"], results["crash"], results["hang"], results["harmless"], results["silent"])
}

// flipWatchdog is how long a child may take over one flipped copy.
const flipWatchdog = 10 * time.Second

// flipChild is the child's side of TestRandomByteFlips: for each offset,
// flip that byte in a copy of the archive, then open, check and read it.
func flipChild(t *testing.T, path string, offsets []string) {
	original := readFile(t, path)
	mark := readFile(t, path+".txid") // the high-water mark: a torn newest meta page rolls back silently without it
	want, err := contentDigest(path)
	if err != nil {
		t.Fatalf("digest of the undamaged archive: %v", err)
	}
	cp := filepath.Join(t.TempDir(), "flipped.db")
	for _, s := range offsets {
		off, _ := strconv.Atoi(s)
		b := append([]byte(nil), original...)
		b[off] ^= byte(1 + off%255)
		writeFile(t, cp, b)
		writeFile(t, cp+".txid", mark)
		db, err := archive.Open(cp, archive.Options{ReadOnly: true, Logger: quiet()})
		if err != nil {
			fmt.Println("flip open")
			continue
		}
		err = db.Check(context.Background())
		db.Close()
		if err != nil {
			fmt.Println("flip check")
			continue
		}
		got, err := contentDigest(cp)
		switch {
		case err != nil:
			fmt.Println("flip check") // a read failed where Check passed: still reported
		case got != want:
			fmt.Println("flip silent")
		default:
			fmt.Println("flip harmless")
		}
	}
}

// contentDigest hashes everything the archive says through its API.
func contentDigest(path string) (string, error) {
	db, err := archive.Open(path, archive.Options{ReadOnly: true, Logger: quiet()})
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx := context.Background()
	h := sha256.New()
	enc := json.NewEncoder(h)
	for row, err := range db.Rows(ctx, archive.Filter{IncludeDeleted: true}) {
		if err != nil {
			return "", err
		}
		rec, err := db.Incident(ctx, row.Incident.Source+"/"+row.Incident.ID)
		if err != nil {
			return "", err
		}
		_ = enc.Encode(rec)
	}
	sources, err := db.Sources(ctx)
	if err != nil {
		return "", err
	}
	runs, err := db.Runs(ctx, "", 0)
	if err != nil {
		return "", err
	}
	for _, r := range runs {
		pages, err := db.RunPages(ctx, r.ID)
		if err != nil && r.Good() {
			return "", err
		}
		_ = enc.Encode(pages)
	}
	_ = enc.Encode(sources)
	_ = enc.Encode(runs)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// firstLines returns the first n lines of s, for logging a crash.
func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}
