// Package live reads live vLLM and DCGM metrics from Prometheus or a Thanos Querier and turns
// them into per-model time series, an efficiency table (tokens per GPU, per joule, cost per
// million tokens) and an SLA status table. Every query type costs one Prometheus request for all
// models: series are grouped by (namespace, model_name), and the efficiency and status queries
// combine their expressions into one PromQL union whose branches carry a label.
package live

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/model"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Options configure a Service from the data-source settings.
type Options struct {
	MetricPrefix     string          // "vllm:" (default) or "kserve_vllm:"
	DefaultNamespace string          // namespace filter when a query names none; "" = all
	ScrapeInterval   time.Duration   // rate windows are at least 4 × this (default 30 s)
	Analysis         analysis.Config // deployments catalog (GPU count fallback, GPU type), gpuPrices, SLA
}

// Query is one panel query of type metrics, efficiency or status.
type Query struct {
	Metric       string   // metrics only: one of the fixed metric names
	Namespace    string   // overrides Options.DefaultNamespace
	LegendFormat string   // metrics only: e.g. "{{model_name}} in {{namespace}}"
	Models       []string // model_name values; empty = all
	Instant      bool     // one value per model (efficiency: a table) instead of time series
}

// TimeRange is the panel's range, interval and maximum number of points.
type TimeRange struct {
	From, To      time.Time
	Interval      time.Duration
	MaxDataPoints int64
}

// HealthCheck is one line of the data source's health report.
type HealthCheck struct {
	Name    string
	OK      bool
	Message string
}

// Service answers live-metric queries. It is safe for concurrent use.
type Service struct {
	api     API
	opt     Options
	catalog map[string]analysis.Deployment // by model name
	now     func() time.Time
}

const (
	defaultScrapeInterval = 30 * time.Second
	defaultMetricPrefix   = "vllm:"
)

// NewService builds a Service over api (see NewAPI).
func NewService(api API, opt Options) *Service {
	if opt.MetricPrefix == "" {
		opt.MetricPrefix = defaultMetricPrefix
	}
	if opt.ScrapeInterval <= 0 {
		opt.ScrapeInterval = defaultScrapeInterval
	}
	if opt.Analysis.SLA == (analysis.SLA{}) {
		opt.Analysis.SLA = analysis.DefaultSLA()
	}
	catalog := make(map[string]analysis.Deployment, len(opt.Analysis.Deployments))
	for _, d := range opt.Analysis.Deployments {
		catalog[d.Model] = d
	}
	return &Service{api: api, opt: opt, catalog: catalog, now: time.Now}
}

// Metrics answers the `metrics` query type: one series per model, from one Prometheus request.
func (s *Service) Metrics(ctx context.Context, q Query, tr TimeRange) (data.Frames, error) {
	def, ok := metricDefs[q.Metric]
	if !ok {
		return nil, unknownMetricError(q.Metric)
	}
	sc, ev, err := s.prepare(q, tr)
	if err != nil {
		return nil, err
	}
	promql := def.expr(sc)
	series, notices, err := s.run(ctx, promql, ev)
	if err != nil {
		return nil, err
	}
	res := metricResult{name: q.Metric, def: def, instant: ev.instant, promql: promql, legend: q.LegendFormat, notices: notices}
	if q.Metric == "gpus" {
		var gpuNotes noticeSet
		series = s.resolveGPUCounts(series, &gpuNotes)
		res.notices = append(res.notices, gpuNotes.notices()...)
	}
	for _, ps := range series {
		res.series = append(res.series, newMetricSeries(ps))
	}
	if len(res.series) == 0 {
		res.notices = append(res.notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: "no " + q.Metric + " data (" + sc.String() + ")"})
	}
	return res.Frames(), nil
}

// Models lists the model names that had vLLM series in the last hour, for pickers.
func (s *Service) Models(ctx context.Context, namespace string) ([]string, error) {
	return s.seen(ctx, namespace, "model_name")
}

// Namespaces lists the namespaces that had vLLM series in the last hour (for pickers and variables).
func (s *Service) Namespaces(ctx context.Context) ([]string, error) {
	return s.seen(ctx, "", "namespace")
}

// seen lists the values of label on the vLLM series of the last hour, in one instant query.
func (s *Service) seen(ctx context.Context, namespace, label string) ([]string, error) {
	sc, err := s.scope(Query{Namespace: namespace})
	if err != nil {
		return nil, err
	}
	promql := "group by (" + label + ") (last_over_time(" + sc.vllm(metricRunning) + "[1h]))"
	series, _, err := s.run(ctx, promql, evaluation{instant: true, at: s.now()})
	if err != nil {
		return nil, err
	}
	values := make([]string, 0, len(series))
	for _, ps := range series {
		values = append(values, string(ps.labels[model.LabelName(label)]))
	}
	sort.Strings(values)
	return values, nil
}

// prepare validates the query and derives its scope and evaluation.
func (s *Service) prepare(q Query, tr TimeRange) (scope, evaluation, error) {
	sc, err := s.scope(q)
	if err != nil {
		return scope{}, evaluation{}, err
	}
	ev, err := evaluate(tr, q.Instant, s.opt.ScrapeInterval)
	if err != nil {
		return scope{}, evaluation{}, err
	}
	sc.window = ev.windowString()
	return sc, ev, nil
}

func (s *Service) scope(q Query) (scope, error) {
	ns := strings.TrimSpace(q.Namespace)
	if ns == "" {
		ns = s.opt.DefaultNamespace
	}
	if ns != "" && len(validation.IsDNS1123Label(ns)) > 0 {
		return scope{}, inputErrorf("namespace %q is not a Kubernetes namespace name (lowercase letters, digits and '-', at most 63)", ns)
	}
	seen := map[string]bool{}
	var models []string
	for _, m := range q.Models {
		m = strings.TrimSpace(m)
		if m != "" && !seen[m] {
			seen[m] = true
			models = append(models, m)
		}
	}
	sort.Strings(models)
	return scope{prefix: s.opt.MetricPrefix, namespace: ns, models: models}, nil
}

// run sends one query; Prometheus/Thanos warnings and infos become notices.
func (s *Service) run(ctx context.Context, promql string, ev evaluation) ([]promSeries, []data.Notice, error) {
	var (
		v        model.Value
		warnings []string
		infos    []string
		err      error
	)
	if ev.instant {
		v, warnings, infos, err = s.api.Query(ctx, promql, ev.at)
	} else {
		v, warnings, infos, err = s.api.QueryRange(ctx, promql, ev.rng)
	}
	if err != nil {
		return nil, nil, asUpstream(err)
	}
	series, err := seriesOf(v)
	if err != nil {
		return nil, nil, err
	}
	return series, warningNotices(warnings, infos), nil
}

// asUpstream keeps the package's errors as they are and wraps errors of other API
// implementations.
func asUpstream(err error) error {
	if IsDownstream(err) {
		return err
	}
	return &UpstreamError{Msg: "the Prometheus query failed: " + err.Error(), Err: err}
}

// resolveGPUCounts merges each model's GPU-count series (the source may change within a range)
// and fills catalog markers with the catalog's GPU count; notes say which source was used.
func (s *Service) resolveGPUCounts(series []promSeries, notes *noticeSet) []promSeries {
	merged := map[modelKey]*promSeries{}
	var keys []modelKey
	for _, ps := range series {
		key := keyOf(ps.labels)
		points := ps.points
		switch string(ps.labels[gpuSourceLabel]) {
		case gpuSourceDCGM:
			notes.add(data.NoticeSeverityInfo, "GPU count from DCGM (GPUs attributed to the model's pods)", key)
		case gpuSourceKSM:
			notes.add(data.NoticeSeverityInfo, "GPU count from kube-state-metrics GPU requests (no DCGM series attributed to the pods)", key)
		case gpuSourceCatalog:
			dep, ok := s.catalog[key.Model]
			if !ok || dep.GPUs < 1 {
				notes.add(data.NoticeSeverityWarning, "no GPU count: no DCGM or kube-state-metrics series for the pods, and the model is not in jsonData.deployments", key)
				continue
			}
			notes.add(data.NoticeSeverityInfo, "GPU count from the deployments catalog (no DCGM or kube-state-metrics series for the pods)", key)
			points = make([]model.SamplePair, len(ps.points))
			for i, p := range ps.points {
				points[i] = model.SamplePair{Timestamp: p.Timestamp, Value: model.SampleValue(dep.GPUs)}
			}
		}
		m, ok := merged[key]
		if !ok {
			m = &promSeries{labels: model.Metric{"namespace": model.LabelValue(key.Namespace), "model_name": model.LabelValue(key.Model)}}
			merged[key] = m
			keys = append(keys, key)
		}
		m.points = append(m.points, points...)
	}
	sortKeys(keys)
	out := make([]promSeries, len(keys))
	for i, k := range keys {
		m := merged[k]
		sort.Slice(m.points, func(a, b int) bool { return m.points[a].Timestamp < m.points[b].Timestamp })
		out[i] = *m
	}
	return out
}
