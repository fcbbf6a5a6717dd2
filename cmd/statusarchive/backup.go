package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
)

func (m *Main) backupCommand() *cobra.Command {
	cmd, f := m.newCommand("backup [flags] FILE", "write a consistent copy of the archive while it is in use",
		"statusarchive backup /var/backups/statusarchive-$(date +%F).db", true)
	force := cmd.Flags().Bool("force", false, "replace FILE when it exists (an earlier backup, say); never the archive itself or the files beside it")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.backup(cmd.Context(), f, *force, args) }
	return cmd
}

func (m *Main) backup(ctx context.Context, f *flags, force bool, args []string) error {
	if len(args) != 1 {
		return &usageError{msg: "backup takes the file to write", usage: true}
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
	if err := archive.CheckOutput(db.Path(), args[0], force); err != nil {
		return err
	}
	if _, err := os.Lstat(args[0]); err == nil && !force {
		return fmt.Errorf("write %s: %w it: the file exists (give --force to replace it)", args[0], archive.ErrOverwrite)
	}
	n, err := db.BackupFile(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s (%d bytes, consistent as of one transaction)\n", db.Path(), args[0], n)
	return nil
}
