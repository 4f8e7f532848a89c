// Package pipeline is the driver between capture and classify, the one the
// command calls: it opens inputs, picks how many goroutines read and count,
// and hands the frames to classify's loops.
//
// ReadFiles (and ReadFrom, for an io.Reader) reads capture files into a
// Report, as `portsift read` does: one goroutine (Run), a reader and a
// counter (RunPipelined), a reader and sharded counters (RunSharded), or,
// for several files and more than two threads, a reader per file
// (RunFiles); the report is the same byte for byte whichever runs. Sniff
// does the same for a live capture with classify's live loop (RunLive),
// naming the interface, its filter and the kernel's drop counters in every
// snapshot.
//
// The split keeps the counting API free of libpcap: classify and its
// report import neither capture nor gopacket/pcap; pipeline imports both.
//
//	rep, err := pipeline.ReadFiles(ctx, []string{"testdata/login.pcap"}, pipeline.Options{})
//	...
//	if s := rep.Service("https", "tcp"); s == nil || s.Flows != 3 { ... }
package pipeline
