package cli

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests from cmd/, one directory below the top, where
// they were written: paths such as ../testdata/traces/eth-mixed.pcap are
// names inside the golden reports (a report names its sources as given),
// so they must stay what they were.
func TestMain(m *testing.M) {
	if err := os.Chdir("../.."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
