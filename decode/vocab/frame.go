package vocab

import "time"

// Frame is one captured frame as every stage sees it: capture hands it out
// (files and live interfaces alike), decode reads Data by Link, classify
// counts Wire bytes at Time. It is a plain value so a reader fills the
// caller's Frame in place and nothing is allocated per frame.
//
// Data is owned by whoever filled the Frame and is valid only until its
// next read (or Close); copy it to keep it.
type Frame struct {
	// Data is the captured bytes: len(Data) is the captured length, at
	// most Wire.
	Data []byte
	// Wire is the length of the frame on the wire, in bytes. A record may
	// claim up to 4 GiB, so it is not an int32.
	Wire int
	// Time is when the frame was captured, in nanoseconds since 1970 UTC.
	Time int64
	// Link is the link type of the frame: of its file (pcap), of its
	// interface (pcapng) or of the live capture.
	Link LinkType
}

// Captured is the captured length, len(f.Data).
func (f *Frame) Captured() int { return len(f.Data) }

// Timestamp is Time as a time.Time in UTC.
func (f *Frame) Timestamp() time.Time { return time.Unix(0, f.Time).UTC() }
