package guidellm

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Real reports (testdata/samples, copied from /work/shared/samples/guidellm) are checked against the golden
// values of SOURCES.md; where SOURCES.md gives fewer than 4 significant digits the value here was read from
// the file itself. Hand-made fixtures (testdata/fixtures) cover the layouts with no public sample: v0.1,
// v0.3, v0.4, v0.7 release, multi-stage sweeps, a poisson run, YAML of schema 2, NaN/Infinity tokens.

type wantStage struct {
	strategy             string
	rate, streams        float64 // 0: not set
	rps, conc, concTotal float64
	ttft                 [3]float64 // p50, p95, p99 (ms)
	itl, tpot            [2]float64 // p50, p95 (ms)
	outTPS               float64
	totals               [4]int // successful, errored, incomplete, total
	start, end           float64
	overSaturated        string // "", "true", "false"
}

type wantRun struct {
	file                                     string
	schema                                   Schema
	version, model, target, backend, profile string
	promptTokens, outputTokens               float64
	labels                                   map[string]string
	stages                                   []wantStage
}

// v01NoTPOT: v0.1 reports have no TPOT, so it is Unknown.
var v01NoTPOT = [2]float64{math.NaN(), math.NaN()}

var goldenRuns = []wantRun{
	{
		file: "samples/v0.2-era_sweep-stage-synchronous_stripped_guidellm-test-asset.json", schema: SchemaV02, version: "0.2.x",
		model: "example_model", target: "example_target", backend: "openai_http", profile: "sweep", promptTokens: 256, outputTokens: 128,
		stages: []wantStage{{strategy: "synchronous", rps: 1.5482, conc: 0.99776, concTotal: 0.99774,
			ttft: [3]float64{16.3805, 19.0094, 21.2820}, itl: [2]float64{4.9241, 5.0327}, tpot: [2]float64{4.8857, 4.9933}, outTPS: 198.13,
			totals: [4]int{46, 0, 1, 47}, start: 1749157168.1827004, end: 1749157198.1799018}},
	},
	{
		file: "samples/v0.2.x_synchronous_llama-3-2-3b.yaml", schema: SchemaV02, version: "0.2.x",
		model: "llama-3-2-3b", target: "https://llama-3-2-3b-maas-apicast-production.apps.prod.rhoai.rh-aiservices-bu.com:443",
		backend: "openai_http", profile: "synchronous", promptTokens: 512, outputTokens: 128,
		stages: []wantStage{{strategy: "synchronous", rps: 0.2555, conc: 0.99972, concTotal: 0.99972,
			ttft: [3]float64{410.49, 460.04, 460.04}, itl: [2]float64{27.580, 27.901}, tpot: [2]float64{27.365, 27.683}, outTPS: 32.686,
			totals: [4]int{14, 0, 1, 15}, start: 1753051170.659392, end: 1753051227.9282181}},
	},
	{
		file: "samples/v0.5.0.dev0_synchronous_gpt-oss-20b_quant-none.json", schema: SchemaV05, version: "0.5.0.dev0",
		model: "openai/gpt-oss-20b", target: "http://0.0.0.0:8000", backend: "openai_http", profile: "synchronous",
		stages: []wantStage{{strategy: "synchronous", rps: 0.033333, conc: 0.99996, concTotal: 0.99996,
			ttft: [3]float64{47.661, 57.811, 60.776}, itl: [2]float64{29.910, 30.122}, tpot: [2]float64{29.927, 30.143}, outTPS: 33.417,
			totals: [4]int{25, 0, 0, 25}, start: 1772472082.2265189, end: 1772472802.2265189}},
	},
	{
		file: "samples/v0.5.0.dev0_concurrent4_qwen3-4b-thinking_fp8.json", schema: SchemaV05, version: "0.5.0.dev0",
		model: "Qwen/Qwen3-4B-Thinking-2507", target: "http://0.0.0.0:8000", backend: "openai_http", profile: "concurrent",
		stages: []wantStage{{strategy: "concurrent", streams: 4, rps: 0.12044, conc: 3.9998, concTotal: 3.9998,
			ttft: [3]float64{171.52, 172.63, 172.63}, itl: [2]float64{24.179, 24.179}, tpot: [2]float64{24.323, 24.324}, outTPS: 165.60,
			totals: [4]int{4, 0, 0, 4}, start: 1772470696.6793344, end: 1772470721.588979}},
	},
	{
		// args.model and config.backend.model are null in this report.
		file: "samples/v0.6.0.dev25_constant5_overloaded.json", schema: SchemaV05, version: "0.6.0.dev25",
		model: "", target: "http://150.230.8.187:8080", backend: "openai_http", profile: "constant",
		stages: []wantStage{{strategy: "constant", rate: 5, rps: 0.11667, conc: 3.0965, concTotal: 79.600,
			ttft: [3]float64{17501.4, 45722.9, 45722.9}, itl: [2]float64{49.933, 58.432}, tpot: [2]float64{106.53, 492.32}, outTPS: 20.177,
			totals: [4]int{7, 1, 92, 100}, start: 1767913577.0090702, end: 1767913637.0090702}},
	},
	{
		file: "samples/v0.8.0.dev18_schema-v2_constant-2-and-4rps_multiturn_mockserver_stripped.json", schema: SchemaV07, version: "0.8.0.dev18",
		model: "e2e-mock-model", target: "http://127.0.0.1:8765", backend: "openai_http", profile: "constant", promptTokens: 32, outputTokens: 8,
		stages: []wantStage{
			{strategy: "constant", rate: 2, rps: 0.39843, conc: 0.0078847, concTotal: 0.0078847,
				ttft: [3]float64{11.276, 11.686, 11.686}, itl: [2]float64{1.0460, 1.2557}, tpot: [2]float64{2.3760, 2.5083}, outTPS: 3.1951,
				totals: [4]int{2, 0, 0, 2}, start: 1786678148.2526348, end: 1786678153.2722828},
			{strategy: "constant", rate: 4, rps: 0.79409, conc: 0.014003, concTotal: 0.014003,
				ttft: [3]float64{9.4199, 10.148, 10.148}, itl: [2]float64{0.90671, 1.2742}, tpot: [2]float64{1.9709, 2.3834}, outTPS: 6.3771,
				totals: [4]int{2, 0, 0, 2}, start: 1786678163.568684, end: 1786678166.087296},
		},
	},
	{
		// v0.1 sweep; expected statistics computed independently in Python (numpy-style linear percentiles).
		file: "fixtures/v0.1.0_sweep_4stages.json", schema: SchemaV01, version: "0.1.x",
		model: "neuralmagic/Meta-Llama-3.1-8B-Instruct-quantized.w4a16", target: "http://localhost:8000/v1", backend: "openai_server",
		profile: "sweep", promptTokens: 128, outputTokens: 5,
		stages: []wantStage{
			{strategy: "synchronous", rps: 6.382978, conc: 0.9617024, concTotal: 0.9617024,
				ttft: [3]float64{40.0, 49.0, 49.8}, itl: [2]float64{22.0, 27.25}, tpot: v01NoTPOT, outTPS: 31.91489,
				totals: [4]int{3, 0, 0, 3}, start: 1725000000.0, end: 1725000000.47},
			{strategy: "throughput", rps: 8.510638, conc: 3.638298, concTotal: 4.250001,
				ttft: [3]float64{240.0, 267.0, 269.4}, itl: [2]float64{47.0, 52.75}, tpot: v01NoTPOT, outTPS: 42.55319,
				totals: [4]int{4, 1, 0, 5}, start: 1725000010.0, end: 1725000010.47},
			{strategy: "constant", rate: 3.5, rps: 3.947368, conc: 0.7171054, concTotal: 0.7171054,
				ttft: [3]float64{60.0, 69.0, 69.8}, itl: [2]float64{28.0, 30.45}, tpot: v01NoTPOT, outTPS: 19.73684,
				totals: [4]int{3, 0, 0, 3}, start: 1725000020.0, end: 1725000020.76},
			{strategy: "constant", rate: 7.0, rps: 5.084747, conc: 1.423729, concTotal: 1.423729,
				ttft: [3]float64{130.0, 148.0, 149.6}, itl: [2]float64{36.5, 40.45}, tpot: v01NoTPOT, outTPS: 25.42373,
				totals: [4]int{3, 0, 0, 3}, start: 1725000030.0, end: 1725000030.59},
		},
	},
	{
		// v0.3.1: indented JSON, percentiles.p50, an async profile of poisson stages, extras as labels
		// (the number and the nested object are not labels).
		file: "fixtures/v0.3.1_poisson_2rates_extras.json", schema: SchemaV02, version: "0.3.x",
		model: "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", target: "https://qwen-int4.apps.example.com/v1", backend: "openai_http",
		profile: "async", promptTokens: 1024, outputTokens: 128,
		labels: map[string]string{"quantization": "int4", "gpu": "L40S"},
		stages: []wantStage{
			{strategy: "poisson", rate: 2.0, rps: 1.9620, conc: 1.453, concTotal: 1.460,
				ttft: [3]float64{69.88, 84.97, 98.60}, itl: [2]float64{5.240, 5.380}, tpot: [2]float64{5.201, 5.350}, outTPS: 251.1,
				totals: [4]int{117, 0, 1, 118}, start: 1759000000.0, end: 1759000059.6},
			{strategy: "poisson", rate: 6.5, rps: 6.3312, conc: 5.804, concTotal: 5.912,
				ttft: [3]float64{97.20, 155.8, 190.4}, itl: [2]float64{6.350, 6.950}, tpot: [2]float64{6.310, 6.900}, outTPS: 810.4,
				totals: [4]int{379, 2, 6, 387}, start: 1759000070.0, end: 1759000129.6},
		},
	},
	{
		// v0.4.0: top-level args without metadata, a 5-stage sweep, data as a Python dict repr, and the
		// NaN/Infinity tokens json.dumps writes (TPOT p99 of the throughput stage is NaN).
		file: "fixtures/v0.4.0_sweep_5stages_nan-tokens.json", schema: SchemaV04, version: "0.4.x",
		model: "meta-llama/Llama-3.1-8B-Instruct", target: "http://vllm-llama.inference.svc:8000", backend: "openai_http",
		profile: "sweep", promptTokens: 512, outputTokens: 256,
		stages: []wantStage{
			{strategy: "synchronous", rps: 0.8123, conc: 0.9991, concTotal: 0.9991,
				ttft: [3]float64{44.87, 48.05, 51.92}, itl: [2]float64{4.498, 4.561}, tpot: [2]float64{4.652, 4.733}, outTPS: 207.9,
				totals: [4]int{24, 0, 1, 25}, start: 1763100000, end: 1763100096},
			{strategy: "throughput", rps: 9.731, conc: 63.42, concTotal: 118.7,
				ttft: [3]float64{640.1, 2210.7, 2902.4}, itl: [2]float64{21.87, 26.60}, tpot: [2]float64{24.90, 31.02}, outTPS: 2491.1,
				totals: [4]int{292, 3, 48, 343}, start: 1763100130, end: 1763100226},
			{strategy: "constant", rate: 3.0434, rps: 3.0121, conc: 3.611, concTotal: 3.622,
				ttft: [3]float64{51.02, 64.80, 75.11}, itl: [2]float64{4.690, 4.850}, tpot: [2]float64{4.871, 5.061}, outTPS: 771.1,
				totals: [4]int{90, 0, 2, 92}, start: 1763100260, end: 1763100356},
			{strategy: "constant", rate: 5.2746, rps: 5.2010, conc: 7.905, concTotal: 7.950,
				ttft: [3]float64{80.05, 140.72, 190.05}, itl: [2]float64{5.590, 6.100}, tpot: [2]float64{5.950, 6.610}, outTPS: 1331.5,
				totals: [4]int{156, 0, 3, 159}, start: 1763100390, end: 1763100486},
			{strategy: "constant", rate: 7.5058, rps: 7.1022, conc: 21.07, concTotal: 35.51,
				ttft: [3]float64{390.7, 1205.8, 1700.3}, itl: [2]float64{11.50, 15.60}, tpot: [2]float64{12.95, 17.90}, outTPS: 1818.2,
				totals: [4]int{213, 1, 17, 231}, start: 1763100520, end: 1763100616},
		},
	},
	{
		// v0.7.3 written as YAML (with .nan values), labels, an over-saturation constraint that fired on the
		// second stage, a masked api_key.
		file: "fixtures/v0.7.3_concurrent_labels_oversaturation.yaml", schema: SchemaV07, version: "0.7.3",
		model: "meta-llama/Llama-3.3-70B-Instruct", target: "http://llama-70b-bf16.inference.svc:8000", backend: "openai_http",
		profile: "concurrent", promptTokens: 2048, outputTokens: 512,
		labels: map[string]string{"quantization": "bf16", "gpus": "4", "replicas": "1", "deployment": "llama-70b-bf16"},
		stages: []wantStage{
			{strategy: "concurrent", streams: 1, rps: 0.4512, conc: 0.9990, concTotal: 0.9990,
				ttft: [3]float64{119.8, 127.7, 131.9}, itl: [2]float64{4.095, 4.180}, tpot: [2]float64{4.080, 4.170}, outTPS: 231.0,
				totals: [4]int{27, 0, 1, 28}, start: 1783000000, end: 1783000090, overSaturated: "false"},
			{strategy: "concurrent", streams: 32, rps: 6.882, conc: 29.75, concTotal: 31.88,
				ttft: [3]float64{1210.3, 3305.5, 4410.8}, itl: [2]float64{5.550, 6.700}, tpot: [2]float64{8.100, 12.05}, outTPS: 3523.6,
				totals: [4]int{412, 0, 31, 443}, start: 1783000100, end: 1783000190, overSaturated: "true"},
		},
	},
}

func TestDecodeGolden(t *testing.T) {
	for _, want := range goldenRuns {
		t.Run(filepath.Base(want.file), func(t *testing.T) {
			source := "runs/" + filepath.Base(want.file)
			run, err := Decode(source, readTestdata(t, want.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if run.Source != source || run.Schema != want.schema || run.Version != want.version {
				t.Errorf("source/schema/version = %q/%q/%q, want %q/%q/%q", run.Source, run.Schema, run.Version, source, want.schema, want.version)
			}
			for _, f := range []struct{ name, got, want string }{
				{"model", run.Model, want.model}, {"target", run.Target, want.target},
				{"backend", run.Backend, want.backend}, {"profile", run.Profile, want.profile},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
			if run.PromptTokens != want.promptTokens || run.OutputTokens != want.outputTokens {
				t.Errorf("scenario tokens = %g/%g, want %g/%g", run.PromptTokens, run.OutputTokens, want.promptTokens, want.outputTokens)
			}
			if len(run.Labels) != len(want.labels) {
				t.Errorf("labels = %v, want %v", run.Labels, want.labels)
			}
			for k, v := range want.labels {
				if run.Labels[k] != v {
					t.Errorf("label %q = %q, want %q", k, run.Labels[k], v)
				}
			}
			if len(run.Stages) != len(want.stages) {
				t.Fatalf("%d stages, want %d", len(run.Stages), len(want.stages))
			}
			for i, ws := range want.stages {
				checkStage(t, i, &run.Stages[i], ws)
			}
		})
	}
}

func checkStage(t *testing.T, i int, got *Stage, want wantStage) {
	t.Helper()
	if got.Index != i || got.Strategy != want.strategy {
		t.Errorf("stage %d: index/strategy = %d/%q, want %d/%q", i, got.Index, got.Strategy, i, want.strategy)
	}
	checkOptional(t, i, "offered rate", got.OfferedRate, want.rate)
	checkOptional(t, i, "streams", got.Streams, want.streams)
	for _, m := range []struct {
		name      string
		got, want float64
	}{
		{"rps", got.AchievedRPS, want.rps},
		{"concurrency successful", got.ConcurrencyMean, want.conc},
		{"concurrency total", got.ConcurrencyTotalMean, want.concTotal},
		{"TTFT p50", got.TTFTms.P50, want.ttft[0]},
		{"TTFT p95", got.TTFTms.P95, want.ttft[1]},
		{"TTFT p99", got.TTFTms.P99, want.ttft[2]},
		{"ITL p50", got.ITLms.P50, want.itl[0]},
		{"ITL p95", got.ITLms.P95, want.itl[1]},
		{"TPOT p50", got.TPOTms.P50, want.tpot[0]},
		{"TPOT p95", got.TPOTms.P95, want.tpot[1]},
		{"output tok/s", got.OutputTPS, want.outTPS},
	} {
		if !sig4(m.got, m.want) {
			t.Errorf("stage %d: %s = %.6g, want %.6g", i, m.name, m.got, m.want)
		}
	}
	if totals := [4]int{got.Successful, got.Errored, got.Incomplete, got.Total}; totals != want.totals {
		t.Errorf("stage %d: totals = %v, want %v", i, totals, want.totals)
	}
	checkTime(t, i, "start", got.Start, want.start)
	checkTime(t, i, "end", got.End, want.end)
	sat := ""
	if got.OverSaturated != nil {
		sat = map[bool]string{true: "true", false: "false"}[*got.OverSaturated]
	}
	if sat != want.overSaturated {
		t.Errorf("stage %d: over-saturated = %q, want %q", i, sat, want.overSaturated)
	}
}

func checkOptional(t *testing.T, i int, name string, got *float64, want float64) {
	t.Helper()
	switch {
	case want == 0 && got != nil:
		t.Errorf("stage %d: %s = %g, want unset", i, name, *got)
	case want != 0 && (got == nil || !sig4(*got, want)):
		t.Errorf("stage %d: %s = %v, want %g", i, name, got, want)
	}
}

func checkTime(t *testing.T, i int, name string, got time.Time, wantUnix float64) {
	t.Helper()
	if d := float64(got.UnixNano())/1e9 - wantUnix; math.Abs(d) > 1e-3 {
		t.Errorf("stage %d: %s = %v, want Unix %.4f", i, name, got, wantUnix)
	}
}

// sig4 reports whether got agrees with want to 4 significant digits.
func sig4(got, want float64) bool {
	if IsUnknown(want) {
		return IsUnknown(got)
	}
	if want == 0 {
		return got == 0
	}
	return math.Abs(got-want) <= 1e-4*math.Abs(want)
}

// TestV01Statistics checks the v0.1 statistics the golden table does not cover (means, p99, latency, totals).
func TestV01Statistics(t *testing.T) {
	run, err := Decode("v01", readTestdata(t, "fixtures/v0.1.0_sweep_4stages.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := run.Stages[0]
	for _, m := range []struct {
		name      string
		got, want float64
	}{
		{"TTFT mean", s.TTFTms.Mean, 41.666667},
		{"TTFT p90", s.TTFTms.P90, 48.0},
		{"ITL mean", s.ITLms.Mean, 22.416667},
		{"ITL p99", s.ITLms.P99, 29.45},
		{"latency mean", s.RequestLatencyS.Mean, 0.15066671},
		{"latency p50", s.RequestLatencyS.P50, 0.15000010},
		{"total tok/s", s.TotalTPS, 853.19144},
		{"prompt tokens mean", s.PromptTokensMean, 128.66667},
		{"output tokens mean", s.OutputTokensMean, 5},
	} {
		if !sig4(m.got, m.want) {
			t.Errorf("%s = %.8g, want %.8g", m.name, m.got, m.want)
		}
	}
	for _, v := range []float64{s.TPOTms.Mean, s.TPOTms.P50, s.TPOTms.P90, s.TPOTms.P95, s.TPOTms.P99} {
		if !IsUnknown(v) {
			t.Errorf("TPOT = %+v, want Unknown: v0.1 has no TPOT", s.TPOTms)
		}
	}
}

// A NaN statistic reads as Unknown, not as 0, a number or a failure; its neighbours keep their values.
func TestNonFiniteStatisticReadsAsUnknown(t *testing.T) {
	run, err := Decode("nan", readTestdata(t, "fixtures/v0.4.0_sweep_5stages_nan-tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	tpot := run.Stages[1].TPOTms
	if !IsUnknown(tpot.P99) {
		t.Errorf("TPOT p99 written as NaN = %g, want Unknown", tpot.P99)
	}
	if IsUnknown(tpot.P95) || tpot.P95 == 0 {
		t.Errorf("TPOT p95 = %g, want the report's value", tpot.P95)
	}
}

// Absent and null statistics are Unknown, never 0: a report whose TTFT p95 is null, whose ITL has no
// percentiles and which has no output tok/s at all.
func TestAbsentAndNullStatisticsAreUnknown(t *testing.T) {
	report := `{"benchmarks": [{"args": {"strategy": {"type_": "constant", "rate": 2}}, "start_time": 1700000000, "end_time": 1700000060,
  "request_totals": {"successful": 100, "errored": 0, "incomplete": 0, "total": 100},
  "metrics": {
    "requests_per_second": {"successful": {"mean": 1.9, "median": 1.9, "percentiles": {"p50": 1.9, "p90": 2, "p95": 2, "p99": 2}}},
    "time_to_first_token_ms": {"successful": {"mean": 300, "median": 280, "percentiles": {"p50": 280, "p90": 400, "p95": null, "p99": NaN}}},
    "inter_token_latency_ms": {"successful": {"mean": 20}}
  }}]}`
	run, err := Decode("absent", []byte(report))
	if err != nil {
		t.Fatal(err)
	}
	s := run.Stages[0]
	for _, m := range []struct {
		name string
		v    float64
	}{
		{"TTFT p95 (null)", s.TTFTms.P95}, {"TTFT p99 (NaN)", s.TTFTms.P99}, {"ITL p95 (absent)", s.ITLms.P95},
		{"output tok/s (metric absent)", s.OutputTPS}, {"request latency mean (metric absent)", s.RequestLatencyS.Mean},
		{"concurrency (metric absent)", s.ConcurrencyMean},
	} {
		if !IsUnknown(m.v) {
			t.Errorf("%s = %g, want Unknown", m.name, m.v)
		}
	}
	if s.TTFTms.P90 != 400 || s.ITLms.Mean != 20 || s.AchievedRPS != 1.9 {
		t.Errorf("known statistics lost: TTFT p90 %g, ITL mean %g, rps %g", s.TTFTms.P90, s.ITLms.Mean, s.AchievedRPS)
	}
}

func TestDecodeErrors(t *testing.T) {
	v06 := string(readTestdata(t, "samples/v0.6.0.dev25_constant5_overloaded.json"))
	for _, tc := range []struct {
		name, source, input, want string
	}{
		{"empty", "runs/empty.json", " \n", `report "runs/empty.json": empty object`},
		{"no benchmarks key", "runs/x.json", `{"metadata": {"version": 1}}`, `report "runs/x.json": not a GuideLLM report (no benchmarks array)`},
		{"empty benchmarks", "x", `{"benchmarks": []}`, `report "x": report holds no benchmarks`},
		{"top-level array", "x", `[1, 2]`, `report "x": not a GuideLLM report (top level is not an object)`},
		{"plain text", "x", "hello world", `report "x": not a GuideLLM report (top level is not an object)`},
		{"truncated JSON", "x", `{"benchmarks": [{"metrics": {`, `report "x": invalid JSON at offset 29: unexpected end of JSON input`},
		{"bad character", "x", `{"benchmarks": [}`, `report "x": invalid JSON at offset 17: invalid character '}' looking for beginning of value`},
		{"offset past NaN tokens", "x", `{"a": NaN, "b": -Infinity, "benchmarks": [}`, `report "x": invalid JSON at offset 43: invalid character '}' looking for beginning of value`},
		{"wrong type", "x", `{"benchmarks": [{"metrics": {"request_totals": {"successful": "many"}}}]}`,
			`report "x": unexpected value at offset 68: benchmarks.0.metrics.request_totals.successful is string, want float64`},
		{"wrong type in YAML", "x.yaml", "benchmarks:\n- metrics:\n    request_totals: {successful: many}\n",
			`report "x.yaml": unexpected value: benchmarks.0.metrics.request_totals.successful is string, want float64`},
		{"offset counts a BOM", "x", "\xEF\xBB\xBF" + `{"benchmarks": [}`, `report "x": invalid JSON at offset 20: invalid character '}'`},
		{"unknown layout", "x", `{"benchmarks": [{"foo": 1}]}`, `report "x": not a GuideLLM report (unrecognized benchmark layout)`},
		{"metrics missing", "x", strings.Replace(v06, `"metrics": {`, `"metrics_gone": {`, 1), `report "x": benchmark 0: metrics missing`},
		{"metrics missing in 4th benchmark", "x", `{"args": {}, "benchmarks": [{"metrics": {}}, {"metrics": {}}, {"metrics": {}}, {"config": {}}]}`,
			`report "x": benchmark 3: metrics missing`},
		{"future schema", "x", `{"metadata": {"version": 3}, "benchmarks": [{}]}`, `report "x": unsupported report schema metadata.version 3 (known: 1, 2)`},
		{"v0.1 with two runs", "x", `{"benchmarks": [{"args": {}, "benchmarks": []}, {"args": {}, "benchmarks": []}]}`,
			`report "x": v0.1 report holds 2 runs; GuideLLM writes one per file`},
		{"v0.1 without stages", "x", `{"benchmarks": [{"args": {"mode": "sweep"}, "benchmarks": []}]}`, `report "x": report holds no benchmarks`},
		{"bad YAML", "x.yaml", "benchmarks: [\n  - a: b\n c", `report "x.yaml": neither JSON nor valid YAML: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Decode(tc.source, []byte(tc.input))
			if err == nil {
				t.Fatalf("Decode succeeded (%d stages), want error %q", len(run.Stages), tc.want)
			}
			if run != nil {
				t.Errorf("run = %+v, want nil with an error", run)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %q, want %q", err, tc.want)
			}
			var re *ReportError
			if !errors.Is(err, ErrInvalidReport) || !errors.As(err, &re) || re.Source != tc.source {
				t.Errorf("error %v does not match ErrInvalidReport/*ReportError with source %q", err, tc.source)
			}
		})
	}
}

// Unknown fields, ints for floats and a BOM are all part of the reports found in the wild.
func TestDecodeTolerance(t *testing.T) {
	input := "\xEF\xBB\xBF" + `{"metadata": {"version": 1, "guidellm_version": "0.5.4", "new_field": [1, {"x": null}]},
		"args": {"target": "http://h:8000", "profile": {"type_": "sweep", "sweep_size": 4}, "backend": {"type_": "openai_http"},
		         "data": [{"prompt_tokens": 100, "output_tokens": 50}], "future": {"deep": [[[]]]}},
		"benchmarks": [{"config": {"strategy": {"type_": "constant", "rate": 3}},
		                "metrics": {"request_totals": {"successful": 30, "errored": 0, "incomplete": 0, "total": 30},
		                            "requests_per_second": {"successful": {"mean": 3}},
		                            "time_to_first_token_ms": {"successful": {"mean": 20, "median": 19, "percentiles": {"p50": 18, "p95": 40, "p99": 50}}}},
		                "start_time": 1700000000, "end_time": 1700000010}]}`
	run, err := Decode("tolerant.json", []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	s := run.Stages[0]
	if run.Profile != "sweep" || run.Backend != "openai_http" || run.PromptTokens != 100 || run.OutputTokens != 50 || run.Version != "0.5.4" {
		t.Errorf("run = %+v", run)
	}
	if s.Strategy != "constant" || *s.OfferedRate != 3 || s.AchievedRPS != 3 || s.Successful != 30 || s.TTFTms.P50 != 18 || s.TTFTms.P99 != 50 {
		t.Errorf("stage = %+v", s)
	}
	if s.OverSaturated != nil {
		t.Errorf("over-saturated = %v, want nil without the constraint", *s.OverSaturated)
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
