// Package cmdutil holds what portsift's commands share on the command
// line: the usage error (FlagError, exit 2), flags whose values are
// checked when they are parsed (enum flags such as -o, --sort and
// --flows-format, the packet count, --ephemeral) with their shell
// completion, and the flag groups several commands take (decoding,
// threads, registry). The commands themselves are cmd/internal/cli.
package cmdutil
