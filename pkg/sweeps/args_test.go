package sweeps

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// argsCases are one request per profile; every case is built for each generation.
var argsCases = []struct {
	name string
	req  Request
}{
	{"constant", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1, 2.5, 4}, SecondsPerStage: 120}},
	{"poisson", Request{Model: "meta-llama/Llama-3.1-8B-Instruct", Scenario: "summarization", Profile: ProfilePoisson, Rates: []float64{0.5, 1}}},
	{"concurrent", Request{Model: "mistral-3-bf16", Scenario: "code-gen", Profile: ProfileConcurrent, Streams: []int{1, 8, 32}}},
	{"sweep", Request{Model: "granite-uncatalogued", Scenario: "stress", Profile: ProfileSweep, SweepSize: 6, SecondsPerStage: 30}},
}

var generations = []struct {
	gen   Generation
	image string
}{
	{GenerationV07, "ghcr.io/vllm-project/guidellm:v0.7.3"},
	{GenerationV05, "ghcr.io/vllm-project/guidellm:v0.6.1"},
}

func TestBuildArgsGolden(t *testing.T) {
	for _, g := range generations {
		for _, c := range argsCases {
			t.Run(string(g.gen)+"/"+c.name, func(t *testing.T) {
				s := testSettings()
				s.Image = g.image
				p, err := s.Plan(c.req, testCatalog())
				require.NoError(t, err)
				require.Equal(t, g.gen, p.Generation)
				checkGoldenJSON(t, "args/"+string(g.gen)+"_"+c.name+".golden.json", BuildArgs(p, DefaultOutputPath))
			})
		}
	}
}

// TestBuildArgsV07Values decodes the v0.7 registry arguments the way GuideLLM does (JSON first)
// and checks what they mean, independently of the golden text.
func TestBuildArgsV07Values(t *testing.T) {
	s := testSettings()
	p, err := s.Plan(Request{Model: "meta-llama/Llama-3.1-8B-Instruct", Scenario: "summarization", Profile: ProfileConstant,
		Rates: []float64{0.5, 2}, SecondsPerStage: 45, RequestedBy: "alice"}, testCatalog())
	require.NoError(t, err)
	args := BuildArgs(p, "/results/x.json")
	require.Equal(t, []string{"guidellm", "run"}, args[:2])

	option := func(name string) map[string]any {
		i := slices.Index(args, name)
		require.GreaterOrEqual(t, i, 0, "%s missing", name)
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(args[i+1]), &v), "%s value is not JSON", name)
		return v
	}
	require.Equal(t, map[string]any{"kind": "openai_http", "target": "http://llama-8b-predictor.models.svc.cluster.local:8080/v1",
		"model": "meta-llama/Llama-3.1-8B-Instruct"}, option("--backend"))
	// A 45 s stage: the first 4 s are warm-up, left out of the measurement.
	require.Equal(t, map[string]any{"kind": "constant", "rate": []any{0.5, 2.0}, "warmup": 4.0}, option("--profile"))
	require.Equal(t, map[string]any{"kind": "max_duration", "seconds": 45.0}, option("--constraint"))
	require.Equal(t, map[string]any{"kind": "synthetic_text", "prompt_tokens": 512.0, "output_tokens": 128.0}, option("--data"))
	require.Equal(t, map[string]any{"kind": "huggingface_auto", "model": "meta-llama/Llama-3.1-8B-Instruct"}, option("--tokenizer"))
	require.Equal(t, map[string]any{"kind": "json", "path": "/results/x.json"}, option("--output"))

	var labels []string
	for i, a := range args {
		if a == "--label" {
			labels = append(labels, args[i+1])
		}
	}
	require.Equal(t, []string{"model=meta-llama/Llama-3.1-8B-Instruct", "scenario=summarization", "profile=constant",
		"gpus=1", "gpuType=H100", "quantization=bf16"}, labels)
	require.NotContains(t, args, "alice", "who launched a sweep is recorded on the Job, not in the report")
}

func TestParseGeneration(t *testing.T) {
	for v, want := range map[string]Generation{"0.7.3": GenerationV07, "v0.7.0": GenerationV07, "0.6.1": GenerationV05, "v0.5.4": GenerationV05} {
		got, err := ParseGeneration(v)
		require.NoError(t, err, v)
		require.Equal(t, want, got, v)
	}
	for _, v := range []string{"0.4.0", "0.3.1", "1.0.0", "latest", "", "0.x"} {
		_, err := ParseGeneration(v)
		require.Error(t, err, v)
	}
}
