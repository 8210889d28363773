package sweeps

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// Conformance with the real GuideLLM: the Job the plugin builds has its container command
// (wrapper and argv, unchanged) run by the real GuideLLM CLI in the offline kit
// (scripts/guidellm-kit.sh, uid 1001) against llm-d-inference-sim on loopback
// (scripts/inference-sim.sh); the resulting log goes through the plugin's ingestion into the
// real S3 server, and the stored report must decode with the stages, labels and load axis asked
// for and yield a breaking point.

// requireConformanceKit returns the repository root when the kit and the simulator can run
// (root, both scripts); CI=true fails without them, elsewhere the test is skipped.
func requireConformanceKit(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	missing := ""
	switch {
	case os.Getenv("INFERENCEROI_CONFORMANCE") == "" && !realserver.InCI():
		t.Skip("set INFERENCEROI_CONFORMANCE=1 (scripts/test.sh does) to run GuideLLM conformance: minutes of CPU")
	case os.Geteuid() != 0:
		missing = "root (the kit runs GuideLLM in a chroot)"
	}
	if _, err := exec.LookPath("unshare"); err != nil && missing == "" {
		missing = "unshare (util-linux)"
	}
	if missing != "" {
		if realserver.InCI() {
			t.Fatal("GuideLLM conformance needs " + missing)
		}
		t.Skip("GuideLLM conformance needs " + missing)
	}
	return root
}

// conformanceCase is one sweep run for real.
type conformanceCase struct {
	name      string
	image     string // its tag selects the command-line generation
	tag       string // GuideLLM in the kit
	port      int
	simArgs   []string
	req       Request
	bigReport bool // the raw report must pass 10 MiB
}

// runJobCommand runs the container command of job, with its environment, in the kit and returns
// the container log.
func runJobCommand(t *testing.T, root string, job *simpleJob, tag string) []byte {
	t.Helper()
	results := t.TempDir()
	require.NoError(t, os.Chmod(results, 0o777))
	argv := []string{"run", tag, "--results", results}
	for _, e := range job.env {
		require.Nil(t, e.ValueFrom, "env %s: the kit has no Secrets", e.Name)
		argv = append(argv, "--env", e.Name+"="+e.Value)
	}
	argv = append(append(argv, "--"), job.command...)
	argv = append(argv, job.args...)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "guidellm-kit.sh"), argv...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log // a container log holds both streams
	err := cmd.Run()
	require.NoError(t, err, "the Job's command failed in the kit:\n%s", tail(log.String(), 4000))
	return log.Bytes()
}

type simpleJob struct {
	command, args []string
	env           []corev1.EnvVar
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func startSim(t *testing.T, root string, port int, args ...string) {
	t.Helper()
	script := filepath.Join(root, "scripts", "inference-sim.sh")
	out, err := exec.Command(script, append([]string{"start", strconv.Itoa(port)}, args...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() { _ = exec.Command(script, "stop", strconv.Itoa(port)).Run() })
}

func TestConformanceRealGuideLLM(t *testing.T) {
	root := requireConformanceKit(t)
	s3, bucket := requireS3Client(t)
	st := store.New(s3, store.Config{Bucket: bucket, Prefix: "conformance", Decode: guidellm.Decode})
	ctx := context.Background()

	// Eight sequences of ~0.64 s each (10 ms TTFT + 63 × 10 ms ITL for the 64 output tokens):
	// at most ~12.5 req/s however fast the machine, and less on a loaded one. 0.5 req/s passes;
	// 40 req/s builds a queue at 27 req/s or more (TTFT p95 seconds, far above 1 s) — a
	// breaking point between. (An ITL of 2 ms put capacity at ~58 req/s: on an idle machine
	// 40 req/s passed and no break came out.)
	slow := []string{"--time-to-first-token", "10ms", "--inter-token-latency", "10ms", "--max-num-seqs", "8", "--max-model-len", "4096"}
	// Fast and wide: thousands of requests, a raw report above 10 MiB.
	fast := []string{"--max-num-seqs", "1000", "--max-model-len", "4096"}
	cases := []conformanceCase{
		{"v0.7.3", "ghcr.io/vllm-project/guidellm:v0.7.3", "v0.7.3", 18540, slow,
			Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{0.5, 40}, SecondsPerStage: 10}, false},
		{"v0.6.1", "ghcr.io/vllm-project/guidellm:v0.6.1", "v0.6.1", 18541, slow,
			Request{Model: "mistral-3-bf16", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{0.5, 40}, SecondsPerStage: 10}, false},
		{"v0.7.3-large", "ghcr.io/vllm-project/guidellm:v0.7.3", "v0.7.3", 18542, fast,
			Request{Model: "mistral-3-int4", Scenario: "summarization", Profile: ProfileConcurrent, Streams: []int{64, 128}, SecondsPerStage: 20}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			startSim(t, root, c.port, append([]string{"--model", c.req.Model}, c.simArgs...)...)
			s := Settings{Namespace: "bench", Image: c.image, Models: map[string]ModelSettings{
				// The kit has no hub: its offline tokenizer stands in for the model's.
				c.req.Model: {Endpoint: fmt.Sprintf("http://127.0.0.1:%d/v1", c.port), Processor: "/opt/tok"},
			}}
			s.ApplyDefaults()
			require.NoError(t, s.Validate())
			p, err := s.Plan(c.req, testCatalog())
			require.NoError(t, err)
			job, err := BuildJob(s, p, jobName(p.Model, p.Scenario, 1), 1)
			require.NoError(t, err)
			ctr := job.Spec.Template.Spec.Containers[0]
			require.Nil(t, job.Spec.Template.Spec.SecurityContext.RunAsUser, "the image's user (1001) runs it, as in the kit")

			start := time.Now()
			log := runJobCommand(t, root, &simpleJob{ctr.Command, ctr.Args, ctr.Env}, c.tag)
			t.Logf("%s: GuideLLM ran %s, log %d bytes", c.name, time.Since(start).Round(time.Second), len(log))

			scan, err := scanLog(bytes.NewReader(log), DefaultMaxReportBytes)
			require.NoError(t, err)
			require.True(t, scan.foundBegin && scan.foundEnd, "no packed report in the log:\n%s", tail(string(log), 3000))
			require.Empty(t, scan.truncated)
			h := scan.packed
			perK := float64(len(log)) / float64(h.DroppedRequests) * 1000
			t.Logf("%s: raw report %d bytes, %d per-request records; packed JSON %d, gzip %d, log %d bytes = %.0f log bytes per 1,000 requests (raw: %.0f)",
				c.name, h.RawBytes, h.DroppedRequests, h.JSONBytes, h.GzipBytes, len(log), perK, float64(h.RawBytes)/float64(h.DroppedRequests)*1000)
			if c.bigReport {
				require.Greater(t, h.RawBytes, 10<<20, "the raw report must pass 10 MiB for this case")
			}
			require.Less(t, len(log), 1<<20, "the log stays far below kubelet's 10 MiB rotation")

			run, err := guidellm.Decode("benchmarks.json", scan.report)
			require.NoError(t, err)
			key, _, err := st.Put(ctx, scan.report, ingestLabels(job, run))
			require.NoError(t, err)
			require.NotEmpty(t, key)

			snap, err := st.Snapshot(ctx)
			require.NoError(t, err)
			var stored *guidellm.Run
			for _, r := range snap.Runs {
				if r.Labels["sweep"] == job.Name {
					stored = r
				}
			}
			require.NotNil(t, stored, "the stored report is in the snapshot")
			require.Equal(t, c.req.Model, stored.Labels["model"])
			require.Equal(t, c.req.Scenario, stored.Labels["scenario"])
			require.Equal(t, c.req.Profile, stored.Labels["profile"])
			require.Len(t, stored.Stages, p.Stages)
			for i, stg := range stored.Stages {
				switch c.req.Profile {
				case ProfileConstant:
					require.NotNil(t, stg.OfferedRate, "stage %d", i)
					require.InDelta(t, c.req.Rates[i], *stg.OfferedRate, 1e-9)
				case ProfileConcurrent:
					require.NotNil(t, stg.Streams, "stage %d", i)
					require.InDelta(t, float64(c.req.Streams[i]), *stg.Streams, 1e-9)
				}
				require.Positive(t, stg.AchievedRPS, "stage %d", i)
			}
			if c.bigReport {
				return
			}
			bp := analysis.BreakingPoints([]*guidellm.Run{stored}, testCatalog(), analysis.Filter{})
			require.Len(t, bp.Rows, 1)
			row := bp.Rows[0]
			require.NotNil(t, row.Value, "a breaking point comes out: %+v", row)
			require.NotNil(t, row.LastPass)
			require.NotNil(t, row.FirstFail)
			require.InDelta(t, 0.5, *row.LastPass, 1e-9)
			require.InDelta(t, 40, *row.FirstFail, 1e-9)
			t.Logf("%s: breaking point %.2f req/s (%s fails at %.1f)", c.name, *row.Value, row.FailedConstraint, *row.FirstFail)
		})
	}
}
