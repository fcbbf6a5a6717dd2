// Command statusarchive keeps an honest, versioned record of what vendors
// say on their status pages. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/statusarchive/statusarchive/archive"
)

// version names this build in the User-Agent; releases set it with
// -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdout, os.Stderr)
	m.Prog = progName(os.Args[0])
	err := m.Run(ctx, os.Args[1:])
	os.Exit(exitCode(err, os.Stderr))
}

// exitTempFail is the exit status when the archive is locked by another
// process: EX_TEMPFAIL from sysexits.h, which cron wrappers and systemd
// treat as "try again later".
const exitTempFail = 75

// exitCode maps an error to the exit status: 0 ok, 2 usage, 75 the archive
// is locked by another process, 1 anything else. It prints the error,
// unless it was a usage error that printed its own help.
func exitCode(err error, stderr *os.File) int {
	if err == nil {
		return 0
	}
	var se *silentError
	if errors.As(err, &se) {
		return se.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.msg != "" {
			fmt.Fprintf(stderr, "statusarchive: %s\n", safe(ue.msg))
		}
		return 2
	}
	// The message may quote scraped text or an argument: escape it as
	// list and show escape what they print.
	fmt.Fprintf(stderr, "statusarchive: %s\n", safe(err.Error()))
	if errors.Is(err, archive.ErrLocked) {
		return exitTempFail
	}
	return 1
}
