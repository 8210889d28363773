package analysis

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Nightly history: runs of one deployment a day apart. mkRun gives each stage 2 minutes from the
// run's start, so a 3-stage run started at 10:00 ends at 10:06.

func regressionRuns() []*guidellm.Run {
	day := 24 * time.Hour
	return []*guidellm.Run{
		// ttft 900 → 1100 between 3 and 4 req/s crosses 1000 ms at 3 + 100/200 = 3.5
		chatRun("int4-day1.json", "mistral-3-int4", t0, rate(1, 400, 20, 100), rate(3, 900, 25, 300), rate(4, 1100, 30, 400)),
		// ttft 900 → 1900 between 2 and 3 req/s crosses at 2 + 100/1000 = 2.1; tok/s 200 + 0.1 × 100 = 210
		chatRun("int4-day2.json", "mistral-3-int4", t0.Add(day), rate(1, 400, 20, 100), rate(2, 900, 25, 200), rate(3, 1900, 30, 300)),
	}
}

func TestNewestRunDecidesAndRegressionIsWarned(t *testing.T) {
	res := BreakingPoints(regressionRuns(), testConfig(), Filter{})
	if len(res.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(res.Rows))
	}
	// (2.1 − 3.5) / 3.5 = −40 %
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.1), constraint: ConstraintTTFT,
		capacity: ptr(210.0), previous: ptr(3.5), change: ptr(-40.0), confidence: ConfidenceHigh})
	b := res.Rows[0]
	if b.RunTime == nil || !b.RunTime.Equal(t0.Add(24*time.Hour+6*time.Minute)) {
		t.Errorf("run_time = %v, want the end of day 2's run", b.RunTime)
	}
	if b.Runs != 1 {
		t.Errorf("runs = %d, want 1: runs of different days are never merged", b.Runs)
	}
	hasNotice(t, &res.notices, "capacity regression: mistral-3-int4 · chat 3.5 → 2.1 req/s (−40 %) between 2026-03-02 10:06 UTC and 2026-03-03 10:06 UTC")
	lacksNotice(t, &res.notices, "cold start or noise")

	// roi sizes on the newest run: ceil(6 / 2.1) = 3 replicas (the merged answer 3.5 gave 2)
	roi := ROI(regressionRuns(), testConfig(), Filter{}, ptr(6.0))
	intIs(t, 3, rowFor(t, roi, "mistral-3-int4").Replicas, "replicas")

	// latestOnly changes nothing: it is the default behaviour
	again := BreakingPoints(regressionRuns(), testConfig(), Filter{LatestOnly: true})
	approx(t, 2.1, again.Rows[0].Value, "breaking point with latestOnly")
	approx(t, -40, again.Rows[0].ChangePct, "change with latestOnly")
}

func TestDifferentShapeOrHardwareIsAnotherHistory(t *testing.T) {
	runs := regressionRuns()
	// same scenario label but another request shape: not comparable with day 1
	runs[1].Labels = map[string]string{"scenario": "chat"}
	runs[1].PromptTokens = 128
	res := BreakingPoints(runs, testConfig(), Filter{})
	if len(res.Rows) != 2 {
		t.Fatalf("got %d rows, want one per request shape", len(res.Rows))
	}
	for _, r := range res.Rows {
		isNull(t, r.ChangePct, "change_pct across shapes")
	}
	lacksNotice(t, &res.notices, "capacity regression")
}

func TestRefinementRunMerges(t *testing.T) {
	base := chatRun("runs/base.json", "mistral-3-int4", t0, rate(1, 500, 20, 100), rate(2, 800, 25, 200), rate(4, 1400, 30, 400))
	refine := mkRun(runSpec{source: "runs/refine.json", model: "mistral-3-int4", start: t0.Add(2 * time.Hour), prompt: 64, outp: 64,
		labels: map[string]string{"refines": "runs/base.json"}}, rate(2.5, 900, 25, 250), rate(3, 1100, 28, 300))
	res := BreakingPoints([]*guidellm.Run{base, refine}, testConfig(), Filter{})
	if len(res.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(res.Rows))
	}
	// levels 1, 2, 2.5 pass; 3 fails: 2.5 + (1000 − 900)/(1100 − 900) × 0.5 = 2.75; tok/s 250 + 0.5 × 50 = 275
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(2.5), firstFail: ptr(3.0), value: ptr(2.75), constraint: ConstraintTTFT,
		capacity: ptr(275.0), confidence: ConfidenceHigh})
	if res.Rows[0].Runs != 2 || res.Rows[0].PreviousValue != nil {
		t.Errorf("runs = %d, previous = %v: want the run and its refinement as one, without history", res.Rows[0].Runs, res.Rows[0].PreviousValue)
	}
	hasNotice(t, &res.notices, "breaking points combine a run with the runs that refine it (label refines=<run id>): mistral-3-int4 · chat (rate): 2 runs")

	// a refinement of a run that is not there stands alone, and says so
	alone := BreakingPoints([]*guidellm.Run{refine}, testConfig(), Filter{})
	hasNotice(t, &alone.notices, "refinement runs whose refined run is not among the matching runs")
}

func TestNaNStageIsUnknownNeverPasses(t *testing.T) {
	nan := math.NaN()
	runs := []*guidellm.Run{chatRun("nan.json", "mistral-3-int4", t0,
		rate(1, 500, 20, 100), rate(2, nan, 25, 200), rate(3, 1200, 30, 300))}
	res := BreakingPoints(runs, testConfig(), Filter{})
	// the 2 req/s stage neither passes nor fails: the bracket is [1, 3],
	// 1 + (1000 − 500)/(1200 − 500) × 2 = 2.4286; tok/s 100 + 0.7143 × 200 = 242.86
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(1.0), firstFail: ptr(3.0), value: ptr(1 + 500.0/700*2), constraint: ConstraintTTFT,
		capacity: ptr(100 + 500.0/700*200), confidence: ConfidenceMedium,
		notes: []string{"stages that cannot be judged are left out (unknown neither passes nor fails): 2 req/s (ttft_p95 unknown)"}})
	rows := RunsTable(runs, testConfig(), Filter{}).Rows
	if v := rows[1].Verdict; v.Status != StatusUnknown || v.Pass() || v.TTFTp95Ms != nil {
		t.Errorf("NaN stage: status %s, pass %v, ttft %v: want Unknown, not passing, null", v.Status, v.Pass(), v.TTFTp95Ms)
	}
}

func TestKnownFailureFailsWhateverIsUnknown(t *testing.T) {
	s := rate(2, math.NaN(), 70, 200) // ITL 70 ms > 50 ms acceptable, TTFT unknown
	v := EvaluateStage(&s, DefaultSLA())
	if v.Status != StatusDegraded || v.Pass() || v.DecidedBy != ConstraintITL {
		t.Errorf("status %s (%s), pass %v: want Degraded by itl_p95, failing", v.Status, v.DecidedBy, v.Pass())
	}
}

func TestLateStartBurstIsNoted(t *testing.T) {
	runs := []*guidellm.Run{mkRun(runSpec{source: "burst.json", model: "m", prompt: 64, outp: 64, profile: "poisson"},
		stage("poisson", 1, 300, 20, 100, achieved(5.9)), stage("poisson", 2, 800, 25, 200), stage("poisson", 3, 1200, 30, 300, achieved(3.2)))}
	res := BreakingPoints(runs, testConfig(), Filter{})
	// 5.9 > 1.1 × 1 is a burst; 3.2 ≤ 1.1 × 3 = 3.3 is not. The bracket is unchanged: 2.5 req/s
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(2.0), firstFail: ptr(3.0), value: ptr(2.5), constraint: ConstraintTTFT,
		capacity: ptr(250.0), confidence: ConfidenceMedium,
		notes:   []string{"late-start burst (achieved rate more than 10 % above offered", "burst.json stage 0: achieved 5.9 req/s at offered 1 req/s"},
		noNotes: []string{"stage 2: achieved"}})
}

// neverBroke is a 4-GPU BF16 deployment that passes every tested load up to 8 req/s (800 tok/s there).
func neverBroke() *guidellm.Run {
	return chatRun("bf16.json", "mistral-3-bf16", t0.Add(time.Hour), rate(2, 300, 15, 200), rate(4, 500, 20, 400), rate(8, 800, 30, 800))
}

func TestDeploymentThatDidNotBreak(t *testing.T) {
	res := BreakingPoints([]*guidellm.Run{neverBroke()}, testConfig(), Filter{})
	// no break: capacity ≥ 8 req/s; cost at most 2.5 × 4 / (800 × 3600) × 1e6 = 3.4722 $/Mtok
	checkBP(t, res.Rows[0], bpWant{axis: AxisRate, lastPass: ptr(8.0), lowerBound: ptr(8.0), capacity: ptr(800.0), confidence: ConfidenceNone})
	approx(t, 3.4722222222222223, res.Rows[0].CostPerMTokUSD, "cost per Mtok at the bound")

	roi := ROI([]*guidellm.Run{neverBroke()}, testConfig(), Filter{}, ptr(6.0))
	row := rowFor(t, roi, "mistral-3-bf16")
	// sized on the bound: ceil(6 / 8) = 1 replica × 4 GPUs = $10/h (an upper bound)
	if row.Basis != BasisLowerBound {
		t.Errorf("basis = %q, want %q", row.Basis, BasisLowerBound)
	}
	intIs(t, 1, row.Replicas, "replicas")
	intIs(t, 4, row.GPUsNeeded, "gpus needed")
	approx(t, 10, row.CostPerHourUSD, "cost per hour")
	hasNotice(t, &roi.notices, "deployments that did not break are sized on their capacity lower bound")
}

func TestVerdictWithALowerBound(t *testing.T) {
	cfg := testConfig()
	t.Run("open: the bound is shown dearer", func(t *testing.T) {
		// INT4 breaks at 2 req/s: ceil(6/2) = 3 × 1 GPU = $7.50/h; BF16 ≥ 8 req/s: 1 × 4 GPUs ≤ $10/h.
		// BF16 may be cheaper with its true capacity (ceil(6/c) = 1 already; at full load the per-token
		// cost could be lower), so nothing is decided: test BF16 above 8 req/s.
		runs := []*guidellm.Run{seedRuns()[0], neverBroke()}
		res := ROI(runs, cfg, Filter{}, ptr(6.0))
		if len(res.Verdicts) != 1 {
			t.Fatalf("got %d verdicts, want 1 (the bound deployment is compared)", len(res.Verdicts))
		}
		v := res.Verdicts[0]
		if v.Decided || v.Cheaper != "" || v.SavingPct != nil {
			t.Errorf("decided %v, cheaper %q, saving %v: want undecided", v.Decided, v.Cheaper, v.SavingPct)
		}
		if !strings.Contains(v.Text, "run mistral-3-bf16 above 8 req/s") {
			t.Errorf("verdict does not say what to test next: %s", v.Text)
		}
	})
	t.Run("decided: the bound is already cheaper", func(t *testing.T) {
		// INT4 breaks at 1 req/s: ceil(6/1) = 6 × 1 GPU = $15/h; BF16 ≤ $10/h whatever its true capacity:
		// BF16 is cheaper, saving ≥ (15 − 10)/15 = 33.3 %
		int4 := chatRun("int4.json", "mistral-3-int4", t0, rate(0.5, 500, 20, 50), rate(1.5, 1500, 30, 150))
		res := ROI([]*guidellm.Run{int4, neverBroke()}, cfg, Filter{}, ptr(6.0))
		approx(t, 1, rowFor(t, res, "mistral-3-int4").Value, "int4 breaking point 0.5 + 500/1000")
		v := res.Verdicts[0]
		if !v.Decided || v.Cheaper != "mistral-3-bf16" {
			t.Errorf("decided %v, cheaper %q: want decided for mistral-3-bf16 (%s)", v.Decided, v.Cheaper, v.Text)
		}
		approx(t, 100.0/3, v.SavingPct, "saving")
		if !strings.Contains(v.Text, "saving ≥ 33.33 %") {
			t.Errorf("verdict: %s", v.Text)
		}
	})
}

func TestHeadroom(t *testing.T) {
	cfg := testConfig()
	cfg.TargetUtilization = 0.8
	res := ROI(seedRuns(), cfg, Filter{}, ptr(6.0))
	// INT4: ceil(6 / (0.8 × 2)) = ceil(3.75) = 4 replicas = $10/h; BF16: ceil(6 / (0.8 × 6)) = ceil(1.25) = 2 × 4 GPUs = $20/h
	int4, bf16 := rowFor(t, res, "mistral-3-int4"), rowFor(t, res, "mistral-3-bf16")
	intIs(t, 4, int4.Replicas, "int4 replicas")
	approx(t, 10, int4.CostPerHourUSD, "int4 cost per hour")
	intIs(t, 2, bf16.Replicas, "bf16 replicas")
	intIs(t, 8, bf16.GPUsNeeded, "bf16 gpus")
	approx(t, 20, bf16.CostPerHourUSD, "bf16 cost per hour")
	hasNotice(t, &res.notices, "sized with headroom: targetUtilization 0.8")
	// (20 − 10) / 20 = 50 %
	approx(t, 50, res.Verdicts[0].SavingPct, "saving")
}

func TestHistoryGoldenFrames(t *testing.T) {
	cfg := testConfig()
	runs := append(regressionRuns(), neverBroke())
	t.Run("breakingPoints", func(t *testing.T) { checkGolden(t, "history_breaking_points", BreakingPoints(runs, cfg, Filter{})) })
	t.Run("roi", func(t *testing.T) { checkGolden(t, "history_roi", ROI(runs, cfg, Filter{}, ptr(6.0))) })
}

func TestTrend(t *testing.T) {
	cfg := testConfig()
	runs := append(regressionRuns(), neverBroke())
	res := Trend(runs, cfg, Filter{}, nil)
	// two histories: int4 (2 runs: 3.5 then 2.1 req/s, change −40 %) and bf16 (1 run, no break: null)
	if len(res.Series) != 2 || len(res.Series[1].Points) != 2 {
		t.Fatalf("series: %+v", res.Series)
	}
	int4 := res.Series[1].Points
	approx(t, 3.5, int4[0].Value, "day 1")
	approx(t, 2.1, int4[1].Value, "day 2")
	approx(t, -40, int4[1].ChangePct, "day 2 change")
	frames := res.Frames()
	if len(frames) != 2*len(TrendMetrics()) {
		t.Fatalf("%d frames, want a frame per history and metric", len(frames))
	}
	if got := frames[0].Meta.Type; got != "timeseries-multi" {
		t.Errorf("frame type %q", got)
	}
	checkGolden(t, "trend", res)

	// the range holds day 2 only; its change still compares with day 1
	only := Trend(runs, cfg, Filter{Models: []string{"mistral-3-int4"}, From: t0.Add(12 * time.Hour)}, []string{TrendChange})
	if len(only.Series) != 1 || len(only.Series[0].Points) != 1 {
		t.Fatalf("series in range: %+v", only.Series)
	}
	approx(t, -40, only.Series[0].Points[0].ChangePct, "change against a run before the range")
	if fr := only.Frames(); len(fr) != 1 || fr[0].Name != TrendChange || fr[0].Fields[1].Labels["model"] != "mistral-3-int4" {
		t.Errorf("frames: %v", fr)
	}
}

// The frames carry the configured SLA: with a 2 s acceptable TTFT the runs and curves frames colour
// 1.5 s as acceptable, agreeing with sla_status, and every latency as it is graded.
func TestFramesCarryTheConfiguredSLA(t *testing.T) {
	cfg := testConfig()
	cfg.SLA.TTFTExcellentMs, cfg.SLA.TTFTAcceptableMs, cfg.SLA.TTFTBreakingMs = 1000, 2000, 4000
	runs := []*guidellm.Run{chatRun("a", "m", t0, rate(1, 1500, 20, 100))}
	rt := RunsTable(runs, cfg, Filter{})
	if rt.Rows[0].Verdict.Status != StatusAcceptable {
		t.Fatalf("status %s, want Acceptable", rt.Rows[0].Verdict.Status)
	}
	for _, fr := range append(rt.Frames(), Curves(runs, cfg, Filter{}).Frames()...) {
		f, _ := fr.FieldByName("ttft_p95_ms")
		if f == nil || f.Config.Thresholds == nil {
			t.Fatalf("%s: ttft_p95_ms has no thresholds", fr.Name)
		}
		// Grafana colours a value by the highest step at or below it; on a bound the colour
		// keeps the better grade, as the grading does.
		for _, ms := range []float64{0, 999, 1000, 1000.5, 1500, 2000, 2001, 4000, 4000.5, 9000} {
			colour := ""
			for _, s := range f.Config.Thresholds.Steps {
				if ms >= float64(s.Value) {
					colour = s.State
				}
			}
			if want := grade(ms, 1000, 2000, 4000); colour != string(want) {
				t.Errorf("%s: %g ms coloured %s, graded %s with the configured 1000/2000/4000 ms", fr.Name, ms, colour, want)
			}
		}
	}
	f, _ := rt.Frames()[0].FieldByName("sla_status")
	if f.Config.Mappings == nil {
		t.Error("sla_status has no colour mappings")
	}
}
