// Package guidellm decodes GuideLLM benchmark reports of every published layout
// (v0.1 GuidanceReport through the v0.7+ schema-2 report) into one normalized model.
//
// The model deliberately carries no raw `args`/`config` blocks: GuideLLM writes API keys and
// Authorization headers into them in clear, and nothing downstream may ever see them.
package guidellm

import (
	"math"
	"time"
)

// Schema names the report layout a file was written in.
type Schema string

const (
	SchemaV01 Schema = "v0.1"      // GuidanceReport: raw per-request data, statistics computed here
	SchemaV02 Schema = "v0.2-v0.3" // GenerativeBenchmarksReport with benchmarks[] only
	SchemaV04 Schema = "v0.4"      // adds top-level args, totals move into metrics
	SchemaV05 Schema = "v0.5-v0.6" // metadata.version == 1
	SchemaV07 Schema = "v0.7+"     // metadata.version == 2, top-level config
)

// Run is one GuideLLM report: one invocation, one or more stages (benchmarks).
type Run struct {
	Source  string // key of the object the report was read from
	Schema  Schema
	Version string // metadata.guidellm_version when the report has it, else the schema's range (e.g. "0.2.x")
	Model   string // served model name the benchmark targeted; empty when the report does not say
	Target  string // backend URL with any user-info and query string removed
	Backend string // backend kind, e.g. "openai_http"
	// Tool is the benchmark tool that wrote the report (a Tool* constant); empty reads as ToolGuideLLM.
	Tool string
	// Notes say where the reader had to substitute or distrust a metric (e.g. p99 standing in for an
	// absent p95); they are shown to the user next to the run.
	Notes []string
	// Labels are user labels: v0.7 `--label`, v0.2-v0.3 `extras` (string values only) and
	// labels attached when the report was uploaded.
	Labels map[string]string
	// PromptTokens/OutputTokens are the configured synthetic-data token counts (the scenario),
	// 0 when the report's data config does not state them.
	PromptTokens float64
	OutputTokens float64
	Profile      string // sweep | synchronous | throughput | concurrent | constant | poisson | async | replay
	Stages       []Stage
}

// Start is the earliest stage start (zero time when the run has no stages).
func (r *Run) Start() time.Time {
	var t time.Time
	for i := range r.Stages {
		if s := r.Stages[i].Start; !s.IsZero() && (t.IsZero() || s.Before(t)) {
			t = s
		}
	}
	return t
}

// End is the latest stage end.
func (r *Run) End() time.Time {
	var t time.Time
	for i := range r.Stages {
		if e := r.Stages[i].End; e.After(t) {
			t = e
		}
	}
	return t
}

// Unknown is the value of a metric the report does not give: absent, null or NaN (GuideLLM writes NaN where a
// statistic could not be computed). Every float64 metric of the model is either finite or Unknown, never 0 in
// its place; consumers must treat it as "not measured" (it neither passes nor fails a threshold).
func Unknown() float64 { return math.NaN() }

// IsUnknown reports whether a metric value is Unknown.
func IsUnknown(v float64) bool { return math.IsNaN(v) }

// Distribution is the summary of one metric over the successful requests of a stage; each statistic may be
// Unknown on its own.
type Distribution struct {
	Mean, P50, P90, P95, P99 float64
}

// Stage is one benchmark of a run: one strategy at one load. Its float64 metrics are Unknown (NaN) when the
// report does not give them; request counts and times are always known (0 / zero time when absent).
type Stage struct {
	Index    int
	Strategy string // synchronous | throughput | concurrent | constant | poisson | async
	// OfferedRate is the requested rate in req/s (constant, poisson, async); nil otherwise.
	OfferedRate *float64
	// Streams is the number of concurrent streams (concurrent strategy); nil otherwise.
	Streams *float64
	// AchievedRPS is requests_per_second.successful.mean (GuideLLM's time-weighted rate).
	AchievedRPS float64
	// ConcurrencyMean is request_concurrency.successful.mean; ConcurrencyTotalMean the .total.mean
	// (includes requests queued and later cancelled, so a growing gap means a queue).
	ConcurrencyMean      float64
	ConcurrencyTotalMean float64
	TTFTms               Distribution
	ITLms                Distribution
	// TPOTms keeps GuideLLM's own definition, which changed in v0.4 (it includes TTFT since);
	// use ITLms for the decode SLA.
	TPOTms           Distribution
	RequestLatencyS  Distribution // seconds
	OutputTPS        float64      // output_tokens_per_second.successful.mean
	TotalTPS         float64      // tokens_per_second.successful.mean
	PromptTokensMean float64      // prompt_token_count.successful.mean
	OutputTokensMean float64      // output_token_count.successful.mean
	Successful       int
	Errored          int
	Incomplete       int
	Total            int
	Start, End       time.Time
	// OverSaturated is GuideLLM's over-saturation verdict when the constraint ran; nil otherwise.
	OverSaturated *bool
}
