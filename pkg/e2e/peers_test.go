package e2e

// Reports of every supported tool in one bucket, through the compiled plugin: folders placed in the
// bucket and a folder uploaded as tar.gz become one run each, and breakingPoints and roi answer over
// GuideLLM, inference-perf, vLLM bench, AIPerf and llm-d Benchmark Report runs together.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// peerSamples is the peers package's copy of the real files in /work/shared/samples/peers.
const peerSamples = "../peers/testdata/samples"

// eachSampleFile calls fn with the slash-separated path under dir (relative to peerSamples) and
// the contents of every file there.
func eachSampleFile(t *testing.T, dir string, fn func(rel string, body []byte)) {
	t.Helper()
	root := filepath.Join(peerSamples, dir)
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		body, err := os.ReadFile(p)
		require.NoError(t, err)
		fn(filepath.ToSlash(rel), body)
		return nil
	}))
}

// putPeerTree uploads every file under dir (relative to peerSamples) as <key prefix><path under dir>.
func putPeerTree(t *testing.T, mc *minio.Client, bucket, dir, to string) {
	t.Helper()
	eachSampleFile(t, dir, func(rel string, body []byte) { putBytes(t, mc, bucket, to+rel, body) })
}

func putBytes(t *testing.T, mc *minio.Client, bucket, key string, body []byte) {
	t.Helper()
	_, err := mc.PutObject(context.Background(), bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	require.NoError(t, err)
}

func s3Client(t *testing.T, env s3Env) *minio.Client {
	t.Helper()
	mc, err := minio.New(env.endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(env.accessKey, env.secretKey, ""), Region: env.region, BucketLookup: minio.BucketLookupPath,
	})
	require.NoError(t, err)
	return mc
}

// peersInstance adds catalog entries and prices for the peers' models to the history instance.
func peersInstance(env s3Env, uid, bucket string) instance {
	in := historyInstance(env, uid, bucket)
	in.JSONData["deployments"] = append(in.JSONData["deployments"].([]map[string]any),
		map[string]any{"model": "Qwen/Qwen3-0.6B", "gpus": 1, "gpuType": "L4", "quantization": "bf16"})
	in.JSONData["gpuPrices"] = map[string]float64{"L4": 0.8, "H100": 4.5, "NVIDIA-H100-80GB-HBM3": 4.5}
	return in
}

// tarGzDir packs the files under dir (relative to peerSamples) under the folder name top, plus extra files.
func tarGzDir(t *testing.T, dir, top string, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, body []byte) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write(body)
		require.NoError(t, err)
	}
	eachSampleFile(t, dir, func(rel string, body []byte) { add(top+"/"+rel, body) })
	for name, body := range extra {
		add(name, []byte(body))
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestMixedToolsHistory(t *testing.T) {
	env := requireS3(t)
	bucket := fmt.Sprintf("e2e-peers-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", "mistral-3-int4_chat_sweep.json", "mistral-3-bf16_chat_poisson.json")
	mc := s3Client(t, env)
	// A folder placed in the bucket: the KubeCon inference-perf run, labelled by its labels.yaml.
	putPeerTree(t, mc, bucket, "inference-perf/kubecon-na-2025-vllm", "guidellm/inference-perf/kubecon/")
	putBytes(t, mc, bucket, "guidellm/inference-perf/kubecon/labels.yaml",
		[]byte("model: llama-3-8b-bf16\ngpus: 1\ngpuType: H100\nquantization: bf16\nscenario: chat\n"))
	putPeerTree(t, mc, bucket, "vllm-bench/vllm_sweep_v0.25.1", "guidellm/vllm/")
	putPeerTree(t, mc, bucket, "llm-d-benchmark", "guidellm/llm-d/")
	in := peersInstance(env, "peers-"+bucket, bucket)

	// Golden frames of the folders placed in the bucket (the upload below has a time in its key).
	resp := plugin.queryData(t, in.as("Viewer"), loadQueries(t, "peers.json"))
	for refID, dr := range resp.Responses {
		t.Run(refID, func(t *testing.T) {
			require.NoError(t, dr.Error)
			require.NotEmpty(t, dr.Frames)
			experimental.CheckGoldenJSONResponse(t, filepath.Join("testdata", "golden"), "peers-"+refID, &dr, *update)
		})
	}

	// A folder uploaded as tar.gz: the AIPerf concurrency sweep, labelled by the upload.
	archive := tarGzDir(t, "aiperf/plot-fixtures", "qwen-sweep", nil)
	status, body := plugin.callResource(t, in.as("Viewer"), http.MethodPost, "runs?scenario=chat", archive)
	assert.Equal(t, http.StatusForbidden, status, string(body))
	evil := tarGzDir(t, "aiperf/plot-fixtures/qwen_concurrency1", "ok", map[string]string{"../../escape.json": "{}"})
	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "runs", evil)
	assert.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, string(body), "path traversal")
	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "runs?scenario=chat&gpus=1&gpuType=L4", archive)
	require.Equal(t, http.StatusCreated, status, string(body))
	var created struct {
		Key  string `json:"key"`
		Runs []struct {
			Source, Model, Scenario, Tool string
			Stages                        int
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	require.Len(t, created.Runs, 1, string(body))
	assert.Equal(t, "AIPerf", created.Runs[0].Tool)
	assert.Equal(t, "Qwen/Qwen3-0.6B", created.Runs[0].Model)
	assert.Equal(t, "chat", created.Runs[0].Scenario)
	assert.Equal(t, 3, created.Runs[0].Stages)
	assert.Equal(t, created.Key+"qwen-sweep/", created.Runs[0].Source)

	resp = plugin.queryData(t, in.as("Viewer"), loadQueries(t, "peers.json"))
	for refID, dr := range resp.Responses {
		require.NoError(t, dr.Error, refID)
	}

	// One run per folder and tool: 2 GuideLLM + KubeCon + 2 vLLM sweep folders + llm-d + the AIPerf upload.
	runs := resp.Responses["runs"].Frames[0]
	sources := map[string]int{}
	src, _ := runs.FieldByName("source")
	for i := 0; i < runs.Rows(); i++ {
		sources[src.At(i).(string)]++
	}
	assert.Equal(t, map[string]int{
		"guidellm/mistral-3-int4_chat_sweep.json":                                     8,
		"guidellm/mistral-3-bf16_chat_poisson.json":                                   7,
		"guidellm/inference-perf/kubecon/":                                            7,
		"guidellm/vllm/SERVE--max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8/": 2,
		"guidellm/vllm/SERVE--max_num_seqs=8-BENCH--max_concurrency=2-num_prompts=8/": 2,
		"guidellm/llm-d/":           1,
		created.Key + "qwen-sweep/": 3,
	}, sources)

	// The KubeCon run breaks where its stages show, by the GuideLLM rule.
	bp := resp.Responses["breakingPoints"].Frames[0]
	row := rowOf(t, bp, "llama-3-8b-bf16")
	for name, want := range map[string]float64{"last_pass": 92.19, "first_fail": 122.59, "breaking_point": 101.19} {
		got := floatAt(t, bp, name, row)
		require.NotNil(t, got, name)
		assert.InDelta(t, want, *got, 0.01, name)
	}

	// roi compares GuideLLM and inference-perf deployments of the chat scenario in one answer.
	roi := resp.Responses["roi"].Frames
	models := map[string]bool{}
	for _, f := range roi {
		if m, _ := f.FieldByName("model"); m != nil {
			for i := 0; i < m.Len(); i++ {
				if s, ok := m.At(i).(string); ok {
					models[s] = true
				}
			}
		}
	}
	assert.True(t, models["llama-3-8b-bf16"] && models["mistral-3-int4"], "roi rows: %v", models)

	status, body = plugin.callResource(t, in.as("Viewer"), http.MethodGet, "models", nil)
	require.Equal(t, http.StatusOK, status)
	for _, m := range []string{"llama-3-8b-bf16", "facebook/opt-125m", "Qwen/Qwen3-0.6B", "mistral-3-int4"} {
		assert.Contains(t, string(body), m)
	}
}
