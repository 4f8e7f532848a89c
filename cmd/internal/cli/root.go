package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1 // unreadable input, partial read, check mismatch
	ExitUsage   = 2 // bad flags or arguments
	// ExitInterrupted: SIGINT or SIGTERM stopped read or check before the
	// end of the input (128 + SIGINT, what a shell reports for a command
	// Ctrl-C killed). read prints the report of what it read first. sniff
	// exits 0: a signal is how a live capture normally ends.
	ExitInterrupted = 130
	// ExitBrokenPipe: an output was closed by its reader, and nothing
	// more is printed. For standard output (portsift read x -o json |
	// head) the Go runtime makes the process die of SIGPIPE, as tcpdump
	// does, which a shell reports as 141 too; this code is for the other
	// outputs, such as a FIFO given to --flows or -w, whose writes fail
	// with EPIPE (--flows - and /dev/stdout are standard output).
	ExitBrokenPipe = 141
)

// Version and Commit are set at build time (make build) with -ldflags
// "-X github.com/portsift/portsift/cmd.Version=... -X ...cmd.Commit=...".
// A binary built without them (go build, go install) takes what the Go
// toolchain recorded: the module version and the VCS revision.
var (
	Version = "dev"
	Commit  = ""
)

// buildInfo returns the version and commit, from -ldflags or, failing that,
// from the build information the Go toolchain embeds.
func buildInfo() (version, commit string) {
	version, commit = Version, Commit
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, cmp.Or(commit, "unknown")
	}
	if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	if commit == "" {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			commit = rev + dirty
		}
	}
	return version, cmp.Or(commit, "unknown")
}

// errSilent is returned when the command already printed what went wrong
// (a report with a partial read, say) and only the exit code is left.
var errSilent = errors.New("silent failure")

// errInterrupted stops a command when SIGINT or SIGTERM arrives: exit 130.
// errInterruptedReported is the same once the command has said so itself.
var (
	errInterrupted         = errors.New("interrupted")
	errInterruptedReported = fmt.Errorf("%w (%w)", errInterrupted, errSilent)
)

// NewRootCmd returns the portsift command tree writing to ios.
func NewRootCmd(ios *IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "portsift <command>",
		Short: "Classify packet captures by service: which ports, which flows, which risks",
		Long: `portsift decodes captured frames to their transport header, decides which side
of each flow is the service, and counts packets, bytes and flows per service.
Ports the registry marks as risky (backdoor ports, port 0) are reported as alerts.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       func() string { v, _ := buildInfo(); return v }(),
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cmdutil.FlagErrorWrap(err) })
	root.AddCommand(NewCmdRead(ios, nil), NewCmdSniff(ios, nil), NewCmdCheck(ios, nil), NewCmdMerge(ios, nil), NewCmdPorts(ios, nil), newCmdVersion(ios))
	root.CompletionOptions.HiddenDefaultCmd = false
	addCompletions(root)
	return root
}

// Main runs portsift with args and returns the exit code. SIGINT and
// SIGTERM cancel the command's context; commands print what they counted.
func Main(args []string, ios *IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal asks the command to stop and print what it has; a
	// second one gets the default action (the process ends at once), in
	// case printing hangs on a blocked terminal or pipe.
	context.AfterFunc(ctx, stop)
	root := NewRootCmd(ios)
	root.SetArgs(args)
	c, err := root.ExecuteContextC(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, syscall.EPIPE):
		return ExitBrokenPipe // the reader of our output went away: nobody to tell
	case errors.Is(err, errInterrupted):
		if !errors.Is(err, errSilent) {
			fmt.Fprintf(ios.ErrOut, "portsift: %v\n", err)
		}
		return ExitInterrupted
	case errors.Is(err, errSilent):
		return ExitFailure
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) || isCobraUsage(err) {
		fmt.Fprintf(ios.ErrOut, "portsift: %v\n", err)
		if c != nil {
			fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", c.CommandPath())
		}
		return ExitUsage
	}
	fmt.Fprintf(ios.ErrOut, "portsift: %v\n", err)
	return ExitFailure
}

// isCobraUsage recognizes cobra's own argument errors, which are plain errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func newCmdVersion(ios *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print portsift's version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			v, commit := buildInfo()
			_, err := fmt.Fprintf(ios.Out, "portsift %s\ncommit:  %s\ngo:      %s %s/%s\nlibpcap: %s\n",
				v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, capture.LibpcapVersion())
			return err
		},
	}
}
