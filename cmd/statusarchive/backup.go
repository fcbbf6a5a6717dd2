package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func (m *Main) backupCommand() *cobra.Command {
	cmd, f := m.newCommand("backup [flags] FILE", "write a consistent copy of the archive while it is in use",
		"statusarchive backup /var/backups/statusarchive-$(date +%F).db", true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.backup(cmd.Context(), f, args) }
	return cmd
}

func (m *Main) backup(ctx context.Context, f *flags, args []string) error {
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
	n, err := db.BackupFile(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s (%d bytes, consistent as of one transaction)\n", db.Path(), args[0], n)
	return nil
}
