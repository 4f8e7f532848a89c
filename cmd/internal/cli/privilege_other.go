//go:build !linux

package cli

import "fmt"

// apply is not implemented here: only Linux switches every thread of a Go
// process at once. Keeping root is refused rather than done silently.
func (d *dropTarget) apply() error {
	if d.keep() {
		return nil
	}
	return fmt.Errorf("-Z %s: dropping privileges is only supported on Linux; give -Z root to keep running as root", d.name)
}
