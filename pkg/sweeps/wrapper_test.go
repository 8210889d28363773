package sweeps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/stretchr/testify/require"
)

// fakeGuideLLM stands in for the guidellm binary: it writes a report-shaped JSON file, with its
// arguments and three per-request records, to the file named by its first argument, then
// behaves as FAKE_MODE says.
const fakeGuideLLM = `#!/bin/sh
out="$1"; shift
echo "✔ Setup complete, starting benchmarks..."
case "$FAKE_MODE" in
fail)
  echo "OSError: You are trying to access a gated repo."
  exit 3 ;;
no-report)
  exit 0 ;;
not-json)
  echo "{ cut off" >"$out"
  exit 0 ;;
wait-for-term)
  trap 'echo "got SIGTERM"; exit 143' TERM
  echo ready
  while :; do sleep 0.05; done ;;
esac
python3 -c 'import json, sys
json.dump({"args": sys.argv[2:], "benchmarks": [{"metrics": {"x": 1.5}, "requests": {"successful": [{"a": 1}, {"a": 2}], "errored": [], "incomplete": [{"a": 3}], "total": None}}]}, open(sys.argv[1], "w"))' "$out" "$@"
echo "✔ Benchmarking complete, generated 1 benchmark(s)"
`

// shells are the /bin/sh implementations the wrapper is run with: dash here (Debian's sh) and
// bash, which is /bin/sh in the Fedora-based GuideLLM image.
func shells(t *testing.T) []string {
	var found []string
	for _, sh := range []string{"/bin/sh", "/bin/bash"} {
		if _, err := os.Stat(sh); err == nil {
			found = append(found, sh)
		}
	}
	if len(found) == 0 {
		t.Fatal("no /bin/sh on this machine")
	}
	return found
}

// runWrapper runs WrapperScript as the container would: sh -c SCRIPT inference-roi-sweep
// OUTPUT guidellm ARGS... — with the fake guidellm, which also gets the output path first.
func runWrapper(t *testing.T, sh, mode string, args ...string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	fake := filepath.Join(dir, "guidellm")
	require.NoError(t, os.WriteFile(fake, []byte(fakeGuideLLM), 0o755))
	out := filepath.Join(dir, "benchmarks.json")
	argv := append([]string{"-c", WrapperScript, "inference-roi-sweep", out, fake, out}, args...)
	cmd := exec.Command(sh, argv...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FAKE_MODE="+mode)
	output, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return string(output), exitErr.ExitCode()
	}
	require.NoError(t, err)
	return string(output), 0
}

func TestWrapperPrintsReport(t *testing.T) {
	requirePython3(t)
	// Arguments a shell would expand or split, if any shell ever parsed them.
	hostile := []string{`$(touch pwned)`, "`touch pwned2`", `a b`, `"quoted"`, `'single'`, `;`, `*`, `$HOME`, `x|y`, `--label=model=a&b`, "ümlaut"}
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			out, code := runWrapper(t, sh, "ok", hostile...)
			require.Equal(t, 0, code, out)
			scan, err := scanLog(strings.NewReader(out), 1<<20)
			require.NoError(t, err)
			require.True(t, scan.foundBegin && scan.foundEnd, out)
			require.Empty(t, scan.truncated)
			var report struct {
				Args       []string `json:"args"`
				Benchmarks []struct {
					Metrics  map[string]float64 `json:"metrics"`
					Requests map[string][]any   `json:"requests"`
				} `json:"benchmarks"`
			}
			require.NoError(t, json.Unmarshal(scan.report, &report))
			require.Equal(t, hostile, report.Args, "every argument arrives verbatim")
			require.Equal(t, map[string]float64{"x": 1.5}, report.Benchmarks[0].Metrics, "aggregates are kept")
			require.Equal(t, map[string][]any{"successful": {}, "errored": {}, "incomplete": {}, "total": nil}, report.Benchmarks[0].Requests,
				"per-request records are dropped")
			require.Equal(t, 3, scan.packed.DroppedRequests)
			require.NotContains(t, out, "pwned\n")

			tr := newProgressTracker(1, 60)
			for _, l := range strings.Split(out, "\n") {
				tr.line(time.Now(), l)
			}
			require.Equal(t, PhaseDone, tr.result(time.Now()).Phase)
		})
	}
}

func TestWrapperFailures(t *testing.T) {
	requirePython3(t)
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			out, code := runWrapper(t, sh, "fail")
			require.Equal(t, 3, code, "GuideLLM's exit status is the container's")
			require.Contains(t, out, FailureMarker+" 3 ===")
			require.NotContains(t, out, PackedBeginPrefix)
			scan, err := scanLog(strings.NewReader(out), 1<<20)
			require.NoError(t, err)
			require.Equal(t, "3", scan.exitStatus)

			out, code = runWrapper(t, sh, "no-report")
			require.Equal(t, 70, code)
			require.Contains(t, out, "guidellm exited 0 but wrote no report")
			require.NotContains(t, out, PackedBeginPrefix)

			out, code = runWrapper(t, sh, "not-json")
			require.Equal(t, 71, code, out)
			require.Contains(t, out, "packing the report failed")
			require.NotContains(t, out, PackedBeginPrefix)
		})
	}
}

// requirePython3: the wrapper packs the report with the image's python3; the test machine's
// stands in for it (scripts/test.sh installs it).
func requirePython3(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		if realserver.InCI() {
			t.Fatal("python3 is missing but CI=true requires it: apt-get install python3")
		}
		t.Skip("python3 is not installed")
	}
}

// TestWrapperForwardsSIGTERM: deleting a sweep Job sends SIGTERM to the container's PID 1, the
// shell; GuideLLM must get it too, or it runs on until SIGKILL.
func TestWrapperForwardsSIGTERM(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(sh, func(t *testing.T) {
			dir := t.TempDir()
			fake := filepath.Join(dir, "guidellm")
			require.NoError(t, os.WriteFile(fake, []byte(fakeGuideLLM), 0o755))
			out := filepath.Join(dir, "benchmarks.json")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, sh, "-c", WrapperScript, "inference-roi-sweep", out, fake, out)
			cmd.Env = append(os.Environ(), "FAKE_MODE=wait-for-term")
			var buf syncBuffer
			cmd.Stdout, cmd.Stderr = &buf, &buf
			require.NoError(t, cmd.Start())
			require.Eventually(t, func() bool { return strings.Contains(buf.String(), "ready") }, 5*time.Second, 10*time.Millisecond)
			start := time.Now()
			require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
			err := cmd.Wait()
			var exitErr *exec.ExitError
			require.ErrorAs(t, err, &exitErr, buf.String())
			require.Equal(t, 143, exitErr.ExitCode(), buf.String())
			require.Contains(t, buf.String(), "got SIGTERM")
			require.Contains(t, buf.String(), FailureMarker+" 143 ===")
			require.Less(t, time.Since(start), 3*time.Second)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutines of exec and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
