package live

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/model"
)

// modelKey identifies a deployment: the same model_name in two namespaces is two experiments.
type modelKey struct {
	Namespace string
	Model     string
}

func keyOf(m model.Metric) modelKey {
	return modelKey{Namespace: string(m["namespace"]), Model: string(m["model_name"])}
}

func sortKeys(keys []modelKey) {
	sort.Slice(keys, func(i, j int) bool { return lessKey(keys[i], keys[j]) })
}

// promSeries is one result series, instant (one point) or range.
type promSeries struct {
	labels model.Metric
	points []model.SamplePair
}

// seriesOf flattens an instant vector or a range matrix.
func seriesOf(v model.Value) ([]promSeries, error) {
	switch r := v.(type) {
	case nil:
		return nil, nil
	case model.Vector:
		out := make([]promSeries, len(r))
		for i, s := range r {
			out[i] = promSeries{labels: s.Metric, points: []model.SamplePair{{Timestamp: s.Timestamp, Value: s.Value}}}
		}
		return out, nil
	case model.Matrix:
		out := make([]promSeries, len(r))
		for i, s := range r {
			out[i] = promSeries{labels: s.Metric, points: s.Values}
		}
		return out, nil
	default:
		return nil, &UpstreamError{Msg: "Prometheus answered a " + v.Type().String() + " where a vector or matrix was expected"}
	}
}

// finite returns a pointer to v, or nil for NaN/±Inf (no data, an empty histogram, …), so that
// frames hold nulls instead of values Grafana cannot draw.
func finite(v float64) *float64 {
	if !isFinite(v) {
		return nil
	}
	return &v
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// nullable is finite for a column, with one allocation for all values.
func nullable(vals []float64) []*float64 {
	backing := make([]float64, len(vals))
	out := make([]*float64, len(vals))
	for i, v := range vals {
		if isFinite(v) {
			backing[i] = v
			out[i] = &backing[i]
		}
	}
	return out
}

func scaled(v *float64, factor float64) *float64 {
	if v == nil {
		return nil
	}
	return finite(*v * factor)
}

// bucket is one cumulative histogram bucket rate.
type bucket struct {
	le    string
	upper float64
	rate  float64
}

func parseBucket(labels model.Metric, rate float64) (bucket, bool) {
	le := string(labels[model.BucketLabel])
	upper, err := strconv.ParseFloat(le, 64)
	if err != nil {
		return bucket{}, false
	}
	return bucket{le: le, upper: upper, rate: rate}, true
}

func warningNotices(warnings, infos []string) []data.Notice {
	var out []data.Notice
	for _, w := range warnings {
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning, Text: "Prometheus: " + w})
	}
	for _, i := range infos {
		out = append(out, data.Notice{Severity: data.NoticeSeverityInfo, Text: "Prometheus: " + i})
	}
	return out
}

func timeOf(ts model.Time) time.Time { return ts.Time().UTC() }

// branchSeries splits the answer of a combined query by branch and model.
type branchSeries struct {
	byBranch map[string]map[modelKey]promSeries
	buckets  map[modelKey][]bucket // TTFT bucket rates (instant queries)
	keys     []modelKey            // every model any branch answered for, sorted
}

func (s *Service) splitBranches(series []promSeries, notes *noticeSet) branchSeries {
	b := branchSeries{byBranch: map[string]map[modelKey]promSeries{}, buckets: map[modelKey][]bucket{}}
	var gpuCounts []promSeries
	seen := map[modelKey]bool{}
	for _, ps := range series {
		k := keyOf(ps.labels)
		if !seen[k] {
			seen[k] = true
			b.keys = append(b.keys, k)
		}
		switch branch := string(ps.labels[seriesLabel]); branch {
		case branchGPUs:
			gpuCounts = append(gpuCounts, ps)
		case branchTTFTBuckets:
			if len(ps.points) == 0 {
				continue
			}
			if bk, ok := parseBucket(ps.labels, float64(ps.points[len(ps.points)-1].Value)); ok {
				b.buckets[k] = append(b.buckets[k], bk)
			}
		default:
			b.add(branch, k, ps)
		}
	}
	for _, ps := range s.resolveGPUCounts(gpuCounts, notes) {
		b.add(branchGPUs, keyOf(ps.labels), ps)
	}
	sortKeys(b.keys)
	return b
}

func (b branchSeries) add(branch string, k modelKey, ps promSeries) {
	if b.byBranch[branch] == nil {
		b.byBranch[branch] = map[modelKey]promSeries{}
	}
	b.byBranch[branch][k] = ps
}

// latest is the latest value of a branch for a model; NaN when absent.
func (b branchSeries) latest(branch string, k modelKey) float64 {
	ps, ok := b.byBranch[branch][k]
	if !ok || len(ps.points) == 0 {
		return math.NaN()
	}
	return float64(ps.points[len(ps.points)-1].Value)
}

// value is latest as a pointer; nil when absent or not finite.
func (b branchSeries) value(branch string, k modelKey) *float64 { return finite(b.latest(branch, k)) }
