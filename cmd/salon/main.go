// Command salon runs Salon, the clienteling service for luxury brands on
// WeChat, and the operator's tools around it. Run `salon help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // boutique time zones must load on hosts without zone files

	"github.com/salonhq/salon/clienteling"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// exitError carries an exit status up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintln(os.Stderr, "salon:", err)
	os.Exit(code)
}

const usage = `Salon: clienteling and social commerce on WeChat.

Usage:
  salon serve [flags]                               run the service
  salon import catalog|associates|customers FILE    import CSV or JSON, all or nothing
  salon backup FILE                                 a consistent copy of the database
  salon export customer ID                          a client's data as JSON
  salon erase customer ID                           erase a client's data
  salon report engagement --from DATE --to DATE     the engagement report, JSON or CSV
  salon load [flags]                                load a sandbox Salon's callback over HTTP
  salon token rotate-admin                          replace the bootstrap admin token
  salon version                                     version, commit and Go version

Each command takes --help.
`

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{2, errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, getenv, stdout, stderr)
	case "export":
		return cmdExport(ctx, rest, getenv, stdout, stderr)
	case "erase":
		return cmdErase(ctx, rest, getenv, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, getenv, stdout, stderr)
	case "load":
		return cmdLoad(ctx, rest, getenv, stdout, stderr)
	case "token":
		return cmdToken(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return &exitError{2, fmt.Errorf("unknown command %q", cmd)}
}

func versionString() string {
	rev := commit
	if rev == "" {
		rev = "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					rev = s.Value
				}
			}
		}
	}
	return fmt.Sprintf("salon %s (commit %s, %s, %s/%s)", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// newFlagSet returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags wherever they stand among the arguments,
// as operators type them: `salon import customers --data-dir /srv f.csv`.
// The standard flag package stops at the first argument.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "salon serve [flags]\n\nRuns the service. Every flag can also be set by its SALON_ variable; the flag wins.", stderr)
	var cfg Config
	cfg.bindFlags(fs, getenv)
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Errorf("serve takes no arguments, got %q", fs.Args())}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("bad configuration:\n%w", err)
	}
	m := &Main{Config: cfg, Stdout: stdout, Log: cfg.logger(stderr)}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		if clienteling.ErrorCode(err) == clienteling.EINUSE {
			return fmt.Errorf("%s: %s", cfg.DBPath(), clienteling.ErrorMessage(err))
		}
		return err
	}
	select {
	case <-ctx.Done():
		m.Log.Info("shutting down", "timeout", ShutdownTimeout)
	case err := <-m.served:
		m.served <- err // Close reads it
		m.Log.Error("http server stopped", "err", err)
	}
	if err := m.Close(); err != nil {
		return err
	}
	m.Log.Info("stopped")
	return nil
}
