package live

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// metricResult is the answer to a `metrics` query: one series per model.
type metricResult struct {
	name    string
	def     metricDef
	instant bool
	promql  string
	legend  string
	series  []metricSeries
	notices []data.Notice
}

type metricSeries struct {
	key    modelKey
	times  []time.Time
	values []float64 // NaN = no value
}

func newMetricSeries(ps promSeries) metricSeries {
	ms := metricSeries{key: keyOf(ps.labels), times: make([]time.Time, len(ps.points)), values: make([]float64, len(ps.points))}
	for i, p := range ps.points {
		ms.times[i] = timeOf(p.Timestamp)
		ms.values[i] = float64(p.Value)
	}
	return ms
}

var frameTypeVersion = data.FrameTypeVersion{0, 1}

// Frames renders dataplane frames: timeseries-multi for ranges, numeric-multi for instants, one
// frame per model with model_name and namespace as labels of the value field. Without series it
// is one empty frame of the type, which dataplane reads as "no data".
func (r metricResult) Frames() data.Frames {
	frameType := data.FrameTypeTimeSeriesMulti
	if r.instant {
		frameType = data.FrameTypeNumericMulti
	}
	sort.Slice(r.series, func(i, j int) bool { return lessKey(r.series[i].key, r.series[j].key) })
	frames := make(data.Frames, 0, max(1, len(r.series)))
	for _, s := range r.series {
		value := data.NewField(r.name, seriesLabels(s.key), nullable(s.values))
		value.Config = &data.FieldConfig{Unit: r.def.unit, DisplayNameFromDS: legendFor(r.legend, s.key)}
		frame := data.NewFrame(r.name)
		if !r.instant {
			frame.Fields = append(frame.Fields, data.NewField("Time", nil, s.times))
		}
		frame.Fields = append(frame.Fields, value)
		frame.Meta = &data.FrameMeta{Type: frameType, TypeVersion: frameTypeVersion}
		frames = append(frames, frame)
	}
	if len(frames) == 0 {
		frames = append(frames, data.NewFrame(r.name))
		frames[0].Meta = &data.FrameMeta{Type: frameType, TypeVersion: frameTypeVersion}
	}
	// The query and the notices concern the whole response: the first frame carries them once.
	frames[0].Meta.ExecutedQueryString, frames[0].Meta.Notices = r.promql, r.notices
	return applyLoadGrades(frames)
}

func seriesLabels(k modelKey) data.Labels {
	return data.Labels{"model_name": k.Model, "namespace": k.Namespace}
}

func lessKey(a, b modelKey) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Model < b.Model
}

var legendPattern = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// legendFor expands {{model_name}} and {{namespace}} in a legend format; without one the legend
// is "model (namespace)".
func legendFor(format string, k modelKey) string {
	if format == "" {
		if k.Namespace == "" {
			return k.Model
		}
		return k.Model + " (" + k.Namespace + ")"
	}
	return legendPattern.ReplaceAllStringFunc(format, func(m string) string {
		switch strings.TrimSpace(m[2 : len(m)-2]) {
		case "model_name", "model":
			return k.Model
		case "namespace":
			return k.Namespace
		}
		return ""
	})
}

// noticeSet collects per-model notes and renders one notice per note, listing the models.
type noticeSet struct {
	severity map[string]data.NoticeSeverity
	models   map[string]map[modelKey]bool
}

func (n *noticeSet) add(sev data.NoticeSeverity, text string, k modelKey) {
	if n.models == nil {
		n.severity, n.models = map[string]data.NoticeSeverity{}, map[string]map[modelKey]bool{}
	}
	if n.models[text] == nil {
		n.models[text] = map[modelKey]bool{}
		n.severity[text] = sev
	}
	n.models[text][k] = true
}

// notices lists warnings first, then by text; the models of a note sorted.
func (n *noticeSet) notices() []data.Notice {
	texts := make([]string, 0, len(n.models))
	for t := range n.models {
		texts = append(texts, t)
	}
	sort.Slice(texts, func(i, j int) bool {
		if n.severity[texts[i]] != n.severity[texts[j]] {
			return n.severity[texts[i]] > n.severity[texts[j]]
		}
		return texts[i] < texts[j]
	})
	out := make([]data.Notice, 0, len(texts))
	for _, t := range texts {
		keys := make([]modelKey, 0, len(n.models[t]))
		for k := range n.models[t] {
			keys = append(keys, k)
		}
		sortKeys(keys)
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.Model
			if k.Namespace != "" {
				names[i] += " (" + k.Namespace + ")"
			}
		}
		out = append(out, data.Notice{Severity: n.severity[t], Text: t + ": " + strings.Join(names, ", ")})
	}
	return out
}
