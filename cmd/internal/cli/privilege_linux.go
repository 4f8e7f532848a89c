//go:build linux

package cli

import (
	"fmt"
	"os"
	"syscall"
)

// apply switches the whole process to d's user and groups: supplementary
// groups, then group, then user (real, effective and saved), so that root
// cannot be regained. On Linux these calls change every thread of the
// process (Go and glibc both broadcast them), and leaving uid 0 clears the
// capabilities, CAP_NET_RAW included: the capture handle, the files and
// the listening socket opened before stay usable, nothing new can be.
func (d *dropTarget) apply() error {
	if d.keep() {
		return nil
	}
	if err := syscall.Setgroups(d.groups); err != nil {
		return fmt.Errorf("-Z %s: setgroups: %w", d.name, err)
	}
	if err := syscall.Setgid(d.gid); err != nil {
		return fmt.Errorf("-Z %s: setgid %d: %w", d.name, d.gid, err)
	}
	if err := syscall.Setuid(d.uid); err != nil {
		return fmt.Errorf("-Z %s: setuid %d: %w", d.name, d.uid, err)
	}
	if os.Getuid() != d.uid || os.Geteuid() != d.uid || os.Getgid() != d.gid || os.Getegid() != d.gid {
		return fmt.Errorf("-Z %s: still uid %d/%d, gid %d/%d after the switch", d.name, os.Getuid(), os.Geteuid(), os.Getgid(), os.Getegid())
	}
	if syscall.Setuid(0) == nil { // must fail now
		return fmt.Errorf("-Z %s: root could be regained after the switch", d.name)
	}
	return nil
}
