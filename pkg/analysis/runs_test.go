package analysis

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func TestLittlesLawNotice(t *testing.T) {
	runs := []*guidellm.Run{chatRun("a.json", "m", t0,
		rate(1, 500, 20, 100),                        // L = 2 = 1 req/s × 2 s
		rate(2, 500, 20, 100, concurrencyMean(4.8)),  // 4.8 vs 4: 17 % apart, within tolerance
		rate(3, 500, 20, 100, concurrencyMean(10)),   // 10 vs 6: 40 % apart
		rate(4, 500, 20, 100, concurrencyMean(0)),    // not measured: no check
		rate(5, 500, 20, 100, concurrencyMean(7.49)), // 7.49 vs 10: 25.1 % apart
	)}
	res := RunsTable(runs, testConfig(), Filter{})
	want := "Little's law check failed (mean concurrency vs achieved rate × mean latency more than 25 % apart: no steady state, or dropped or mistimed requests): " +
		"a.json stage 2 (constant): 10 vs 6 (40 % apart); a.json stage 4 (constant): 7.49 vs 10 (25.1 % apart)"
	if got := noticeTexts(&res.notices); got != want+"\n" {
		t.Errorf("notices:\n%s\nwant:\n%s", got, want)
	}
}

func TestRunsTableRows(t *testing.T) {
	runs := seedRuns()
	res := RunsTable(runs, testConfig(), Filter{})
	if len(res.Rows) != 10 {
		t.Fatalf("got %d rows, want 10 stages", len(res.Rows))
	}
	first := res.Rows[0]
	if first.Model != "mistral-3-int4" || first.Scenario != "chat" || first.Stage.Strategy != "synchronous" || first.Verdict.Label() != "Excellent (itl_p95)" {
		t.Errorf("first row: %s %s %s %s", first.Model, first.Scenario, first.Stage.Strategy, first.Verdict.Label())
	}
	if got := res.Rows[4].Verdict.Label(); got != "Degraded (ttft_p95)" {
		t.Errorf("int4 at 2.5 req/s: %s", got)
	}
	if res.Rows[0].Time == nil || !res.Rows[0].Time.Equal(t0) {
		t.Errorf("time = %v", res.Rows[0].Time)
	}
}

func TestFilters(t *testing.T) {
	day := 24 * time.Hour
	runs := []*guidellm.Run{
		chatRun("int4-d1", "mistral-3-int4", t0, rate(1, 500, 20, 100)),
		chatRun("int4-d2", "mistral-3-int4", t0.Add(day), rate(1, 500, 20, 100)),
		chatRun("bf16-d1", "mistral-3-bf16", t0, rate(1, 500, 20, 100)),
		mkRun(runSpec{source: "int4-sum", model: "mistral-3-int4", start: t0.Add(2 * day), prompt: 512, outp: 128}, rate(1, 500, 20, 100)),
		nil, // tolerated
	}
	sources := func(f Filter) []string {
		res := Annotations(runs, testConfig(), f)
		var out []string
		for _, a := range res.Annotations {
			out = append(out, a.Text[strings.LastIndex(a.Text, " ")+1:])
		}
		return out
	}
	cases := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all, oldest first", Filter{}, []string{"bf16-d1", "int4-d1", "int4-d2", "int4-sum"}},
		{"models", Filter{Models: []string{"mistral-3-int4"}}, []string{"int4-d1", "int4-d2", "int4-sum"}},
		{"scenarios", Filter{Scenarios: []string{"summarization"}}, []string{"int4-sum"}},
		{"latest only per model+scenario", Filter{LatestOnly: true}, []string{"bf16-d1", "int4-d2", "int4-sum"}},
		{"both", Filter{Models: []string{"mistral-3-int4"}, Scenarios: []string{"chat"}, LatestOnly: true}, []string{"int4-d2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sources(c.f); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// Every query answers with frames and an info notice when nothing matches, never an error.
func TestEmptyResults(t *testing.T) {
	cfg := testConfig()
	f := Filter{Models: []string{"x"}}
	runs := seedRuns()
	results := map[string]data.Frames{
		"runs":           RunsTable(runs, cfg, f).Frames(),
		"curves":         Curves(runs, cfg, f).Frames(),
		"breakingPoints": BreakingPoints(runs, cfg, f).Frames(),
		"roi":            ROI(runs, cfg, f, ptr(6.0)).Frames(),
		"annotations":    Annotations(runs, cfg, f).Frames(),
	}
	for name, frames := range results {
		if len(frames) == 0 {
			t.Errorf("%s: no frames", name)
			continue
		}
		fr := frames[0]
		if n, _ := fr.RowLen(); n != 0 || len(fr.Fields) == 0 {
			t.Errorf("%s: %d rows, %d fields; want zero rows with the fields", name, n, len(fr.Fields))
		}
		if fr.Meta == nil || len(fr.Meta.Notices) == 0 || fr.Meta.Notices[0].Text != "no runs match models=[x] (2 runs stored)" ||
			fr.Meta.Notices[0].Severity != data.NoticeSeverityInfo {
			t.Errorf("%s: notices %+v", name, fr.Meta)
		}
	}
	none := BreakingPoints(nil, cfg, Filter{}).Frames()[0]
	if none.Meta.Notices[0].Text != "no GuideLLM runs are stored yet (upload reports to the bucket or POST /runs)" {
		t.Errorf("no runs: %+v", none.Meta.Notices)
	}
}

// The runs are shared with the cache: no query may change them.
func TestRunsAreNotMutated(t *testing.T) {
	runs := append(seedRuns(), chatRun("cold.json", "mistral-3-int4", t0.Add(-time.Hour),
		rate(2.5, 1200, 40, 250), rate(0.5, 1500, 20, 50), rate(1.5, 800, 30, 150)))
	before := make([]guidellm.Run, len(runs))
	for i, r := range runs {
		before[i] = *r
		before[i].Stages = append([]guidellm.Stage(nil), r.Stages...)
	}
	cfg := testConfig()
	_ = RunsTable(runs, cfg, Filter{}).Frames()
	_ = Curves(runs, cfg, Filter{}).Frames()
	_ = BreakingPoints(runs, cfg, Filter{LatestOnly: true}).Frames()
	_ = ROI(runs, cfg, Filter{}, ptr(6.0)).Frames()
	_ = Annotations(runs, cfg, Filter{}).Frames()
	for i, r := range runs {
		if !reflect.DeepEqual(*r, before[i]) {
			t.Errorf("run %s was modified", r.Source)
		}
	}
}

// NaN and Inf in a report (GuideLLM writes them) become nulls: frames never carry them.
func TestNonFiniteValuesBecomeNull(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	runs := []*guidellm.Run{chatRun("nan.json", "mistral-3-int4", t0,
		rate(1, 500, 20, 100),
		rate(2, 800, nan, inf, func(s *guidellm.Stage) { s.AchievedRPS = nan; s.TTFTms.P99 = inf }),
		rate(3, 1200, 30, 300))}
	cfg := testConfig()
	all := data.Frames{}
	all = append(all, RunsTable(runs, cfg, Filter{}).Frames()...)
	all = append(all, Curves(runs, cfg, Filter{}).Frames()...)
	all = append(all, BreakingPoints(runs, cfg, Filter{}).Frames()...)
	all = append(all, ROI(runs, cfg, Filter{}, ptr(2.0)).Frames()...)
	for _, fr := range all {
		b, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("%s: %v", fr.Name, err)
		}
		// the SDK writes NaN/±Inf as "entities" next to the values
		if s := string(b); strings.Contains(s, "entities") || strings.Contains(s, "NaN") || strings.Contains(s, "Infinity") {
			t.Errorf("%s carries a non-finite value: %s", fr.Name, s)
		}
	}
	bp := BreakingPoints(runs, cfg, Filter{}).Rows[0]
	if !strings.Contains(strings.Join(bp.Notes, " "), "stages that cannot be judged are left out (unknown neither passes nor fails): 2 req/s (itl_p95 unknown)") {
		t.Errorf("notes: %q", bp.Notes)
	}
}

// One model measured on two deployments, and on one of them with two request shapes under one
// scenario label (a team changed its "chat" workload): each curve
// is a frame of its own name, so Grafana draws them as distinct series; an unambiguous curve keeps
// the short name.
func TestCurveNamesAreDistinct(t *testing.T) {
	l40s := map[string]string{"gpus": "2", "gpuType": "L40S", "quantization": "int4", "scenario": "chat"}
	runs := []*guidellm.Run{
		chatRun("h100", "mistral-3-int4", t0, rate(1, 100, 10, 50), rate(2, 200, 10, 90)),
		mkRun(runSpec{source: "l40s-short", model: "mistral-3-int4", start: t0, labels: l40s, prompt: 64, outp: 64}, rate(1, 150, 10, 50)),
		mkRun(runSpec{source: "l40s-long", model: "mistral-3-int4", start: t0, labels: l40s, prompt: 64, outp: 256}, rate(1, 300, 10, 50)),
		chatRun("bf16", "mistral-3-bf16", t0, rate(1, 80, 10, 60)),
	}
	var names []string
	for _, fr := range Curves(runs, testConfig(), Filter{}).Frames() {
		names = append(names, fr.Name)
	}
	sort.Strings(names)
	want := []string{
		"mistral-3-bf16 · chat",
		"mistral-3-int4 · chat · 1 GPU × H100, int4",
		"mistral-3-int4 · chat · 2 GPUs × L40S, int4 · p64-o256",
		"mistral-3-int4 · chat · 2 GPUs × L40S, int4 · p64-o64",
	}
	if !slices.Equal(names, want) {
		t.Errorf("curve frames %q, want %q", names, want)
	}

	// Two runs without token counts, on a deployment without a GPU type: the labels coincide, the
	// names do not.
	unknown := map[string]string{"gpus": "1", "scenario": "chat"}
	runs = []*guidellm.Run{
		mkRun(runSpec{source: "a", model: "m", start: t0, labels: unknown}, rate(1, 100, 10, 50)),
		mkRun(runSpec{source: "b", model: "m", start: t0, labels: unknown, prompt: 128}, rate(1, 100, 10, 50)),
		chatRun("c", "m", t0, rate(1, 100, 10, 50)),
	}
	names = names[:0]
	for _, fr := range Curves(runs, Config{Scenarios: DefaultScenarios()}, Filter{}).Frames() {
		names = append(names, fr.Name)
	}
	if len(names) != 3 || len(slices.Compact(slices.Sorted(slices.Values(names)))) != 3 {
		t.Errorf("curve frames %q: want 3 distinct names", names)
	}
}
