package archive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrOverwrite means a file about to be written would replace the archive,
// a file kept beside it, or another archive.
var ErrOverwrite = errors.New("refusing to overwrite")

// Sidecars lists the files the archive at path keeps beside it: the
// transaction high-water mark and compaction's temporary copy.
func Sidecars(path string) []string {
	return []string{highWaterPath(path), path + ".compact"}
}

// CheckOutput returns an error wrapping ErrOverwrite when writing a file at
// out would replace the archive at archivePath, one of its Sidecars, or,
// unless otherArchives, any other bbolt file (another archive, a backup).
// A path that names none of these, existing or not, is fine.
func CheckOutput(archivePath, out string, otherArchives bool) error {
	for i, p := range append([]string{archivePath}, Sidecars(archivePath)...) {
		if same, err := sameLocation(p, out); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		} else if same {
			what := "the archive"
			if i > 0 {
				what = "a file kept beside the archive " + archivePath
			}
			return fmt.Errorf("write %s: %w %s", out, ErrOverwrite, what)
		}
	}
	if otherArchives {
		return nil
	}
	bolt, err := IsBoltFile(out)
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if bolt {
		return fmt.Errorf("write %s: %w an archive (a bbolt database file)", out, ErrOverwrite)
	}
	return nil
}

// sameLocation reports whether a and b name the same file: the same inode
// when both exist, else the same absolute path.
func sameLocation(a, b string) (bool, error) {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb), nil
	}
	absA, err := filepath.Abs(a)
	if err != nil {
		return false, err
	}
	absB, err := filepath.Abs(b)
	if err != nil {
		return false, err
	}
	return absA == absB, nil
}

// IsBoltFile reports whether the file at path starts like a bbolt database:
// its first page is a meta page carrying bbolt's magic number. A missing
// file, a directory or a short file is not one.
func IsBoltFile(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false, err
	}
	// A page starts with a 16-byte header (id, flags, count, overflow);
	// the meta that follows starts with the magic number. bbolt writes
	// both in the machine's byte order.
	var head [20]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false, nil
	}
	const boltMagic, metaPageFlag = 0xED0CDAED, 0x04
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		if order.Uint32(head[16:]) == boltMagic && order.Uint16(head[8:])&metaPageFlag != 0 {
			return true, nil
		}
	}
	return false, nil
}
