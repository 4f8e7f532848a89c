//go:build unix

package capture

import (
	"errors"
	"syscall"
)

// oNoFollow makes an open fail (ELOOP) when the last element of the name
// is a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
