// Package decode turns one captured frame into a Summary: the bucket it is
// counted in, its IP protocol, addresses, transport ports, TCP flags and IP
// fragment fields.
//
// A Decoder is built on gopacket's DecodingLayerParser for the link and
// network layers (Ethernet, 802.1Q/QinQ, MPLS, PPPoE, PPP, Linux cooked
// SLL/SLL2, BSD loopback, raw IP, IPv4, IPv6 and its extension headers) and
// reads the transport header itself, so that a frame cut short by a small
// snaplen still yields its ports (as tshark does) and an IP fragment keeps its
// fragment fields. Decoding a frame allocates nothing in steady state and
// keeps no reference to the frame.
//
// Every frame lands in exactly one Bucket; see Bucket for the rules.
package decode
