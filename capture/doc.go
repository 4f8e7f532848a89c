// Package capture owns getting frames into portsift: it opens capture files
// (pcap, pcapng, gzip-compressed or not, standard input) and hands out their
// frames with their capture info and link type, hiding the quirks of
// gopacket's pcapgo readers and of libpcap. Live capture will join it.
//
// Files are read in pure Go by pcapgo; libpcap (cgo) is used only to compile
// BPF filters. OpenFile and OpenReader give a Source for one file; Open gives
// a Reader that reads several files in order as one stream, applies the
// filter, counts frames per file, and reports progress.
//
// # Memory
//
// Frames are returned zero-copy: the bytes belong to the Source or Reader and
// are valid only until the next read (ZeroCopyReadPacketData or Next) or
// Close. Callers that keep anything must copy it. Reading a frame does not
// allocate in steady state. No record can make the reader allocate more
// than MaxCaptureLength for it.
//
// # Formats
//
// The format is recognised by magic number, never by file name: pcap in
// either byte order with microsecond or nanosecond timestamps, versions 2.0
// to 2.4 and 543.0 as libpcap reads them (the swapped length fields of
// versions before 2.3 too) and 2.5 and later 2.x as Wireshark reads them;
// pcapng 1.0 with any number of sections and interfaces of different link
// types; and either one gzip-compressed. Records whose captured length
// exceeds their wire length are returned as libpcap returns them, whole,
// with the wire length the file gives. pcapng timestamps beyond what int64
// nanoseconds hold are clamped and counted (Info.TimesClamped).
//
// # Link types
//
// gopacket v1.1.19's layers.LinkType is a uint8 but files carry 16-bit link
// types, so capture has its own LinkType and hands out the value the file
// stores (the low 16 bits of a pcap header's link-type field, whose FCS
// bits are legal and whose reserved bits must be zero), any value: 276 is
// LINUX_SLL2, 284 is 284. Only the old raw-IP values DLT 12 and 14 become
// LinkRaw (101), so decoders see one value for raw IP.
//
// # Errors
//
// Errors are one line, lower case, and name the file and, for damaged files,
// the byte offset: `read "x.pcap": truncated record at byte 1234 (file cut
// short)`. They wrap ErrNotCapture, ErrUnsupported, ErrTruncated, ErrCorrupt
// or ErrBadFilter for errors.Is. A Reader records a damaged file's error in
// its SourceInfo, keeps the frames read before the damage, and goes on with
// the next file.
package capture
