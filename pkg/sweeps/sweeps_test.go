package sweeps

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testSettings are configured settings as a data source would have them after ApplyDefaults.
func testSettings() Settings {
	s := Settings{
		Namespace: "bench",
		Models: map[string]ModelSettings{
			"meta-llama/Llama-3.1-8B-Instruct": {Endpoint: "http://llama-8b-predictor.models.svc.cluster.local:8080/v1", Processor: "meta-llama/Llama-3.1-8B-Instruct"},
			"mistral-3-int4":                   {Processor: "RedHatAI/Mistral-Small-3.1-24B-Instruct-2503-quantized.w4a16"},
		},
	}
	s.ApplyDefaults()
	return s
}

// testCatalog is a deployments catalog with the seed's INT4/BF16 pair.
func testCatalog() analysis.Config {
	return analysis.Config{
		Deployments: []analysis.Deployment{
			{Model: "mistral-3-int4", GPUs: 1, GPUType: "L40S", Quantization: "int4"},
			{Model: "mistral-3-bf16", GPUs: 4, GPUType: "L40S", Quantization: "bf16"},
			{Model: "meta-llama/Llama-3.1-8B-Instruct", GPUs: 1, GPUType: "H100", Quantization: "bf16"},
		},
		Scenarios: analysis.DefaultScenarios(),
	}
}

// checkGoldenJSON compares v, as indented JSON, with testdata/<name>; -update rewrites it.
func checkGoldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./pkg/sweeps -run %s -update", t.Name())
	require.Equal(t, string(want), string(got), "golden %s differs (rerun with -update if the change is intended)", path)
}
