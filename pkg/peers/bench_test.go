package peers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkDecode and BenchmarkPython decode the same real files of each tool (testdata/samples) under the
// same sub-benchmark names, so `go test -bench .` prints Go's MB/s next to python3's json.loads (JSON) or
// yaml.safe_load (YAML) of the same bytes. Python only parses; Decode also detects the tool and normalizes.

// benchFormats groups the sample files by format.
var benchFormats = []struct{ name, glob string }{
	{"inference-perf-json", "inference-perf/kubecon-na-2025-vllm/stage_*_lifecycle_metrics.json"},
	{"inference-perf-yaml", "inference-perf/llm-d-fixture/*.yaml"},
	{"llm-d-report-yaml", "llm-d-benchmark/br_v0_2_example.yaml"},
	{"vllm-bench-json", "vllm-bench/*.json"},
	{"vllm-sweep-json", "vllm-bench/vllm_sweep_v0.25.1/*/*.json"},
	{"aiperf-json", "aiperf/*/*/profile_export_aiperf.json"},
}

func benchFiles(b *testing.B, glob string) (paths []string, data [][]byte, size int64) {
	paths, err := filepath.Glob(filepath.Join("testdata", "samples", glob))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no samples for %s: %v", glob, err)
	}
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		data, size = append(data, d), size+int64(len(d))
	}
	return paths, data, size
}

func BenchmarkDecode(b *testing.B) {
	for _, f := range benchFormats {
		b.Run(f.name, func(b *testing.B) {
			paths, data, size := benchFiles(b, f.glob)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for i := range data {
					if _, err := Decode(paths[i], data[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// pythonParse parses the files named in its arguments (JSON with json.loads, YAML with yaml.safe_load),
// once to warm up, then over and over for at least a second, and prints passes and seconds: its own
// timing, so interpreter start-up is not counted.
const pythonParse = `import json, sys, time, yaml
blobs = [(p.endswith((".yaml", ".yml")), open(p, "rb").read()) for p in sys.argv[1:]]
def parse():
    for is_yaml, blob in blobs:
        yaml.safe_load(blob) if is_yaml else json.loads(blob)
parse()
passes, start = 0, time.perf_counter()
while time.perf_counter() - start < 1.0:
    parse()
    passes += 1
print(passes, time.perf_counter() - start)`

// BenchmarkPython is the baseline for BenchmarkDecode. Each iteration is one timed python3 run, so b.N stays
// small; ns/op and MB/s are per pass over the files.
func BenchmarkPython(b *testing.B) {
	python, err := exec.LookPath("python3")
	if err != nil || exec.Command(python, "-c", "import yaml").Run() != nil {
		b.Skip("python3 with PyYAML not found (apt-get install python3-yaml); no baseline to compare with")
	}
	for _, f := range benchFormats {
		b.Run(f.name, func(b *testing.B) {
			paths, _, size := benchFiles(b, f.glob)
			var passes, seconds float64
			for range b.N {
				out, err := exec.Command(python, append([]string{"-c", pythonParse}, paths...)...).Output()
				if err != nil {
					b.Fatalf("python3: %v", err)
				}
				fields := strings.Fields(string(out))
				if len(fields) != 2 {
					b.Fatalf("python3 printed %q", out)
				}
				p, _ := strconv.ParseFloat(fields[0], 64)
				s, _ := strconv.ParseFloat(fields[1], 64)
				if p <= 0 || s <= 0 {
					b.Fatalf("python3 printed %q", out)
				}
				passes, seconds = passes+p, seconds+s
			}
			b.ReportMetric(seconds*1e9/passes, "ns/op")
			b.ReportMetric(float64(size)*passes/seconds/1e6, "MB/s")
		})
	}
}
