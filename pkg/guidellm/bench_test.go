package guidellm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkDecode and BenchmarkPythonJSONLoads run over the same real reports (testdata/samples) with the
// same sub-benchmark names, so `go test -bench .` prints Go's and Python's MB/s side by side. The goal is
// at least 5x Python's json.loads (which only parses; Decode also normalizes).

func sampleReports(b *testing.B) (names []string, data [][]byte) {
	paths, err := filepath.Glob(filepath.Join("testdata", "samples", "*"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no sample reports: %v", err)
	}
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		names, data = append(names, filepath.Base(p)), append(data, d)
	}
	return names, data
}

func BenchmarkDecode(b *testing.B) {
	names, data := sampleReports(b)
	var jsonTotal int64
	for i, name := range names {
		if strings.HasSuffix(name, ".json") {
			jsonTotal += int64(len(data[i]))
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data[i])))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(name, data[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("all-json", func(b *testing.B) {
		b.SetBytes(jsonTotal)
		b.ReportAllocs()
		for b.Loop() {
			for i, name := range names {
				if strings.HasSuffix(name, ".json") {
					if _, err := Decode(name, data[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}

// pythonLoads parses the files named in its arguments with json.loads, once to warm up and then over and over
// for at least a second, and prints how many passes it made and how long they took: its own timing, so
// interpreter start-up is not counted.
const pythonLoads = `import json, sys, time
blobs = [open(p, "rb").read() for p in sys.argv[1:]]
for blob in blobs:
    json.loads(blob)
passes, start = 0, time.perf_counter()
while time.perf_counter() - start < 1.0:
    for blob in blobs:
        json.loads(blob)
    passes += 1
print(passes, time.perf_counter() - start)`

// BenchmarkPythonJSONLoads reports python3's json.loads speed on the JSON samples, as the baseline for
// BenchmarkDecode. Each iteration is one timed python3 run, so b.N stays small; ns/op and MB/s are per pass.
func BenchmarkPythonJSONLoads(b *testing.B) {
	python, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not found; no baseline to compare with")
	}
	names, data := sampleReports(b)
	var all []string
	var allBytes int64
	for i, name := range names {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		path := filepath.Join("testdata", "samples", name)
		all, allBytes = append(all, path), allBytes+int64(len(data[i]))
		b.Run(name, func(b *testing.B) { runPythonLoads(b, python, int64(len(data[i])), path) })
	}
	b.Run("all-json", func(b *testing.B) { runPythonLoads(b, python, allBytes, all...) })
}

func runPythonLoads(b *testing.B, python string, size int64, paths ...string) {
	var passes, seconds float64
	for range b.N {
		out, err := exec.Command(python, append([]string{"-c", pythonLoads}, paths...)...).Output()
		if err != nil {
			b.Fatalf("python3: %v", err)
		}
		var p, s float64
		fields := strings.Fields(string(out))
		if len(fields) == 2 {
			p, _ = strconv.ParseFloat(fields[0], 64)
			s, _ = strconv.ParseFloat(fields[1], 64)
		}
		if p <= 0 || s <= 0 {
			b.Fatalf("python3 printed %q", out)
		}
		passes, seconds = passes+p, seconds+s
	}
	b.ReportMetric(seconds*1e9/passes, "ns/op")
	b.ReportMetric(float64(size)*passes/seconds/1e6, "MB/s")
}
