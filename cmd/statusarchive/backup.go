package main

import (
	"context"
	"fmt"
)

func (m *Main) backup(ctx context.Context, args []string) error {
	fs, f := m.newFlagSet("backup", "[flags] FILE", "statusarchive backup /var/backups/statusarchive-$(date +%F).db", true)
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{msg: "backup takes the file to write"}
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
	n, err := db.BackupFile(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backed up %s to %s (%d bytes, consistent as of one transaction)\n", db.Path(), fs.Arg(0), n)
	return nil
}
