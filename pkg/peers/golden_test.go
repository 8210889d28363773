package peers

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// reportFiles are the sample and fixture files that are reports (companions and tool side files are not).
func reportFiles(t testing.TB) []string {
	var files []string
	for _, dir := range []string{"testdata/samples", "testdata/fixtures"} {
		require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			base := filepath.Base(p)
			if base == "config.yaml" || strings.HasSuffix(base, ".csv") || strings.HasPrefix(base, "summary_") || strings.Contains(base, "prometheus") {
				return nil
			}
			files = append(files, p)
			return nil
		}))
	}
	return files
}

// TestDecodeGolden decodes every sample and fixture and compares the whole run with its golden file
// (NaN written as null). Run with -update after a deliberate change and review the diff.
func TestDecodeGolden(t *testing.T) {
	for _, p := range reportFiles(t) {
		t.Run(strings.TrimPrefix(p, "testdata/"), func(t *testing.T) {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			run, err := Decode(p, data)
			require.NoError(t, err)
			got := toJSON(run)
			golden := filepath.Join("testdata", "golden", strings.TrimPrefix(p, "testdata/")+".golden.json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden file: run go test -update and review it")
			if !bytes.Equal(got, want) {
				t.Errorf("decoded run differs from %s:\n%s", golden, got)
			}
		})
	}
}

// keyValues are read off the raw files with python3 (json.load / yaml.safe_load), independently of
// the decoders, for the numbers the analysis uses: offered load, achieved req/s, TTFT p95 and the
// decode latency p95 in ms, output tok/s, successful and errored requests.
var keyValues = []struct {
	file                       string
	tool, model                string
	rate, streams              float64 // 0: not set
	rps, ttftP95, itlP95, outT float64
	ok, errored                int
}{
	{file: "samples/inference-perf/kubecon-na-2025-vllm/stage_3_lifecycle_metrics.json", tool: guidellm.ToolInferencePerf,
		rate: 92.19, rps: 91.357, ttftP95: 80.241, itlP95: 9.3761 /* TPOT: ITL is implausible */, outT: 5693.9, ok: 5531},
	{file: "samples/inference-perf/llm-d-fixture/stage_0_lifecycle_metrics.yaml", tool: guidellm.ToolInferencePerf,
		rate: 1, rps: 1.2097, ttftP95: 39.0, itlP95: 200.0, outT: 64.516, ok: 3},
	{file: "samples/aiperf/ai-dynamo_examples_run1/profile_export_aiperf.json", tool: guidellm.ToolAIPerf, model: "openai/gpt-oss-20b",
		streams: 100, rps: 9.5516, ttftP95: 3825.28, itlP95: 33.3445, outT: 2320.72, ok: 89, errored: 11},
	{file: "samples/aiperf/plot-fixtures/qwen_concurrency4/profile_export_aiperf.json", tool: guidellm.ToolAIPerf, model: "Qwen/Qwen3-0.6B",
		streams: 4, rps: 0.97268, ttftP95: 58.606, itlP95: 19.406, outT: 194.51, ok: 64},
	{file: "samples/vllm-bench/bench_serve_v0.25.1.json", tool: guidellm.ToolVLLMBench, model: "facebook/opt-125m",
		streams: 2, rps: 5.1808, ttftP95: 734.40 /* p99 stands in */, itlP95: 29.816, outT: 82.893, ok: 8},
	{file: "samples/vllm-bench/bench_serve_all_requests_failed_v0.25.1.json", tool: guidellm.ToolVLLMBench, model: "facebook/opt-125m",
		rps: 0, ttftP95: math.NaN(), itlP95: math.NaN(), outT: 0, errored: 8},
	{file: "samples/llm-d-benchmark/br_v0_2_example.yaml", tool: guidellm.ToolLLMDReport, model: "Qwen/Qwen3-0.6B",
		rate: 10, rps: 2262.4, ttftP95: 45.247, itlP95: math.NaN(), outT: 2262.4, ok: 500},
}

func TestDecodeKeyValues(t *testing.T) {
	for _, k := range keyValues {
		t.Run(k.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", k.file))
			require.NoError(t, err)
			run, err := Decode(k.file, data)
			require.NoError(t, err)
			require.Equal(t, k.tool, run.Tool)
			require.Equal(t, k.model, run.Model)
			require.Len(t, run.Stages, 1)
			s := run.Stages[0]
			checkLoad(t, "offered rate", s.OfferedRate, k.rate)
			checkLoad(t, "streams", s.Streams, k.streams)
			for _, m := range []struct {
				name      string
				got, want float64
			}{{"rps", s.AchievedRPS, k.rps}, {"TTFT p95", s.TTFTms.P95, k.ttftP95}, {"ITL p95", s.ITLms.P95, k.itlP95}, {"output tok/s", s.OutputTPS, k.outT}} {
				if !near(m.got, m.want) {
					t.Errorf("%s = %g, want %g", m.name, m.got, m.want)
				}
			}
			require.Equal(t, [2]int{k.ok, k.errored}, [2]int{s.Successful, s.Errored})
		})
	}
}

func checkLoad(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	switch {
	case want == 0 && got != nil:
		t.Errorf("%s = %g, want unset", name, *got)
	case want != 0 && (got == nil || !near(*got, want)):
		t.Errorf("%s = %v, want %g", name, got, want)
	}
}

// near: equal to 4 significant digits, or both unknown.
func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if want == 0 {
		return got == 0
	}
	return math.Abs(got-want) <= 5e-4*math.Abs(want)
}

// TestKubeConBracket: the inference-perf KubeCon NA 2025 run (Llama-3-8B BF16 on one H100, a linear
// sweep of 7 constant-rate stages) merged from its stage files gives the bracket its stages show, by the
// same rule as GuideLLM runs: 92.19 req/s passes (TTFT p95 80 ms), 122.59 req/s fails (TTFT p95
// 3187 ms, and achieved 101 req/s < 90 % of offered); TTFT p95 crosses 1 s at
// 92.19 + (1000 − 80.241)/(3187.197 − 80.241) × 30.4 = 101.189 req/s (computed by hand).
func TestKubeConBracket(t *testing.T) {
	run := kubeconRun(t)
	require.Equal(t, "meta-llama/Meta-Llama-3-8B-Instruct", run.Model)
	require.Equal(t, [2]float64{192, 64}, [2]float64{run.PromptTokens, run.OutputTokens}, "shared prefix 128 + question 64, output 64")
	require.Len(t, run.Stages, 7)
	require.Equal(t, "constant", run.Stages[0].Strategy)

	res := analysis.BreakingPoints([]*guidellm.Run{run}, analysis.Config{}, analysis.Filter{})
	require.Len(t, res.Rows, 1)
	bp := res.Rows[0]
	require.Equal(t, analysis.AxisRate, bp.Axis)
	require.NotNil(t, bp.LastPass)
	require.NotNil(t, bp.FirstFail)
	require.NotNil(t, bp.Value)
	require.InDelta(t, 92.19, *bp.LastPass, 1e-9)
	require.InDelta(t, 122.59, *bp.FirstFail, 1e-9)
	require.InDelta(t, 101.189, *bp.Value, 1e-3)
	require.Equal(t, analysis.ConstraintTTFT, bp.FailedConstraint)
}

// kubeconRun is the KubeCon inference-perf run merged from its stage files with its config.yaml.
func kubeconRun(t *testing.T) *guidellm.Run {
	t.Helper()
	dir := "testdata/samples/inference-perf/kubecon-na-2025-vllm"
	var parts []*guidellm.Run
	for n := range 7 {
		name := filepath.Join(dir, fmt.Sprintf("stage_%d_lifecycle_metrics.json", n))
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		run, err := Decode(name, data)
		require.NoError(t, err)
		parts = append(parts, run)
	}
	run := Merge(dir+"/", parts)
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	require.NoError(t, err)
	require.True(t, ApplyConfig(run, cfg))
	return run
}

// A roi verdict between deployments measured by different tools says so, and the reader's substitutions
// (TPOT for inference-perf's implausible ITL) reach the user as notices.
func TestCrossToolNotices(t *testing.T) {
	ip := kubeconRun(t)
	ip.Labels = map[string]string{"model": "llama-bf16", "gpus": "1", "gpuType": "H100", "scenario": "chat"}
	data, err := os.ReadFile("../guidellm/testdata/fixtures/v0.4.0_sweep_5stages_nan-tokens.json")
	require.NoError(t, err)
	gl, err := Decode("guidellm.json", data)
	require.NoError(t, err)
	gl.Labels = map[string]string{"model": "llama-int4", "gpus": "4", "gpuType": "H100", "scenario": "chat"}

	load := 50.0
	frames := analysis.ROI([]*guidellm.Run{ip, gl}, analysis.Config{GPUPrices: map[string]float64{"H100": 4}}, analysis.Filter{}, &load).Frames()
	var texts []string
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				texts = append(texts, n.Text)
			}
		}
	}
	all := strings.Join(texts, "\n")
	require.Contains(t, all, "compared across tools: inference-perf vs GuideLLM")
	require.Contains(t, all, "inference-perf ITL is implausible")
}
