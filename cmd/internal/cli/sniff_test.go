package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify/metrics"
	"github.com/portsift/portsift/cmd/internal/cmdutil"
	"github.com/portsift/portsift/decode"
)

func TestNewCmdSniff(t *testing.T) {
	defaults := SniffOptions{Format: "table", Sort: "bytes", Ephemeral: "iana,linux", IdleTimeout: 2 * time.Minute,
		Snaplen: capture.MaxCaptureLength, BufferKiB: 32768, Interval: time.Second, MetricsMax: metrics.DefaultMetricsMaxServices,
		DecodeFlags: cmdutil.DecodeFlags{DecapDepth: decode.DefaultMaxDepth}}
	with := func(f func(*SniffOptions)) SniffOptions { o := defaults; f(&o); return o }
	tests := []struct {
		name    string
		args    []string
		want    SniffOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"-i", "eth0"}, want: with(func(o *SniffOptions) { o.Interface = "eth0" })},
		{name: "list", args: []string{"--list"}, want: with(func(o *SniffOptions) { o.List = true })},
		{name: "list like tcpdump", args: []string{"-D", "-o", "json"}, want: with(func(o *SniffOptions) { o.List, o.Format = true, "json" })},
		{name: "everything", args: []string{"-i", "any", "-f", "not port 22", "--duration", "30s", "-c", "100000", "-s", "96", "-p",
			"--immediate-mode", "-B", "4096", "--interval", "5s", "-o", "json", "--top", "10", "--sort", "packets", "-w", "s.pcapng",
			"--flows", "f.jsonl", "--flows-format", "csv", "--force", "--metrics-addr", "127.0.0.1:9155", "--metrics-max-services", "50", "--max-flows", "1000",
			"--idle-timeout", "30s", "--services", "x.csv", "--ephemeral", "linux", "-q", "--decap", "--decap-depth", "3"},
			want: SniffOptions{Interface: "any", Filter: "not port 22", Duration: 30 * time.Second, Count: 100000, Snaplen: 96,
				NoPromisc: true, Immediate: true, BufferKiB: 4096, Interval: 5 * time.Second, IntervalSet: true, Format: "json",
				Top: 10, TopSet: true, Sort: "packets", WriteFile: "s.pcapng", FlowsFile: "f.jsonl", FlowsFormat: "csv", Force: true, MetricsAddr: "127.0.0.1:9155", MetricsMax: 50,
				MaxFlows: 1000, IdleTimeout: 30 * time.Second, Services: []string{"x.csv"}, Ephemeral: "linux", Quiet: true,
				DecodeFlags: cmdutil.DecodeFlags{Decap: true, DecapDepth: 3}}},
		{name: "decap depth", args: []string{"-i", "eth0", "--decap-depth", "0"}, wantErr: "--decap-depth must be between 1 and 64, not 0"},
		{name: "no interface", args: nil, wantErr: "sniff needs an interface: -i IFACE (portsift sniff --list shows them)"},
		{name: "arguments", args: []string{"-i", "eth0", "extra"}, wantErr: `unknown command "extra"`},
		{name: "csv", args: []string{"-i", "eth0", "-o", "csv"}, wantErr: `unknown format "csv" (want table or json)`},
		{name: "bad sort", args: []string{"-i", "eth0", "--sort", "name"}, wantErr: `unknown sort key "name"`},
		{name: "negative duration", args: []string{"-i", "eth0", "--duration", "-1s"}, wantErr: "--duration must be positive"},
		{name: "snaplen 0", args: []string{"-i", "eth0", "-s", "0"}, wantErr: "--snaplen must be 1 to 262144, not 0"},
		{name: "snaplen too big", args: []string{"-i", "eth0", "-s", "300000"}, wantErr: "--snaplen must be 1 to 262144"},
		{name: "buffer", args: []string{"-i", "eth0", "-B", "0"}, wantErr: "--buffer-size must be at least 1 KiB"},
		{name: "interval", args: []string{"-i", "eth0", "--interval", "1ms"}, wantErr: "--interval must be at least 10ms, not 1ms"},
		{name: "top", args: []string{"-i", "eth0", "--top", "-2"}, wantErr: `invalid argument "-2" for "--top" flag: must be 0 (fit) or more`},
		{name: "metrics max", args: []string{"-i", "eth0", "--metrics-max-services", "-1"}, wantErr: `invalid argument "-1" for "--metrics-max-services" flag: must be 0 or more`},
		{name: "max flows", args: []string{"-i", "eth0", "--max-flows", "-1"}, wantErr: `invalid argument "-1" for "--max-flows" flag: must be 0 (default 262144) or more`},
		{name: "idle timeout", args: []string{"-i", "eth0", "--idle-timeout", "0s"}, wantErr: "--idle-timeout must be positive"},
		{name: "flows extension", args: []string{"-i", "eth0", "--flows", "f.txt"}, wantErr: `--flows "f.txt": name the file .jsonl or .csv, or give --flows-format jsonl|csv`},
		{name: "flows format", args: []string{"-i", "eth0", "--flows", "f.txt", "--flows-format", "jsonl"}, want: with(func(o *SniffOptions) { o.Interface, o.FlowsFile, o.FlowsFormat = "eth0", "f.txt", "jsonl" })},
		{name: "bad flows format", args: []string{"-i", "eth0", "--flows", "-", "--flows-format", "json"}, wantErr: `invalid argument "json" for "--flows-format" flag: unknown flow log format "json" (want jsonl or csv)`},
		{name: "flows format alone", args: []string{"-i", "eth0", "--flows-format", "csv"}, wantErr: `--flows-format csv needs --flows FILE`},
		{name: "both on stdout", args: []string{"-i", "eth0", "-w", "/dev/stdout", "--flows", "-"}, wantErr: `-w "/dev/stdout" and --flows "-" are the same stream: give one of them a file`},
		{name: "both on std streams", args: []string{"-i", "eth0", "-w", "-", "--flows", "/dev/stderr"}, want: with(func(o *SniffOptions) { o.Interface, o.WriteFile, o.FlowsFile = "eth0", "-", "/dev/stderr" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkParse(t, "sniff", NewCmdSniff, tt.args, tt.want, tt.wantErr, func(o *SniffOptions) { o.IO = nil }, func(a, b SniffOptions) bool { return reflect.DeepEqual(a, b) })
		})
	}
}

func TestSniffMode(t *testing.T) {
	for _, tt := range []struct {
		format      string
		intervalSet bool
		outTTY      bool
		want        sniffMode
	}{
		{"table", false, true, modeView},
		{"table", true, true, modeView},
		{"table", false, false, modeBlocks},
		{"table", true, false, modeBlocks},
		{"json", false, true, modeFinal},
		{"json", false, false, modeFinal},
		{"json", true, false, modeJSONL},
		{"json", true, true, modeJSONL},
	} {
		o := &SniffOptions{Format: tt.format, IntervalSet: tt.intervalSet, IO: &IOStreams{OutTTY: tt.outTTY}}
		if got := o.mode(); got != tt.want {
			t.Errorf("-o %s, --interval given %v, terminal %v: mode %d, want %d", tt.format, tt.intervalSet, tt.outTTY, got, tt.want)
		}
	}
}
