// Package vocab is the vocabulary every portsift package shares: the IP
// protocol number (Proto), the 16-bit capture link type (LinkType), the
// EtherType, and the bucket a frame is counted in (Bucket). Each is a named
// integer with String and MarshalText giving the name reports use, and a
// parser for the reverse, so one fact has one type from the capture file to
// the JSON report. It imports nothing but the standard library, as
// tailscale's types/ipproto does.
package vocab
