package live

import (
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// maxPointsPerSeries is Prometheus' limit on (end-start)/step for range queries.
const maxPointsPerSeries = 11000

// evaluation says where a query is evaluated: at one instant or over a stepped range, and with
// which rate window.
type evaluation struct {
	instant bool
	at      time.Time // instant queries
	rng     v1.Range  // range queries: start and end aligned to the step
	window  time.Duration
}

func (e evaluation) windowString() string { return model.Duration(e.window).String() }

// evaluate derives the evaluation of a query. Range queries use step = max(interval,
// span/maxDataPoints, span/(11000-2), 1 s) rounded up to whole seconds, with start and end
// aligned down to multiples of the step (as Grafana does, so refreshes share timestamps); the
// alignment adds at most two points, hence the 11000-2. Rate windows are
// max(4 × scrape interval, step), so every window holds at least four samples.
// Instant queries are evaluated at To with the window max(4 × scrape interval, interval).
func evaluate(tr TimeRange, instant bool, scrape time.Duration) (evaluation, error) {
	if tr.To.IsZero() {
		return evaluation{}, inputErrorf("the query has no time range")
	}
	if instant {
		return evaluation{instant: true, at: tr.To, window: rateWindow(scrape, tr.Interval)}, nil
	}
	if tr.From.IsZero() || tr.To.Before(tr.From) {
		return evaluation{}, inputErrorf("the time range %s … %s is empty or reversed", tr.From.UTC().Format(time.RFC3339), tr.To.UTC().Format(time.RFC3339))
	}
	span := tr.To.Sub(tr.From)
	step := max(tr.Interval, time.Second, span/(maxPointsPerSeries-2))
	if tr.MaxDataPoints > 0 {
		step = max(step, span/time.Duration(tr.MaxDataPoints))
	}
	step = ceilTo(step, time.Second)
	start := floorTo(tr.From, step)
	end := floorTo(tr.To, step)
	return evaluation{rng: v1.Range{Start: start, End: end, Step: step}, window: rateWindow(scrape, step)}, nil
}

func rateWindow(scrape, interval time.Duration) time.Duration {
	return ceilTo(max(4*scrape, interval), time.Second)
}

func ceilTo(d, unit time.Duration) time.Duration {
	return (d + unit - 1) / unit * unit
}

// floorTo aligns t down to a multiple of step since the Unix epoch.
func floorTo(t time.Time, step time.Duration) time.Time {
	ms, stepMs := t.UnixMilli(), step.Milliseconds()
	aligned := ms - ms%stepMs
	if ms < 0 && ms%stepMs != 0 {
		aligned -= stepMs
	}
	return time.UnixMilli(aligned).UTC()
}
