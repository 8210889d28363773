package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// seedRuns is the seed's worked example: INT4 breaks at 2 req/s on 1 GPU, BF16 at 6 req/s on 4 GPUs.
func seedRuns() []*guidellm.Run {
	return []*guidellm.Run{
		// ttft 800 → 1200 between 1.5 and 2.5 req/s crosses 1000 ms at 2.0; tok/s 150 → 250: 200 at the break
		chatRun("int4.json", "mistral-3-int4", t0,
			sync(150), throughput(2.6, 260), rate(0.5, 300, 20, 50), rate(1.5, 800, 30, 150), rate(2.5, 1200, 40, 250)),
		// ttft 900 → 1100 between 5 and 7 req/s crosses at 6.0; tok/s 500 → 700: 600 at the break
		chatRun("bf16.json", "mistral-3-bf16", t0.Add(time.Hour),
			sync(120), throughput(7.5, 750), rate(1, 300, 15, 100), rate(5, 900, 25, 500), rate(7, 1100, 30, 700)),
	}
}

func rowFor(t *testing.T, res *ROIResult, model string) ROIRow {
	t.Helper()
	for _, r := range res.Rows {
		if r.Model == model {
			return r
		}
	}
	t.Fatalf("no roi row for %s", model)
	return ROIRow{}
}

func intIs(t *testing.T, want int, got *int, what string) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s = %v, want %d", what, got, want)
	}
}

func TestROISeedExample(t *testing.T) {
	res := ROI(seedRuns(), testConfig(), Filter{}, ptr(6.0))
	int4, bf16 := rowFor(t, res, "mistral-3-int4"), rowFor(t, res, "mistral-3-bf16")

	approx(t, 2, int4.Value, "int4 breaking point")
	approx(t, 6, bf16.Value, "bf16 breaking point")
	// INT4: ceil(6 / 2) = 3 replicas × 1 GPU = 3 GPUs × $2.50 = $7.50/h, × 730 = $5,475/month
	intIs(t, 3, int4.Replicas, "int4 replicas")
	intIs(t, 3, int4.GPUsNeeded, "int4 gpus_needed")
	approx(t, 7.5, int4.CostPerHourUSD, "int4 cost per hour")
	approx(t, 5475, int4.CostPerMonthUSD, "int4 cost per month")
	// 2.5 × 1 / (200 × 3600) × 1e6 = 3.4722 $/Mtok
	approx(t, 3.4722222222222223, int4.CostPerMTokUSD, "int4 cost per Mtok")
	// BF16: ceil(6 / 6) = 1 replica × 4 GPUs = $10/h, $7,300/month; 2.5 × 4 / (600 × 3600) × 1e6 = 4.6296 $/Mtok
	intIs(t, 1, bf16.Replicas, "bf16 replicas")
	intIs(t, 4, bf16.GPUsNeeded, "bf16 gpus_needed")
	approx(t, 10, bf16.CostPerHourUSD, "bf16 cost per hour")
	approx(t, 7300, bf16.CostPerMonthUSD, "bf16 cost per month")
	approx(t, 4.62962962962963, bf16.CostPerMTokUSD, "bf16 cost per Mtok")

	if len(res.Verdicts) != 1 {
		t.Fatalf("got %d verdicts, want 1", len(res.Verdicts))
	}
	v := res.Verdicts[0]
	if v.Big != "mistral-3-bf16" || v.Small != "mistral-3-int4" {
		t.Errorf("big/small = %s/%s", v.Big, v.Small)
	}
	approx(t, 3, v.EfficiencyDelta, "efficiency delta 6 / 2")
	intIs(t, 4, v.EqualGPUReplicas, "k = 4 GPUs / 1 GPU")
	approx(t, 8, v.EqualGPUCapacity, "4 × INT4 = 8 req/s")
	approx(t, 6, v.BigCapacity, "BF16 capacity")
	if v.EqualGPUWinner != "mistral-3-int4" || v.Cheaper != "mistral-3-int4" {
		t.Errorf("equal-GPU winner %q, cheaper %q: want mistral-3-int4 for both", v.EqualGPUWinner, v.Cheaper)
	}
	// (10 − 7.5) / 10 = 25 %
	approx(t, 25, v.SavingPct, "saving %")
	want := "At 6 req/s mistral-3-int4 is cheaper: $7.50/h (3 × 1 GPU) vs $10.00/h (1 × 4 GPUs) for mistral-3-bf16, saving 25 %; " +
		"efficiency delta 3×; on the same 4 GPUs: 4 × 2 = 8 req/s > 6 req/s of mistral-3-bf16."
	if v.Text != want {
		t.Errorf("verdict text\n got: %s\nwant: %s", v.Text, want)
	}
}

func TestROIReplicasAreCeiled(t *testing.T) {
	// L = 7: INT4 ceil(3.5) = 4 replicas = $10/h; BF16 ceil(1.167) = 2 replicas = 8 GPUs = $20/h → 50 % saving
	res := ROI(seedRuns(), testConfig(), Filter{}, ptr(7.0))
	int4, bf16 := rowFor(t, res, "mistral-3-int4"), rowFor(t, res, "mistral-3-bf16")
	intIs(t, 4, int4.Replicas, "int4 replicas")
	intIs(t, 2, bf16.Replicas, "bf16 replicas")
	intIs(t, 8, bf16.GPUsNeeded, "bf16 gpus_needed")
	approx(t, 10, int4.CostPerHourUSD, "int4 cost per hour")
	approx(t, 20, bf16.CostPerHourUSD, "bf16 cost per hour")
	approx(t, 50, res.Verdicts[0].SavingPct, "saving %")

	for _, c := range []struct {
		load, capacity float64
		want           int
	}{
		{6, 2, 3}, {6.01, 2, 4}, {0.6, 0.2, 3}, {1.1, 0.1, 11}, {0.7, 0.1, 7}, {0.1, 5, 1}, {5, 5, 1}, {5.0000001, 5, 2},
	} {
		got, ok := replicas(c.load, c.capacity)
		if !ok || got != c.want {
			t.Errorf("replicas(%v, %v) = %d, %v; want %d", c.load, c.capacity, got, ok, c.want)
		}
	}
	if _, ok := replicas(1e12, 1); ok {
		t.Error("replicas beyond the bound must be refused")
	}
}

func TestROIWithoutTargetLoad(t *testing.T) {
	res := ROI(seedRuns(), testConfig(), Filter{}, nil)
	for _, r := range res.Rows {
		if r.Replicas != nil || r.GPUsNeeded != nil || r.CostPerHourUSD != nil || r.CostPerMonthUSD != nil {
			t.Errorf("%s: sizing without a target load: %+v", r.Model, r)
		}
		if r.CostPerMTokUSD == nil || r.Value == nil {
			t.Errorf("%s: capacity and cost per token must still be listed", r.Model)
		}
	}
	hasNotice(t, &res.notices, "no targetLoad: replicas, GPUs needed and cost per hour/month are empty")
	v := res.Verdicts[0]
	// per 1M tokens: INT4 3.4722 vs BF16 4.6296 → (4.6296 − 3.4722) / 4.6296 = 25 %
	if v.Cheaper != "mistral-3-int4" || v.Basis != "cost per 1M output tokens at the breaking point" {
		t.Errorf("cheaper %q by %q", v.Cheaper, v.Basis)
	}
	approx(t, 25, v.SavingPct, "saving %")
	if !strings.HasPrefix(v.Text, "At full capacity mistral-3-int4 is cheaper: $3.47 per 1M tokens vs $4.63 per 1M tokens for mistral-3-bf16, saving 25 %") {
		t.Errorf("verdict text: %s", v.Text)
	}
}

func TestROIInvalidTargetLoad(t *testing.T) {
	res := ROI(seedRuns(), testConfig(), Filter{}, ptr(-3.0))
	if res.TargetLoad != nil || rowFor(t, res, "mistral-3-int4").Replicas != nil {
		t.Error("a negative target load must be ignored")
	}
	hasNotice(t, &res.notices, "targetLoad -3 is not a positive number and was ignored")
}

func TestROIWithoutPricesComparesGPUsOfTheSameType(t *testing.T) {
	cfg := testConfig()
	cfg.GPUPrices = nil
	res := ROI(seedRuns(), cfg, Filter{}, ptr(6.0))
	int4 := rowFor(t, res, "mistral-3-int4")
	intIs(t, 3, int4.GPUsNeeded, "int4 gpus_needed")
	isNull(t, int4.CostPerHourUSD, "cost per hour without a price")
	isNull(t, int4.CostPerMTokUSD, "cost per Mtok without a price")
	hasNotice(t, &res.notices, `no price for GPU type "H100" in gpuPrices: cost is empty: mistral-3-bf16; mistral-3-int4`)
	v := res.Verdicts[0]
	// 3 GPUs vs 4 GPUs → 25 % fewer
	if v.Cheaper != "mistral-3-int4" || v.Basis != "GPUs needed" {
		t.Errorf("cheaper %q by %q", v.Cheaper, v.Basis)
	}
	approx(t, 25, v.SavingPct, "saving %")
	if !strings.Contains(v.Text, "mistral-3-int4 needs fewer GPUs: 3 GPUs (3 × 1 GPU) vs 4 GPUs (1 × 4 GPUs)") {
		t.Errorf("verdict text: %s", v.Text)
	}

	// different GPU types without prices: no cheaper option is named
	runs := seedRuns()
	runs[0].Labels = map[string]string{"gpuType": "L4"}
	res = ROI(runs, cfg, Filter{}, ptr(6.0))
	if v := res.Verdicts[0]; v.Cheaper != "" || v.SavingPct != nil || !strings.Contains(v.Text, "the cheaper option is unknown: the cost of mistral-3-int4 or mistral-3-bf16 is unknown") {
		t.Errorf("cheaper %q, saving %v, text %s", v.Cheaper, v.SavingPct, v.Text)
	}
}

func TestROIMoreThanTwoDeployments(t *testing.T) {
	runs := append(seedRuns(),
		// FP8 on 2 GPUs breaks at 4 req/s (ttft 900 → 1100 between 3 and 5), tok/s 400 there
		chatRun("fp8.json", "mistral-3-fp8", t0.Add(2*time.Hour), rate(3, 900, 25, 300), rate(5, 1100, 30, 500)))
	res := ROI(runs, testConfig(), Filter{}, ptr(6.0))
	if len(res.Verdicts) != 2 {
		t.Fatalf("got %d verdicts, want one per deployment against the biggest", len(res.Verdicts))
	}
	for _, v := range res.Verdicts {
		if v.Big != "mistral-3-bf16" {
			t.Errorf("reference = %s, want the 4-GPU deployment", v.Big)
		}
	}
	fp8 := res.Verdicts[0] // sorted by model: fp8 before int4
	if fp8.Small != "mistral-3-fp8" {
		t.Fatalf("first verdict is %s", fp8.Small)
	}
	// FP8: ceil(6/4) = 2 replicas × 2 GPUs = 4 GPUs = $10/h, same as BF16; k = 2, 2 × 4 = 8 > 6
	approx(t, 0, fp8.SavingPct, "saving %")
	if fp8.Cheaper != "" || fp8.EqualGPUWinner != "mistral-3-fp8" {
		t.Errorf("cheaper %q, equal-GPU winner %q", fp8.Cheaper, fp8.EqualGPUWinner)
	}
	intIs(t, 2, fp8.EqualGPUReplicas, "k = 4 / 2")
	hasNotice(t, &res.verdictNotices, "cheapest deployment per scenario at the target load: chat (rate): mistral-3-int4 at $7.50/h")
}

func TestROISeparatesLoadAxesAndScenarios(t *testing.T) {
	runs := append(seedRuns(),
		mkRun(runSpec{source: "int4-conc.json", model: "mistral-3-int4", start: t0.Add(3 * time.Hour), prompt: 64, outp: 64, profile: "concurrent"},
			conc(2, 500, 20, 100), conc(4, 1500, 30, 200)),
		mkRun(runSpec{source: "int4-sum.json", model: "mistral-3-int4", start: t0.Add(4 * time.Hour), prompt: 512, outp: 128},
			rate(1, 500, 20, 100), rate(2, 1500, 30, 200)),
	)
	res := ROI(runs, testConfig(), Filter{}, ptr(6.0))
	if len(res.Rows) != 4 {
		t.Fatalf("got %d rows, want 4 (chat rate × 2, chat concurrency, summarization)", len(res.Rows))
	}
	if len(res.Verdicts) != 1 || res.Verdicts[0].Axis != AxisRate || res.Verdicts[0].Scenario != "chat" {
		t.Errorf("only the chat rate group has two deployments: %+v", res.Verdicts)
	}
	conc := res.Rows[2]
	if conc.Axis != AxisConcurrency || conc.Scenario != "chat" {
		t.Fatalf("row 2 = %s %s", conc.Scenario, conc.Axis)
	}
	// 6 concurrent streams / 3 streams per replica = 2 replicas
	intIs(t, 2, conc.Replicas, "concurrency replicas")
	hasNotice(t, &res.notices, "scenarios with both rate and concurrency sweeps are compared separately, never req/s against streams")
	hasNotice(t, &res.notices, "deployments are compared within each scenario (chat, summarization)")
	hasNotice(t, &res.verdictNotices, "only one deployment to compare")
}

func TestROIUnknownBreakingPoint(t *testing.T) {
	runs := seedRuns()
	// the lowest tested load already fails: neither a breaking point nor a lower bound
	runs[1] = chatRun("bf16.json", "mistral-3-bf16", t0.Add(time.Hour), rate(1, 1300, 15, 100), rate(8, 1900, 25, 800))
	res := ROI(runs, testConfig(), Filter{}, ptr(6.0))
	bf16 := rowFor(t, res, "mistral-3-bf16")
	isNull(t, bf16.Value, "breaking point below the lowest load")
	if bf16.Replicas != nil || bf16.CostPerHourUSD != nil || bf16.Basis != "" {
		t.Error("an unknown capacity must leave replicas, cost and basis empty")
	}
	hasNotice(t, &res.notices, "deployments without a breaking point or lower bound cannot be sized")
	hasNotice(t, &res.verdictNotices, "deployments left out of the comparison (no breaking point, no lower bound or no GPU count): mistral-3-bf16 · chat (rate)")
	if len(res.Verdicts) != 0 {
		t.Errorf("nothing to compare, got %+v", res.Verdicts)
	}
}
