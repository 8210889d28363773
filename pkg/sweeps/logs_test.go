package sweeps

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// logLine is one line of a timestamped test log.
type logLine struct {
	ts   time.Time
	text string
}

// readTestLog reads testdata/logs/<name> ("<RFC3339Nano> <text>" lines), replacing @REPORT@
// with report.
func readTestLog(t testing.TB, name string, report string) []logLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "logs", name))
	require.NoError(t, err)
	defer f.Close()
	var lines []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		stamp, text, _ := strings.Cut(sc.Text(), " ")
		ts, err := time.Parse(time.RFC3339Nano, stamp)
		require.NoError(t, err, "bad timestamp in %s: %q", name, sc.Text())
		if text == "@REPORT@" {
			for _, r := range strings.Split(strings.TrimRight(report, "\n"), "\n") {
				lines = append(lines, logLine{ts, r})
			}
			continue
		}
		lines = append(lines, logLine{ts, text})
	}
	require.NoError(t, sc.Err())
	return lines
}

// plain joins lines without timestamps, as the apiserver returns a log by default.
func plain(lines []logLine) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestProgressFromLog(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return ts
	}
	cases := []struct {
		log  string
		now  time.Time
		want Progress
	}{
		{"setup.log", at("2026-11-29T10:00:10Z"), Progress{Phase: PhaseSetup, StagesTotal: 3,
			Note: "GuideLLM is starting (backend check, tokenizer download, synthetic data)"}},
		{"benchmarking.log", at("2026-11-29T10:01:00Z"), Progress{Phase: PhaseBenchmarking, StagesTotal: 3, StagesDone: 0, Estimated: true,
			Note: "stage 1 of 3 running (estimated from the time since the first stage began, 55s)"}},
		{"benchmarking.log", at("2026-11-29T10:04:10Z"), Progress{Phase: PhaseBenchmarking, StagesTotal: 3, StagesDone: 2, Estimated: true,
			Note: "stage 3 of 3 running (estimated from the time since the first stage began, 4m5s)"}},
		// Stages overrun their duration (warm-up, drain): the estimate stays on the last stage.
		{"benchmarking.log", at("2026-11-29T10:30:00Z"), Progress{Phase: PhaseBenchmarking, StagesTotal: 3, StagesDone: 2, Estimated: true,
			Note: "stage 3 of 3 running (estimated from the time since the first stage began, 29m55s)"}},
		{"finished.log", at("2026-11-29T10:07:00Z"), Progress{Phase: PhaseDone, StagesTotal: 3, StagesDone: 3}},
		{"failed.log", at("2026-11-29T10:07:00Z"), Progress{Phase: PhaseFailed, StagesTotal: 3}},
	}
	for _, c := range cases {
		t.Run(c.log+"@"+c.now.Format("15:04"), func(t *testing.T) {
			tr := newProgressTracker(3, 120)
			for _, l := range readTestLog(t, c.log, `{"benchmarks": []}`) {
				tr.line(l.ts, l.text)
			}
			require.Equal(t, c.want, tr.result(c.now))
		})
	}

	// A sweep the plugin did not launch (no stage count) still shows its phase.
	tr := newProgressTracker(0, 0)
	for _, l := range readTestLog(t, "benchmarking.log", "") {
		tr.line(l.ts, l.text)
	}
	require.Equal(t, Progress{Phase: PhaseBenchmarking, Note: "stages running; their number is unknown"}, tr.result(at("2026-11-29T10:04:10Z")))
}

func TestScanLog(t *testing.T) {
	report, err := os.ReadFile(filepath.Join("testdata", "report_v2.json"))
	require.NoError(t, err)

	scan, err := scanLog(strings.NewReader(plain(readTestLog(t, "finished.log", string(report)))), 1<<20)
	require.NoError(t, err)
	require.True(t, scan.foundBegin)
	require.True(t, scan.foundEnd)
	require.JSONEq(t, string(report), string(scan.report))
	require.Equal(t, "…   json     : /results/benchmarks.json", scan.tail[len(scan.tail)-1], "the tail leaves the report out")
	require.Empty(t, scan.exitStatus)

	_, err = scanLog(strings.NewReader(plain(readTestLog(t, "finished.log", string(report)))), 10<<10)
	require.ErrorIs(t, err, errReportTooLarge)

	scan, err = scanLog(strings.NewReader(plain(readTestLog(t, "failed.log", ""))), 1<<20)
	require.NoError(t, err)
	require.False(t, scan.foundBegin)
	require.Equal(t, "1", scan.exitStatus)
	tail := strings.Join(scan.tail, "\n")
	require.Contains(t, tail, "OSError: You are trying to access a gated repo.")
	require.Contains(t, tail, "'Authorization': 'Bearer ***'")
	require.Contains(t, tail, "HF_TOKEN=***")
	require.NotContains(t, tail, "sk-proj-0123456789abcdef")
	require.NotContains(t, tail, "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123")

	// A report on one line of several MB is one line, not a scanner error.
	huge := `{"x": "` + strings.Repeat("a", 3<<20) + `"}`
	scan, err = scanLog(strings.NewReader(ReportBeginMarker+"\n"+huge+"\n"+ReportEndMarker+"\n"), 4<<20)
	require.NoError(t, err)
	require.Equal(t, huge, string(scan.report))

	// Without the end marker the report is cut off.
	scan, err = scanLog(strings.NewReader(ReportBeginMarker+"\n{\"a\":\n"), 1<<20)
	require.NoError(t, err)
	require.True(t, scan.foundBegin)
	require.False(t, scan.foundEnd)
}

func TestCleanLogLine(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[1;32m✔ Setup complete\x1b[0m":            "✔ Setup complete",
		"api_key=abc123 model=x":                       "api_key=*** model=x",
		`{"api_key": "sk-abcdefghijkl", "model": "m"}`: `{"api_key": "***", "model": "m"}`,
		"Authorization: Bearer eyJhbGciOi.x.y done":    "Authorization: Bearer *** done",
		"GET http://user:s3cret@vllm:8000/v1/models":   "GET http://***@vllm:8000/v1/models",
		"token: ghp_0123456789abcdef0123":              "token: ***",
		"prompt_tokens=64,output_tokens=64":            "prompt_tokens=64,output_tokens=64",
		"bell\x07 and\r carriage":                      "bell and carriage",
		strings.Repeat("é", 300):                       strings.Repeat("é", 200) + " …",
	} {
		require.Equal(t, want, cleanLogLine(in), "%q", in)
	}
}

// BenchmarkScanLog measures reading a report out of a pod log: a GuideLLM log with a 4 MiB
// pretty-printed report (about what a 10-stage sweep with per-request samples writes).
func BenchmarkScanLog(b *testing.B) {
	report, err := os.ReadFile(filepath.Join("testdata", "report_v2.json"))
	require.NoError(b, err)
	var big strings.Builder
	big.WriteString("[\n")
	for big.Len() < 4<<20 {
		big.Write(report)
		big.WriteString(",\n")
	}
	big.WriteString("{}]")
	log := plain(readTestLog(b, "finished.log", big.String()))
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	for b.Loop() {
		scan, err := scanLog(strings.NewReader(log), 64<<20)
		if err != nil || !scan.foundEnd {
			b.Fatal(err)
		}
	}
}

// packReport runs PackReportPy, as the wrapper does, on report and returns the printed lines.
func packReport(t testing.TB, report []byte) []string {
	t.Helper()
	requirePython3(t.(*testing.T))
	path := filepath.Join(t.TempDir(), "benchmarks.json")
	require.NoError(t, os.WriteFile(path, report, 0o600))
	out, err := exec.Command("python3", "-c", PackReportPy, path).Output()
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

func TestScanLogPackedReport(t *testing.T) {
	report, err := os.ReadFile(filepath.Join("testdata", "report_v2.json"))
	require.NoError(t, err)
	packed := packReport(t, report)
	require.True(t, strings.HasPrefix(packed[0], PackedBeginPrefix), packed[0])
	require.True(t, strings.HasPrefix(packed[len(packed)-1], PackedEndPrefix), packed[len(packed)-1])
	log := func(lines []string) string {
		return "✔ Setup complete, starting benchmarks...\n" + strings.Join(lines, "\n") + "\n"
	}

	scan, err := scanLog(strings.NewReader(log(packed)), 1<<20)
	require.NoError(t, err)
	require.Empty(t, scan.truncated)
	require.True(t, scan.foundBegin && scan.foundEnd)
	require.Equal(t, len(report), scan.packed.RawBytes)
	require.JSONEq(t, string(report), string(scan.report), "a report without per-request records arrives as it was")
	require.Equal(t, []string{"✔ Setup complete, starting benchmarks..."}, scan.tail, "the packed lines stay out of the tail")

	// Cut anywhere — inside the data, before the trailer, after the header — the report is
	// named truncated and never returned.
	for _, keep := range []int{1, len(packed) - 2, len(packed) - 1} {
		scan, err = scanLog(strings.NewReader(log(packed[:keep])), 1<<20)
		require.NoError(t, err)
		require.Nil(t, scan.report)
		require.Contains(t, scan.truncated, "the packed report is truncated", keep)
	}
	// A byte limit that cuts the last data line short.
	full := log(packed)
	cut := strings.LastIndex(full, PackedEndPrefix) - 100
	scan, err = scanLog(strings.NewReader(full[:cut]), 1<<20)
	require.NoError(t, err)
	require.Nil(t, scan.report)
	require.Contains(t, scan.truncated, "truncated")

	// A lost line in the middle, a changed byte, a header that lies: malformed, not stored.
	if len(packed) > 3 {
		_, err = scanLog(strings.NewReader(log(append(append([]string{}, packed[:1]...), packed[2:]...))), 1<<20)
		require.ErrorIs(t, err, errReportMalformed)
	}
	flipped := append([]string{}, packed...)
	b := []byte(flipped[1])
	b[10] ^= 1
	flipped[1] = string(b)
	_, err = scanLog(strings.NewReader(log(flipped)), 1<<20)
	require.ErrorIs(t, err, errReportMalformed)

	// The JSON size is checked against the limit before anything is decoded.
	_, err = scanLog(strings.NewReader(log(packed)), 1<<10)
	require.ErrorIs(t, err, errReportTooLarge)
}
