package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroom is how far the heap may grow past what is live before the
// next collection, at least. Go's default (GOGC=100) lets it grow by what
// is live: for a server whose live heap is a few megabytes and which
// allocates a few hundred kilobytes a page, that is a collection every few
// dozen pages, a tenth of the CPU of pages rendered from the database.
// 16 MB between collections took 7 to 15% off their CPU for 5 to 13 MB
// more memory; a heap that is larger live (a full page cache) gets Go's
// default, so memory never grows by more than the larger of the two.
const gcHeadroom = 16 << 20

// maxGCPercent bounds the growth a small live heap is allowed: 16 MB past
// a heap of 2 MB would be GOGC=800.
const maxGCPercent = 300

// gcPercent is the GOGC that lets a heap of live bytes grow by headroom
// before its next collection: never less than Go's 100, never more than
// maxGCPercent.
func gcPercent(live, headroom uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	return int(min(max(headroom*100/live, 100), maxGCPercent))
}

// keepGCHeadroom sets GOGC from the live heap every second until ctx
// ends, unless the operator set GOGC: theirs is kept.
func keepGCHeadroom(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	last := 100
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if p := gcPercent(sample[0].Value.Uint64(), gcHeadroom); p != last {
				debug.SetGCPercent(p)
				last = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
