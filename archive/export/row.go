package export

import (
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// Row is one archived incident version as exports see it: the record and
// what the archive knows about it.
type Row struct {
	Incident  parser.Incident
	Version   int       // 1 for the first version the archive kept
	FirstSeen time.Time // when this version was first seen
	LastSeen  time.Time // when this version was last seen
	Deleted   bool      // the version is a tombstone: the incident vanished from a fully crawled source
}
