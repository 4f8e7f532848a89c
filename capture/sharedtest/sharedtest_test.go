package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnvOverride(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(Env, empty)
	if d, ok := Dir(); !ok || d != empty {
		t.Errorf("Dir() = %q, %v; want %q, true", d, ok, empty)
	}
	if _, ok := Sub("traces"); ok {
		t.Error("Sub(traces) found in an empty directory")
	}
	if got := Traces(); got != nil {
		t.Errorf("Traces() = %v in an empty directory", got)
	}
	if err := os.MkdirAll(filepath.Join(empty, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"b.pcap", "a.pcap", "README.md"} {
		if err := os.WriteFile(filepath.Join(empty, "traces", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := Traces()
	want := []string{filepath.Join(empty, "traces", "a.pcap"), filepath.Join(empty, "traces", "b.pcap")}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Traces() = %v, want %v", got, want)
	}
	t.Setenv(Env, filepath.Join(empty, "missing"))
	if _, ok := Dir(); ok {
		t.Error("Dir() ok for a missing directory")
	}
}

// TestSkips checks that File skips (not fails) when the shared data is
// absent: the subtest must end skipped.
func TestSkips(t *testing.T) {
	t.Setenv(Env, t.TempDir())
	var skipped bool
	t.Run("absent", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Trace(t, "x.pcap")
		t.Error("Trace returned for an absent file")
	})
	if !skipped {
		t.Error("Trace did not skip")
	}
}

func TestDefaultBesideModule(t *testing.T) {
	t.Setenv(Env, "") // restored after the test
	os.Unsetenv(Env)
	d, _ := Dir()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "..", "shared"); d != want {
		t.Errorf("Dir() = %q, want %q", d, want)
	}
}
