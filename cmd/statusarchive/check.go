package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

// checkChildEnv marks the child process that check runs the real check in.
const checkChildEnv = "STATUSARCHIVE_CHECK_CHILD"

func (m *Main) checkCommand() *cobra.Command {
	cmd, f := m.newCommand("check [flags]", "verify the archive file and every record's checksum", "statusarchive check --db archive.db", true)
	inProcess := cmd.Flags().Bool("in-process", false, "check in this process (a badly damaged file can then crash it)")
	repair := cmd.Flags().Bool("repair", false, "accept an archive that is behind its last recorded commit as it is, so that it takes writes again")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return m.check(cmd.Context(), f, *inProcess, *repair, args)
	}
	return cmd
}

func (m *Main) check(ctx context.Context, f *flags, inProcess, repair bool, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "check takes no arguments"}
	}
	path, err := m.dbPath(f.db)
	if err != nil {
		return err
	}
	// A damaged file can fault inside bbolt's memory map, where nothing
	// recovers: check in a child process so that we can report it.
	if !inProcess && m.Getenv(checkChildEnv) == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		args := []string{"check", "--in-process", "--db", path, "--log-level", f.logLevel}
		if repair {
			args = append(args, "--repair")
		}
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Env = append(os.Environ(), checkChildEnv+"=1")
		cmd.Stdout, cmd.Stderr = m.Stdout, m.Stderr
		err = cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit) && exit.Exited():
			return &silentError{code: exit.ExitCode()}
		case errors.As(err, &exit):
			return fmt.Errorf("check %s: the checker crashed (%v): the file is badly damaged; restore a backup", path, exit)
		case err != nil:
			return fmt.Errorf("check: %w", err)
		}
		return nil
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	if repair {
		if err := m.acceptRollback(f, path, lg); err != nil {
			return err
		}
	}
	db, err := m.openDB(f, true, lg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		return fmt.Errorf("check %s: the archive is damaged:\n%w", path, err)
	}
	usage, err := db.Usage(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: ok (%d bytes, %d in use, %d free; transaction %d)\n", path, usage.FileBytes, usage.UsedBytes, usage.FreeBytes, usage.TxID)
	return nil
}

// acceptRollback is check --repair: when the archive is behind its last
// recorded commit, it accepts the file as it is (the lost commits stay
// lost) so that writes are allowed again, and says so.
func (m *Main) acceptRollback(f *flags, path string, lg zerolog.Logger) error {
	db, err := m.openDB(f, true, lg)
	if err != nil {
		return err
	}
	behind := db.Behind()
	if err := db.Close(); err != nil {
		return err
	}
	if behind == nil {
		return nil
	}
	accept := *f
	accept.acceptRollback = true
	if db, err = m.openDB(&accept, false, lg); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: repaired: %v; the file is accepted as it is and takes writes again\n", path, behind)
	return nil
}
