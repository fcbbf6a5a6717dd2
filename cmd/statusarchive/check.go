package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"
)

// checkChildEnv marks the child process that check runs the real check in.
const checkChildEnv = "STATUSARCHIVE_CHECK_CHILD"

func (m *Main) checkCommand() *cobra.Command {
	cmd, f := m.newCommand("check [flags]", "verify the archive file and every record's checksum", "statusarchive check --db archive.db", true)
	inProcess := cmd.Flags().Bool("in-process", false, "check in this process (a badly damaged file can then crash it)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.check(cmd.Context(), f, *inProcess, args) }
	return cmd
}

func (m *Main) check(ctx context.Context, f *flags, inProcess bool, args []string) error {
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
		cmd := exec.CommandContext(ctx, exe, "check", "--in-process", "--db", path, "--log-level", f.logLevel)
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
