package archive

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Magic and Schema identify an archive file: the meta bucket's format
// record must carry this magic, and a schema no newer than Schema.
// Schema 2 keeps superseded versions in each source's history bucket
// (history.go); schema 3 keeps an incident's records flat in its source's
// incidents bucket instead of in a bucket of its own (incidents.go). This
// build reads schemas 1 and 2 too, and marks an older file with the schema
// of what it first writes in the newer layout.
const (
	Magic  = "statusarchive"
	Schema = 3
)

// schemaHistory is the schema that has history buckets.
const schemaHistory = 2

const (
	// DefaultTimeout is how long Open waits for the file lock.
	DefaultTimeout = time.Second
	// DefaultDropThreshold is the fraction of the last good complete run's
	// incident count at or below which a run is refused as suspect: a crawl
	// that finds half the incidents or fewer is far likelier broken markup
	// than a vendor deleting half its history. A drop of a single incident
	// (2 to 1) is never refused: that is what one deletion looks like.
	DefaultDropThreshold = 0.5

	// initialMmapSize reserves address space so that a large scrape does not
	// remap (and copy its dirty pages) several times in one transaction. It
	// is address space, not disk: the file grows as data does.
	initialMmapSize = 32 << 20
	// allocSize is how far past its data the file grows at a time. bbolt's
	// default (16 MiB) would make every archive at least that big once the
	// map is larger than it.
	allocSize = 2 << 20
	fileMode  = 0o600
)

// Options configure Open.
type Options struct {
	// ReadOnly opens the archive with a shared lock: several readers may
	// hold it at once, but no writer. A missing file is an error.
	ReadOnly bool
	// Timeout bounds the wait for the file lock; 0 means DefaultTimeout,
	// never "wait forever".
	Timeout time.Duration
	// Now is the archive's clock: it stamps runs and versions. Default
	// time.Now.
	Now func() time.Time
	// Logger receives the archive's few log lines (open, rollback warnings).
	Logger zerolog.Logger
	// DropThreshold is the drift guard's count-drop fraction; 0 means
	// DefaultDropThreshold, a negative value turns that guard off.
	DropThreshold float64
	// MaxSize caps the file in bytes; a write past it fails. 0 is no cap.
	MaxSize int
	// Announce decides what a vendor run's new versions tell readers (see
	// Announcer); nil queues no incident notifications.
	Announce Announcer
	// Strict has bbolt check the whole file after every commit and panic
	// on any inconsistency. Tests turn it on; it is far too slow otherwise.
	Strict bool
	// MaxDeadLetters bounds the dead-letter bucket: the oldest go first.
	// 0 means DefaultMaxDeadLetters.
	MaxDeadLetters int
	// AcceptRollback opens for writing an archive that is behind its last
	// recorded commit (see ErrRolledBack): the user has looked and accepts
	// the file as it is. The recorded mark is lowered to the file's
	// transaction, so the archive checks clean again. Without it, such an
	// archive opens only read-only: the next write would erase the
	// evidence of the lost commits.
	AcceptRollback bool
}

// DefaultMaxDeadLetters is how many abandoned notifications the archive
// keeps unless Options say otherwise.
const DefaultMaxDeadLetters = 1000

// DB is an open archive. Its methods are safe for concurrent use; writes
// are serialised by bbolt.
type DB struct {
	bolt      *bbolt.DB
	path      string
	file      os.FileInfo // the file opened, to tell when path names another
	readOnly  bool
	now       func() time.Time
	lg        zerolog.Logger
	threshold float64
	maxDead   int  // Options.MaxDeadLetters
	noFold    bool // write every run its own entry, as archives before folding did (tests)

	closeOnce sync.Once
	closeErr  error

	mu       sync.Mutex
	recorded uint64 // the transaction high-water mark read from the sidecar at open
	opened   uint64 // the file's transaction id at open
	announce Announcer
}

// formatRecord is the meta bucket's "format" value.
type formatRecord struct {
	Magic   string    `json:"magic"`
	Schema  int       `json:"schema"`
	Created time.Time `json:"created"`
}

// Root bucket names; doc.go describes what each holds.
const (
	bucketMeta       = "meta"
	bucketSources    = "sources"
	bucketRuns       = "runs"
	bucketPages      = "pages"
	bucketRunPages   = "runpages"
	bucketValidators = "validators"

	keyFormat = "format"
)

var rootBuckets = []string{bucketMeta, bucketSources, bucketRuns, bucketPages, bucketRunPages, bucketValidators}

// Open opens the archive at path, creating it (and its parent directory)
// when it does not exist and opts.ReadOnly is false. A file that exists but
// is not an archive (empty, not bbolt, or bbolt without our meta bucket)
// gives ErrNotArchive; one of a newer schema gives ErrSchema. Either way the
// file is not written to. A lock held elsewhere for longer than
// opts.Timeout gives ErrLocked.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DropThreshold == 0 {
		opts.DropThreshold = DefaultDropThreshold
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !opts.ReadOnly:
		if err := create(path, opts); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("open archive: %w", err)
	case fi.IsDir():
		return nil, fmt.Errorf("open archive %s: %w: a directory", path, ErrNotArchive)
	case fi.Size() == 0:
		return nil, fmt.Errorf("open archive %s: %w: empty file", path, ErrNotArchive)
	}

	if !opts.ReadOnly && !quietOnOpen(path) {
		// Look before writing: bbolt opened read-write initialises an empty
		// file and may write to any bbolt file, and we promise to leave a
		// file that is not ours as it was. A file whose meta pages show
		// bbolt will not write at open is inspected by the read-write
		// open itself, below, which saves a second open.
		ro, _, err := openBolt(path, opts, true)
		if err != nil {
			return nil, err
		}
		err = inspect(ro, path)
		if cerr := ro.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("open archive %s: close after inspection: %w", path, cerr)
		}
		if err != nil {
			return nil, err
		}
	}

	var bdb *bbolt.DB
	var f *os.File
	for attempt := 0; ; attempt++ {
		bdb, f, err = openBolt(path, opts, opts.ReadOnly)
		if err != nil {
			return nil, err
		}
		// ReplaceFile renames a new file over the path while holding the old
		// one's lock: an opener that waited on that lock now holds a file
		// nobody will read again. Check we locked the file the path names.
		same, serr := sameFile(f, path)
		if serr == nil && same {
			break
		}
		_ = bdb.Close()
		if serr != nil {
			return nil, fmt.Errorf("open archive %s: %w", path, serr)
		}
		if attempt == 3 {
			return nil, fmt.Errorf("open archive %s: the file was replaced while opening, repeatedly", path)
		}
	}
	if err := inspect(bdb, path); err != nil {
		_ = bdb.Close()
		return nil, err
	}

	db := &DB{
		bolt:      bdb,
		path:      path,
		file:      fileInfo(f),
		readOnly:  opts.ReadOnly,
		now:       opts.Now,
		lg:        opts.Logger.With().Str("component", "archive").Str("archive", path).Logger(),
		threshold: opts.DropThreshold,
		announce:  opts.Announce,
		maxDead:   cmp.Or(opts.MaxDeadLetters, DefaultMaxDeadLetters),
	}
	if err := bdb.View(func(tx *bbolt.Tx) error { db.opened = uint64(tx.ID()); return nil }); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	db.recorded = readHighWater(path)
	if db.recorded > db.opened {
		switch {
		case opts.ReadOnly:
			db.lg.Warn().Uint64("txid", db.opened).Uint64("recorded_txid", db.recorded).
				Msg("archive is behind the last commit recorded for it: recent commits were lost or the file was restored from an older copy")
		case opts.AcceptRollback:
			db.lg.Warn().Uint64("txid", db.opened).Uint64("recorded_txid", db.recorded).
				Msg("accepting the archive as it is, behind the last commit recorded for it: the commits after its transaction are gone")
			if err := writeHighWater(path, db.opened); err != nil {
				_ = bdb.Close()
				return nil, fmt.Errorf("open archive %s: accept the rollback: %w", path, err)
			}
			db.recorded = db.opened
		default:
			err := db.Behind()
			_ = bdb.Close()
			return nil, fmt.Errorf("open archive %s for writing: %w; writing now would erase that evidence", path, err)
		}
	}
	return db, nil
}

// openBolt opens path with bbolt and our options, and returns the file
// bbolt opened.
func openBolt(path string, opts Options, readOnly bool) (*bbolt.DB, *os.File, error) {
	var file *os.File
	bdb, err := bbolt.Open(path, fileMode, &bbolt.Options{
		Timeout:         opts.Timeout,
		ReadOnly:        readOnly,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: initialMmapSize,
		MaxSize:         opts.MaxSize,
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			// Never create: a file that vanished since we looked must not
			// come back as an empty bbolt file.
			f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
			file = f
			return f, err
		},
	})
	var pe *fs.PathError
	switch {
	case err == nil:
		bdb.AllocSize = allocSize
		bdb.StrictMode = opts.Strict
		return bdb, file, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, nil, fmt.Errorf("archive %s is in use by another process (waited %s for its lock): %w", path, opts.Timeout, ErrLocked)
	case errors.As(err, &pe):
		return nil, nil, fmt.Errorf("open archive: %w", err)
	default:
		// invalid database, checksum error, version mismatch, file size too
		// small: whatever it is, bbolt cannot read it as a database.
		return nil, nil, fmt.Errorf("open archive %s: %w: not a bbolt file (%v)", path, ErrNotArchive, err)
	}
}

func fileInfo(f *os.File) os.FileInfo {
	if f == nil {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	return fi
}

// changed reports whether, since it was opened, the archive's path has
// come to name another file or the file has fallen behind its high-water
// mark (a restore of an older copy over it): what Open would refuse or
// open afresh. A handle held across uses checks it before each.
func (db *DB) changed() bool {
	fi, err := os.Stat(db.path)
	if err != nil || db.file == nil || !os.SameFile(fi, db.file) {
		return true
	}
	var txid uint64
	if err := db.bolt.View(func(tx *bbolt.Tx) error { txid = uint64(tx.ID()); return nil }); err != nil {
		return true
	}
	return readHighWater(db.path) > txid
}

// bbolt's meta page, as bbolt v1 lays it out after a 16-byte page header:
// magic, version, page size, flags (4 bytes each), the root bucket (16),
// the freelist's page id (8), the high page id (8), the transaction id (8)
// and an FNV-64a checksum of the fields before it.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	metaOffset       = 16
	metaChecksummed  = 56 // bytes of meta before its checksum
	metaFreelistAt   = metaOffset + 32
	metaHighAt       = metaOffset + 40
	metaChecksumAt   = metaOffset + metaChecksummed
	metaBytes        = metaChecksumAt + 8
	minPage, maxPage = 1 << 10, 1 << 16
)

// quietOnOpen reports whether bbolt, opening the file at path read-write,
// surely writes nothing before we inspect it. bbolt writes at open only to
// initialise an empty file or to store the freelist of a file written
// without one; so both meta pages must be valid (magic, version, checksum,
// one page size) and name a stored freelist. And it reads the freelist at
// open, which faults (SIGBUS) past the end of a truncated file: the file
// must hold every page both meta pages count. Anything else, or any doubt,
// is false: Open then looks with a read-only open first.
func quietOnOpen(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	var m0, m1 [metaBytes]byte
	if _, err := f.ReadAt(m0[:], 0); err != nil {
		return false
	}
	size, pages0, ok := boltMeta(m0[:])
	if !ok {
		return false
	}
	if _, err := f.ReadAt(m1[:], int64(size)); err != nil {
		return false
	}
	size1, pages1, ok := boltMeta(m1[:])
	return ok && size1 == size && max(pages0, pages1) <= uint64(fi.Size())/uint64(size)
}

// boltMeta checks one meta page (its first metaBytes) and returns its page
// size and the number of pages it counts; ok is false unless it is valid
// and names a stored freelist within those pages.
func boltMeta(p []byte) (pageSize uint32, pages uint64, ok bool) {
	ne := binary.NativeEndian
	if ne.Uint32(p[metaOffset:]) != boltMagic || ne.Uint32(p[metaOffset+4:]) != boltVersion {
		return 0, 0, false
	}
	h := fnv.New64a()
	h.Write(p[metaOffset:metaChecksumAt])
	pages = ne.Uint64(p[metaHighAt:])
	if h.Sum64() != ne.Uint64(p[metaChecksumAt:]) || ne.Uint64(p[metaFreelistAt:]) >= pages {
		return 0, 0, false // a bad checksum, no stored freelist (the largest page id says so) or one past the end
	}
	pageSize = ne.Uint32(p[metaOffset+8:])
	if pageSize < minPage || pageSize > maxPage || pageSize&(pageSize-1) != 0 {
		return 0, 0, false
	}
	return pageSize, pages, true
}

func sameFile(f *os.File, path string) (bool, error) {
	if f == nil {
		return true, nil
	}
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// inspect checks that bdb is one of our archives of a schema we know.
func inspect(bdb *bbolt.DB, path string) error {
	return bdb.View(func(tx *bbolt.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("open archive %s: %w: bbolt failed reading it: %v", path, ErrCorrupt, r)
			}
		}()
		if err := checkSize(tx, path); err != nil {
			return fmt.Errorf("open archive: %w", err)
		}
		meta := root(tx, bucketMeta)
		if !meta.exists() {
			return fmt.Errorf("open archive %s: %w: a bbolt file without a %q bucket", path, ErrNotArchive, bucketMeta)
		}
		var f formatRecord
		ok, err := meta.get([]byte(keyFormat), &f)
		switch {
		case err != nil && !strings.Contains(string(meta.b.Get([]byte(keyFormat))), `"`+Magic+`"`):
			// Not even a damaged record of ours: someone else's meta bucket.
			return fmt.Errorf("open archive %s: %w: its meta bucket is not ours", path, ErrNotArchive)
		case err != nil:
			return fmt.Errorf("open archive %s: %w", path, err)
		case !ok || f.Magic != Magic:
			return fmt.Errorf("open archive %s: %w: its meta bucket does not name it a %s archive", path, ErrNotArchive, Magic)
		case f.Schema > Schema || f.Schema < 1:
			return fmt.Errorf("open archive %s: %w: schema %d, this build reads schemas 1 to %d", path, ErrSchema, f.Schema, Schema)
		}
		for _, name := range rootBuckets {
			if !root(tx, name).exists() {
				return &RecordError{Path: name, Err: fmt.Errorf("%w: bucket missing", ErrCorrupt)}
			}
		}
		return nil
	})
}

// markSchema raises the schema the meta bucket's format record names to
// schema, within tx, when it names an older one.
func markSchema(tx *bbolt.Tx, schema int) error {
	meta := root(tx, bucketMeta)
	var f formatRecord
	ok, err := meta.get([]byte(keyFormat), &f)
	switch {
	case err != nil:
		return err
	case !ok:
		return &RecordError{Path: meta.keyPath([]byte(keyFormat)), Err: fmt.Errorf("%w: format record missing", ErrCorrupt)}
	case f.Schema >= schema:
		return nil
	}
	f.Schema = schema
	return meta.put([]byte(keyFormat), f)
}

// checkSize refuses a file shorter than its meta page says it is: bbolt
// would fault (SIGBUS, which no recover catches) reading pages past the
// end of the file.
func checkSize(tx *bbolt.Tx, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() < tx.Size() {
		return fmt.Errorf("%s: %w: truncated: %d bytes, its meta page says %d", path, ErrCorrupt, fi.Size(), tx.Size())
	}
	return nil
}

// create makes a new archive at path. It builds the file under a temporary
// name and links it into place, so that path never names an empty or
// half-initialised file: an empty file at path is never one of ours. It
// returns an error wrapping fs.ErrExist if path appeared meanwhile.
func create(path string, opts Options) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath)
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create archive: %w", err)
	}
	bdb, _, err := openBolt(tmpPath, opts, false)
	if err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	var txid uint64
	err = bdb.Update(func(tx *bbolt.Tx) error {
		txid = uint64(tx.ID())
		for _, name := range rootBuckets {
			if _, err := createRoot(tx, name); err != nil {
				return err
			}
		}
		return root(tx, bucketMeta).put([]byte(keyFormat), formatRecord{Magic: Magic, Schema: Schema, Created: opts.Now().UTC()})
	})
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create archive %s: %w", path, err)
		}
		// No hard links here: fall back to a rename, which may replace a
		// file created since we looked.
		if _, serr := os.Stat(path); serr == nil {
			return fmt.Errorf("create archive %s: %w", path, fs.ErrExist)
		}
		if err := os.Rename(tmpPath, path); err != nil {
			return fmt.Errorf("create archive: %w", err)
		}
	}
	// A mark left by an earlier archive at this path would read as lost
	// commits of this one.
	if err := writeHighWater(path, txid); err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Path returns the archive's file name.
func (db *DB) Path() string { return db.path }

// ReadOnly reports whether the archive was opened read-only.
func (db *DB) ReadOnly() bool { return db.readOnly }

// Close releases the archive and its lock. Closing twice is harmless.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		if err := db.bolt.Close(); err != nil {
			db.closeErr = fmt.Errorf("close archive %s: %w", db.path, err)
		}
	})
	return db.closeErr
}

// update runs fn in one write transaction and, once it has committed,
// records the transaction id as the high-water mark.
func (db *DB) update(fn func(tx *bbolt.Tx) error) error {
	if db.readOnly {
		return fmt.Errorf("write to %s: %w", db.path, ErrReadOnly)
	}
	var txid uint64
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		txid = uint64(tx.ID())
		return fn(tx)
	})
	if err != nil {
		if errors.Is(err, berrors.ErrMaxSizeReached) || errors.Is(err, syscall.ENOSPC) {
			return fmt.Errorf("archive %s: %w: %w", db.path, ErrFull, err)
		}
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	// Never lower the mark: after a rollback, the next commits reuse ids
	// already seen, and overwriting the mark would erase the evidence.
	if err := writeHighWater(db.path, max(txid, db.recorded)); err != nil {
		// The mark only helps notice a lost commit later; losing it loses
		// nothing now.
		db.lg.Warn().Err(err).Msg("cannot record the transaction high-water mark")
	}
	return nil
}

// setAnnouncer replaces Options.Announce for the writes that follow: a
// handle held across uses (Lender) follows its holder's current setting.
func (db *DB) setAnnouncer(a Announcer) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.announce = a
}

func (db *DB) announcer() Announcer {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.announce
}

// Behind returns an error wrapping ErrRolledBack when the archive was, at
// open, at an older transaction than the last one recorded as committed to
// it; nil otherwise.
func (db *DB) Behind() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.recorded <= db.opened {
		return nil
	}
	return fmt.Errorf("%w: the file is at transaction %d, but transaction %d was committed to it (recorded in %s): commits were lost or the file was restored from an older copy",
		ErrRolledBack, db.opened, db.recorded, filepath.Base(highWaterPath(db.path)))
}

// The high-water mark is the last transaction id this machine saw committed
// to the archive, kept beside it in "<archive>.txid". bbolt keeps two meta
// pages and silently falls back to the older when the newer is torn: a
// file behind its mark has lost commits.
func highWaterPath(path string) string { return path + ".txid" }

func readHighWater(path string) uint64 {
	b, err := os.ReadFile(highWaterPath(path))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// writeHighWater overwrites the mark in place. A write torn by a crash
// leaves a prefix of the new number or nothing, which reads as a lower
// mark or none: never as a false alarm.
func writeHighWater(path string, txid uint64) error {
	return os.WriteFile(highWaterPath(path), []byte(strconv.FormatUint(txid, 10)+"\n"), fileMode)
}
