package pipeline

import (
	"context"

	"github.com/portsift/portsift/capture"
	"github.com/portsift/portsift/classify"
	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode/vocab"
)

// Sniff counts the frames of an open live capture, as `portsift sniff`
// does: it makes the Tracker and decoder opts asks for and runs
// classify's live loop (RunLive) on src with lo, publishing snapshots to
// out. Every snapshot's report names the interface as its one source (its
// link type, format "live"), carries the filter src was opened with, the
// decoder's panics and the kernel's counters of src; lo.Decorate, if set,
// runs after that. Sniff does not close src.
func Sniff(ctx context.Context, src *capture.Live, filter string, opts classify.Options, lo classify.LiveOptions, out *report.Latest) (*report.Snapshot, error) {
	tr := classify.NewTracker(opts)
	dec := opts.NewDecoder()
	name, link := src.Name(), src.LinkType()
	decorate := lo.Decorate
	lo.Decorate = func(r *report.Report) {
		r.Sources = []report.SourceInfo{{Name: name, Format: "live", LinkTypes: []vocab.LinkType{link}, Frames: r.Frames}}
		r.Filter = filter
		r.DecodePanics = dec.Panics
		r.Capture.Interface = name
		if st, err := src.Stats(); err == nil {
			r.Capture.Received, r.Capture.DroppedKernel, r.Capture.DroppedInterface = st.Received, st.Dropped, st.IfDropped
		}
		if decorate != nil {
			decorate(r)
		}
	}
	return tr.RunLive(ctx, src, dec, lo, out)
}
