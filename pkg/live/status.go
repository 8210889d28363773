package live

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

// Status answers the `status` query type: one row per model with its SLA status at the end of
// the range, the reason, and the TTFT evidence. Always instant; one Prometheus request.
func (s *Service) Status(ctx context.Context, q Query, tr TimeRange) (data.Frames, error) {
	q.Instant = true
	sc, ev, err := s.prepare(q, tr)
	if err != nil {
		return nil, err
	}
	promql := combined(sc, statusBranches)
	series, notices, err := s.run(ctx, promql, ev)
	if err != nil {
		return nil, err
	}
	var notes noticeSet
	b := s.splitBranches(series, &notes)
	res := statusResult{promql: promql, notices: notices}
	for _, k := range b.keys {
		in := slaInput{
			outputTPS: b.value(branchOutputTPS, k), waiting: b.value(branchWaiting, k), kvCache: b.value(branchKVCache, k),
			ttftP95: b.value(branchTTFTP95, k), itlP95: b.value(branchITLP95, k), ttftBuckets: b.buckets[k], window: sc.window,
		}
		res.rows = append(res.rows, statusRow{key: k, in: in, verdict: judge(in, s.opt.Analysis.SLA)})
	}
	res.notices = append(res.notices, notes.notices()...)
	if len(b.keys) == 0 {
		res.notices = append(res.notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: "no vLLM data (" + sc.String() + ")"})
	}
	return analysis.ApplySLA(res.Frames(), s.opt.Analysis.SLA), nil
}

type statusRow struct {
	key     modelKey
	in      slaInput
	verdict verdict
}

type statusResult struct {
	promql  string
	rows    []statusRow
	notices []data.Notice
}

// Frames renders the status table as one numeric-long frame.
func (r statusResult) Frames() data.Frames {
	n := len(r.rows)
	model, namespace, status, reason, method := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ttft, share, itl, waiting, kv := make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n), make([]*float64, n)
	for i, row := range r.rows {
		model[i], namespace[i] = row.key.Model, row.key.Namespace
		status[i], reason[i], method[i] = row.verdict.status, row.verdict.reason, row.verdict.ttftMethod
		ttft[i], share[i] = scaled(row.verdict.ttftP95, 1000), row.verdict.ttftShare
		itl[i], waiting[i], kv[i] = scaled(row.in.itlP95, 1000), row.in.waiting, row.in.kvCache
	}
	withUnit := func(f *data.Field, unit string) *data.Field {
		f.Config = &data.FieldConfig{Unit: unit}
		return f
	}
	frame := data.NewFrame("status",
		data.NewField("model", nil, model),
		data.NewField("namespace", nil, namespace),
		data.NewField("status", nil, status),
		data.NewField("reason", nil, reason),
		withUnit(data.NewField("ttft_p95_ms", nil, ttft), "ms"),
		withUnit(data.NewField("ttft_under_threshold_ratio", nil, share), "percentunit"),
		data.NewField("ttft_method", nil, method),
		withUnit(data.NewField("itl_p95_ms", nil, itl), "ms"),
		withUnit(data.NewField("requests_waiting", nil, waiting), "short"),
		withUnit(data.NewField("kv_cache_usage", nil, kv), "percentunit"),
	)
	frame.Meta = &data.FrameMeta{Type: data.FrameTypeNumericLong, TypeVersion: frameTypeVersion, ExecutedQueryString: r.promql, Notices: r.notices}
	return applyLoadGrades(data.Frames{frame})
}
