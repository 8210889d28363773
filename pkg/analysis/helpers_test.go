package analysis

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Hand-built GuideLLM runs. Defaults describe a healthy stage: 120 successful requests, no
// errors, achieved = offered, mean latency 2 s and a mean concurrency that satisfies Little's law.

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const stageLatencyS = 2.0

func ptr[T any](v T) *T { return &v }

type stageMod func(*guidellm.Stage)

// stage builds a stage; load is the offered rate (constant, poisson, async), the stream count
// (concurrent) and ignored otherwise.
func stage(strategy string, load, ttftP95, itlP95, outputTPS float64, mods ...stageMod) guidellm.Stage {
	s := guidellm.Stage{
		Strategy:        strategy,
		TTFTms:          guidellm.Distribution{Mean: ttftP95 * 0.7, P50: ttftP95 * 0.6, P90: ttftP95 * 0.9, P95: ttftP95, P99: ttftP95 * 1.2},
		ITLms:           guidellm.Distribution{Mean: itlP95 * 0.8, P50: itlP95 * 0.8, P90: itlP95 * 0.95, P95: itlP95, P99: itlP95 * 1.1},
		TPOTms:          guidellm.Distribution{P95: itlP95 * 3}, // TPOT must never decide anything
		RequestLatencyS: guidellm.Distribution{Mean: stageLatencyS},
		OutputTPS:       outputTPS,
		Successful:      120,
		Total:           120,
	}
	switch strategy {
	case "concurrent":
		s.Streams = ptr(load)
		s.AchievedRPS = load / stageLatencyS
	case "synchronous":
		s.AchievedRPS = 1 / stageLatencyS
	case "throughput":
		s.AchievedRPS = load
	default:
		s.OfferedRate = ptr(load)
		s.AchievedRPS = load
	}
	s.ConcurrencyMean = s.AchievedRPS * stageLatencyS
	s.ConcurrencyTotalMean = s.ConcurrencyMean
	for _, m := range mods {
		m(&s)
	}
	return s
}

func rate(load, ttft, itl, tps float64, mods ...stageMod) guidellm.Stage {
	return stage("constant", load, ttft, itl, tps, mods...)
}

func conc(streams, ttft, itl, tps float64, mods ...stageMod) guidellm.Stage {
	return stage("concurrent", streams, ttft, itl, tps, mods...)
}

func counts(ok, errored, incomplete int) stageMod {
	return func(s *guidellm.Stage) {
		s.Successful, s.Errored, s.Incomplete, s.Total = ok, errored, incomplete, ok+errored+incomplete
	}
}

func achieved(rps float64) stageMod {
	return func(s *guidellm.Stage) { s.AchievedRPS = rps; s.ConcurrencyMean = rps * stageLatencyS }
}

func concurrencyMean(c float64) stageMod {
	return func(s *guidellm.Stage) { s.ConcurrencyMean = c }
}

func overSaturated(s *guidellm.Stage) { s.OverSaturated = ptr(true) }

type runSpec struct {
	source       string
	model        string
	start        time.Time
	labels       map[string]string
	prompt, outp float64
	profile      string
}

// mkRun numbers the stages and gives each a 2-minute window from spec.start.
func mkRun(spec runSpec, stages ...guidellm.Stage) *guidellm.Run {
	r := &guidellm.Run{
		Source:       spec.source,
		Schema:       guidellm.SchemaV07,
		Version:      "0.7.3",
		Model:        spec.model,
		Target:       "http://vllm.example:8000",
		Backend:      "openai_http",
		Labels:       spec.labels,
		PromptTokens: spec.prompt,
		OutputTokens: spec.outp,
		Profile:      spec.profile,
		Stages:       stages,
	}
	if r.Profile == "" {
		r.Profile = "sweep"
	}
	start := spec.start
	if start.IsZero() {
		start = t0
	}
	for i := range r.Stages {
		r.Stages[i].Index = i
		r.Stages[i].Start = start.Add(time.Duration(i) * 2 * time.Minute)
		r.Stages[i].End = r.Stages[i].Start.Add(2 * time.Minute)
	}
	return r
}

// chatRun is a run of model on the chat scenario (64/64 tokens).
func chatRun(source, model string, start time.Time, stages ...guidellm.Stage) *guidellm.Run {
	return mkRun(runSpec{source: source, model: model, start: start, prompt: 64, outp: 64}, stages...)
}

func testConfig() Config {
	return Config{
		Deployments: []Deployment{
			{Model: "mistral-3-int4", GPUs: 1, GPUType: "H100", Quantization: "int4"},
			{Model: "mistral-3-bf16", GPUs: 4, GPUType: "H100", Quantization: "bf16"},
			{Model: "mistral-3-fp8", GPUs: 2, GPUType: "H100", Quantization: "fp8"},
		},
		GPUPrices: map[string]float64{"H100": 2.5, "L40S": 1.2},
		SLA:       DefaultSLA(),
		Scenarios: DefaultScenarios(),
	}
}

func approx(t *testing.T, want float64, got *float64, what string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = null, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func isNull(t *testing.T, got *float64, what string) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want null", what, *got)
	}
}

func noticeTexts(n *notices) string {
	var b strings.Builder
	for _, x := range n.list() {
		b.WriteString(x.Text)
		b.WriteString("\n")
	}
	return b.String()
}

func hasNotice(t *testing.T, n *notices, substr string) {
	t.Helper()
	if !strings.Contains(noticeTexts(n), substr) {
		t.Errorf("no notice contains %q; notices:\n%s", substr, noticeTexts(n))
	}
}

func lacksNotice(t *testing.T, n *notices, substr string) {
	t.Helper()
	if strings.Contains(noticeTexts(n), substr) {
		t.Errorf("unexpected notice containing %q; notices:\n%s", substr, noticeTexts(n))
	}
}
