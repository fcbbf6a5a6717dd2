package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
)

func (m *Main) compactCommand() *cobra.Command {
	cmd, f := m.newCommand("compact [flags]", "reclaim the space old pages left in the archive file", "statusarchive compact --db archive.db", true)
	addAcceptRollback(cmd, f)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.compact(cmd.Context(), f, args) }
	return cmd
}

func (m *Main) compact(ctx context.Context, f *flags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "compact takes no arguments"}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	path, err := m.dbPath(f.db)
	if err != nil {
		return err
	}
	db, err := archive.Open(path, archive.Options{ReadOnly: true, Now: m.Now, Logger: lg})
	if err != nil {
		return err
	}
	// The compacted file gets a new transaction high-water mark: a file
	// behind its mark would lose the evidence.
	if err := db.Behind(); err != nil && !f.acceptRollback {
		_ = db.Close()
		return m.rollbackHint(fmt.Errorf("compact %s: %w; compacting now would erase that evidence", path, err), path)
	}
	tmp := path + ".compact"
	res, err := db.Compact(ctx, tmp)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(err, removeIfExists(tmp))
	}
	// The original stays untouched until the compacted copy has been
	// checked and renamed over it in one step.
	if err := archive.Replace(ctx, path, tmp, archive.Options{Now: m.Now, Logger: lg}); err != nil {
		return errors.Join(fmt.Errorf("compact %s: %w", path, err), removeIfExists(tmp))
	}
	fmt.Fprintf(m.Stdout, "compacted %s: %d bytes before (%d in use), %d after\n", path, res.Before, res.Used, res.After)
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
