package archive

import (
	"errors"
	"fmt"
)

// Sentinel errors say what went wrong; RecordError says where.
var (
	// ErrLocked means another process (or another handle in this one) holds
	// the archive's lock for longer than Options.Timeout.
	ErrLocked = errors.New("archive is locked")
	// ErrNotArchive means the file exists but is not a statusarchive archive:
	// not a bbolt file, or a bbolt file without our meta bucket. The file is
	// left as it was.
	ErrNotArchive = errors.New("not a statusarchive archive")
	// ErrSchema means the archive was written by a newer or unknown version
	// of statusarchive. The file is left as it was.
	ErrSchema = errors.New("unsupported archive schema")
	// ErrCorrupt means a stored value fails its checksum or cannot be
	// decoded, or the archive's structure is inconsistent.
	ErrCorrupt = errors.New("archive record corrupt")
	// ErrSuspect means a run was refused by the drift guard: it looks like
	// the page's markup changed, not like the vendor's history did.
	ErrSuspect = errors.New("run refused as suspect")
	// ErrInvalidRun means a run's input is unusable: an invalid record, a
	// duplicate id, a record of another source.
	ErrInvalidRun = errors.New("invalid run")
	// ErrNotFound means no incident, run or page matches.
	ErrNotFound = errors.New("not found in archive")
	// ErrAmbiguous means an incident id names incidents of several sources.
	ErrAmbiguous = errors.New("ambiguous incident id")
	// ErrReadOnly means a write was asked of an archive opened read-only.
	ErrReadOnly = errors.New("archive is open read-only")
	// ErrFull means a write would take the archive past Options.MaxSize (or
	// the disk is full); nothing of that write was kept.
	ErrFull = errors.New("archive is full")
	// ErrRolledBack means the archive is at an older transaction than one
	// this machine saw committed: its newest commits were lost (a torn meta
	// page, a restore from a backup, a copy of an older file).
	ErrRolledBack = errors.New("archive is behind its last recorded commit")
)

// RecordError locates a problem with one stored value: the bucket path and
// key, as "sources/acme/incidents/42/#3".
type RecordError struct {
	Path string
	Err  error
}

func (e *RecordError) Error() string { return fmt.Sprintf("archive record %s: %v", e.Path, e.Err) }

func (e *RecordError) Unwrap() error { return e.Err }
