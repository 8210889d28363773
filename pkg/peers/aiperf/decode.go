// Package aiperf reads NVIDIA AIPerf's profile_export_aiperf.json in its three layouts (v0.1 `records`
// wrapper; v0.2-v0.3 flat metric keys; v0.4+ with schema_version, aiperf_version and
// input_config.phases) and GenAI-Perf's profile_export_genai_perf.json, which has AIPerf's flat shape.
// One file is one load level.
package aiperf

import (
	"strings"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/internal/wire"
)

// Layouts, in Run.Schema.
const (
	SchemaRecords   guidellm.Schema = "records"    // AIPerf 0.1.x
	SchemaFlat      guidellm.Schema = "flat"       // AIPerf 0.2-0.3
	SchemaVersioned guidellm.Schema = "schema"     // AIPerf 0.4+ (schema_version)
	SchemaGenAIPerf guidellm.Schema = "genai-perf" // GenAI-Perf
)

// metric is one exported metric: a distribution (avg, percentiles) or a scalar (avg only).
type metric struct {
	Unit string   `json:"unit"`
	Avg  wire.Num `json:"avg"`
	P50  wire.Num `json:"p50"`
	P90  wire.Num `json:"p90"`
	P95  wire.Num `json:"p95"`
	P99  wire.Num `json:"p99"`
}

// metrics are the exported metrics the model needs, by their flat (v0.2+) names.
type metrics struct {
	TTFT              *metric `json:"time_to_first_token"`
	ITL               *metric `json:"inter_token_latency"`
	RequestLatency    *metric `json:"request_latency"`
	RequestThroughput *metric `json:"request_throughput"`
	OutputThroughput  *metric `json:"output_token_throughput"`
	TotalThroughput   *metric `json:"total_token_throughput"`
	RequestCount      *metric `json:"request_count"`
	ErrorRequestCount *metric `json:"error_request_count"` // absent when no request failed
	BenchmarkDuration *metric `json:"benchmark_duration"`
	FirstRequest      *metric `json:"min_request_timestamp"`
	LastResponse      *metric `json:"max_response_timestamp"`
	InputLength       *metric `json:"input_sequence_length"`
	OutputLength      *metric `json:"output_sequence_length"`
}

// Export is one profile export. Per-GPU telemetry and the server metrics are not declared, so they are skipped.
type Export struct {
	metrics
	Records       map[string]*metric `json:"records"` // v0.1: keyed by tag, TTFT is "ttft"
	SchemaVersion string             `json:"schema_version"`
	AIPerfVersion string             `json:"aiperf_version"`
	InputConfig   *inputConfig       `json:"input_config"`
	StartTime     string             `json:"start_time"`
	EndTime       string             `json:"end_time"`
}

type tokens struct {
	Mean wire.Num `json:"mean"`
}

type inputConfig struct {
	ModelNames []string `json:"model_names"` // GenAI-Perf
	Endpoint   *struct {
		ModelNames []string `json:"model_names"` // AIPerf v0.1-v0.3
	} `json:"endpoint"`
	Models *struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	} `json:"models"` // AIPerf v0.4+
	Loadgen *struct {
		Concurrency     wire.Num `json:"concurrency"`
		RequestRate     wire.Num `json:"request_rate"`
		RequestRateMode string   `json:"request_rate_mode"`
		ArrivalPattern  string   `json:"arrival_pattern"`
	} `json:"loadgen"`
	Phases []struct {
		Name        string   `json:"name"`
		Type        string   `json:"type"`
		Concurrency wire.Num `json:"concurrency"`
		Rate        wire.Num `json:"rate"`
		RequestRate wire.Num `json:"request_rate"`
	} `json:"phases"` // AIPerf v0.4+
	PerfAnalyzer *struct {
		Stimulus *struct {
			Concurrency wire.Num `json:"concurrency"`
			RequestRate wire.Num `json:"request_rate"`
		} `json:"stimulus"`
	} `json:"perf_analyzer"` // GenAI-Perf
	Input *struct {
		Prompt *struct {
			InputTokens  tokens `json:"input_tokens"`
			OutputTokens tokens `json:"output_tokens"`
		} `json:"prompt"`
	} `json:"input"`
}

// Looks reports whether a decoded top level has one of the export layouts.
func (e *Export) Looks() bool {
	switch {
	case e.Records != nil:
		return e.Records["request_throughput"] != nil || e.Records["ttft"] != nil
	case e.SchemaVersion != "" && e.AIPerfVersion != "":
		return true
	default:
		return e.RequestThroughput != nil && e.InputConfig != nil
	}
}

// Decode turns one export into a one-stage run.
func Decode(source string, e *Export) (*guidellm.Run, error) {
	if !e.Looks() {
		return nil, guidellm.Invalid(source, "not an AIPerf or GenAI-Perf profile export")
	}
	run := &guidellm.Run{Source: source, Tool: guidellm.ToolAIPerf, Labels: map[string]string{}}
	m := &e.metrics
	ic := e.InputConfig
	if ic == nil {
		ic = &inputConfig{}
	}
	switch {
	case e.Records != nil:
		run.Schema, run.Version = SchemaRecords, "0.1.x"
		m = recordsMetrics(e.Records)
	case e.SchemaVersion != "":
		run.Schema, run.Version = SchemaVersioned, e.AIPerfVersion
	case len(ic.ModelNames) > 0 || ic.PerfAnalyzer != nil:
		run.Tool, run.Schema, run.Version = guidellm.ToolGenAIPerf, SchemaGenAIPerf, "genai-perf"
		run.Notes = append(run.Notes, "GenAI-Perf exports no error count: errors are counted as 0")
	default:
		run.Schema, run.Version = SchemaFlat, "0.2-0.3"
	}
	run.Model = ic.model()

	st := wire.UnknownStage(0)
	rate, streams, kind := ic.load()
	switch {
	case streams.Positive() != nil:
		st.Strategy, st.Streams = "concurrent", streams.Positive()
	case rate.Positive() != nil:
		st.Strategy, st.OfferedRate = "poisson", rate.Positive()
		if strings.Contains(kind, "constant") {
			st.Strategy = "constant"
		}
	}
	run.Profile = st.Strategy
	st.TTFTms = m.TTFT.ms()
	st.ITLms = m.ITL.ms()
	st.RequestLatencyS = m.RequestLatency.ms()
	st.RequestLatencyS = guidellm.Distribution{Mean: st.RequestLatencyS.Mean / 1000, P50: st.RequestLatencyS.P50 / 1000,
		P90: st.RequestLatencyS.P90 / 1000, P95: st.RequestLatencyS.P95 / 1000, P99: st.RequestLatencyS.P99 / 1000}
	st.AchievedRPS = m.RequestThroughput.avg()
	st.OutputTPS = m.OutputThroughput.avg()
	st.TotalTPS = m.TotalThroughput.avg()
	st.PromptTokensMean = m.InputLength.avg()
	st.OutputTokensMean = m.OutputLength.avg()
	if m.RequestCount != nil {
		st.Successful = m.RequestCount.Avg.Count()
	}
	if m.ErrorRequestCount != nil {
		st.Errored = m.ErrorRequestCount.Avg.Count()
	}
	st.Total = st.Successful + st.Errored
	st.Start, st.End = e.times(m)
	run.Stages = []guidellm.Stage{st}
	if p := ic.Input; p != nil && p.Prompt != nil && p.Prompt.InputTokens.Mean.Positive() != nil && p.Prompt.OutputTokens.Mean.Positive() != nil {
		run.PromptTokens, run.OutputTokens = p.Prompt.InputTokens.Mean.V, p.Prompt.OutputTokens.Mean.V
	}
	return run, nil
}

// recordsMetrics maps v0.1's tags onto the flat names.
func recordsMetrics(r map[string]*metric) *metrics {
	return &metrics{
		TTFT: r["ttft"], ITL: r["inter_token_latency"], RequestLatency: r["request_latency"],
		RequestThroughput: r["request_throughput"], OutputThroughput: r["output_token_throughput"],
		TotalThroughput: r["total_token_throughput"], RequestCount: r["request_count"],
		ErrorRequestCount: r["error_request_count"], BenchmarkDuration: r["benchmark_duration"],
		FirstRequest: r["min_request_timestamp"], LastResponse: r["max_response_timestamp"],
		InputLength: r["input_sequence_length"], OutputLength: r["output_sequence_length"],
	}
}

func (ic *inputConfig) model() string {
	switch {
	case ic.Models != nil && len(ic.Models.Items) > 0:
		return ic.Models.Items[0].Name
	case ic.Endpoint != nil && len(ic.Endpoint.ModelNames) > 0:
		return ic.Endpoint.ModelNames[0]
	case len(ic.ModelNames) > 0:
		return ic.ModelNames[0]
	}
	return ""
}

// load is the offered rate or concurrency of the profiling phase, and how requests arrive.
func (ic *inputConfig) load() (rate, streams wire.Num, kind string) {
	for _, p := range ic.Phases {
		if p.Name == "profiling" {
			return firstSet(p.Rate, p.RequestRate), p.Concurrency, p.Type
		}
	}
	if l := ic.Loadgen; l != nil {
		return l.RequestRate, l.Concurrency, l.RequestRateMode + l.ArrivalPattern
	}
	if pa := ic.PerfAnalyzer; pa != nil && pa.Stimulus != nil {
		return pa.Stimulus.RequestRate, pa.Stimulus.Concurrency, ""
	}
	return wire.Num{}, wire.Num{}, ""
}

func firstSet(ns ...wire.Num) wire.Num {
	for _, n := range ns {
		if n.Set {
			return n
		}
	}
	return wire.Num{}
}

// msPer converts a latency unit to milliseconds; an unknown unit is 0 (the metric is then unknown).
func msPer(unit string) float64 {
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "ms", "":
		return 1
	case "s", "sec", "seconds":
		return 1000
	case "us":
		return 1e-3
	case "ns":
		return 1e-6
	}
	return 0
}

func (m *metric) ms() guidellm.Distribution {
	if m == nil || msPer(m.Unit) == 0 {
		return wire.NaNDist()
	}
	k := msPer(m.Unit)
	return guidellm.Distribution{Mean: m.Avg.Scaled(k), P50: m.P50.Scaled(k), P90: m.P90.Scaled(k), P95: m.P95.Scaled(k), P99: m.P99.Scaled(k)}
}

func (m *metric) avg() float64 {
	if m == nil {
		return wire.NaNDist().Mean
	}
	return m.Avg.F()
}

// times is the stage's start and end: the first request and last response (ns) when exported, else the
// run's start_time/end_time (ISO 8601 without a zone, read as UTC).
func (e *Export) times(m *metrics) (start, end time.Time) {
	if m.FirstRequest != nil && m.LastResponse != nil && m.FirstRequest.Avg.Finite() && m.LastResponse.Avg.Finite() {
		return wire.EpochTime(m.FirstRequest.Avg.V / 1e9), wire.EpochTime(m.LastResponse.Avg.V / 1e9)
	}
	return isoTime(e.StartTime), isoTime(e.EndTime)
}

func isoTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
