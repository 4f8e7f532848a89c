package classify

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/portsift/portsift/classify/report"
	"github.com/portsift/portsift/decode"
	"github.com/portsift/portsift/decode/vocab"
)

// DefaultInterval is how often RunLive publishes a snapshot by default.
const DefaultInterval = time.Second

// DefaultLinger is how long a closed TCP flow stays in a live capture's
// table after its last packet.
const DefaultLinger = 2 * time.Second

// DefaultLiveMaxHosts bounds the table of distinct (service, client or
// server address) pairs that the clients and servers columns count, for
// live captures: DefaultMaxHosts, as for files.
const DefaultLiveMaxHosts = DefaultMaxHosts

// LiveOptions configure RunLive.
type LiveOptions struct {
	// Interval is how often a snapshot is published (at most; 0 means
	// DefaultInterval). Publishing costs one Report (a copy of the
	// counters) on the capture goroutine.
	Interval time.Duration

	// Limit stops the run after this many frames (0: no limit), as
	// tcpdump -c does.
	Limit uint64

	// MaxHosts bounds the distinct-host table (0: the Tracker's bound,
	// Options.MaxHosts or DefaultMaxHosts). Pairs beyond the bound are not
	// counted (Capture.HostsUntracked), so clients and servers become
	// lower bounds.
	MaxHosts int

	// OnFrame, when set, is called with every frame before it is decoded
	// (to save it: sniff -w). f.Data is only valid during the call. An error
	// ends the run and is returned.
	OnFrame func(f *vocab.Frame) error

	// Linger is how long a TCP flow closed by FIN or RST stays in the
	// table after its last packet (the peer's last ACK, a retransmitted
	// FIN), in packet time; then it ends, checked at every interval. 0:
	// DefaultLinger; negative: closed flows stay until the idle timeout,
	// as in a file read.
	Linger time.Duration

	// OnInterval, when set, is called on the capture goroutine after each
	// snapshot is published (sniff flushes its flow log there).
	OnInterval func()

	// Decorate, when set, is called on the capture goroutine with every
	// report before it is published, to fill what the tracker does not
	// know (sources, filter, the kernel's counters in r.Capture). It must
	// not keep r.
	Decorate func(r *report.Report)
}

// loop flags, set by the timer goroutine and read by the capture loop with
// one atomic load per frame.
const (
	flagDue  = 1 << iota // an interval passed: publish
	flagStop             // ctx is done
)

// RunLive is the live capture loop. It reads src, optionally hands each
// frame to OnFrame, decodes it with d and observes it, until ctx is done,
// Limit frames were counted, src returns io.EOF, or an error. Every
// Interval it publishes a Snapshot to out, and once at the start (Seq 0)
// so a scrape never finds nothing. At the end it records the active flows,
// calls Finish, and publishes the final snapshot (Final set), which it also
// returns.
//
// The loop never waits for readers: it publishes copies (Report is built
// on this goroutine) through an atomic pointer. A cancelled ctx, the limit
// and io.EOF are normal ends (nil error); a source or OnFrame error is
// returned with the final snapshot, which counts everything before it.
// RunLive does not close src.
func (t *Tracker) RunLive(ctx context.Context, src Source, d *decode.Decoder, o LiveOptions, out *report.Latest) (*report.Snapshot, error) {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxHosts > 0 {
		t.maxHosts = o.MaxHosts
	}
	if o.Linger == 0 {
		o.Linger = DefaultLinger
	}
	for _, sh := range t.shards {
		sh.linger = max(int64(o.Linger), 0)
	}
	var flags atomic.Uint32
	quit := make(chan struct{})
	timerDone := make(chan struct{})
	go func() {
		defer close(timerDone)
		tick := time.NewTicker(o.Interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				flags.Or(flagStop)
				return
			case <-tick.C:
				flags.Or(flagDue)
			case <-quit:
				return
			}
		}
	}()
	defer func() { close(quit); <-timerDone }()

	start := time.Now()
	var seq uint64
	publish := func(final bool, active int) *report.Snapshot {
		now := time.Now()
		r := t.Report()
		r.Capture = &report.LiveCapture{FlowsActive: uint64(active), HostsUntracked: t.hostsLost,
			Seconds: now.Sub(start).Seconds(), Final: final}
		if o.Decorate != nil {
			o.Decorate(r)
		}
		s := &report.Snapshot{Report: r, Seq: seq, Taken: now, Elapsed: now.Sub(start), Final: final}
		seq++
		out.Publish(s)
		return s
	}
	publish(false, 0)

	var (
		s   decode.Summary
		f   vocab.Frame
		n   uint64
		err error

		anchorN    uint64    // frames counted at the last interval that saw new ones
		anchorWall time.Time // when
		anchorPkt  int64     // the latest frame time then
	)
	for o.Limit == 0 || n < o.Limit {
		if f := flags.Load(); f != 0 {
			if f&flagStop != 0 {
				break
			}
			flags.And(^uint32(flagDue))
			// Expire and evict at every interval too, not only every
			// SettleFrames frames: on a quiet link idle flows leave the
			// table (and the flows-active gauge) on time.
			// A quiet link stops the packet clock: run it on with the
			// wall clock from the last frame seen.
			if n != anchorN || anchorWall.IsZero() {
				anchorN, anchorWall, anchorPkt = n, time.Now(), t.latest()
				t.clockFloor = 0
			} else if anchorPkt != 0 {
				t.clockFloor = anchorPkt + int64(time.Since(anchorWall))
			}
			t.settle(true)
			t.retireClosed()
			publish(false, t.ActiveFlows())
			if o.OnInterval != nil {
				o.OnInterval()
			}
		}
		if rerr := src.Next(&f); rerr != nil {
			if isIdle(rerr) {
				continue
			}
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		if o.OnFrame != nil {
			if err = o.OnFrame(&f); err != nil {
				break
			}
		}
		d.Decode(f.Link, f.Data, f.Wire, &s)
		t.observe(f.Time, f.Wire, len(f.Data), f.Link, &s)
		n++
	}
	active := t.ActiveFlows()
	t.Finish()
	return publish(true, active), err
}

// fingerprint returns the registry's fingerprint, computed once: it hashes
// every entry (milliseconds), and a live capture takes a Report every
// interval on the capture goroutine, where a stall fills the kernel's
// buffer. The registry does not change once the Tracker has it.
func (t *Tracker) fingerprint() string {
	if t.fp == "" {
		t.fp = t.reg.Fingerprint()
	}
	return t.fp
}

// isIdle reports whether err says a live source had no frame within its
// read timeout: an error in its chain with an Idle method that returns true
// (capture.ErrIdle has one).
func isIdle(err error) bool {
	var e interface{ Idle() bool }
	return errors.As(err, &e) && e.Idle()
}
