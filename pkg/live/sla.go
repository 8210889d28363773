package live

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

// level is an SLA grade; a model's status is the worst grade of its checks.
type level int

const (
	levelExcellent level = iota
	levelAcceptable
	levelDegraded
	levelBreaking
)

var levelNames = [...]string{"Excellent", "Acceptable", "Degraded", "Breaking"}

const (
	statusIdle    = "Idle"
	statusUnknown = "Unknown"

	methodInterpolated = "interpolated p95"
	methodSharePrefix  = "bucket share at le="

	// p95Share is the share of requests that must be within a threshold for the p95 to be.
	p95Share = 0.95
)

// Grades of KV-cache usage (fraction) and queue depth (requests waiting), from the seed's SLA
// table: KV 70/85/95 %, queue 0 / ≤1 / 2–5 / >5.
var (
	kvCacheGrades = [3]float64{0.70, 0.85, 0.95}
	queueGrades   = [3]float64{0, 1, 5}
	// The queue is a count of requests, so its grades read as whole numbers.
	queueRelations = [...]string{"", " (≤ 1)", " (2–5)", " (> 5)"}
)

// applyLoadGrades colours every field of frames named kv_cache_usage or requests_waiting by the
// grades the status gives them; whether a chart draws them as lines or bands is the panel's choice.
func applyLoadGrades(frames data.Frames) data.Frames {
	thresholds := map[string]*data.ThresholdsConfig{
		"kv_cache_usage":   analysis.GradeThresholds(kvCacheGrades[0], kvCacheGrades[1], kvCacheGrades[2]),
		"requests_waiting": analysis.GradeThresholds(queueGrades[0], queueGrades[1], queueGrades[2]),
	}
	for _, fr := range frames {
		for _, f := range fr.Fields {
			t, ok := thresholds[f.Name]
			if !ok {
				continue
			}
			if f.Config == nil {
				f.Config = &data.FieldConfig{}
			}
			f.Config.Thresholds = t
			f.Config.Custom = map[string]any{"cellOptions": map[string]any{"type": "color-text"}}
		}
	}
	return frames
}

// slaInput is what a model's status is decided from; nil means no data. Latencies in seconds.
type slaInput struct {
	outputTPS, waiting, kvCache, ttftP95, itlP95 *float64
	ttftBuckets                                  []bucket
	window                                       string
}

// verdict is a model's status with the TTFT evidence the status table shows.
type verdict struct {
	status, reason string
	ttftP95        *float64 // seconds; the highest finite edge when the p95 lies beyond it
	ttftShare      *float64 // share of requests ≤ the acceptable TTFT, when the data has that edge
	ttftMethod     string   // how "TTFT p95 ≤ acceptable" was decided; "" without TTFT data
}

type check struct {
	lvl  level
	text string
}

// judge grades TTFT, ITL, queue depth and KV-cache usage against the SLA; the reason names the
// metrics that set the status. A model without output tokens and without a queue is Idle.
func judge(in slaInput, sla analysis.SLA) verdict {
	v := verdict{ttftP95: in.ttftP95}
	if in.outputTPS != nil && *in.outputTPS == 0 && (in.waiting == nil || *in.waiting == 0) {
		v.status, v.reason = statusIdle, "no output tokens in the last "+in.window
		return v
	}
	var checks []check
	if c, ok := v.judgeTTFT(in, sla); ok {
		checks = append(checks, c)
	}
	if in.itlP95 != nil {
		ms := *in.itlP95 * 1000
		lvl := grade(ms, [3]float64{sla.ITLExcellentMs, sla.ITLAcceptableMs, sla.ITLBreakingMs})
		checks = append(checks, check{lvl, "ITL p95 " + fmtNum(ms) + " ms (" + relation(lvl, [3]float64{sla.ITLExcellentMs, sla.ITLAcceptableMs, sla.ITLBreakingMs}, " ms") + ")"})
	}
	if in.waiting != nil {
		lvl := grade(*in.waiting, queueGrades)
		checks = append(checks, check{lvl, "requests waiting " + fmtNum(*in.waiting) + queueRelations[lvl]})
	}
	if in.kvCache != nil {
		lvl := grade(*in.kvCache, kvCacheGrades)
		pct := [3]float64{kvCacheGrades[0] * 100, kvCacheGrades[1] * 100, kvCacheGrades[2] * 100}
		checks = append(checks, check{lvl, "KV cache usage " + fmtNum(*in.kvCache*100) + " % (" + relation(lvl, pct, " %") + ")"})
	}
	if len(checks) == 0 {
		v.status, v.reason = statusUnknown, "no TTFT, ITL, queue or KV cache data in the last "+in.window
		return v
	}
	worst := levelExcellent
	for _, c := range checks {
		worst = max(worst, c.lvl)
	}
	var reasons []string
	for _, c := range checks {
		if c.lvl == worst {
			reasons = append(reasons, c.text)
		}
	}
	v.status, v.reason = levelNames[worst], strings.Join(reasons, "; ")
	return v
}

// judgeTTFT decides, for each TTFT threshold, whether the p95 is within it: from the exact share
// of requests in the bucket whose edge equals the threshold when the histogram has that edge,
// else from the interpolated p95.
func (v *verdict) judgeTTFT(in slaInput, sla analysis.SLA) (check, bool) {
	h := newHistogram(in.ttftBuckets)
	if h.total <= 0 && in.ttftP95 == nil {
		return check{}, false
	}
	beyondTop := false
	if top, ok := h.top(); ok && top.rate/h.total < p95Share {
		// histogram_quantile answers the highest finite edge for a p95 in the +Inf bucket.
		beyondTop = true
		v.ttftP95 = &top.upper
	}
	thresholds := [3]float64{sla.TTFTExcellentMs / 1000, sla.TTFTAcceptableMs / 1000, sla.TTFTBreakingMs / 1000}
	v.ttftMethod = methodInterpolated
	if b, ok := h.edge(thresholds[1]); ok {
		share := b.rate / h.total
		v.ttftShare, v.ttftMethod = &share, methodSharePrefix+b.le
	}
	var evidence []string
	lvl := levelBreaking
	for i, thr := range thresholds {
		within, text, ok := h.within(thr, v.ttftP95, beyondTop)
		if !ok {
			return check{}, false
		}
		if len(evidence) == 0 || evidence[len(evidence)-1] != text {
			evidence = append(evidence, text)
		}
		if within {
			lvl = level(i)
			break
		}
	}
	return check{lvl, "TTFT p95 " + relation(lvl, thresholds, " s") + " (" + strings.Join(evidence, "; ") + ")"}, true
}

// histogram holds cumulative bucket rates: finite edges ascending and the +Inf total.
type histogram struct {
	edges []bucket
	total float64
}

func newHistogram(buckets []bucket) histogram {
	var h histogram
	for _, b := range buckets {
		if math.IsInf(b.upper, 1) {
			h.total = b.rate
		} else {
			h.edges = append(h.edges, b)
		}
	}
	sort.Slice(h.edges, func(i, j int) bool { return h.edges[i].upper < h.edges[j].upper })
	return h
}

func (h histogram) top() (bucket, bool) {
	if h.total <= 0 || len(h.edges) == 0 {
		return bucket{}, false
	}
	return h.edges[len(h.edges)-1], true
}

// edge finds the bucket whose upper bound equals thr (le strings vary: "1", "1.0", "1e+00").
func (h histogram) edge(thr float64) (bucket, bool) {
	if h.total <= 0 {
		return bucket{}, false
	}
	for _, b := range h.edges {
		if math.Abs(b.upper-thr) <= 1e-9*math.Max(1, thr) {
			return b, true
		}
	}
	return bucket{}, false
}

// within says whether the p95 is ≤ thr and why; ok is false when neither a matching edge nor a
// p95 is known.
func (h histogram) within(thr float64, p95 *float64, beyondTop bool) (within bool, evidence string, ok bool) {
	if b, found := h.edge(thr); found {
		share := b.rate / h.total
		return share >= p95Share, fmtNum(share*100) + " % of requests ≤ " + fmtNum(thr) + " s", true
	}
	if p95 == nil {
		return false, "", false
	}
	if beyondTop {
		return false, "p95 ≥ " + fmtNum(*p95) + " s, beyond the highest bucket", true
	}
	return *p95 <= thr, "interpolated p95 " + fmtNum(*p95) + " s", true
}

// grade places v against (excellent, acceptable, breaking) bounds, each inclusive.
func grade(v float64, bounds [3]float64) level {
	for i, b := range bounds {
		if v <= b {
			return level(i)
		}
	}
	return levelBreaking
}

func relation(lvl level, bounds [3]float64, unit string) string {
	switch lvl {
	case levelExcellent:
		return "≤ " + fmtNum(bounds[0]) + unit
	case levelAcceptable:
		return "in (" + fmtNum(bounds[0]) + unit + ", " + fmtNum(bounds[1]) + unit + "]"
	case levelDegraded:
		return "in (" + fmtNum(bounds[1]) + unit + ", " + fmtNum(bounds[2]) + unit + "]"
	}
	return "> " + fmtNum(bounds[2]) + unit
}

// fmtNum writes v with three significant digits, without an exponent or trailing zeros.
func fmtNum(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits <= 0 {
		unit := math.Pow(10, float64(-digits))
		return strconv.FormatFloat(math.Round(v/unit)*unit, 'f', 0, 64)
	}
	return strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', digits, 64), "0"), ".")
}
