package linediff

import (
	"fmt"
	"strings"
)

// First returns the first line where want and got differ, numbered from 1
// and shown from both, or "(equal)".
func First(want, got string) string {
	lw, lg := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(lw) || i < len(lg); i++ {
		var x, y string
		if i < len(lw) {
			x = lw[i]
		}
		if i < len(lg) {
			y = lg[i]
		}
		if x != y || (i >= len(lw)) != (i >= len(lg)) {
			return fmt.Sprintf("line %d:\n  want %s\n  got  %s", i+1, x, y)
		}
	}
	return "(equal)"
}
