//go:build unix

package analysis

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// syntheticFleet is n runs of GuideLLM's default sweep (synchronous, throughput and 8 constant
// rates: 10 stages) over 5 models × 4 scenarios, one run per model+scenario per day.
func syntheticFleet(n int) []*guidellm.Run {
	models := []string{"mistral-3-int4", "mistral-3-bf16", "mistral-3-fp8", "llama-3-8b", "qwen3-4b"}
	scenarios := DefaultScenarios()
	runs := make([]*guidellm.Run, 0, n)
	for i := 0; i < n; i++ {
		model := models[i%len(models)]
		sc := scenarios[(i/len(models))%len(scenarios)]
		capacity := 2.0 + float64(i%len(models))*1.5 // req/s where TTFT p95 reaches 1 s
		stages := []guidellm.Stage{sync(150), throughput(capacity*1.3, capacity*130)}
		for k := 1; k <= 8; k++ {
			load := capacity * 1.3 * float64(k) / 8
			ttft := 300 + 700*load/capacity + float64(i%7)*10
			stages = append(stages, rate(load, ttft, 20+25*load/capacity, load*100, achieved(load*0.97)))
		}
		runs = append(runs, mkRun(runSpec{
			source: fmt.Sprintf("runs/%s/%s/%04d.json", model, sc.Name, i),
			model:  model,
			start:  t0.Add(time.Duration(i/(len(models)*len(scenarios))) * 24 * time.Hour),
			prompt: float64(sc.PromptTokens), outp: float64(sc.OutputTokens),
		}, stages...))
	}
	return runs
}

// cpuTime is the process' user+system CPU time. The benchmarks report it per op next to
// ns/op because on a shared 2-core machine wall time mostly measures the neighbours.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op b.N times and reports CPU ms/op and wall ms/op.
func measure(b *testing.B, op func()) {
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/op")
}

// BenchmarkBreakingPointsAndROI is the warm query path over 1,000 decoded runs: both queries,
// frames included (goal for the whole path: p50 ≤ 20 ms).
func BenchmarkBreakingPointsAndROI(b *testing.B) {
	runs := syntheticFleet(1000)
	cfg := testConfig()
	measure(b, func() {
		_ = BreakingPoints(runs, cfg, Filter{}).Frames()
		_ = ROI(runs, cfg, Filter{Scenarios: []string{"chat"}}, ptr(6.0)).Frames()
	})
}

func BenchmarkBreakingPoints(b *testing.B) {
	runs := syntheticFleet(1000)
	cfg := testConfig()
	measure(b, func() { _ = BreakingPoints(runs, cfg, Filter{}).Frames() })
}

func BenchmarkRunsTable(b *testing.B) {
	runs := syntheticFleet(1000)
	cfg := testConfig()
	measure(b, func() { _ = RunsTable(runs, cfg, Filter{}).Frames() })
}

// TestSyntheticFleetBreaks guards the benchmark's input: every run must have a real bracket, or
// the benchmark would measure the cheap "not reached" path; each series has 50 runs of history.
func TestSyntheticFleetBreaks(t *testing.T) {
	res := BreakingPoints(syntheticFleet(1000), testConfig(), Filter{})
	if len(res.Rows) != 20 {
		t.Fatalf("got %d rows, want 5 models × 4 scenarios", len(res.Rows))
	}
	for _, r := range res.Rows {
		if r.Value == nil || r.Runs != 1 || r.PreviousValue == nil {
			t.Errorf("%s: breaking point %v from %d runs, previous %v: %q", r.key(), r.Value, r.Runs, r.PreviousValue, r.Notes)
		}
	}
	hasNotice(t, &res.notices, "the newest run decides each breaking point; older runs are its history (query trend for capacity over time): llama-3-8b · chat (rate): 50 runs")
}
