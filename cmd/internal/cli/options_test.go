package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// checkParse runs the command newCmd makes with args and a runF that keeps
// the options (the cli/cli pattern), then checks the error (wantErr is a
// substring; "" wants none) or, with equal, the options against want.
// clearIO drops the streams from the options before the comparison.
func checkParse[T any](t *testing.T, name string, newCmd func(*IOStreams, func(*T) error) *cobra.Command,
	args []string, want T, wantErr string, clearIO func(*T), equal func(got, want T) bool) {
	t.Helper()
	ios, _, _, _ := TestIO()
	var got *T
	c := newCmd(ios, func(o *T) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	err := c.Execute()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s %s: error %v, want %q", name, args, err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s %s: %v", name, args, err)
	}
	clearIO(got)
	if !equal(*got, want) {
		t.Errorf("%s %s:\n got %+v\nwant %+v", name, args, *got, want)
	}
}
