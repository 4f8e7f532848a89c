// Command tracegen writes portsift's test traces.
//
// Small traces, byte-for-byte deterministic, for golden tests:
//
//	go run ./cmd/tracegen -out testdata        # rewrites testdata/traces/*, testdata/corrupt/*, testdata/tunnels/*
//	go run ./cmd/tracegen -list                # prints every trace's flow table and intent
//
// The same files are checked by go test ./cmd/tracegen (and rewritten with
// -update). Each trace is described by a table of rows in traces.go: what a
// row exercises and what portsift should make of it. The traces in
// testdata/tunnels (tunnels.go, linktypes.go) also say, frame by frame,
// what --decap should make of each frame; their README is generated too.
//
// A large trace for benchmarks, deterministic for given flags:
//
//	go run ./cmd/tracegen -big -packets 5000000 -flows 95000 -o /tmp/big.pcap
//	go run ./cmd/tracegen -synflood 1000000 -o /tmp/syn.pcap
//
// Large traces carry zero TCP and UDP checksums (valid for UDP over IPv4,
// invalid otherwise; portsift does not verify them); IPv4 header checksums are
// correct.
package main
