package live

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/live/internal/testdataset"
)

// testConfig is the catalog the dataset's tests use: granite-8b's catalog GPU count (1) is
// stale on purpose, kube-state-metrics says 2; mistral-24b-fp8 is not in the catalog.
func testConfig() analysis.Config {
	return analysis.Config{
		Deployments: []analysis.Deployment{
			{Model: "llama-70b-bf16", GPUs: 4, GPUType: "H100", Quantization: "bf16"},
			{Model: "llama-8b-int4", GPUs: 1, GPUType: "L40S", Quantization: "int4"},
			{Model: "qwen-7b-idle", GPUs: 1, GPUType: "L4"},
			{Model: "granite-8b", GPUs: 1, GPUType: "H100"},
		},
		GPUPrices: map[string]float64{"H100": 4.0, "L40S": 1.5, "L4": 0.8},
		SLA:       analysis.DefaultSLA(),
	}
}

func testOptions() Options {
	return Options{MetricPrefix: "vllm:", ScrapeInterval: testdataset.ScrapeInterval, Analysis: testConfig()}
}

// fieldByName returns the frame's field with that name.
func fieldByName(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	field, idx := f.FieldByName(name)
	if idx < 0 {
		t.Fatalf("frame %q has no field %q", f.Name, name)
	}
	return field
}

// floatAt reads a nullable float cell.
func floatAt(f *data.Field, i int) *float64 {
	v, ok := f.ConcreteAt(i)
	if !ok {
		return nil
	}
	x := v.(float64)
	return &x
}

// seriesValues maps "model|namespace" to the value field of each frame of a multi response.
func seriesValues(frames data.Frames) map[string]*data.Field {
	out := map[string]*data.Field{}
	for _, f := range frames {
		for _, field := range f.Fields {
			if field.Type() != data.FieldTypeTime && len(field.Labels) > 0 {
				out[field.Labels["model_name"]+"|"+field.Labels["namespace"]] = field
			}
		}
	}
	return out
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-6*math.Max(1, math.Abs(want))
}

// fakePrometheus is an httptest upstream that records requests and answers with respond.
type fakePrometheus struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
}

type recordedRequest struct {
	Method, Path string
	URLQuery     url.Values // parameters in the URL
	Form         url.Values // URL and body parameters
}

func newFakePrometheus(t testing.TB, respond http.HandlerFunc) *fakePrometheus {
	fp := &fakePrometheus{}
	fp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		urlQuery := r.URL.Query()
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fp.mu.Lock()
		fp.requests = append(fp.requests, recordedRequest{Method: r.Method, Path: r.URL.Path, URLQuery: urlQuery, Form: r.Form})
		fp.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(fp.Close)
	return fp
}

func (fp *fakePrometheus) count() int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return len(fp.requests)
}

func (fp *fakePrometheus) reset() {
	fp.mu.Lock()
	fp.requests = nil
	fp.mu.Unlock()
}

func (fp *fakePrometheus) recorded() []recordedRequest {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	return append([]recordedRequest(nil), fp.requests...)
}

func newTestAPI(t testing.TB, address string, timeout time.Duration, tenancy string) API {
	t.Helper()
	api, err := NewAPI(address, &http.Client{Timeout: timeout}, tenancy)
	if err != nil {
		t.Fatal(err)
	}
	return api
}

// syntheticModels are n models for the request-counting tests and the benchmark.
func syntheticModels(n int) []modelKey {
	keys := make([]modelKey, n)
	for i := range keys {
		keys[i] = modelKey{Namespace: fmt.Sprintf("team-%d", i%3), Model: fmt.Sprintf("model-%02d", i)}
	}
	return keys
}

var branchPattern = regexp.MustCompile(`"` + seriesLabel + `", "([a-z0-9_]+)"`)

// syntheticAnswer answers any query with plausible series for the given models: one series per
// model, or per model and branch for combined queries (TTFT buckets at vLLM V1 edges).
// It answers the way Prometheus does (vector for /query, matrix for /query_range).
func syntheticAnswer(models []modelKey, r *http.Request) []byte {
	q := r.Form.Get("query")
	type labelSet map[string]string
	var sets []labelSet
	branches := branchPattern.FindAllStringSubmatch(q, -1)
	for _, k := range models {
		base := labelSet{"namespace": k.Namespace, "model_name": k.Model}
		if len(branches) == 0 {
			sets = append(sets, base)
			continue
		}
		for _, b := range branches {
			switch b[1] {
			case branchTTFTBuckets:
				for _, e := range append(append([]float64(nil), testdataset.TTFTEdgesV1...), math.Inf(1)) {
					ls := labelSet{seriesLabel: b[1], "le": formatLEForTest(e)}
					for k, v := range base {
						ls[k] = v
					}
					sets = append(sets, ls)
				}
			default:
				ls := labelSet{seriesLabel: b[1]}
				if b[1] == branchGPUs {
					ls[gpuSourceLabel] = gpuSourceDCGM
				}
				for k, v := range base {
					ls[k] = v
				}
				sets = append(sets, ls)
			}
		}
	}
	value := func(ls labelSet) string {
		if le, ok := ls["le"]; ok {
			upper, _ := strconv.ParseFloat(le, 64)
			return strconv.FormatFloat(math.Min(4, 4*upper), 'f', -1, 64)
		}
		return "0.75"
	}
	var result []map[string]any
	if strings.HasSuffix(r.URL.Path, "query_range") {
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		for _, ls := range sets {
			var values [][2]any
			for ts := start; ts <= end; ts += step {
				values = append(values, [2]any{ts, value(ls)})
			}
			result = append(result, map[string]any{"metric": ls, "values": values})
		}
		return mustJSON(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
	}
	at, _ := strconv.ParseFloat(r.Form.Get("time"), 64)
	for _, ls := range sets {
		result = append(result, map[string]any{"metric": ls, "value": [2]any{at, value(ls)}})
	}
	return mustJSON(map[string]any{"status": "success", "data": map[string]any{"resultType": "vector", "result": result}})
}

func formatLEForTest(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
