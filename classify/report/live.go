package report

import (
	"sync/atomic"
	"time"
)

// Snapshot is a published copy of the counters. Everything in it belongs
// to the snapshot: readers on other goroutines may read it at leisure but
// must not modify it (it is shared between readers).
type Snapshot struct {
	Report  *Report
	Seq     uint64        // 0 for the snapshot published when the run starts
	Taken   time.Time     // wall-clock time it was taken
	Elapsed time.Duration // wall-clock time since the run started
	Final   bool          // the last snapshot: the run ended and every flow was finished
}

// Latest holds the most recent Snapshot for readers on other goroutines: a
// printer waits on Updates, a metrics scrape calls Load. Publishing never
// blocks: a reader that is slow skips snapshots and sees the newest.
// The zero value is not usable; call NewLatest.
type Latest struct {
	p  atomic.Pointer[Snapshot]
	ch chan struct{}
}

// NewLatest returns an empty Latest.
func NewLatest() *Latest { return &Latest{ch: make(chan struct{}, 1)} }

// Load returns the newest snapshot, nil before the first.
func (l *Latest) Load() *Snapshot { return l.p.Load() }

// Updates receives a value after each publish (one pending at most).
func (l *Latest) Updates() <-chan struct{} { return l.ch }

// Publish makes s the newest snapshot and wakes a waiting reader. It never
// blocks.
func (l *Latest) Publish(s *Snapshot) {
	l.p.Store(s)
	select {
	case l.ch <- struct{}{}:
	default:
	}
}
