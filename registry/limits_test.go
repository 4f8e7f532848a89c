package registry

import (
	"io"
	"regexp"
	"strings"
	"testing"
)

// commentLines is an endless services file of comment lines, made on the
// fly so that the test holds none of it.
type commentLines struct{ line []byte }

func (c commentLines) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], c.line)
	}
	return n, nil
}

// TestLoadServicesFileLimit: a services file is read up to 64 MiB, then
// refused, naming the line, and nothing is added: an endless input (a
// --services /dev/zero, a FIFO) ends. The line and entry limits are in
// TestLoadServicesErrors.
func TestLoadServicesFileLimit(t *testing.T) {
	line := []byte("# " + strings.Repeat("x", 1021) + "\n") // 1 KiB
	var r Registry
	_, err := r.LoadServices(io.MultiReader(strings.NewReader("ssh 22/tcp\n"), commentLines{line}), "big")
	// The line is where the reader stood when it passed 64 MiB, give or
	// take one read-ahead (the limit falls in line 65,537).
	if err == nil || !regexp.MustCompile(`^services file "big": line 65[56]\d\d: file longer than 67108864 bytes$`).MatchString(err.Error()) {
		t.Errorf("endless file: error %v, want it refused at 64 MiB", err)
	}
	if r.Len() != 0 {
		t.Errorf("a refused file added %d entries", r.Len())
	}
}
