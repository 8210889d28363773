package live

// Integration tests against a real Prometheus (Debian prometheus 2.42) whose TSDB was backfilled
// with the testdataset package's series. They need PROM_URL; the server is started outside the
// test (so one server serves every test binary and run):
//
//	go run ./pkg/live/internal/testdataset/cmd/write-openmetrics > .cache/prom-test.om
//	scripts/prometheus-server.sh start .cache/prom-test.om
//	PROM_URL=http://127.0.0.1:19090 go test ./pkg/live/...
//	scripts/prometheus-server.sh stop
//
// Without PROM_URL the tests fail when CI=true and are skipped otherwise. Expected values are
// computed here from the dataset's parameters (rates, observations, GPUs), never read back from
// the generated file or from the code under test.

import (
	"context"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/inferenceroi/vllm-datasource/pkg/live/internal/testdataset"
)

func integrationService(t *testing.T, opt Options) *Service {
	t.Helper()
	address := realserver.Env(t, "PROM_URL", "start the test Prometheus: go run ./pkg/live/internal/testdataset/cmd/write-openmetrics > .cache/prom-test.om && scripts/prometheus-server.sh start .cache/prom-test.om && set -a && . .cache/prom-test/env && set +a")
	api := newTestAPI(t, address, 30*time.Second, "")
	v, _, _, err := api.Query(context.Background(), testdataset.MarkerMetric, testdataset.EvalTime)
	if err != nil {
		t.Fatalf("PROM_URL=%s: %v", address, err)
	}
	if v.String() == "" || !strings.Contains(v.String(), testdataset.MarkerValue) {
		t.Fatalf("PROM_URL=%s does not hold the live test dataset %s (no %s series at %s): backfill it with scripts/prometheus-server.sh", address, testdataset.MarkerValue, testdataset.MarkerMetric, testdataset.EvalTime)
	}
	s := NewService(api, opt)
	s.now = func() time.Time { return testdataset.EvalTime }
	return s
}

// instantAtEval is an instant evaluation at the dataset's evaluation time with a 15 s interval:
// rate windows are 4 × 15 s = 60 s.
var instantAtEval = TimeRange{From: testdataset.EvalTime.Add(-time.Hour), To: testdataset.EvalTime, Interval: 15 * time.Second}

const evalWindowSeconds = 60.0

// expectation helpers, from the dataset's parameters.

func perSecond(perScrape float64) float64 { return perScrape / testdataset.ScrapeInterval.Seconds() }

// histogramQuantile is Prometheus' classic-histogram quantile: linear interpolation inside the
// bucket holding the rank, the first bucket starting at 0.
func histogramQuantile(q float64, obs testdataset.Observations, edges []float64) *float64 {
	total := float64(obs.Count())
	if total == 0 {
		return nil
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, e := range edges {
		cum := float64(obs.CountAtMost(e))
		if cum >= rank {
			v := lower + (e-lower)*(rank-below)/(cum-below)
			return &v
		}
		lower, below = e, cum
	}
	top := edges[len(edges)-1]
	return &top
}

func ttftEdges(m testdataset.Model) []float64 {
	if m.V0 {
		return testdataset.TTFTEdgesV0
	}
	return testdataset.TTFTEdgesV1
}

func itlEdges(m testdataset.Model) []float64 {
	if m.V0 {
		return testdataset.ITLEdgesV0
	}
	return testdataset.ITLEdgesV1
}

func latencyEdges(m testdataset.Model) []float64 {
	if m.V0 {
		return testdataset.LatencyEdgesV0
	}
	return testdataset.LatencyEdgesV1
}

func gpuSum(ds testdataset.Dataset, m testdataset.Model, f func(testdataset.GPU) float64) (float64, bool) {
	gpus := ds.GPUsOf(m.Pod)
	sum := 0.0
	for _, g := range gpus {
		sum += f(g)
	}
	return sum, len(gpus) > 0
}

// expectedGPUs is DCGM's count, else the pods' GPU requests, else the catalog's.
func expectedGPUs(ds testdataset.Dataset, m testdataset.Model) (float64, string) {
	if n := len(ds.GPUsOf(m.Pod)); n > 0 {
		return float64(n), gpuSourceDCGM
	}
	if m.GPURequests > 0 {
		return float64(m.GPURequests), gpuSourceKSM
	}
	for _, d := range testConfig().Deployments {
		if d.Model == m.Name {
			return float64(d.GPUs), gpuSourceCatalog
		}
	}
	return math.NaN(), ""
}

func ptr(v float64) *float64 { return &v }

// expectedMetric is the value of a metric for a model at EvalTime; nil = no value (idle
// histogram, no GPUs).
func expectedMetric(ds testdataset.Dataset, m testdataset.Model, metric string) *float64 {
	engines := float64(m.EngineCount())
	switch metric {
	case "ttft_p50":
		return histogramQuantile(0.5, m.TTFT, ttftEdges(m))
	case "ttft_p95":
		return histogramQuantile(0.95, m.TTFT, ttftEdges(m))
	case "ttft_p99":
		return histogramQuantile(0.99, m.TTFT, ttftEdges(m))
	case "itl_p95":
		return histogramQuantile(0.95, m.ITL, itlEdges(m))
	case "e2e_p95":
		return histogramQuantile(0.95, m.E2E, latencyEdges(m))
	case "queue_time_p95":
		return histogramQuantile(0.95, m.Queue, latencyEdges(m))
	case "requests_running":
		return ptr(m.Running * engines)
	case "requests_waiting":
		return ptr(m.Waiting * engines)
	case "kv_cache_usage":
		sum := 0.0
		for _, v := range m.KVCache {
			sum += v
		}
		return ptr(sum / float64(len(m.KVCache)))
	case "generation_tps":
		return ptr(perSecond(m.GenerationTokens) * engines)
	case "prompt_tps":
		return ptr(perSecond(m.PromptTokens) * engines)
	case "request_rate":
		return ptr(perSecond(float64(m.FinishedStop+m.FinishedLength)) * engines)
	case "preemption_rate":
		return ptr(perSecond(float64(m.Preemptions)) * engines)
	case "gpus":
		n, _ := expectedGPUs(ds, m)
		return ptr(n)
	}
	var sum float64
	var ok bool
	switch metric {
	case "gpu_utilization":
		sum, ok = gpuSum(ds, m, func(g testdataset.GPU) float64 { return g.UtilPct / 100 })
		sum /= float64(len(ds.GPUsOf(m.Pod)))
	case "gpu_power_watts":
		sum, ok = gpuSum(ds, m, func(g testdataset.GPU) float64 { return g.PowerW })
	case "gpu_memory_used_bytes":
		sum, ok = gpuSum(ds, m, func(g testdataset.GPU) float64 { return g.FBUsedMiB * 1024 * 1024 })
	case "gpu_energy_joules":
		sum, ok = gpuSum(ds, m, func(g testdataset.GPU) float64 { return g.PowerW * evalWindowSeconds })
	default:
		panic("no expectation for " + metric)
	}
	if !ok {
		return nil
	}
	return &sum
}

func TestIntegrationMetricsInstant(t *testing.T) {
	s := integrationService(t, testOptions())
	ds := testdataset.Default()
	for _, metric := range metricNames {
		t.Run(metric, func(t *testing.T) {
			frames, err := s.Metrics(context.Background(), Query{Metric: metric, Instant: true}, instantAtEval)
			if err != nil {
				t.Fatal(err)
			}
			if frames[0].Meta.Type != data.FrameTypeNumericMulti || frames[0].Meta.ExecutedQueryString == "" {
				t.Fatalf("meta = %+v", frames[0].Meta)
			}
			got := seriesValues(frames)
			for _, m := range ds.Models {
				want := expectedMetric(ds, m, metric)
				field, found := got[m.Name+"|"+m.Namespace]
				if want == nil {
					if found && floatAt(field, 0) != nil {
						t.Errorf("%s: got %v, want no value", m.Name, *floatAt(field, 0))
					}
					continue
				}
				if !found {
					t.Errorf("%s: no series, want %v", m.Name, *want)
					continue
				}
				if v := floatAt(field, 0); v == nil || !near(*v, *want) {
					t.Errorf("%s: got %v, want %v", m.Name, v, *want)
				}
			}
		})
	}
}

func TestIntegrationGPUSourcesNotice(t *testing.T) {
	s := integrationService(t, testOptions())
	frames, err := s.Metrics(context.Background(), Query{Metric: "gpus", Instant: true}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, n := range frames[0].Meta.Notices {
		texts = append(texts, n.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{
		"GPU count from DCGM (GPUs attributed to the model's pods): llama-70b-bf16 (team-a), llama-8b-int4 (team-b), mistral-24b-fp8 (team-c)",
		"GPU count from kube-state-metrics GPU requests (no DCGM series attributed to the pods): granite-8b (team-b)",
		"GPU count from the deployments catalog (no DCGM or kube-state-metrics series for the pods): qwen-7b-idle (team-a)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("notices lack %q:\n%s", want, all)
		}
	}
}

func TestIntegrationMetricsRange(t *testing.T) {
	s := integrationService(t, testOptions())
	ds := testdataset.Default()
	tr := TimeRange{From: testdataset.EvalTime.Add(-10*time.Minute - 7*time.Second), To: testdataset.EvalTime.Add(3 * time.Second), Interval: 30 * time.Second, MaxDataPoints: 1000}
	frames, err := s.Metrics(context.Background(), Query{Metric: "generation_tps", Models: []string{"llama-70b-bf16", "llama-8b-int4"}}, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 2 {
		t.Fatalf("got %d frames, want one per requested model", len(frames))
	}
	// step 30 s; window max(4 × 15 s, 30 s)
	if !strings.Contains(frames[0].Meta.ExecutedQueryString, "[1m]") {
		t.Errorf("rate window: %s", frames[0].Meta.ExecutedQueryString)
	}
	for _, f := range frames {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("type %s", f.Meta.Type)
		}
		times, values := f.Fields[0], f.Fields[1]
		m := ds.Model(values.Labels["model_name"])
		want := perSecond(m.GenerationTokens) * float64(m.EngineCount())
		// From is 10 min 7 s before EvalTime, aligned down to 10 min 30 s: 22 points at a 30 s step.
		if times.Len() != 22 {
			t.Errorf("%s: %d points, want 22", m.Name, times.Len())
		}
		for i := 0; i < times.Len(); i++ {
			ts := times.At(i).(time.Time)
			if ts.Unix()%30 != 0 {
				t.Errorf("timestamp %s is not aligned to the 30 s step", ts)
			}
			if v := floatAt(values, i); v == nil || !near(*v, want) {
				t.Errorf("%s at %s: got %v, want %v", m.Name, ts, v, want)
			}
		}
	}
}

// A year at a 1 s interval would be 31.5 M points; the step must grow so that Prometheus
// (which rejects more than 11,000 points per series) answers.
func TestIntegrationHugeRangeStaysUnderPointLimit(t *testing.T) {
	s := integrationService(t, testOptions())
	tr := TimeRange{From: testdataset.EvalTime.Add(-365 * 24 * time.Hour), To: testdataset.EvalTime, Interval: time.Second}
	frames, err := s.Metrics(context.Background(), Query{Metric: "requests_running"}, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) == 0 || len(frames[0].Fields) == 0 {
		t.Fatalf("no series over a year that contains the dataset")
	}
}

func TestIntegrationKServePrefixNeverSumsBoth(t *testing.T) {
	opt := testOptions()
	opt.MetricPrefix = "kserve_vllm:"
	s := integrationService(t, opt)
	m := testdataset.Default().Model("mistral-24b-fp8")
	frames, err := s.Metrics(context.Background(), Query{Metric: "generation_tps", Instant: true}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	got := seriesValues(frames)
	if len(got) != 1 {
		t.Fatalf("kserve_vllm: series for %d models, want only %s", len(got), m.Name)
	}
	want := perSecond(m.GenerationTokens)
	if v := floatAt(got[m.Name+"|"+m.Namespace], 0); v == nil || !near(*v, want) {
		t.Errorf("got %v, want %v (not doubled by the vllm: copy)", v, want)
	}
}

func TestIntegrationNamespaceAndModelFilters(t *testing.T) {
	opt := testOptions()
	opt.DefaultNamespace = "team-b"
	s := integrationService(t, opt)
	frames, err := s.Metrics(context.Background(), Query{Metric: "gpu_power_watts", Instant: true}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	if got := seriesValues(frames); len(got) != 1 || got["llama-8b-int4|team-b"] == nil {
		t.Errorf("team-b GPU power: got %v, want only llama-8b-int4", keysOf(got))
	}
	frames, err = s.Metrics(context.Background(), Query{Metric: "requests_running", Namespace: "team-a", Models: []string{"qwen-7b-idle"}, Instant: true}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	if got := seriesValues(frames); len(got) != 1 || got["qwen-7b-idle|team-a"] == nil {
		t.Errorf("got %v, want only qwen-7b-idle", keysOf(got))
	}
}

func keysOf(m map[string]*data.Field) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expectedStatus grades the dataset's parameters with the seed's SLA table, independently of
// judge(): TTFT by the share of requests under each threshold that is a bucket edge (0.5 s and
// 1 s are), else by the interpolated p95; ITL by its p95; queue and KV cache by value.
func expectedStatus(m testdataset.Model) string {
	engines := float64(m.EngineCount())
	if m.GenerationTokens == 0 && m.Waiting == 0 {
		return "Idle"
	}
	worst := 0
	grade := func(v float64, bounds ...float64) {
		for i, b := range bounds {
			if v <= b {
				worst = max(worst, i)
				return
			}
		}
		worst = max(worst, len(bounds))
	}
	share := func(thr float64) float64 { return float64(m.TTFT.CountAtMost(thr)) / float64(m.TTFT.Count()) }
	switch p95 := *histogramQuantile(0.95, m.TTFT, ttftEdges(m)); {
	case share(0.5) >= 0.95:
	case share(1.0) >= 0.95:
		worst = max(worst, 1)
	case p95 <= 2.0:
		worst = max(worst, 2)
	default:
		worst = 3
	}
	grade(*histogramQuantile(0.95, m.ITL, itlEdges(m))*1000, 20, 50, 100)
	grade(m.Waiting*engines, 0, 1, 5)
	sum := 0.0
	for _, v := range m.KVCache {
		sum += v
	}
	grade(sum/float64(len(m.KVCache)), 0.70, 0.85, 0.95)
	return [...]string{"Excellent", "Acceptable", "Degraded", "Breaking"}[worst]
}

func TestIntegrationEfficiencyTable(t *testing.T) {
	s := integrationService(t, testOptions())
	ds := testdataset.Default()
	cfg := testConfig()
	frames, err := s.Efficiency(context.Background(), Query{Instant: true}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	if f.Meta.Type != data.FrameTypeNumericLong {
		t.Fatalf("type %s", f.Meta.Type)
	}
	rows, _ := f.RowLen()
	if rows != len(ds.Models) {
		t.Fatalf("%d rows, want %d", rows, len(ds.Models))
	}
	col := func(name string) *data.Field { return fieldByName(t, f, name) }
	for i := 0; i < rows; i++ {
		m := ds.Model(col("model").At(i).(string))
		tps := perSecond(m.GenerationTokens) * float64(m.EngineCount())
		gpus, _ := expectedGPUs(ds, m)
		power, hasPower := gpuSum(ds, m, func(g testdataset.GPU) float64 { return g.PowerW })
		want := map[string]*float64{"output_tps": &tps, "gpus": &gpus}
		if tps > 0 {
			want["output_tps_per_gpu"] = ptr(tps / gpus)
			if hasPower {
				want["tokens_per_joule"] = ptr(tps / power)
			}
			for _, d := range cfg.Deployments {
				if price, ok := cfg.GPUPrices[d.GPUType]; ok && d.Model == m.Name {
					want["cost_per_mtok_usd"] = ptr(price * gpus / (tps * 3600) * 1e6)
				}
			}
		}
		if hasPower {
			want["gpu_power_watts"] = &power
		}
		for _, name := range []string{"output_tps", "gpus", "output_tps_per_gpu", "gpu_power_watts", "tokens_per_joule", "cost_per_mtok_usd"} {
			got := floatAt(col(name), i)
			switch w := want[name]; {
			case w == nil && got != nil:
				t.Errorf("%s %s: got %v, want empty", m.Name, name, *got)
			case w != nil && (got == nil || !near(*got, *w)):
				t.Errorf("%s %s: got %v, want %v", m.Name, name, got, *w)
			}
		}
		if got, want := col("sla_status").At(i).(string), expectedStatus(m); got != want {
			t.Errorf("%s sla_status: got %s (%s), want %s", m.Name, got, col("sla_reason").At(i), want)
		}
	}
}

func TestIntegrationEfficiencyTimeSeries(t *testing.T) {
	s := integrationService(t, testOptions())
	m := testdataset.Default().Model("llama-70b-bf16")
	tr := TimeRange{From: testdataset.EvalTime.Add(-5 * time.Minute), To: testdataset.EvalTime, Interval: 15 * time.Second, MaxDataPoints: 500}
	frames, err := s.Efficiency(context.Background(), Query{Models: []string{m.Name}}, tr)
	if err != nil {
		t.Fatal(err)
	}
	var perGPU *data.Field
	for _, f := range frames {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("type %s", f.Meta.Type)
		}
		if f.Fields[1].Name == "output_tps_per_gpu" {
			perGPU = f.Fields[1]
		}
	}
	if perGPU == nil {
		t.Fatal("no output_tps_per_gpu series")
	}
	want := perSecond(m.GenerationTokens) * float64(m.EngineCount()) / float64(len(testdataset.Default().GPUsOf(m.Pod)))
	if perGPU.Len() != 21 {
		t.Errorf("%d points, want 21", perGPU.Len())
	}
	for i := 0; i < perGPU.Len(); i++ {
		if v := floatAt(perGPU, i); v == nil || !near(*v, want) {
			t.Errorf("point %d: got %v, want %v", i, v, want)
		}
	}
}

func TestIntegrationStatus(t *testing.T) {
	s := integrationService(t, testOptions())
	ds := testdataset.Default()
	frames, err := s.Status(context.Background(), Query{}, instantAtEval)
	if err != nil {
		t.Fatal(err)
	}
	f := frames[0]
	rows, _ := f.RowLen()
	if rows != len(ds.Models) {
		t.Fatalf("%d rows, want %d", rows, len(ds.Models))
	}
	col := func(name string) *data.Field { return fieldByName(t, f, name) }
	for i := 0; i < rows; i++ {
		m := ds.Model(col("model").At(i).(string))
		status, reason := col("status").At(i).(string), col("reason").At(i).(string)
		if want := expectedStatus(m); status != want {
			t.Errorf("%s: status %s (%s), want %s", m.Name, status, reason, want)
		}
		if m.TTFT.Count() == 0 {
			if r := floatAt(col("ttft_under_threshold_ratio"), i); r != nil {
				t.Errorf("%s: share %v without requests", m.Name, *r)
			}
			continue
		}
		wantShare := float64(m.TTFT.CountAtMost(1.0)) / float64(m.TTFT.Count())
		if r := floatAt(col("ttft_under_threshold_ratio"), i); r == nil || !near(*r, wantShare) {
			t.Errorf("%s: TTFT share under 1 s = %v, want %v", m.Name, r, wantShare)
		}
		if method := col("ttft_method").At(i).(string); method != "bucket share at le=1.0" {
			t.Errorf("%s: method %q", m.Name, method)
		}
		if p95 := floatAt(col("ttft_p95_ms"), i); p95 == nil || !near(*p95, *histogramQuantile(0.95, m.TTFT, ttftEdges(m))*1000) {
			t.Errorf("%s: ttft_p95_ms %v", m.Name, p95)
		}
	}
	for model, want := range map[string]string{
		"llama-70b-bf16":  "TTFT p95 in (0.5 s, 1 s] (80 % of requests ≤ 0.5 s; 96.7 % of requests ≤ 1 s)",
		"llama-8b-int4":   "TTFT p95 in (1 s, 2 s] (60 % of requests ≤ 0.5 s; 90 % of requests ≤ 1 s; interpolated p95 1.9 s)",
		"mistral-24b-fp8": "requests waiting 8 (> 5)",
		"qwen-7b-idle":    "no output tokens in the last 1m",
	} {
		for i := 0; i < rows; i++ {
			if col("model").At(i) == model && col("reason").At(i) != want {
				t.Errorf("%s: reason %q, want %q", model, col("reason").At(i), want)
			}
		}
	}
}

func TestIntegrationHealth(t *testing.T) {
	s := integrationService(t, testOptions())
	checks := s.Health(context.Background())
	if len(checks) != 3 {
		t.Fatalf("checks: %+v", checks)
	}
	wants := []string{
		"reachable, version 2.",
		"5 models with vllm: series (granite-8b, llama-70b-bf16, llama-8b-int4, mistral-24b-fp8, qwen-7b-idle); 4 with current names (kv_cache_usage_perc, inter_token_latency_seconds), 1 with pre-0.11 names",
		"9 GPUs report DCGM metrics; 7 are attributed to vLLM pods",
	}
	for i, c := range checks {
		if !c.OK || !strings.Contains(c.Message, wants[i]) {
			t.Errorf("%s: ok=%v %q, want %q", c.Name, c.OK, c.Message, wants[i])
		}
	}
	if !strings.Contains(checks[1].Message, "kserve_vllm: series exist too") {
		t.Errorf("no note on the kserve_vllm: copies: %s", checks[1].Message)
	}

	// Before the dataset starts there is nothing: each missing part says its remedy, here (a
	// Prometheus without scrape targets) the scrape job to add.
	s.now = func() time.Time { return testdataset.Start.Add(-time.Hour) }
	checks = s.Health(context.Background())
	if !checks[0].OK || checks[1].OK || checks[2].OK {
		t.Fatalf("checks: %+v", checks)
	}
	if !strings.Contains(checks[2].Message, "no DCGM_FI_DEV_GPU_UTIL series: Prometheus has no scrape targets: add a scrape job for dcgm-exporter's /metrics") {
		t.Errorf("DCGM remedy: %s", checks[2].Message)
	}
	if !strings.Contains(checks[1].Message, "no vllm:num_requests_running series: Prometheus has no scrape targets: add a scrape job for the vLLM pods' /metrics") {
		t.Errorf("vLLM remedy: %s", checks[1].Message)
	}
}

func TestIntegrationModels(t *testing.T) {
	s := integrationService(t, testOptions())
	got, err := s.Models(context.Background(), "team-a")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "llama-70b-bf16,qwen-7b-idle" {
		t.Errorf("models in team-a: %v", got)
	}
}

func TestIntegrationNamespaces(t *testing.T) {
	s := integrationService(t, testOptions())
	got, err := s.Namespaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "team-a,team-b,team-c" {
		t.Errorf("namespaces: %v", got)
	}
}
