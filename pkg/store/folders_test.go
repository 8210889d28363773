package store

// Multi-file runs against the real S3 server: folders placed in the bucket and folders uploaded as tar.gz.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers"
)

// peerSamples is the peers package's copy of the real files in /work/shared/samples/peers.
const peerSamples = "../peers/testdata/samples"

// putTree uploads every file under dir (relative to peerSamples) to <to>/<path under dir>.
func putTree(t *testing.T, c *minio.Client, bucket, dir, to string) {
	t.Helper()
	root := filepath.Join(peerSamples, dir)
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		putObject(t, c, bucket, to+filepath.ToSlash(rel), data)
		return nil
	}))
}

func runBySource(t *testing.T, snap *Snapshot, source string) *guidellm.Run {
	t.Helper()
	for _, r := range snap.Runs {
		if r.Source == source {
			return r
		}
	}
	var have []string
	for _, r := range snap.Runs {
		have = append(have, r.Source)
	}
	t.Fatalf("no run %q; runs: %v", source, have)
	return nil
}

// TestFoldersBecomeRuns: folders of one-file-per-level reports placed in the bucket become one run each,
// side files are not read, config.yaml and labels files apply, and the report's own labels win.
func TestFoldersBecomeRuns(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	putTree(t, c, bucket, "inference-perf/kubecon-na-2025-vllm", "bench/kubecon/results/")
	putObject(t, c, bucket, "bench/kubecon/results/labels.yaml", []byte("gpus: 1\ngpuType: H100\nquantization: bf16\nscenario: shared-prefix\n"))
	putTree(t, c, bucket, "vllm-bench/vllm_sweep_v0.25.1", "bench/vllm-sweep/")
	putObject(t, c, bucket, "bench/vllm-sweep/SERVE--max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8/labels.json", []byte(`{"gpus": 1, "gpuType": "L4"}`))
	putTree(t, c, bucket, "aiperf/plot-fixtures", "bench/aiperf-qwen/")
	putObject(t, c, bucket, "bench/llm-d/benchmark_report_v0.2,_stage_3_lifecycle_metrics.json.yaml",
		readPeer(t, "llm-d-benchmark/br_v0_2_example.yaml"))
	// The report names its GPUs (16 × H100); the folder's labels file must not override them.
	putObject(t, c, bucket, "bench/llm-d/labels.json", []byte(`{"gpus": "1", "team": "perf"}`))
	putObject(t, c, bucket, "bench/guidellm.json", readTestdata(t, "report-v0.2.json"))

	s := New(c, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: peers.Decode})
	snap := snapshot(t, s)
	require.Empty(t, snap.Problems)
	require.Len(t, snap.Runs, 6, "kubecon, 2 vLLM sweep folders, AIPerf sweep, llm-d, GuideLLM")

	ip := runBySource(t, snap, "bench/kubecon/results/")
	require.Equal(t, guidellm.ToolInferencePerf, ip.Tool)
	require.Equal(t, "meta-llama/Meta-Llama-3-8B-Instruct", ip.Model, "from config.yaml")
	require.Len(t, ip.Stages, 7, "stage files only: no summary, no Prometheus files")
	require.Equal(t, map[string]string{"gpus": "1", "gpuType": "H100", "quantization": "bf16", "scenario": "shared-prefix"}, ip.Labels)
	require.InDelta(t, 92.19, *ip.Stages[3].OfferedRate, 1e-9)

	sweep := runBySource(t, snap, "bench/vllm-sweep/SERVE--max_num_seqs=4-BENCH--max_concurrency=2-num_prompts=8/")
	require.Equal(t, guidellm.ToolVLLMBench, sweep.Tool)
	require.Len(t, sweep.Stages, 2, "run=0 and run=1; summary.json repeats them and is not read")
	require.Equal(t, map[string]string{"gpus": "1", "gpuType": "L4"}, sweep.Labels)
	require.Len(t, runBySource(t, snap, "bench/vllm-sweep/SERVE--max_num_seqs=8-BENCH--max_concurrency=2-num_prompts=8/").Stages, 2)

	ai := runBySource(t, snap, "bench/aiperf-qwen/")
	require.Equal(t, guidellm.ToolAIPerf, ai.Tool)
	require.Len(t, ai.Stages, 3, "one level per artifact folder")
	for i, want := range []float64{1, 2, 4} {
		require.Equal(t, want, *ai.Stages[i].Streams)
	}

	br := runBySource(t, snap, "bench/llm-d/")
	require.Equal(t, map[string]string{"gpus": "16", "gpuType": "NVIDIA-H100-80GB-HBM3", "replicas": "2", "tp": "8", "team": "perf"}, br.Labels)

	require.Equal(t, guidellm.ToolGuideLLM, runBySource(t, snap, "bench/guidellm.json").ToolName())
	require.Equal(t, 7+2+2+3+1+1, snap.Objects, "report objects: 7 inference-perf stages, 2+2 vLLM runs, 3 AIPerf, 1 llm-d, 1 GuideLLM")
}

func readPeer(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(peerSamples, name))
	require.NoError(t, err)
	return data
}

// tarGz packs files (path → content) as a gzip-compressed tar, with extra raw headers appended.
func tarGz(t *testing.T, files map[string][]byte, extra ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "kubecon/", Typeflag: tar.TypeDir, Mode: 0o755}))
	for name, data := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}))
		_, err := tw.Write(data)
		require.NoError(t, err)
	}
	for _, h := range extra {
		require.NoError(t, tw.WriteHeader(h))
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func kubeconFiles(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	entries, err := os.ReadDir(filepath.Join(peerSamples, "inference-perf/kubecon-na-2025-vllm"))
	require.NoError(t, err)
	for _, e := range entries {
		files["./kubecon/"+e.Name()] = readPeer(t, "inference-perf/kubecon-na-2025-vllm/"+e.Name())
	}
	return files
}

// TestPutFolderRoundTrip: a tar.gz of the KubeCon inference-perf folder is stored under one upload folder
// and becomes one run with the upload's labels, in the answer and in the next Snapshot.
func TestPutFolderRoundTrip(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	s := New(c, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: peers.Decode})
	require.Empty(t, snapshot(t, s).Runs)

	files, skipped, err := ReadTarGz(bytes.NewReader(tarGz(t, kubeconFiles(t))), DefaultMaxObjectBytes)
	require.NoError(t, err)
	require.Len(t, skipped, 9, "summary and Prometheus files are not kept")
	up, err := s.PutFolder(context.Background(), files, map[string]string{"gpus": "1", "gpuType": "H100", "model": "llama-3-8b-bf16"})
	require.NoError(t, err)
	require.Regexp(t, `^bench/uploads/llama-3-8b-bf16/\d{8}T\d{6}Z-[0-9a-f]{12}/$`, up.Folder)
	require.Len(t, up.Runs, 1)
	require.Len(t, up.Runs[0].Stages, 7)
	require.Equal(t, up.Folder+"kubecon/", up.Runs[0].Source)
	require.Empty(t, up.Ignored)

	snap := snapshot(t, s)
	require.Empty(t, snap.Problems)
	require.Len(t, snap.Runs, 1)
	got := snap.Runs[0]
	require.Equal(t, up.Runs[0].Source, got.Source)
	require.Equal(t, "meta-llama/Meta-Llama-3-8B-Instruct", got.Model)
	require.Equal(t, map[string]string{"gpus": "1", "gpuType": "H100", "model": "llama-3-8b-bf16"}, got.Labels)
	require.Len(t, got.Stages, 7)
}

// Nothing is stored when one report of the folder does not decode.
func TestPutFolderRefusesBadReport(t *testing.T) {
	c, err := NewMinioClient(unreachableEndpoint(t), "key", "secret", "us-east-1", false)
	require.NoError(t, err)
	s := New(c, Config{Bucket: "reports", Decode: peers.Decode})
	files := []FolderFile{
		{Path: "run/stage_0_lifecycle_metrics.json", Data: readPeer(t, "inference-perf/kubecon-na-2025-vllm/stage_0_lifecycle_metrics.json")},
		{Path: "run/stage_1_lifecycle_metrics.json", Data: []byte(`{"load_summary": {`)},
	}
	_, err = s.PutFolder(context.Background(), files, nil)
	require.ErrorIs(t, err, ErrInvalidReport)
	require.ErrorContains(t, err, "run/stage_1_lifecycle_metrics.json (invalid JSON")

	_, err = s.PutFolder(context.Background(), []FolderFile{{Path: "notes.yaml", Data: []byte("a: b\n")}}, nil)
	require.ErrorIs(t, err, ErrInvalidReport)

	_, err = s.PutFolder(context.Background(), files[:1], map[string]string{"bad name": "x"})
	require.ErrorIs(t, err, ErrInvalidLabels)

	_, err = s.PutFolder(context.Background(), append(files[:1:1], FolderFile{Path: "run/labels.json", Data: []byte(`{"gpus": ["x"]}`)}), nil)
	require.ErrorIs(t, err, ErrInvalidLabels)
	require.ErrorContains(t, err, "labels.json")
}

func TestReadTarGzRefuses(t *testing.T) {
	ok := map[string][]byte{"kubecon/stage_0_lifecycle_metrics.json": []byte("{}")}
	for _, tc := range []struct {
		name  string
		data  []byte
		limit int64
		want  string
	}{
		{"not gzip", []byte("plain"), 1 << 20, "not gzip-compressed"},
		{"traversal", tarGz(t, map[string][]byte{"../../etc/passwd.json": []byte("{}")}), 1 << 20, `".." is refused (path traversal)`},
		{"inner traversal", tarGz(t, map[string][]byte{"a/../../b.json": []byte("{}")}), 1 << 20, "path traversal"},
		{"absolute", tarGz(t, map[string][]byte{"/etc/x.json": []byte("{}")}), 1 << 20, "absolute paths"},
		{"odd characters", tarGz(t, map[string][]byte{"a/$(rm -rf).json": []byte("{}")}), 1 << 20, "path segments may hold only"},
		{"symlink", tarGz(t, ok, &tar.Header{Name: "kubecon/link.json", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}), 1 << 20, "links are refused"},
		{"too large", tarGz(t, map[string][]byte{"a.json": bytes.Repeat([]byte(" "), 2048)}), 1024, "more than 1.0 KiB together"},
		{"bomb in a side file", tarGz(t, map[string][]byte{"per_request_lifecycle_metrics.json": bytes.Repeat([]byte(" "), 64<<10)}), 1024, "unpacks to more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadTarGz(bytes.NewReader(tc.data), tc.limit)
			require.Error(t, err)
			require.True(t, strings.Contains(err.Error(), tc.want), "error %q, want %q", err, tc.want)
		})
	}
	files, _, err := ReadTarGz(bytes.NewReader(tarGz(t, ok)), 1<<20)
	require.NoError(t, err)
	require.Equal(t, []FolderFile{{Path: "kubecon/stage_0_lifecycle_metrics.json", Data: []byte("{}")}}, files)
}
