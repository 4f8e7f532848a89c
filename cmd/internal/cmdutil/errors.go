package cmdutil

import (
	"fmt"
	"strings"
)

// FlagError is a usage error: the command prints it with a hint and exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{fmt.Errorf(format, args...)}
}

// FlagErrorWrap makes err a usage error.
func FlagErrorWrap(err error) error { return &FlagError{err} }

// JoinOr lists values for a message: "a", "a or b", "a, b or c".
func JoinOr(l []string) string {
	if len(l) <= 1 {
		return strings.Join(l, "")
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}
