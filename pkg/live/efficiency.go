package live

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/model"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

// Efficiency answers the `efficiency` query type: per model output tokens/s, GPUs, tokens/s per
// GPU, power, tokens per joule, cost per million output tokens, KV usage, queue, TTFT/ITL p95
// and (table form) the SLA status. One Prometheus request for all models.
func (s *Service) Efficiency(ctx context.Context, q Query, tr TimeRange) (data.Frames, error) {
	sc, ev, err := s.prepare(q, tr)
	if err != nil {
		return nil, err
	}
	branches := efficiencyRangeBranches
	if ev.instant {
		branches = efficiencyTableBranches
	}
	promql := combined(sc, branches)
	series, notices, err := s.run(ctx, promql, ev)
	if err != nil {
		return nil, err
	}
	var notes noticeSet
	b := s.splitBranches(series, &notes)
	res := efficiencyResult{instant: ev.instant, promql: promql}
	if ev.instant {
		for _, k := range b.keys {
			in := efficiencyInputs{
				outputTPS: b.latest(branchOutputTPS, k), gpus: b.latest(branchGPUs, k), power: b.latest(branchPower, k),
				kvCache: b.latest(branchKVCache, k), waiting: b.latest(branchWaiting, k),
				ttftP95: b.latest(branchTTFTP95, k), itlP95: b.latest(branchITLP95, k),
			}
			row := s.efficiencyRow(k, in, &notes)
			if math.IsNaN(in.outputTPS) {
				s.noteNoOutputRate(k, &notes)
			}
			v := judge(slaInput{outputTPS: finite(in.outputTPS), waiting: finite(in.waiting), kvCache: finite(in.kvCache),
				ttftP95: finite(in.ttftP95), itlP95: finite(in.itlP95), ttftBuckets: b.buckets[k], window: sc.window}, s.opt.Analysis.SLA)
			row.status, row.reason = v.status, v.reason
			res.rows = append(res.rows, row)
		}
	} else {
		for _, k := range b.keys {
			res.series = append(res.series, s.efficiencySeries(k, b, &notes))
		}
	}
	res.notices = append(notices, notes.notices()...)
	if len(b.keys) == 0 {
		res.notices = append(res.notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: "no vLLM data (" + sc.String() + ")"})
	}
	return analysis.ApplySLA(res.Frames(), s.opt.Analysis.SLA), nil
}

// Columns of the efficiency answer, in order; efficiencyRow.values is indexed by them.
const (
	colOutputTPS = iota
	colGPUs
	colTPSPerGPU
	colPower
	colTokensPerJoule
	colCostPerMTok
	colKVCache
	colWaiting
	colTTFTP95Ms
	colITLP95Ms
	numColumns
)

var efficiencyColumns = [numColumns]struct{ name, title, unit string }{
	{"output_tps", "Output tokens/s", "tok/s"},
	{"gpus", "GPUs", "short"},
	{"output_tps_per_gpu", "Output tokens/s per GPU", "tok/s"},
	{"gpu_power_watts", "GPU power", "watt"},
	{"tokens_per_joule", "Output tokens per joule", "tok/J"},
	{"cost_per_mtok_usd", "Cost per million output tokens", "currencyUSD"},
	{"kv_cache_usage", "KV cache usage", "percentunit"},
	{"requests_waiting", "Requests waiting", "short"},
	{"ttft_p95_ms", "TTFT p95", "ms"},
	{"itl_p95_ms", "ITL p95", "ms"},
}

// efficiencyRow is one model at one time; NaN marks an empty value.
type efficiencyRow struct {
	key            modelKey
	values         [numColumns]float64
	status, reason string
}

// efficiencyInputs are the branch values of one model at one time; NaN = absent. Latencies in s.
type efficiencyInputs struct {
	outputTPS, gpus, power, kvCache, waiting, ttftP95, itlP95 float64
}

// noteNoOutputRate warns that a model has no output-token rate: for a table at the instant, for
// series over the whole range (one missing step, e.g. before a second scrape, is no reason).
func (s *Service) noteNoOutputRate(k modelKey, notes *noticeSet) {
	notes.add(data.NoticeSeverityWarning, "no output-token rate ("+s.opt.MetricPrefix+"generation_tokens_total): the output-token columns are empty", k)
}

// efficiencyRow derives the ratios from the inputs of one model at one time. Idle models
// (0 output tokens/s) get empty ratios, never Inf or NaN in the frames. A missing output rate
// leaves the ratios empty; the caller decides whether that deserves a warning.
func (s *Service) efficiencyRow(k modelKey, in efficiencyInputs, notes *noticeSet) efficiencyRow {
	r := efficiencyRow{key: k}
	v := &r.values
	v[colOutputTPS], v[colGPUs], v[colPower] = in.outputTPS, in.gpus, in.power
	v[colKVCache], v[colWaiting] = in.kvCache, in.waiting
	v[colTTFTP95Ms], v[colITLP95Ms] = in.ttftP95*1000, in.itlP95*1000
	v[colTPSPerGPU], v[colTokensPerJoule], v[colCostPerMTok] = math.NaN(), math.NaN(), math.NaN()
	tps, gpus, power := v[colOutputTPS], v[colGPUs], v[colPower]
	switch {
	case math.IsNaN(tps):
		return r
	case tps <= 0:
		notes.add(data.NoticeSeverityInfo, "no output tokens (idle): per-GPU, per-joule and cost values are empty while idle", k)
		return r
	}
	if gpus > 0 {
		v[colTPSPerGPU] = tps / gpus
	}
	if power > 0 {
		v[colTokensPerJoule] = tps / power
	} else {
		notes.add(data.NoticeSeverityInfo, "no DCGM power attributed to the model's pods: tokens_per_joule is empty", k)
	}
	if price, ok := s.gpuPrice(k, notes); ok && gpus > 0 {
		// USD per GPU-hour × GPUs ÷ tokens per hour, per million tokens.
		v[colCostPerMTok] = price * gpus / (tps * 3600) * 1e6
	}
	return r
}

// gpuPrice is the USD per GPU-hour of the model's GPU type, from the deployments catalog and
// gpuPrices; a note says what is missing otherwise.
func (s *Service) gpuPrice(k modelKey, notes *noticeSet) (float64, bool) {
	dep, ok := s.catalog[k.Model]
	if !ok {
		notes.add(data.NoticeSeverityWarning, "cost_per_mtok_usd is empty: the model is not in jsonData.deployments (add it with its gpuType, and the price in jsonData.gpuPrices)", k)
		return 0, false
	}
	price, ok := s.opt.Analysis.GPUPrices[dep.GPUType]
	if !ok {
		notes.add(data.NoticeSeverityWarning, "cost_per_mtok_usd is empty: jsonData.gpuPrices has no price for gpuType \""+dep.GPUType+"\" of the deployment", k)
	}
	return price, ok
}

// efficiencySeries computes one model's columns at every timestamp any branch has. Branches
// come from one range query, so they share the step grid; values are aligned on it.
func (s *Service) efficiencySeries(k modelKey, b branchSeries, notes *noticeSet) efficiencyModelSeries {
	var stamps []model.Time
	for _, branch := range efficiencyRangeBranches {
		for _, p := range b.byBranch[branch][k].points {
			stamps = append(stamps, p.Timestamp)
		}
	}
	slices.Sort(stamps)
	stamps = slices.Compact(stamps)
	index := make(map[model.Time]int, len(stamps))
	for i, ts := range stamps {
		index[ts] = i
	}
	aligned := func(branch string) []float64 {
		vals := make([]float64, len(stamps))
		for i := range vals {
			vals[i] = math.NaN()
		}
		for _, p := range b.byBranch[branch][k].points {
			vals[index[p.Timestamp]] = float64(p.Value)
		}
		return vals
	}
	tps, gpus, power := aligned(branchOutputTPS), aligned(branchGPUs), aligned(branchPower)
	kv, waiting, ttft, itl := aligned(branchKVCache), aligned(branchWaiting), aligned(branchTTFTP95), aligned(branchITLP95)
	out := efficiencyModelSeries{key: k, times: make([]time.Time, len(stamps)), rows: make([]efficiencyRow, len(stamps))}
	if !slices.ContainsFunc(tps, isFinite) {
		s.noteNoOutputRate(k, notes)
	}
	for i, ts := range stamps {
		out.times[i] = timeOf(ts)
		in := efficiencyInputs{outputTPS: tps[i], gpus: gpus[i], power: power[i], kvCache: kv[i], waiting: waiting[i], ttftP95: ttft[i], itlP95: itl[i]}
		out.rows[i] = s.efficiencyRow(k, in, notes)
	}
	return out
}

type efficiencyModelSeries struct {
	key   modelKey
	times []time.Time
	rows  []efficiencyRow
}

// efficiencyResult is the answer to an `efficiency` query: table rows or per-model series.
type efficiencyResult struct {
	instant bool
	promql  string
	rows    []efficiencyRow
	series  []efficiencyModelSeries
	notices []data.Notice
}

// Frames renders a numeric-long table (one row per model) for instant queries, else
// timeseries-multi frames, one per column and model. The SLA status is a string and exists
// only in the table: dataplane time series carry numbers.
func (r efficiencyResult) Frames() data.Frames {
	meta := func(t data.FrameType) *data.FrameMeta { return &data.FrameMeta{Type: t, TypeVersion: frameTypeVersion} }
	if r.instant {
		frame := data.NewFrame("efficiency",
			data.NewField("model", nil, make([]string, len(r.rows))),
			data.NewField("namespace", nil, make([]string, len(r.rows))))
		for i, row := range r.rows {
			frame.Fields[0].Set(i, row.key.Model)
			frame.Fields[1].Set(i, row.key.Namespace)
		}
		column := make([]float64, len(r.rows))
		for c, col := range efficiencyColumns {
			for i := range r.rows {
				column[i] = r.rows[i].values[c]
			}
			f := data.NewField(col.name, nil, nullable(column))
			f.Config = &data.FieldConfig{Unit: col.unit}
			frame.Fields = append(frame.Fields, f)
		}
		status := make([]string, len(r.rows))
		reason := make([]string, len(r.rows))
		for i, row := range r.rows {
			status[i], reason[i] = row.status, row.reason
		}
		frame.Fields = append(frame.Fields, data.NewField("sla_status", nil, status), data.NewField("sla_reason", nil, reason))
		frame.Meta = meta(data.FrameTypeNumericLong)
		frame.Meta.ExecutedQueryString, frame.Meta.Notices = r.promql, r.notices
		return applyLoadGrades(data.Frames{frame})
	}
	var frames data.Frames
	for c, col := range efficiencyColumns {
		for _, ms := range r.series {
			column := make([]float64, len(ms.rows))
			empty := true
			for i := range ms.rows {
				column[i] = ms.rows[i].values[c]
				empty = empty && !isFinite(column[i])
			}
			if empty {
				continue // the notices say why (idle, no power, no price)
			}
			value := data.NewField(col.name, seriesLabels(ms.key), nullable(column))
			value.Config = &data.FieldConfig{Unit: col.unit, DisplayNameFromDS: legendFor("", ms.key) + " " + col.title}
			frame := data.NewFrame(col.name, data.NewField("Time", nil, ms.times), value)
			frame.Meta = meta(data.FrameTypeTimeSeriesMulti)
			frames = append(frames, frame)
		}
	}
	if len(frames) == 0 {
		frames = data.Frames{data.NewFrame("efficiency")}
		frames[0].Meta = meta(data.FrameTypeTimeSeriesMulti)
	}
	frames[0].Meta.ExecutedQueryString, frames[0].Meta.Notices = r.promql, r.notices
	return applyLoadGrades(frames)
}
