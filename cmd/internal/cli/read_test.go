package cli

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewCmdRead(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    ReadOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"a.pcap"}, want: ReadOptions{Files: []string{"a.pcap"}, Format: "table", Sort: "bytes", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute}},
		{name: "everything", args: []string{"-f", "tcp port 443", "-o", "json", "--top", "5", "--sort", "flows", "-c", "100", "--flows", "f.csv", "--flows-format", "jsonl", "--force", "--services", "s.txt", "--services", "t.csv", "--ephemeral", "windows-xp", "--max-flows", "10", "--idle-timeout", "30s", "-q", "a.pcap", "-", "b.pcap.gz"},
			want: ReadOptions{Files: []string{"a.pcap", "-", "b.pcap.gz"}, Filter: "tcp port 443", Format: "json", Top: 5, TopSet: true, Sort: "flows", Count: 100,
				FlowsFile: "f.csv", FlowsFormat: "jsonl", Force: true, Services: []string{"s.txt", "t.csv"}, Ephemeral: "windows-xp", MaxFlows: 10, IdleTimeout: 30 * time.Second, Quiet: true}},
		{name: "top 0 given", args: []string{"--top", "0", "a.pcap"}, want: ReadOptions{Files: []string{"a.pcap"}, Format: "table", TopSet: true, Sort: "bytes", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute}},
		{name: "no files", args: nil, wantErr: "name a capture file (or -r FILE; '-' for standard input)"},
		{name: "bad format", args: []string{"-o", "xml", "a.pcap"}, wantErr: `unknown format "xml" (want table, json or csv)`},
		{name: "bad format, checked when parsed (before the missing files)", args: []string{"-o", "xml"}, wantErr: `invalid argument "xml" for "-o, --format" flag: unknown format "xml" (want table, json or csv)`},
		{name: "bad sort", args: []string{"--sort", "name", "a.pcap"}, wantErr: `unknown sort key "name"`},
		{name: "negative top", args: []string{"--top", "-1", "a.pcap"}, wantErr: `invalid argument "-1" for "--top" flag: must be 0 (all) or more`},
		{name: "top not a number", args: []string{"--top", "ten", "a.pcap"}, wantErr: `invalid argument "ten" for "--top" flag: not a whole number`},
		{name: "negative idle timeout", args: []string{"--idle-timeout", "-1s", "a.pcap"}, wantErr: `invalid argument "-1s" for "--idle-timeout" flag: must not be negative`},
		{name: "negative max flows", args: []string{"--max-flows", "-5", "a.pcap"}, wantErr: `invalid argument "-5" for "--max-flows" flag: must be 0 (default 262144) or more`},
		{name: "stdin twice", args: []string{"-", "-"}, wantErr: "standard input ('-') can be read only once, not 2 times"},
		{name: "flows extension", args: []string{"--flows", "out.txt", "a.pcap"}, wantErr: `--flows "out.txt": name the file .jsonl or .csv, or give --flows-format jsonl|csv`},
		{name: "flows on stdout", args: []string{"--flows", "-", "a.pcap"}, want: ReadOptions{Files: []string{"a.pcap"}, Format: "table", Sort: "bytes", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute, FlowsFile: "-"}},
		{name: "bad flows format", args: []string{"--flows", "-", "--flows-format", "ndjson", "a.pcap"}, wantErr: `invalid argument "ndjson" for "--flows-format" flag: unknown flow log format "ndjson" (want jsonl or csv)`},
		{name: "bad ephemeral", args: []string{"--ephemeral", "linux,bogus", "a.pcap"}, wantErr: `invalid argument "linux,bogus" for "--ephemeral" flag: ephemeral ports "linux,bogus": unknown preset "bogus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, "read", NewCmdRead, tt.args, tt.want, tt.wantErr, func(o *ReadOptions) { o.IO = nil }, equalOpts)
		})
	}
}

func equalOpts(a, b ReadOptions) bool {
	return strings.Join(a.Files, "|") == strings.Join(b.Files, "|") && strings.Join(a.Services, "|") == strings.Join(b.Services, "|") &&
		a.Filter == b.Filter && a.Format == b.Format && a.Top == b.Top && a.TopSet == b.TopSet && a.Sort == b.Sort && a.Count == b.Count &&
		a.FlowsFile == b.FlowsFile && a.FlowsFormat == b.FlowsFormat && a.Force == b.Force && a.Ephemeral == b.Ephemeral && a.MaxFlows == b.MaxFlows && a.IdleTimeout == b.IdleTimeout && a.Quiet == b.Quiet
}

type fakeProgress struct {
	read   atomic.Int64
	frames atomic.Uint64
}

func (f *fakeProgress) Progress() (int64, int64) { return f.read.Load(), 1000 }
func (f *fakeProgress) Frames() uint64           { return f.frames.Load() }

// runProgress draws the bar for 50 ms over a read 25% done, at the
// terminal width width gives, and returns what it wrote.
func runProgress(t *testing.T, width func() int) string {
	t.Helper()
	progressDelay, progressTick = 0, time.Millisecond
	defer func() { progressDelay, progressTick = time.Second, 200*time.Millisecond }()
	var buf syncBuffer
	src := &fakeProgress{}
	src.read.Store(250)
	src.frames.Store(5000)
	p := startProgress(&buf, width, src)
	time.Sleep(50 * time.Millisecond)
	p.stop()
	return buf.String()
}

func TestProgressBar(t *testing.T) {
	out := runProgress(t, func() int { return 0 })
	if !strings.Contains(out, " 25% 250 B of 1.0 kB") || !strings.Contains(out, "packets/s") || !strings.Contains(out, "left") {
		t.Errorf("progress output %q lacks percent, bytes, rate or time left", out)
	}
	if !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("progress bar not erased at the end: %q", out[max(0, len(out)-20):])
	}
}

// syncBuffer is a bytes.Buffer safe for the bar's goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
