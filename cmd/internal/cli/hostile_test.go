package cli

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/user"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/report"
)

// epipeWriter fails every write as a pipe whose reader went away does.
type epipeWriter struct{}

func (epipeWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE}
}

// TestMainBrokenPipe: when an output's reader has gone, portsift stops
// without a word and exits 141 (for standard output itself the runtime
// kills it with SIGPIPE first: cmd/portsift TestReadBrokenPipe).
func TestMainBrokenPipe(t *testing.T) {
	for _, args := range [][]string{
		{"read", "-o", "json", mixedTrace},
		{"read", mixedTrace},
		{"ports", "--risky"},
	} {
		var errOut bytes.Buffer
		code := Main(args, &IOStreams{In: strings.NewReader(""), Out: epipeWriter{}, ErrOut: &errOut})
		if code != ExitBrokenPipe || errOut.Len() != 0 {
			t.Errorf("portsift %s into a broken pipe: exit %d, stderr %q; want %d and nothing", strings.Join(args, " "), code, errOut.String(), ExitBrokenPipe)
		}
	}
}

// TestMetricsOnlyMetrics: the endpoint serves /metrics and nothing else;
// a loopback address gives no warning.
func TestMetricsOnlyMetrics(t *testing.T) {
	ios, _, _, errOut := TestIO()
	latest := report.NewLatest()
	latest.Publish(&report.Snapshot{Report: classify.NewTracker(classify.Options{}).Report()})
	stop, err := serveMetrics(&SniffOptions{IO: ios, MetricsAddr: "127.0.0.1:0", MetricsMax: 10}, latest)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	m := regexp.MustCompile(`serving metrics at http://(127\.0\.0\.1:\d+)/metrics\n`).FindStringSubmatch(errOut.String())
	if m == nil || strings.Contains(errOut.String(), "warning") {
		t.Fatalf("stderr %q", errOut.String())
	}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + m[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "portsift_frames_total{bucket=\"tcp\"} 0") {
		t.Errorf("GET /metrics: %d\n%s", code, body)
	}
	for _, path := range []string{"/", "/metrics/", "/metrics/x", "/debug/pprof/", "/debug/vars", "/favicon.ico", "/../metrics/.."} {
		if code, body := get(path); code != 404 {
			t.Errorf("GET %s: %d, want 404\n%s", path, code, body)
		}
	}
}

// TestNewCmdSniffPrivileges: -Z (--relinquish-privileges) and --force.
func TestNewCmdSniffPrivileges(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		user  string
		force bool
	}{
		{[]string{"-i", "eth0"}, "", false},
		{[]string{"-i", "eth0", "-Z", "pcap"}, "pcap", false},
		{[]string{"-i", "eth0", "--relinquish-privileges", "root", "-w", "x.pcap", "--force"}, "root", true},
	} {
		ios, _, _, _ := TestIO()
		var got *SniffOptions
		c := NewCmdSniff(ios, func(o *SniffOptions) error { got = o; return nil })
		c.SetArgs(tt.args)
		c.SetOut(io.Discard)
		c.SetErr(io.Discard)
		if err := c.Execute(); err != nil {
			t.Fatalf("sniff %s: %v", tt.args, err)
		}
		if got.User != tt.user || got.Force != tt.force {
			t.Errorf("sniff %s: User %q, Force %v; want %q, %v", tt.args, got.User, got.Force, tt.user, tt.force)
		}
	}
}

// TestPrivilegeTarget: whom sniff becomes. As root: nobody by default, -Z
// root keeps root, a user by name or number, an unknown user fails before
// the capture opens. Not as root: nothing to drop, and -Z naming someone
// else fails.
func TestPrivilegeTarget(t *testing.T) {
	nobody, err := user.Lookup(defaultUser)
	if err != nil {
		t.Skipf("no user %q here: %v", defaultUser, err)
	}
	if os.Geteuid() != 0 {
		if d, err := privilegeTarget(""); err != nil || !d.keep() {
			t.Errorf("not root, no -Z: %+v, %v; want nothing to drop", d, err)
		}
		if _, err := privilegeTarget(defaultUser); err == nil || !strings.Contains(err.Error(), "only root can change user") {
			t.Errorf("not root, -Z %s: %v", defaultUser, err)
		}
		return
	}
	for _, tt := range []struct{ flag, user, err string }{
		{"", defaultUser, ""},
		{defaultUser, defaultUser, ""},
		{nobody.Uid, defaultUser, ""},
		{"root", "", ""},
		{"0", "", ""},
		{"no-such-user-here", "", "-Z no-such-user-here: no such user (give another user with -Z, or -Z root to keep root)"},
	} {
		d, err := privilegeTarget(tt.flag)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("-Z %q: error %v, want %q", tt.flag, err, tt.err)
			}
		case err != nil:
			t.Errorf("-Z %q: %v", tt.flag, err)
		case d.name != tt.user || (d.name != "" && (d.uid == 0 || len(d.groups) == 0 || d.groups[0] != d.gid)):
			t.Errorf("-Z %q: %+v, want user %q with its groups", tt.flag, d, tt.user)
		}
	}
}
