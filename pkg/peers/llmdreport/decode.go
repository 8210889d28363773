// Package llmdreport reads the llm-d Benchmark Report (llm-d-benchmark's exchange format, YAML) in
// versions 0.1, 0.2 and 0.2.1. A report describes one load level (one stage of a harness run); stages
// of one experiment share run.eid. It is the only format that names the accelerator model and count,
// TP and replicas, which become the run's deployment labels.
package llmdreport

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/internal/wire"
)

// Report is the union of the v0.1 (scenario, metrics) and v0.2/v0.2.1 (run, scenario, results) layouts.
type Report struct {
	Version  string    `json:"version"`
	Run      *runInfo  `json:"run"`      // v0.2+
	Scenario *scenario `json:"scenario"` // all versions
	Results  *struct {
		RequestPerformance *struct {
			Aggregate *aggregate `json:"aggregate"`
		} `json:"request_performance"`
	} `json:"results"` // v0.2+
	Metrics *metricsV01 `json:"metrics"` // v0.1
}

type runInfo struct {
	Time *struct {
		Start    string `json:"start"`
		End      string `json:"end"`
		Duration string `json:"duration"`
	} `json:"time"`
}

type scenario struct {
	Stack []component `json:"stack"` // v0.2+
	Load  *struct {
		Standardized *struct {
			Tool         string   `json:"tool"`
			ToolVersion  string   `json:"tool_version"`
			Stage        wire.Num `json:"stage"`
			RateQPS      wire.Num `json:"rate_qps"`
			Concurrency  wire.Num `json:"concurrency"` // may be .inf
			InputSeqLen  *seqLen  `json:"input_seq_len"`
			OutputSeqLen *seqLen  `json:"output_seq_len"`
		} `json:"standardized"` // v0.2+
		Name string `json:"name"` // v0.1: the harness
		Args *struct {
			RequestRate    wire.Num `json:"request_rate"`
			MaxConcurrency wire.Num `json:"max_concurrency"`
			Rate           wire.Num `json:"rate"`
		} `json:"args"` // v0.1
		Metadata *struct {
			Stage wire.Num `json:"stage"`
		} `json:"metadata"` // v0.1
	} `json:"load"`
	Model *struct {
		Name string `json:"name"`
	} `json:"model"` // v0.1
	Host *struct {
		Type        []string      `json:"type"`
		Accelerator []accelerator `json:"accelerator"` // one entry per replica
	} `json:"host"` // v0.1
}

type seqLen struct {
	Value wire.Num `json:"value"`
}

type component struct {
	Standardized *struct {
		Kind        string                 `json:"kind"`
		Tool        string                 `json:"tool"`
		ToolVersion string                 `json:"tool_version"`
		Role        string                 `json:"role"`
		Replicas    wire.Num               `json:"replicas"`
		Model       *struct{ Name string } `json:"model"`
		Accelerator *accelerator           `json:"accelerator"`
	} `json:"standardized"`
	Native *struct {
		Args map[string]any `json:"args"`
	} `json:"native"`
}

type accelerator struct {
	Model       string   `json:"model"`
	Count       wire.Num `json:"count"`
	Parallelism *struct {
		TP wire.Num `json:"tp"`
	} `json:"parallelism"`
}

// statistics is one Statistics block; units says s or ms (read it: converters write both).
type statistics struct {
	Units string   `json:"units"`
	Mean  wire.Num `json:"mean"`
	P50   wire.Num `json:"p50"`
	P90   wire.Num `json:"p90"`
	P95   wire.Num `json:"p95"`
	P99   wire.Num `json:"p99"`
}

type latency struct {
	TTFT           *statistics `json:"time_to_first_token"`
	ITL            *statistics `json:"inter_token_latency"`
	TPOT           *statistics `json:"time_per_output_token"`
	RequestLatency *statistics `json:"request_latency"`
}

type requests struct {
	Total        wire.Num    `json:"total"`
	Failures     wire.Num    `json:"failures"`
	Incomplete   wire.Num    `json:"incomplete"`
	InputLength  *statistics `json:"input_length"`
	OutputLength *statistics `json:"output_length"`
}

type aggregate struct {
	Requests   *requests `json:"requests"`
	Latency    *latency  `json:"latency"`
	Throughput *struct {
		RequestRate     *statistics `json:"request_rate"`
		OutputTokenRate *statistics `json:"output_token_rate"`
		TotalTokenRate  *statistics `json:"total_token_rate"`
	} `json:"throughput"`
}

type metricsV01 struct {
	Time *struct {
		Duration wire.Num `json:"duration"`
		Start    wire.Num `json:"start"`
		Stop     wire.Num `json:"stop"`
	} `json:"time"`
	Requests   *requests `json:"requests"`
	Latency    *latency  `json:"latency"`
	Throughput *struct {
		OutputTokensPerSec wire.Num `json:"output_tokens_per_sec"`
		TotalTokensPerSec  wire.Num `json:"total_tokens_per_sec"`
		RequestsPerSec     wire.Num `json:"requests_per_sec"`
	} `json:"throughput"`
}

// Looks reports whether a decoded top level is a Benchmark Report.
func (r *Report) Looks() bool {
	return r.Version != "" && r.Scenario != nil && (r.Results != nil || r.Metrics != nil)
}

// Decode turns one report into a one-stage run carrying the deployment labels.
func Decode(source string, r *Report) (*guidellm.Run, error) {
	if !r.Looks() {
		return nil, guidellm.Invalid(source, "not an llm-d Benchmark Report (no version, scenario and results/metrics)")
	}
	run := &guidellm.Run{Source: source, Tool: guidellm.ToolLLMDReport, Schema: guidellm.Schema("v" + r.Version), Labels: map[string]string{}}
	st := wire.UnknownStage(0)
	switch {
	case strings.HasPrefix(r.Version, "0.2"):
		if err := decodeV02(r, run, &st); err != nil {
			return nil, guidellm.Invalid(source, "%v", err)
		}
	case r.Version == "0.1":
		if err := decodeV01(r, run, &st); err != nil {
			return nil, guidellm.Invalid(source, "%v", err)
		}
	default:
		return nil, guidellm.Invalid(source, "unsupported Benchmark Report version %q (known: 0.1, 0.2, 0.2.1)", r.Version)
	}
	if run.Version == "" {
		run.Version = "report " + r.Version
	}
	run.Profile = st.Strategy
	st.Total = st.Successful + st.Errored + st.Incomplete
	run.Stages = []guidellm.Stage{st}
	return run, nil
}

func decodeV02(r *Report, run *guidellm.Run, st *guidellm.Stage) error {
	if r.Results.RequestPerformance == nil || r.Results.RequestPerformance.Aggregate == nil {
		return fmt.Errorf("results.request_performance.aggregate missing")
	}
	agg := r.Results.RequestPerformance.Aggregate
	if ld := r.Scenario.Load; ld != nil && ld.Standardized != nil {
		s := ld.Standardized
		setLoad(st, s.RateQPS, s.Concurrency)
		if s.Stage.Finite() {
			st.Index = s.Stage.Count()
		}
		if s.Tool != "" {
			run.Version = strings.TrimSpace("report " + r.Version + ", " + s.Tool + " " + s.ToolVersion)
		}
		if s.InputSeqLen != nil && s.OutputSeqLen != nil && s.InputSeqLen.Value.Positive() != nil && s.OutputSeqLen.Value.Positive() != nil {
			run.PromptTokens, run.OutputTokens = s.InputSeqLen.Value.V, s.OutputSeqLen.Value.V
		}
	}
	deploymentLabels(r.Scenario.Stack, run)
	if agg.Latency != nil {
		applyLatency(st, agg.Latency)
	}
	if tp := agg.Throughput; tp != nil {
		st.AchievedRPS = tp.RequestRate.mean()
		st.OutputTPS = tp.OutputTokenRate.mean()
		st.TotalTPS = tp.TotalTokenRate.mean()
	}
	applyRequests(st, agg.Requests)
	if r.Run != nil && r.Run.Time != nil {
		st.Start, st.End = isoTime(r.Run.Time.Start), isoTime(r.Run.Time.End)
	}
	return nil
}

func decodeV01(r *Report, run *guidellm.Run, st *guidellm.Stage) error {
	m := r.Metrics
	if m.Latency == nil && m.Throughput == nil {
		return fmt.Errorf("metrics.latency and metrics.throughput missing")
	}
	sc := r.Scenario
	if sc.Model != nil {
		run.Model = sc.Model.Name
	}
	if ld := sc.Load; ld != nil {
		if ld.Name != "" {
			run.Version = "report 0.1, " + ld.Name
		}
		if ld.Args != nil {
			setLoad(st, firstSet(ld.Args.RequestRate, ld.Args.Rate), ld.Args.MaxConcurrency)
		}
		if ld.Metadata != nil && ld.Metadata.Stage.Finite() {
			st.Index = ld.Metadata.Stage.Count()
		}
	}
	if h := sc.Host; h != nil && len(h.Accelerator) > 0 {
		gpus := 0
		for _, a := range h.Accelerator {
			gpus += a.Count.Count()
		}
		setDeployment(run, h.Accelerator[0], gpus, len(h.Accelerator))
	}
	if m.Latency != nil {
		applyLatency(st, m.Latency)
	}
	if tp := m.Throughput; tp != nil {
		st.AchievedRPS, st.OutputTPS, st.TotalTPS = tp.RequestsPerSec.F(), tp.OutputTokensPerSec.F(), tp.TotalTokensPerSec.F()
	}
	applyRequests(st, m.Requests)
	if t := m.Time; t != nil {
		st.Start = wire.EpochTime(t.Start.F())
		switch {
		case t.Stop.Finite():
			st.End = wire.EpochTime(t.Stop.V)
		case t.Duration.Finite() && !st.Start.IsZero():
			st.End = st.Start.Add(time.Duration(t.Duration.V * float64(time.Second)))
		}
	}
	return nil
}

func firstSet(ns ...wire.Num) wire.Num {
	for _, n := range ns {
		if n.Set {
			return n
		}
	}
	return wire.Num{}
}

// setLoad places the stage: a finite rate is a rate stage, else a finite concurrency a concurrent one;
// an infinite rate without a concurrency cap is a throughput stage.
func setLoad(st *guidellm.Stage, rate, concurrency wire.Num) {
	switch {
	case rate.Positive() != nil:
		st.Strategy, st.OfferedRate = "constant", rate.Positive()
	case concurrency.Positive() != nil:
		st.Strategy, st.Streams = "concurrent", concurrency.Positive()
	case rate.Set && math.IsInf(rate.V, 1):
		st.Strategy = "throughput"
	}
}

// deploymentLabels takes the model and the serving hardware from the inference engines of the stack:
// GPUs are summed over engines (prefill and decode pods of a disaggregated stack) as count × replicas.
func deploymentLabels(stack []component, run *guidellm.Run) {
	gpus, replicas := 0, 0
	var first *accelerator
	for _, c := range stack {
		s := c.Standardized
		if s == nil || s.Kind != "inference_engine" {
			continue
		}
		if run.Model == "" && s.Model != nil {
			run.Model = s.Model.Name
		}
		n := max(1, s.Replicas.Count())
		replicas += n
		if a := s.Accelerator; a != nil {
			gpus += a.Count.Count() * n
			if first == nil {
				first = a
			}
		}
		if run.Backend == "" {
			run.Backend = strings.TrimSpace(s.Tool + " " + s.ToolVersion)
		}
		if c.Native != nil {
			if q, ok := c.Native.Args["--quantization"].(string); ok && q != "" {
				run.Labels["quantization"] = q
			}
		}
	}
	if first != nil {
		setDeployment(run, *first, gpus, replicas)
	}
}

func setDeployment(run *guidellm.Run, a accelerator, gpus, replicas int) {
	if a.Model != "" {
		run.Labels["gpuType"] = a.Model
	}
	if gpus > 0 {
		run.Labels["gpus"] = strconv.Itoa(gpus)
	}
	if replicas > 0 {
		run.Labels["replicas"] = strconv.Itoa(replicas)
	}
	if a.Parallelism != nil && a.Parallelism.TP.Positive() != nil {
		run.Labels["tp"] = strconv.Itoa(a.Parallelism.TP.Count())
	}
}

func applyLatency(st *guidellm.Stage, l *latency) {
	st.TTFTms = l.TTFT.ms()
	st.ITLms = l.ITL.ms()
	st.TPOTms = l.TPOT.ms()
	d := l.RequestLatency.ms()
	st.RequestLatencyS = guidellm.Distribution{Mean: d.Mean / 1000, P50: d.P50 / 1000, P90: d.P90 / 1000, P95: d.P95 / 1000, P99: d.P99 / 1000}
}

// applyRequests: total counts every request; failures and incomplete are parts of it.
func applyRequests(st *guidellm.Stage, r *requests) {
	if r == nil {
		return
	}
	total, failed, incomplete := r.Total.Count(), r.Failures.Count(), r.Incomplete.Count()
	st.Errored, st.Incomplete = failed, incomplete
	st.Successful = max(0, total-failed-incomplete)
	st.PromptTokensMean = r.InputLength.mean()
	st.OutputTokensMean = r.OutputLength.mean()
}

// msPer converts a Benchmark Report latency unit to milliseconds; 0 for a unit that is not a time.
func msPer(units string) float64 {
	switch strings.TrimSpace(units) {
	case "ms", "ms/token":
		return 1
	case "s", "s/token":
		return 1000
	}
	return 0
}

func (s *statistics) ms() guidellm.Distribution {
	if s == nil || msPer(s.Units) == 0 {
		return wire.NaNDist()
	}
	k := msPer(s.Units)
	return guidellm.Distribution{Mean: s.Mean.Scaled(k), P50: s.P50.Scaled(k), P90: s.P90.Scaled(k), P95: s.P95.Scaled(k), P99: s.P99.Scaled(k)}
}

func (s *statistics) mean() float64 {
	if s == nil {
		return math.NaN()
	}
	return s.Mean.F()
}

func isoTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
		return t.UTC()
	}
	return time.Time{}
}
