// Package inferenceperf reads kubernetes-sigs/inference-perf lifecycle reports: one
// stage_N_lifecycle_metrics.json per load level (JSON, or the same tree as YAML), plus the run's
// config.yaml, which alone names the model and the load type.
package inferenceperf

import (
	"math"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/internal/wire"
)

// Schema names the layout in Run.Schema.
const Schema guidellm.Schema = "lifecycle-metrics"

// implausibleITLRatio: an ITL median below this share of the TPOT median is the per-chunk-gap defect of
// inference-perf before mid-2026 (#452/#566: medians around 4e-05 s), not a decode speed.
const implausibleITLRatio = 0.25

// Report is one lifecycle report. Only the fields the model needs are declared; per-request data and
// the multimodal blocks are skipped by the decoder.
type Report struct {
	LoadSummary *struct {
		RequestedRate wire.Num `json:"requested_rate"`
		Concurrency   wire.Num `json:"concurrency"`
		AchievedRate  wire.Num `json:"achieved_rate"`
		SendDuration  wire.Num `json:"send_duration"`
	} `json:"load_summary"`
	Successes *struct {
		Count   wire.Num `json:"count"`
		Latency struct {
			TTFT           stats `json:"time_to_first_token"`
			ITL            stats `json:"inter_token_latency"`
			TPOT           stats `json:"time_per_output_token"`
			RequestLatency stats `json:"request_latency"`
		} `json:"latency"`
		Throughput struct {
			RequestsPerSec     wire.Num `json:"requests_per_sec"`
			OutputTokensPerSec wire.Num `json:"output_tokens_per_sec"`
			TotalTokensPerSec  wire.Num `json:"total_tokens_per_sec"`
		} `json:"throughput"`
		PromptLen    *stats `json:"prompt_len"` // before v0.3.0
		PromptTokens *struct {
			Total wire.Num `json:"total"`
		} `json:"prompt_tokens"` // v0.3.0+
		OutputLen stats `json:"output_len"`
	} `json:"successes"`
	Failures *struct {
		Count wire.Num `json:"count"`
	} `json:"failures"`
	BenchmarkTimeSeconds wire.Num `json:"benchmark_time_seconds"` // since #430, April 2026
}

type stats struct {
	Mean   wire.Num `json:"mean"`
	Median wire.Num `json:"median"` // inference-perf writes median, never p50
	P90    wire.Num `json:"p90"`
	P95    wire.Num `json:"p95"`
	P99    wire.Num `json:"p99"`
}

func (s *stats) dist(k float64) guidellm.Distribution {
	return guidellm.Distribution{Mean: s.Mean.Scaled(k), P50: s.Median.Scaled(k), P90: s.P90.Scaled(k), P95: s.P95.Scaled(k), P99: s.P99.Scaled(k)}
}

// Looks reports whether a decoded top level has the lifecycle report's shape.
func (r *Report) Looks() bool { return r.LoadSummary != nil && r.Successes != nil }

// Decode turns one stage report into a one-stage run. A summary report (all stages pooled, no
// requested rate or concurrency) is refused: it is not a load level.
func Decode(source string, r *Report) (*guidellm.Run, error) {
	if !r.Looks() {
		return nil, guidellm.Invalid(source, "not an inference-perf lifecycle report (no load_summary and successes)")
	}
	ls, ok := r.LoadSummary, r.Successes
	if !ls.RequestedRate.Finite() && !ls.Concurrency.Finite() && !ls.AchievedRate.Finite() {
		return nil, guidellm.Invalid(source, "inference-perf summary or Prometheus metrics file, not a load level (the stage_N_lifecycle_metrics files are)")
	}
	st := wire.UnknownStage(0)
	switch {
	case ls.Concurrency.Positive() != nil:
		st.Strategy, st.Streams = "concurrent", ls.Concurrency.Positive()
	default:
		st.Strategy, st.OfferedRate = "constant", ls.RequestedRate.Positive() // the load type comes from config.yaml
	}
	st.AchievedRPS = wire.FirstKnown(ok.Throughput.RequestsPerSec, ls.AchievedRate)
	st.TTFTms = ok.Latency.TTFT.dist(1000)
	st.ITLms = ok.Latency.ITL.dist(1000)
	st.TPOTms = ok.Latency.TPOT.dist(1000)
	st.RequestLatencyS = ok.Latency.RequestLatency.dist(1)
	st.OutputTPS = ok.Throughput.OutputTokensPerSec.F()
	st.TotalTPS = ok.Throughput.TotalTokensPerSec.F()
	if ok.PromptLen != nil {
		st.PromptTokensMean = ok.PromptLen.Mean.F()
	}
	st.OutputTokensMean = ok.OutputLen.Mean.F()
	st.Successful = ok.Count.Count()
	if r.Failures != nil {
		st.Errored = r.Failures.Count.Count()
	}
	st.Total = st.Successful + st.Errored

	run := &guidellm.Run{Source: source, Tool: guidellm.ToolInferencePerf, Schema: Schema, Labels: map[string]string{}, Profile: st.Strategy}
	switch {
	case r.BenchmarkTimeSeconds.Set:
		run.Version = "0.5+ (benchmark_time_seconds)"
	case ok.PromptTokens != nil:
		run.Version = "0.3-0.4 (prompt_tokens)"
	default:
		run.Version = "<0.3 (prompt_len)"
	}
	if note := pickDecodeLatency(&st); note != "" {
		run.Notes = append(run.Notes, note)
	}
	run.Stages = []guidellm.Stage{st}
	return run, nil
}

// pickDecodeLatency keeps ITL for the decode SLA unless it is implausible (the pre-mid-2026 per-chunk
// defect) or absent; then TPOT stands in, and the returned note says so.
func pickDecodeLatency(st *guidellm.Stage) string {
	itl, tpot := st.ITLms.P50, st.TPOTms.P50
	switch {
	case !wire.Known(tpot):
		return ""
	case !wire.Known(itl) || !wire.Known(st.ITLms.P95):
		st.ITLms = st.TPOTms
		return "inference-perf reports no ITL: the decode SLA uses TPOT (time_per_output_token)"
	case itl < implausibleITLRatio*tpot:
		st.ITLms = st.TPOTms
		return "inference-perf ITL is implausible (median below a quarter of TPOT's: the per-chunk defect fixed in mid-2026): the decode SLA uses TPOT"
	}
	return ""
}

// unknown is NaN, for readability where a config value is absent.
var unknown = math.NaN()
