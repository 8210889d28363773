package guidellm

import "fmt"

// v0.1 (GuidanceReport): benchmarks[0] is the run ({args, benchmarks}); its nested benchmarks are the stages,
// holding raw per-request results and no statistics (all of v0.1's metrics were Python properties, not
// serialized). The statistics are computed here the way v0.1 computed them (v01_stats.go).

type v01StageWire struct {
	Mode          string               `json:"mode"` // synchronous | throughput | asynchronous
	Rate          *float64             `json:"rate"`
	Results       []v01ResultWire      `json:"results"`
	Errors        []struct{}           `json:"errors"` // only counted
	Concurrencies []v01ConcurrencyWire `json:"concurrencies"`
}

type v01ResultWire struct {
	PromptTokenCount float64  `json:"prompt_token_count"`
	OutputTokenCount float64  `json:"output_token_count"`
	StartTime        *float64 `json:"start_time"`
	EndTime          *float64 `json:"end_time"`
	FirstTokenTime   *float64 `json:"first_token_time"` // seconds from start_time to the first token
	DecodeTimes      struct {
		Data []float64 `json:"data"` // seconds between consecutive tokens
	} `json:"decode_times"`
}

type v01ConcurrencyWire struct {
	Time       float64 `json:"time"`
	Processing float64 `json:"processing"`
}

func decodeV01(run *Run, w *reportWire) error {
	// GuideLLM v0.1 writes a fresh GuidanceReport with exactly one run per invocation.
	if n := len(w.Benchmarks); n > 1 {
		return fmt.Errorf("v0.1 report holds %d runs; GuideLLM writes one per file", n)
	}
	r := &w.Benchmarks[0]
	run.Version = "0.1.x"
	if a := r.Args; a != nil {
		run.Model = a.Model
		run.Target = a.Target
		run.Backend = a.BackendType
		run.Profile = a.Mode
		run.PromptTokens, run.OutputTokens = a.Data.PromptTokens, a.Data.OutputTokens
	}
	for i := range r.Benchmarks {
		run.Stages = append(run.Stages, stageV01(i, &r.Benchmarks[i], strategyV01(r.Benchmarks[i].Mode, run.Profile)))
	}
	return nil
}

// strategyV01 names a v0.1 stage like later versions do: v0.1 records constant and poisson stages (also the
// constant stages of a sweep) as "asynchronous", so the run's mode tells which one it was.
func strategyV01(mode, profile string) string {
	if mode != "asynchronous" {
		return mode
	}
	if profile == "poisson" {
		return "poisson"
	}
	return "constant"
}
