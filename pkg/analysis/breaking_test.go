package analysis

import (
	"strings"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func sync(ttft float64) guidellm.Stage { return stage("synchronous", 0, ttft, 15, 30) }

func throughput(rps, tps float64) guidellm.Stage {
	// an overload probe: latencies far beyond the SLA must not influence the curve
	return stage("throughput", rps, 9000, 200, tps)
}

type bpWant struct {
	axis       LoadAxis
	lastPass   *float64
	firstFail  *float64
	value      *float64
	constraint Constraint
	capacity   *float64
	lowerBound *float64
	previous   *float64
	change     *float64
	confidence string
	notes      []string // substrings that must appear in the notes
	noNotes    []string // substrings that must not
}

func TestBreakingPointRules(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name string
		runs []*guidellm.Run
		want bpWant
	}{
		{
			name: "interpolation on ttft",
			runs: []*guidellm.Run{chatRun("a", "m", t0,
				sync(200), throughput(3.4, 340),
				rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))},
			// 2 + (1000-800)/(1200-800) × (3-2) = 2.5; output tok/s 200 + 0.5 × 100 = 250
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceHigh, notes: []string{"saturation capacity (throughput stage): 3.4 req/s, 340 output tok/s"}},
		},
		{
			name: "interpolation on itl",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 300, 30, 100), rate(2, 400, 40, 200), rate(4, 600, 60, 300))},
			// 2 + (50-40)/(60-40) × (4-2) = 3; output tok/s 200 + 0.5 × 100 = 250
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(4.0), value: ptr(3.0), constraint: ConstraintITL,
				capacity: ptr(250.0), confidence: ConfidenceHigh},
		},
		{
			name: "the first metric to cross decides",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(2, 800, 40, 200), rate(3, 1100, 100, 250))},
			// ttft crosses at 2 + 200/300 = 2.667, itl at 2 + 10/60 = 2.1667
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2 + 10.0/60), constraint: ConstraintITL,
				capacity: ptr(200 + 10.0/60*50), confidence: ConfidenceHigh, notes: []string{"also failing at first_fail: ttft_p95"}},
		},
		{
			name: "interpolation on error rate",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(2, 500, 20, 200), rate(3, 600, 25, 250, counts(95, 5, 0)))},
			// error rate 0 → 5 %: crosses 1 % at 2 + 0.01/0.05 = 2.2
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.2), constraint: ConstraintErrorRate,
				capacity: ptr(210.0), confidence: ConfidenceHigh},
		},
		{
			name: "saturation-only failure uses first_fail's achieved rate",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 300, 20, 100), rate(2, 400, 22, 200), rate(4, 600, 30, 300, achieved(3)))},
			// achieved 3 < 0.9 × 4; latencies pass → breaking point 3 req/s; capacity is that stage's own
			// measured 300 tok/s (interpolating along the offered axis would say 200 + (3-2)/2 × 100 = 250)
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(4.0), value: ptr(3.0), constraint: ConstraintSaturation,
				capacity: ptr(300.0), confidence: ConfidenceHigh, notes: []string{"only saturation fails at first_fail: breaking point = its achieved rate 3 req/s",
					"capacity is the output tok/s measured at that stage: 300"}},
		},
		{
			name: "saturation-only failure is clamped to the bracket",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 300, 20, 100), rate(2, 400, 22, 200), rate(2.5, 450, 24, 180, achieved(1.8)))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(2.5), value: ptr(2.0), constraint: ConstraintSaturation,
				capacity: ptr(200.0), confidence: ConfidenceHigh, notes: []string{"breaking point 1.8 req/s clamped to the bracket [2, 2.5]"}},
		},
		{
			name: "saturation from incomplete requests and guidellm's flag",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 300, 20, 100), rate(2, 400, 22, 200, counts(110, 0, 10), overSaturated, achieved(1.9)))},
			// the saturated stage's own 200 tok/s
			want: bpWant{axis: AxisRate, lastPass: ptr(1.0), firstFail: ptr(2.0), value: ptr(1.9), constraint: ConstraintSaturation,
				capacity: ptr(200.0), confidence: ConfidenceHigh},
		},
		{
			name: "cold start: a failing low stage below passing ones is listed, never the break",
			runs: []*guidellm.Run{chatRun("a", "m", t0,
				rate(0.5, 1500, 20, 50), rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceMedium,
				notes: []string{"failures below last_pass 2 req/s, not the break (cold start or noise): 0.5 req/s (ttft_p95 1500 ms > 1000 ms)"}},
		},
		{
			name: "failing synchronous baseline while higher loads pass",
			runs: []*guidellm.Run{chatRun("a", "m", t0, sync(3000), rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceMedium,
				notes: []string{"synchronous baseline of a fails (ttft_p95 3000 ms > 1000 ms) while higher loads pass: a cold start"}},
		},
		{
			name: "not reached",
			runs: []*guidellm.Run{chatRun("a", "m", t0, sync(200), rate(1, 300, 20, 100), rate(2, 400, 22, 200), rate(8, 900, 45, 800))},
			// no break: capacity ≥ 8 req/s, with the 800 tok/s measured there
			want: bpWant{axis: AxisRate, lastPass: ptr(8.0), lowerBound: ptr(8.0), capacity: ptr(800.0), confidence: ConfidenceNone,
				notes: []string{"not reached, ≥ max tested (8 req/s passes): capacity_lower_bound = last_pass"}},
		},
		{
			name: "below the lowest tested load",
			runs: []*guidellm.Run{chatRun("a", "m", t0, sync(1800), rate(1, 1300, 20, 100), rate(2, 2400, 22, 200))},
			want: bpWant{axis: AxisRate, firstFail: ptr(1.0), constraint: ConstraintTTFT, confidence: ConfidenceNone,
				notes: []string{"below the lowest tested load: 1 req/s already fails (ttft_p95 1300 ms > 1000 ms)",
					"synchronous baseline of a fails too"}},
		},
		{
			name: "fewer than 59 successful requests in a deciding stage",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200, counts(40, 0, 0)), rate(3, 1200, 30, 300))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceLow,
				notes: []string{"deciding stage at 2 req/s has 40 successful requests (< 59 needed to claim p95 at 95 % confidence)"}},
		},
		{
			name: "few samples outside the bracket do not lower confidence",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 500, 20, 100, counts(30, 0, 0)), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceHigh, noNotes: []string{"successful requests"}},
		},
		{
			name: "concurrency axis: streams are the load",
			runs: []*guidellm.Run{mkRun(runSpec{source: "c", model: "m", prompt: 64, outp: 64, profile: "concurrent"},
				conc(1, 300, 20, 60), conc(4, 600, 30, 220), conc(16, 1400, 45, 700))},
			// 4 + (1000-600)/(1400-600) × 12 = 10 streams; tok/s 220 + 0.5 × 480 = 460
			want: bpWant{axis: AxisConcurrency, lastPass: ptr(4.0), firstFail: ptr(16.0), value: ptr(10.0), constraint: ConstraintTTFT,
				capacity: ptr(460.0), confidence: ConfidenceHigh},
		},
		{
			name: "concurrency axis, saturation-only: first_fail's mean concurrency",
			runs: []*guidellm.Run{mkRun(runSpec{source: "c", model: "m", prompt: 64, outp: 64, profile: "concurrent"},
				conc(4, 600, 30, 220), conc(16, 800, 40, 700, counts(100, 0, 16), concurrencyMean(12)))},
			want: bpWant{axis: AxisConcurrency, lastPass: ptr(4.0), firstFail: ptr(16.0), value: ptr(12.0), constraint: ConstraintSaturation,
				capacity: ptr(700.0), confidence: ConfidenceHigh, notes: []string{"its mean concurrency 12 streams"}},
		},
		{
			name: "the newest run decides; the one before gives the change",
			runs: []*guidellm.Run{
				chatRun("day1", "m", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300)),
				chatRun("day2", "m", t0.Add(day), rate(1, 400, 20, 100), rate(2, 1100, 25, 190)),
			},
			// day2 alone: ttft 400 → 1100 crosses 1000 at 1 + 600/700 = 1.857; tok/s 100 + 6/7 × 90 = 177.14.
			// day1 broke at 2.5: change (1.857 − 2.5) / 2.5 = −25.7 %
			want: bpWant{axis: AxisRate, lastPass: ptr(1.0), firstFail: ptr(2.0), value: ptr(1 + 600.0/700), constraint: ConstraintTTFT,
				capacity: ptr(100 + 600.0/700*90), previous: ptr(2.5), change: ptr((1 + 600.0/700 - 2.5) / 2.5 * 100), confidence: ConfidenceHigh},
		},
		{
			name: "a synchronous-only run joins the model's curve",
			runs: []*guidellm.Run{
				chatRun("sweep", "m", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300)),
				mkRun(runSpec{source: "sync", model: "m", start: t0.Add(time.Hour), prompt: 64, outp: 64, profile: "synchronous"}, sync(2500)),
			},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceMedium, notes: []string{"synchronous baseline of sync fails"}},
		},
		{
			name: "only synchronous and throughput stages: no curve",
			runs: []*guidellm.Run{mkRun(runSpec{source: "s", model: "m", prompt: 64, outp: 64}, sync(200), throughput(5, 500))},
			want: bpWant{axis: AxisRate, confidence: ConfidenceNone, notes: []string{"no rate stages to build a curve from", "saturation capacity (throughput stage): 5 req/s"}},
		},
		{
			name: "stages that cannot be judged are left out",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 500, 20, 100), rate(1.5, 600, 20, 150, counts(0, 0, 0)), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))},
			want: bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
				capacity: ptr(250.0), confidence: ConfidenceMedium, notes: []string{"stages that cannot be judged are left out (unknown neither passes nor fails): 1.5 req/s (no requests)"}},
		},
		{
			name: "first_fail without successful requests (hence saturated): its achieved rate, clamped",
			runs: []*guidellm.Run{chatRun("a", "m", t0, rate(1, 500, 20, 100), rate(2, 0, 0, 0, counts(0, 0, 0), func(s *guidellm.Stage) { s.Total = 50; s.AchievedRPS = 0 }))},
			want: bpWant{axis: AxisRate, lastPass: ptr(1.0), firstFail: ptr(2.0), value: ptr(1.0), constraint: ConstraintSaturation,
				capacity: ptr(100.0), confidence: ConfidenceLow, notes: []string{"clamped"}},
		},
	}
	cfg := testConfig()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := BreakingPoints(c.runs, cfg, Filter{})
			if len(res.Rows) != 1 {
				t.Fatalf("got %d rows, want 1: %+v", len(res.Rows), res.Rows)
			}
			checkBP(t, res.Rows[0], c.want)
		})
	}
}

func checkBP(t *testing.T, b BreakingPoint, w bpWant) {
	t.Helper()
	if b.Axis != w.axis {
		t.Errorf("axis = %s, want %s", b.Axis, w.axis)
	}
	for _, f := range []struct {
		name      string
		got, want *float64
	}{{"last_pass", b.LastPass, w.lastPass}, {"first_fail", b.FirstFail, w.firstFail}, {"breaking_point", b.Value, w.value}, {"capacity_output_tps", b.CapacityOutputTPS, w.capacity},
		{"capacity_lower_bound", b.LowerBound, w.lowerBound}, {"previous_breaking_point", b.PreviousValue, w.previous}, {"change_pct", b.ChangePct, w.change}} {
		if f.want == nil {
			isNull(t, f.got, f.name)
		} else {
			approx(t, *f.want, f.got, f.name)
		}
	}
	if b.FailedConstraint != w.constraint {
		t.Errorf("failed_constraint = %q, want %q", b.FailedConstraint, w.constraint)
	}
	if b.Confidence != w.confidence {
		t.Errorf("confidence = %s, want %s (notes: %q)", b.Confidence, w.confidence, b.Notes)
	}
	notes := strings.Join(b.Notes, "\n")
	for _, s := range w.notes {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
	for _, s := range w.noNotes {
		if strings.Contains(notes, s) {
			t.Errorf("notes contain %q:\n%s", s, notes)
		}
	}
}

func TestBreakingPointsSeparateLoadAxes(t *testing.T) {
	runs := []*guidellm.Run{
		chatRun("rate", "m", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300)),
		mkRun(runSpec{source: "conc", model: "m", start: t0.Add(time.Hour), prompt: 64, outp: 64, profile: "concurrent"},
			conc(2, 500, 20, 100), conc(4, 1500, 30, 200)),
	}
	res := BreakingPoints(runs, testConfig(), Filter{})
	if len(res.Rows) != 2 {
		t.Fatalf("got %d rows, want a rate row and a concurrency row", len(res.Rows))
	}
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT, capacity: ptr(250.0), confidence: ConfidenceHigh})
	// 2 + 500/1000 × 2 = 3 streams
	checkBP(t, res.Rows[1], bpWant{axis: AxisConcurrency, lastPass: ptr(2.0), firstFail: ptr(4.0), value: ptr(3.0), constraint: ConstraintTTFT, capacity: ptr(150.0), confidence: ConfidenceHigh})
	if res.Rows[0].Runs != 1 || res.Rows[1].Runs != 1 {
		t.Errorf("each axis has its own run: %d, %d", res.Rows[0].Runs, res.Rows[1].Runs)
	}
}

func TestBreakingPointCost(t *testing.T) {
	// capacity 250 tok/s on 4 × H100 at $2.50: 2.5 × 4 / (250 × 3600) × 1e6 = 11.111 $/Mtok
	runs := []*guidellm.Run{chatRun("a", "mistral-3-bf16", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))}
	res := BreakingPoints(runs, testConfig(), Filter{})
	b := res.Rows[0]
	approx(t, 62.5, b.OutputTPSPerGPU, "output_tps_per_gpu")
	approx(t, 2.5*4/(250*3600.0)*1e6, b.CostPerMTokUSD, "cost_per_mtok_usd")
	approx(t, 11.11111111111111, b.CostPerMTokUSD, "cost_per_mtok_usd (by hand)")
	if !res.notices.empty() {
		t.Errorf("unexpected notices:\n%s", noticeTexts(&res.notices))
	}
}

func TestDeploymentResolution(t *testing.T) {
	sweep := func() []guidellm.Stage {
		return []guidellm.Stage{rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300)}
	}
	cases := []struct {
		name      string
		spec      runSpec
		dep       DeploymentInfo
		perGPU    *float64
		cost      *float64
		notice    string
		model     string
		noNotices bool
	}{
		{
			name: "catalog entry",
			spec: runSpec{model: "mistral-3-int4"},
			dep:  DeploymentInfo{Model: "mistral-3-int4", GPUs: 1, GPUType: "H100", Quantization: "int4", PricePerGPUHour: ptr(2.5)},
			// 2.5 × 1 / (250 × 3600) × 1e6
			perGPU: ptr(250.0), cost: ptr(2.7777777777777777), noNotices: true,
		},
		{
			name:   "labels override the catalog (gpu_type and quant aliases)",
			spec:   runSpec{model: "mistral-3-int4", labels: map[string]string{"gpus": "2", "gpu_type": "L40S", "quant": "w4a16"}},
			dep:    DeploymentInfo{Model: "mistral-3-int4", GPUs: 2, GPUType: "L40S", Quantization: "w4a16", PricePerGPUHour: ptr(1.2)},
			perGPU: ptr(125.0), cost: ptr(1.2 * 2 / (250 * 3600.0) * 1e6), noNotices: true,
		},
		{
			name:   "model label overrides the report's model",
			spec:   runSpec{model: "/models/mistral", labels: map[string]string{"model": "mistral-3-bf16"}},
			dep:    DeploymentInfo{Model: "mistral-3-bf16", GPUs: 4, GPUType: "H100", Quantization: "bf16", PricePerGPUHour: ptr(2.5)},
			perGPU: ptr(62.5), cost: ptr(11.11111111111111), noNotices: true,
		},
		{
			name:   "no catalog entry and no labels",
			spec:   runSpec{model: "llama-3-8b"},
			dep:    DeploymentInfo{Model: "llama-3-8b"},
			notice: "models without a deployments catalog entry and without gpus/gpuType labels: per-GPU numbers and cost are empty: llama-3-8b",
		},
		{
			name:   "labels alone describe the deployment",
			spec:   runSpec{model: "llama-3-8b", labels: map[string]string{"gpus": "1", "gpuType": "L40S", "quantization": "fp8"}},
			dep:    DeploymentInfo{Model: "llama-3-8b", GPUs: 1, GPUType: "L40S", Quantization: "fp8", PricePerGPUHour: ptr(1.2)},
			perGPU: ptr(250.0), cost: ptr(1.2 / (250 * 3600.0) * 1e6), noNotices: true,
		},
		{
			name:   "missing price: null cost and a notice",
			spec:   runSpec{model: "mistral-3-int4", labels: map[string]string{"gpuType": "A100"}},
			dep:    DeploymentInfo{Model: "mistral-3-int4", GPUs: 1, GPUType: "A100", Quantization: "int4"},
			perGPU: ptr(250.0),
			notice: `no price for GPU type "A100" in gpuPrices: cost is empty: mistral-3-int4`,
		},
		{
			name:   "GPU type without GPU count",
			spec:   runSpec{model: "llama-3-8b", labels: map[string]string{"gpuType": "H100"}},
			dep:    DeploymentInfo{Model: "llama-3-8b", GPUType: "H100", PricePerGPUHour: ptr(2.5)},
			notice: `models without a GPU count (catalog "gpus" or label gpus=N): per-GPU numbers and cost are empty: llama-3-8b`,
		},
		{
			name:   "a gpus label that is not a count is ignored and said",
			spec:   runSpec{model: "mistral-3-int4", labels: map[string]string{"gpus": "four"}},
			dep:    DeploymentInfo{Model: "mistral-3-int4", GPUs: 1, GPUType: "H100", Quantization: "int4", PricePerGPUHour: ptr(2.5)},
			perGPU: ptr(250.0), cost: ptr(2.7777777777777777),
			notice: `"gpus" labels that are not a GPU count (1..1024) were ignored: r (gpus="four")`,
		},
		{
			name:   "no model at all",
			spec:   runSpec{},
			dep:    DeploymentInfo{Model: unknownName},
			model:  unknownName,
			notice: `runs without a model (no "model" label and none in the report) are shown as model "unknown": r`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := c.spec
			spec.source, spec.prompt, spec.outp = "r", 64, 64
			res := BreakingPoints([]*guidellm.Run{mkRun(spec, sweep()...)}, testConfig(), Filter{})
			if len(res.Rows) != 1 {
				t.Fatalf("got %d rows", len(res.Rows))
			}
			b := res.Rows[0]
			got := b.Deployment
			if got.Model != c.dep.Model || got.GPUs != c.dep.GPUs || got.GPUType != c.dep.GPUType || got.Quantization != c.dep.Quantization {
				t.Errorf("deployment = %+v, want %+v", got, c.dep)
			}
			if c.dep.PricePerGPUHour == nil {
				isNull(t, got.PricePerGPUHour, "price")
			} else {
				approx(t, *c.dep.PricePerGPUHour, got.PricePerGPUHour, "price")
			}
			if c.perGPU == nil {
				isNull(t, b.OutputTPSPerGPU, "output_tps_per_gpu")
			} else {
				approx(t, *c.perGPU, b.OutputTPSPerGPU, "output_tps_per_gpu")
			}
			if c.cost == nil {
				isNull(t, b.CostPerMTokUSD, "cost_per_mtok_usd")
			} else {
				approx(t, *c.cost, b.CostPerMTokUSD, "cost_per_mtok_usd")
			}
			approx(t, 250, b.CapacityOutputTPS, "capacity does not depend on the deployment")
			if c.notice != "" {
				hasNotice(t, &res.notices, c.notice)
			}
			if c.noNotices && !res.notices.empty() {
				t.Errorf("unexpected notices:\n%s", noticeTexts(&res.notices))
			}
		})
	}
}

func TestEachDeploymentHasItsOwnRow(t *testing.T) {
	runs := []*guidellm.Run{
		mkRun(runSpec{source: "old", model: "m", start: t0, prompt: 64, outp: 64, labels: map[string]string{"gpus": "1", "gpuType": "H100"}},
			rate(1, 500, 20, 100), rate(2, 800, 25, 200)),
		mkRun(runSpec{source: "new", model: "m", start: t0.Add(time.Hour), prompt: 64, outp: 64, labels: map[string]string{"gpus": "2", "gpuType": "H100"}},
			rate(3, 1200, 30, 300)),
	}
	res := BreakingPoints(runs, testConfig(), Filter{})
	if len(res.Rows) != 2 || res.Rows[0].Deployment.GPUs != 1 || res.Rows[1].Deployment.GPUs != 2 {
		t.Fatalf("want a row for 1 GPU and one for 2 GPUs, got %+v", res.Rows)
	}
	hasNotice(t, &res.notices, "models measured on several deployments (gpus, gpuType or quantization) have a row per deployment: m")
	lacksNotice(t, &res.notices, "older runs are its history")
}

func TestScenarioNames(t *testing.T) {
	cfg := testConfig()
	cfg.Scenarios = append(cfg.Scenarios, ScenarioDef{Name: "rag", PromptTokens: 4096, OutputTokens: 512})
	cases := []struct {
		name           string
		labels         map[string]string
		prompt, output float64
		want           string
		notice         string
	}{
		{"label wins", map[string]string{"scenario": "support-bot"}, 64, 64, "support-bot", ""},
		{"catalog by tokens", nil, 512, 128, "summarization", ""},
		{"user scenario by tokens", nil, 4096, 512, "rag", ""},
		{"no catalog entry", nil, 300, 100, "p300-o100", ""},
		{"no configured tokens", nil, 0, 0, unknownName, `shown as scenario "unknown"`},
		{"only one token count", nil, 64, 0, unknownName, `shown as scenario "unknown"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mkRun(runSpec{source: "r", model: "m", labels: c.labels, prompt: c.prompt, outp: c.output}, rate(1, 500, 20, 100))
			// measured token means must not be used to guess the scenario
			r.Stages[0].PromptTokensMean, r.Stages[0].OutputTokensMean = 64, 64
			res := RunsTable([]*guidellm.Run{r}, cfg, Filter{})
			if got := res.Rows[0].Scenario; got != c.want {
				t.Errorf("scenario = %q, want %q", got, c.want)
			}
			if c.notice != "" {
				hasNotice(t, &res.notices, c.notice)
			} else if !res.notices.empty() {
				t.Errorf("unexpected notices:\n%s", noticeTexts(&res.notices))
			}
		})
	}
}

// A Config without SLA and scenarios (a caller that skipped the settings' defaults) gets the
// seed's thresholds and scenario names, not thresholds of 0 that fail every stage.
func TestZeroConfigUsesDefaults(t *testing.T) {
	runs := []*guidellm.Run{chatRun("a", "m", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(3, 1200, 30, 300))}
	res := BreakingPoints(runs, Config{}, Filter{})
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT, capacity: ptr(250.0), confidence: ConfidenceHigh})
	if res.Rows[0].Scenario != "chat" {
		t.Errorf("scenario = %q, want chat", res.Rows[0].Scenario)
	}
	hasNotice(t, &res.notices, "models without a deployments catalog entry")
}

func TestRunsWithoutStages(t *testing.T) {
	runs := []*guidellm.Run{chatRun("empty.json", "m", t0)}
	bp := BreakingPoints(runs, testConfig(), Filter{})
	hasNotice(t, &bp.notices, "the matching runs have no stages")
	roi := ROI(runs, testConfig(), Filter{}, ptr(1.0))
	hasNotice(t, &roi.notices, "the matching runs have no stages")
	rt := RunsTable(runs, testConfig(), Filter{})
	hasNotice(t, &rt.notices, "runs without stages: empty.json")
	an := Annotations(runs, testConfig(), Filter{})
	hasNotice(t, &an.notices, "runs without stage times have no window to annotate: empty.json")
}
