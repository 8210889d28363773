// Package vllmbench reads `vllm bench serve --save-result` JSON (and the older
// benchmarks/benchmark_serving.py files): one object per load level, several per file with
// --append-result (JSONL), and the `vllm bench sweep` folders (run=N.json, plus summary.json: an array).
package vllmbench

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/internal/wire"
)

// Schema names the layout in Run.Schema.
const Schema guidellm.Schema = "save-result"

// Result is one bench-serve result. All latencies are in ms; only the percentiles the user asked for
// (--metric-percentiles, default "99") exist, so p95 is often absent.
type Result struct {
	ModelID           string   `json:"model_id"`
	Backend           string   `json:"backend"`
	Date              string   `json:"date"`         // YYYYMMDD-HHMMSS, local time
	RequestRate       wire.Num `json:"request_rate"` // a number or "inf"
	MaxConcurrency    wire.Num `json:"max_concurrency"`
	Burstiness        wire.Num `json:"burstiness"`
	Duration          wire.Num `json:"duration"`
	Completed         wire.Num `json:"completed"`
	Failed            wire.Num `json:"failed"` // 2025+
	NumPrompts        wire.Num `json:"num_prompts"`
	RequestThroughput wire.Num `json:"request_throughput"`
	OutputThroughput  wire.Num `json:"output_throughput"`
	TotalThroughput   wire.Num `json:"total_token_throughput"`
	TotalInputTokens  wire.Num `json:"total_input_tokens"`
	TotalOutputTokens wire.Num `json:"total_output_tokens"`
	RunNumber         wire.Num `json:"run_number"` // vllm bench sweep

	MeanTTFT       wire.Num `json:"mean_ttft_ms"`
	MedianTTFT     wire.Num `json:"median_ttft_ms"`
	P90TTFT        wire.Num `json:"p90_ttft_ms"`
	P95TTFT        wire.Num `json:"p95_ttft_ms"`
	P99TTFT        wire.Num `json:"p99_ttft_ms"`
	MeanITL        wire.Num `json:"mean_itl_ms"`
	MedianITL      wire.Num `json:"median_itl_ms"`
	P90ITL         wire.Num `json:"p90_itl_ms"`
	P95ITL         wire.Num `json:"p95_itl_ms"`
	P99ITL         wire.Num `json:"p99_itl_ms"`
	MeanTPOT       wire.Num `json:"mean_tpot_ms"`
	MedianTPOT     wire.Num `json:"median_tpot_ms"`
	P90TPOT        wire.Num `json:"p90_tpot_ms"`
	P95TPOT        wire.Num `json:"p95_tpot_ms"`
	P99TPOT        wire.Num `json:"p99_tpot_ms"`
	MeanE2E        wire.Num `json:"mean_e2el_ms"`
	MedianE2E      wire.Num `json:"median_e2el_ms"`
	P90E2E         wire.Num `json:"p90_e2el_ms"`
	P95E2E         wire.Num `json:"p95_e2el_ms"`
	P99E2E         wire.Num `json:"p99_e2el_ms"`
	MeanLatencyOld wire.Num `json:"mean_latency_ms"`  // September 2024 files
	GoodputOld     wire.Num `json:"request_goodput:"` // v0.8-era spelling; read so the key is recognized
	Errors         []string `json:"errors"`           // older files: one entry per request, "" when it succeeded
}

// Looks reports whether a decoded object has the bench-serve result's shape.
func (r *Result) Looks() bool {
	return r.RequestThroughput.Set && r.Completed.Set && (r.Duration.Set || r.ModelID != "")
}

// Decode turns the results of one file (one object, a JSONL file or a sweep summary array) into a run
// with one stage per result, in load order.
func Decode(source string, results []Result) (*guidellm.Run, error) {
	if len(results) == 0 {
		return nil, guidellm.Invalid(source, "vLLM bench file holds no results")
	}
	run := &guidellm.Run{Source: source, Tool: guidellm.ToolVLLMBench, Schema: Schema, Version: "bench serve", Labels: map[string]string{}}
	var notes noteSet
	for i := range results {
		r := &results[i]
		if !r.Looks() {
			return nil, guidellm.Invalid(source, "result %d is not a vLLM bench result (no request_throughput and completed)", i)
		}
		if run.Model == "" {
			run.Model, run.Backend = r.ModelID, r.Backend
		}
		st, stageNotes := stage(i, r)
		for _, n := range stageNotes {
			notes.add(n)
		}
		run.Stages = append(run.Stages, st)
	}
	run.Profile = run.Stages[0].Strategy
	run.Notes = notes
	return run, nil
}

func stage(i int, r *Result) (guidellm.Stage, []string) {
	var notes []string
	st := wire.UnknownStage(i)
	rateInf := r.RequestRate.Set && math.IsInf(r.RequestRate.V, 1)
	switch {
	case r.RequestRate.Positive() != nil:
		st.Strategy, st.OfferedRate = "poisson", r.RequestRate.Positive()
		if b := r.Burstiness; b.Finite() && b.V != 1 {
			st.Strategy = "gamma"
		}
		st.Streams = r.MaxConcurrency.Positive()
	case r.MaxConcurrency.Positive() != nil:
		st.Strategy, st.Streams = "concurrent", r.MaxConcurrency.Positive()
	case rateInf || !r.RequestRate.Set:
		st.Strategy = "throughput" // every request sent at t0, nothing caps concurrency
	}
	st.AchievedRPS = r.RequestThroughput.F()
	st.OutputTPS = r.OutputThroughput.F()
	st.TotalTPS = r.TotalThroughput.F()
	st.Successful = r.Completed.Count()
	switch {
	case r.Failed.Set:
		st.Errored = r.Failed.Count()
	case len(r.Errors) > 0:
		for _, e := range r.Errors {
			if e != "" {
				st.Errored++
			}
		}
	case r.NumPrompts.Finite():
		st.Errored = max(0, r.NumPrompts.Count()-st.Successful)
	}
	st.Total = st.Successful + st.Errored
	if st.Successful > 0 {
		// a file in which every request failed has 0.0 latencies, not nulls: they are unknown
		st.TTFTms = guidellm.Distribution{Mean: r.MeanTTFT.F(), P50: r.MedianTTFT.F(), P90: r.P90TTFT.F(), P95: r.P95TTFT.F(), P99: r.P99TTFT.F()}
		st.ITLms = guidellm.Distribution{Mean: r.MeanITL.F(), P50: r.MedianITL.F(), P90: r.P90ITL.F(), P95: r.P95ITL.F(), P99: r.P99ITL.F()}
		st.TPOTms = guidellm.Distribution{Mean: r.MeanTPOT.F(), P50: r.MedianTPOT.F(), P90: r.P90TPOT.F(), P95: r.P95TPOT.F(), P99: r.P99TPOT.F()}
		st.RequestLatencyS = guidellm.Distribution{Mean: wire.FirstKnown(r.MeanE2E, r.MeanLatencyOld) / 1000, P50: r.MedianE2E.Scaled(0.001),
			P90: r.P90E2E.Scaled(0.001), P95: r.P95E2E.Scaled(0.001), P99: r.P99E2E.Scaled(0.001)}
		var subst []string
		for _, m := range []struct {
			name string
			d    *guidellm.Distribution
		}{{"TTFT", &st.TTFTms}, {"ITL", &st.ITLms}} {
			if !wire.Known(m.d.P95) && wire.Known(m.d.P99) {
				m.d.P95 = m.d.P99
				subst = append(subst, m.name)
			}
		}
		if len(subst) > 0 {
			notes = append(notes, fmt.Sprintf("vLLM bench wrote no p95 (--metric-percentiles): p99 stands in for %s p95, which makes the SLA stricter", strings.Join(subst, " and ")))
		}
		notes = append(notes, "vLLM bench ITL is a per-gap distribution: its p95 is higher than a per-request-average ITL p95 (GuideLLM, AIPerf)")
	}
	if n := st.Successful; n > 0 {
		st.PromptTokensMean = r.TotalInputTokens.F() / float64(n)
		st.OutputTokensMean = r.TotalOutputTokens.F() / float64(n)
	}
	if t, err := time.ParseInLocation("20060102-150405", strings.TrimSpace(r.Date), time.UTC); err == nil {
		// local time without a zone: read as UTC, the best a reader can do
		st.End = t
		if d := r.Duration.F(); wire.Known(d) && d >= 0 {
			st.Start = t.Add(-time.Duration(d * float64(time.Second)))
		} else {
			st.Start = t
		}
	}
	return st, notes
}

// noteSet keeps notes in first-seen order without repeats.
type noteSet []string

func (n *noteSet) add(s string) {
	for _, have := range *n {
		if have == s {
			return
		}
	}
	*n = append(*n, s)
}
