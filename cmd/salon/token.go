package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

const tokenUsage = `Usage: salon token rotate-admin [flags]

Tokens for associates, managers, the CRM team and integrations are issued,
listed and revoked through the API (/api/v1/tokens) with an admin token.

  rotate-admin    replace the bootstrap admin token and print the new one, once
`

func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return &exitError{2, errors.New("token needs a command")}
	}
	switch args[0] {
	case "rotate-admin":
		return cmdRotateAdmin(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	}
	fmt.Fprint(stderr, tokenUsage)
	return &exitError{2, fmt.Errorf("unknown token command %q", args[0])}
}

// cmdRotateAdmin replaces the bootstrap admin token on a stopped server's
// data dir: the way back in when the token printed at first start was lost
// or leaked. The old one stops working at once; tokens issued through the
// API are untouched.
func cmdRotateAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token rotate-admin", "salon token rotate-admin [flags]\n\n"+
		"Replaces the bootstrap admin token and prints the new one, once; the old one stops\n"+
		"working. Works on the data dir while salon serve is stopped.", stderr)
	dataDir := dataDirFlag(fs, getenv)
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Errorf("rotate-admin takes no arguments, got %q", fs.Args())}
	}
	if getenv("SALON_ADMIN_TOKEN") != "" {
		return errors.New("SALON_ADMIN_TOKEN is set: salon serve would put that token back at its next start; change the variable instead")
	}
	path := filepath.Join(*dataDir, store.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s: salon serve makes one, and an admin token, at its first start", path)
	}
	db, err := openOffline(*dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, hash := clienteling.NewSecret()
	if err := db.SetAdminTokenHash(ctx, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nNew admin token (shown once, stored only as a hash; keep it safe):\n\n    %s\n\n", secret)
	return nil
}
