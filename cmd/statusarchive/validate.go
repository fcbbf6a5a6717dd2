package main

import (
	"context"
	"errors"
	"fmt"
)

// validate checks a sources file and prints every problem with its line.
// An invalid file exits with status 1, like other config checkers
// (nginx -t, promtool check config); status 2 stays for a command called
// wrongly.
func (m *Main) validate(ctx context.Context, args []string) error {
	fs, _ := m.newFlagSet("validate", "--config FILE", "statusarchive validate --config /etc/statusarchive/sources.yaml", false)
	path := fs.String("config", "", "sources file to check")
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() > 0 {
		return &usageError{msg: "validate takes no arguments"}
	}
	if *path == "" {
		fs.Usage()
		return &usageError{msg: "validate needs --config FILE"}
	}
	cfg, err := LoadConfig(*path)
	var ce *ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintf(m.Stdout, "%s:%s\n", safe(ce.Path), safe(p.String()))
		}
		return fmt.Errorf("%w: %s has %d problem(s)", ErrInvalidConfig, ce.Path, len(ce.Problems))
	}
	if err != nil {
		return err
	}
	for _, n := range cfg.Notes {
		fmt.Fprintf(m.Stdout, "%s:%s\n", safe(*path), safe(n.String()))
	}
	fmt.Fprintf(m.Stdout, "%s: %d sources, no problems\n", safe(*path), len(cfg.Sources))
	return nil
}
