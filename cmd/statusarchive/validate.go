package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// validate checks a sources file and prints every problem with its line.
// An invalid file exits with status 1, like other config checkers
// (nginx -t, promtool check config); status 2 stays for a command called
// wrongly.
func (m *Main) validateCommand() *cobra.Command {
	cmd, _ := m.newCommand("validate --config FILE", "check a sources file and report every problem with its line",
		"statusarchive validate --config /etc/statusarchive/sources.yaml", false)
	path := cmd.Flags().String("config", "", "sources file to check")
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.validate(*path, args) }
	return cmd
}

func (m *Main) validate(configPath string, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "validate takes no arguments"}
	}
	if configPath == "" {
		return &usageError{msg: "validate needs --config FILE", usage: true}
	}
	cfg, err := LoadConfig(configPath)
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
		fmt.Fprintf(m.Stdout, "%s:%s\n", safe(configPath), safe(n.String()))
	}
	fmt.Fprintf(m.Stdout, "%s: %d sources, no problems\n", safe(configPath), len(cfg.Sources))
	return nil
}
