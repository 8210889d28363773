// Package testdataset generates the OpenMetrics file the live integration tests backfill into a
// real Prometheus: vLLM (V1 and V0 names, both metric prefixes), DCGM (both scrape label
// layouts) and kube-state-metrics series with constant, known rates, in the shape of the real
// dumps in shared/samples (labels, bucket edges, _created gauges). Tests derive their
// expectations from the same Dataset values, never from the generated text.
package testdataset

import (
	"bufio"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Time layout of the dataset: a fixed hour in the past, so that expectations and golden files do
// not depend on the wall clock; queries are evaluated at EvalTime.
var (
	Start          = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ScrapeInterval = 15 * time.Second
	Span           = time.Hour
	EvalTime       = Start.Add(45 * time.Minute)
)

// MarkerMetric identifies a Prometheus loaded with this dataset.
const (
	MarkerMetric = "inferenceroi_testdata_info"
	MarkerValue  = "live-1"
)

// Observations are histogram observations per engine and scrape interval: value → count.
type Observations map[float64]int

// Count is the number of observations.
func (o Observations) Count() int {
	n := 0
	for _, c := range o {
		n += c
	}
	return n
}

// CountAtMost is the number of observations ≤ bound.
func (o Observations) CountAtMost(bound float64) int {
	n := 0
	for v, c := range o {
		if v <= bound {
			n += c
		}
	}
	return n
}

func (o Observations) sum() float64 {
	s := 0.0
	for v, c := range o {
		s += v * float64(c)
	}
	return s
}

// Model is one vLLM deployment (one pod). Rates and observations are per engine and per
// scrape interval; V1 data-parallel engines all get the same traffic.
type Model struct {
	Name, Namespace, Pod string
	Prefixes             []string          // "vllm:"; a KServe LLMInferenceService also exports "kserve_vllm:"
	V0                   bool              // V0 engine: gpu_cache_usage_perc, time_per_output_token_seconds, no engine label, no _created
	Engines              int               // V1 data-parallel ranks (engine="0", "1", …)
	Labels               map[string]string // extra target labels (llm_isvc_*)
	Job                  map[string]string // job label per prefix; default "<name>-metrics"

	GenerationTokens, PromptTokens float64 // per engine and scrape
	TTFT, ITL, E2E, Queue          Observations
	FinishedStop, FinishedLength   int // finished requests per engine and scrape, by finished_reason
	Preemptions                    int
	Running, Waiting               float64   // per engine
	KVCache                        []float64 // per engine, 0–1
	GPURequests                    int       // kube_pod_container_resource_requests nvidia_com_gpu; 0 = none
}

// EngineCount is the number of engine series (V0 has one, unlabelled).
func (m Model) EngineCount() int {
	if m.V0 || m.Engines < 1 {
		return 1
	}
	return m.Engines
}

// GPU is one DCGM-monitored GPU.
type GPU struct {
	Node          string
	HostnameLabel string // "Hostname" (dcgm-exporter ≤ 4.8) or "hostname"
	Index         int
	Pod           string // workload pod; "" = idle GPU, no pod labels
	Namespace     string
	HonorLabels   bool // the workload's pod/namespace kept as pod/namespace (else exported_pod/exported_namespace)
	PowerW        float64
	UtilPct       float64
	FBUsedMiB     float64
}

// Dataset is everything the generator writes.
type Dataset struct {
	Models []Model
	GPUs   []GPU
}

// Bucket edges as vLLM exposes them (reference §1.3/§1.4).
var (
	TTFTEdgesV1    = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	TTFTEdgesV0    = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0}
	ITLEdgesV1     = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}
	ITLEdgesV0     = []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5}
	LatencyEdgesV1 = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
	LatencyEdgesV0 = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0}
)

// Default is the dataset of the integration tests:
//   - llama-70b-bf16: V1 names, 2 engines, 4 GPUs (DCGM exported_pod, Hostname), KSM requests too
//   - llama-8b-int4: V0 names, 1 GPU (DCGM exported_pod)
//   - qwen-7b-idle: V1, idle, no DCGM or KSM (GPU count from the catalog only)
//   - mistral-24b-fp8: KServe LLMInferenceService (vllm: and kserve_vllm:), 2 GPUs (DCGM pod/namespace, hostname), 8 waiting
//   - granite-8b: V1, no DCGM, 2 GPUs requested (kube-state-metrics)
//   - 2 idle GPUs without pod labels
func Default() Dataset {
	const (
		a = "llama-70b-bf16-predictor-6d5f7c9b8-x2x4k"
		b = "llama-8b-int4-predictor-5c9d8f7b6-q7w2p"
		d = "mistral-24b-fp8-kserve-7d9f8c6b5-h2j3k"
	)
	ds := Dataset{Models: []Model{
		{
			Name: "llama-70b-bf16", Namespace: "team-a", Pod: a, Prefixes: []string{"vllm:"}, Engines: 2,
			GenerationTokens: 9000, PromptTokens: 18000,
			TTFT:         Observations{0.2: 15, 0.4: 9, 0.7: 4, 0.9: 1, 1.8: 1},
			ITL:          Observations{0.008: 2880, 0.02: 120},
			E2E:          Observations{3.0: 20, 6.0: 10},
			Queue:        Observations{0.05: 28, 0.4: 2},
			FinishedStop: 25, FinishedLength: 5, Preemptions: 3,
			Running: 12, Waiting: 0, KVCache: []float64{0.5, 0.7}, GPURequests: 4,
		},
		{
			Name: "llama-8b-int4", Namespace: "team-b", Pod: b, Prefixes: []string{"vllm:"}, V0: true,
			GenerationTokens: 6000, PromptTokens: 12000,
			TTFT:         Observations{0.3: 36, 0.8: 18, 1.5: 5, 3.0: 1},
			ITL:          Observations{0.02: 2500, 0.04: 2300, 0.1: 200},
			E2E:          Observations{2.0: 40, 4.0: 20},
			Queue:        Observations{0.1: 60},
			FinishedStop: 60, Running: 20, Waiting: 1, KVCache: []float64{0.8},
		},
		{
			Name: "qwen-7b-idle", Namespace: "team-a", Pod: "qwen-7b-idle-predictor-7f8e9d6c5-m3n4b", Prefixes: []string{"vllm:"}, Engines: 1,
			TTFT: Observations{}, ITL: Observations{}, E2E: Observations{}, Queue: Observations{},
			KVCache: []float64{0},
		},
		{
			Name: "mistral-24b-fp8", Namespace: "team-c", Pod: d, Prefixes: []string{"vllm:", "kserve_vllm:"}, Engines: 1,
			Labels:           map[string]string{"llm_isvc_name": "mistral-24b-fp8", "llm_isvc_role": "decode", "llm_isvc_component": "workload"},
			Job:              map[string]string{"vllm:": "team-c/kserve-llm-isvc-vllm-engine-default", "kserve_vllm:": "team-c/kserve-llm-isvc-vllm-engine"},
			GenerationTokens: 13500, PromptTokens: 27000,
			TTFT:         Observations{0.3: 59, 0.7: 1},
			ITL:          Observations{0.008: 1500, 0.02: 1410, 0.04: 90},
			E2E:          Observations{1.2: 60},
			Queue:        Observations{2.0: 60},
			FinishedStop: 60, Running: 16, Waiting: 8, KVCache: []float64{0.5},
		},
		{
			Name: "granite-8b", Namespace: "team-b", Pod: "granite-8b-predictor-8a7b6c5d4-z9y8x", Prefixes: []string{"vllm:"}, Engines: 1,
			GenerationTokens: 7500, PromptTokens: 15000,
			TTFT:         Observations{0.1: 58, 0.4: 2},
			ITL:          Observations{0.008: 2950, 0.015: 50},
			E2E:          Observations{0.9: 60},
			Queue:        Observations{0.01: 60},
			FinishedStop: 60, Running: 6, Waiting: 0, KVCache: []float64{0.3}, GPURequests: 2,
		},
	}}
	for i := 0; i < 4; i++ {
		ds.GPUs = append(ds.GPUs, GPU{Node: "gpu-node-1", HostnameLabel: "Hostname", Index: i, Pod: a, Namespace: "team-a", PowerW: 350, UtilPct: 85, FBUsedMiB: 70000})
	}
	ds.GPUs = append(ds.GPUs, GPU{Node: "gpu-node-1", HostnameLabel: "Hostname", Index: 4, Pod: b, Namespace: "team-b", PowerW: 250, UtilPct: 70, FBUsedMiB: 40000})
	for i := 5; i < 7; i++ {
		ds.GPUs = append(ds.GPUs, GPU{Node: "gpu-node-1", HostnameLabel: "Hostname", Index: i, PowerW: 60, UtilPct: 0, FBUsedMiB: 0})
	}
	for i := 0; i < 2; i++ {
		ds.GPUs = append(ds.GPUs, GPU{Node: "gpu-node-2", HostnameLabel: "hostname", Index: i, Pod: d, Namespace: "team-c", HonorLabels: true, PowerW: 300, UtilPct: 60, FBUsedMiB: 65000})
	}
	return ds
}

// Model returns the model with the given name.
func (ds Dataset) Model(name string) Model {
	for _, m := range ds.Models {
		if m.Name == name {
			return m
		}
	}
	panic("testdataset: no model " + name)
}

// GPUsOf returns the GPUs attributed to a pod.
func (ds Dataset) GPUsOf(pod string) []GPU {
	var out []GPU
	for _, g := range ds.GPUs {
		if g.Pod == pod {
			out = append(out, g)
		}
	}
	return out
}

// scrapes is the number of samples per series.
func scrapes() int { return int(Span/ScrapeInterval) + 1 }

// priorScrapes offsets every counter, as if each server had run this long before Start.
const priorScrapes = 1000

// WriteOpenMetrics writes the dataset in the OpenMetrics text format promtool backfills.
func (ds Dataset) WriteOpenMetrics(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := &gen{w: bw}
	g.family(MarkerMetric, "gauge")
	g.series(MarkerMetric, labels{{"dataset", MarkerValue}}, func(int) float64 { return 1 })
	ds.writeVLLM(g)
	ds.writeDCGM(g)
	ds.writeKSM(g)
	g.printf("# EOF\n")
	if g.err != nil {
		return g.err
	}
	return bw.Flush()
}

type labels [][2]string

func (ls labels) with(kv ...string) labels {
	out := append(labels(nil), ls...)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, [2]string{kv[i], kv[i+1]})
	}
	return out
}

func (ls labels) String() string {
	sorted := append(labels(nil), ls...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	parts := make([]string, len(sorted))
	for i, l := range sorted {
		parts[i] = l[0] + "=" + strconv.Quote(l[1])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

type gen struct {
	w   *bufio.Writer
	err error
}

func (g *gen) printf(format string, args ...any) {
	if g.err == nil {
		_, g.err = fmt.Fprintf(g.w, format, args...)
	}
}

func (g *gen) family(name, typ string) { g.printf("# TYPE %s %s\n", name, typ) }

// series writes one sample per scrape; value(i) is the value at scrape i.
func (g *gen) series(name string, ls labels, value func(i int) float64) {
	lbl := ls.String()
	for i := 0; i < scrapes(); i++ {
		g.printf("%s%s %s %d\n", name, lbl, fmtValue(value(i)), Start.Add(time.Duration(i)*ScrapeInterval).Unix())
	}
}

// histogram writes cumulative buckets, _count and _sum per scrape for obs per scrape.
func (g *gen) histogram(name string, ls labels, edges []float64, obs Observations) {
	bucketLabels := make([]string, len(edges)+1)
	for j, e := range edges {
		bucketLabels[j] = ls.with("le", formatLE(e)).String()
	}
	bucketLabels[len(edges)] = ls.with("le", "+Inf").String()
	lbl := ls.String()
	for i := 0; i < scrapes(); i++ {
		n := float64(priorScrapes + i)
		ts := Start.Add(time.Duration(i) * ScrapeInterval).Unix()
		for j, e := range edges {
			g.printf("%s_bucket%s %s %d\n", name, bucketLabels[j], fmtValue(n*float64(obs.CountAtMost(e))), ts)
		}
		g.printf("%s_bucket%s %s %d\n", name, bucketLabels[len(edges)], fmtValue(n*float64(obs.Count())), ts)
		g.printf("%s_count%s %s %d\n", name, lbl, fmtValue(n*float64(obs.Count())), ts)
		g.printf("%s_sum%s %s %d\n", name, lbl, fmtValue(n*obs.sum()), ts)
	}
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

func counter(perScrape float64) func(int) float64 {
	return func(i int) float64 { return float64(priorScrapes+i) * perScrape }
}

// vllmSeries is one engine's label set under one prefix.
type vllmSeries struct {
	m      Model
	prefix string
	engine int
	labels labels
}

func (ds Dataset) vllmSeries() []vllmSeries {
	var out []vllmSeries
	for _, m := range ds.Models {
		for _, prefix := range m.Prefixes {
			job := m.Name + "-metrics"
			if j, ok := m.Job[prefix]; ok {
				job = j
			}
			base := labels{
				{"job", job}, {"namespace", m.Namespace}, {"pod", m.Pod}, {"container", "kserve-container"},
				{"instance", "10.128.2.17:8080"}, {"model_name", m.Name},
			}
			if _, ok := m.Job[prefix]; !ok {
				base = base.with("service", job, "endpoint", "vllm-cuda-runtime-metrics")
			}
			keys := make([]string, 0, len(m.Labels))
			for k := range m.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				base = base.with(k, m.Labels[k])
			}
			for e := 0; e < m.EngineCount(); e++ {
				ls := base
				if !m.V0 {
					ls = base.with("engine", strconv.Itoa(e))
				}
				out = append(out, vllmSeries{m: m, prefix: prefix, engine: e, labels: ls})
			}
		}
	}
	return out
}

func (ds Dataset) writeVLLM(g *gen) {
	all := ds.vllmSeries()
	prefixes := []string{"vllm:", "kserve_vllm:"}
	for _, p := range prefixes {
		var series []vllmSeries
		for _, s := range all {
			if s.prefix == p {
				series = append(series, s)
			}
		}
		if len(series) == 0 {
			continue
		}
		gauges := []struct {
			name  string
			value func(vllmSeries) float64
		}{
			{"num_requests_running", func(s vllmSeries) float64 { return s.m.Running }},
			{"num_requests_waiting", func(s vllmSeries) float64 { return s.m.Waiting }},
		}
		for _, gd := range gauges {
			g.family(p+gd.name, "gauge")
			for _, s := range series {
				g.series(p+gd.name, s.labels, constant(gd.value(s)))
			}
		}
		kvName := map[bool]string{false: "kv_cache_usage_perc", true: "gpu_cache_usage_perc"}
		for _, v0 := range []bool{false, true} {
			written := false
			for _, s := range series {
				if s.m.V0 != v0 {
					continue
				}
				if !written {
					g.family(p+kvName[v0], "gauge")
					written = true
				}
				g.series(p+kvName[v0], s.labels, constant(s.m.KVCache[s.engine]))
			}
		}
		counters := []struct {
			name      string
			perScrape func(Model) float64
			extra     []string
		}{
			{"generation_tokens", func(m Model) float64 { return m.GenerationTokens }, nil},
			{"prompt_tokens", func(m Model) float64 { return m.PromptTokens }, nil},
			{"num_preemptions", func(m Model) float64 { return float64(m.Preemptions) }, nil},
			{"request_success", func(m Model) float64 { return float64(m.FinishedStop) }, []string{"finished_reason", "stop"}},
			{"request_success", func(m Model) float64 { return float64(m.FinishedLength) }, []string{"finished_reason", "length"}},
		}
		for i, c := range counters {
			if i == 0 || counters[i-1].name != c.name {
				g.family(p+c.name, "counter")
			}
			for _, s := range series {
				g.series(p+c.name+"_total", s.labels.with(c.extra...), counter(c.perScrape(s.m)))
				// V1 leaves prometheus_client's _created samples on; V0 disabled them.
				if !s.m.V0 {
					g.series(p+c.name+"_created", s.labels.with(c.extra...), constant(float64(Start.Add(-priorScrapes*ScrapeInterval).Unix())))
				}
			}
		}
		histograms := []struct {
			name   string
			v0Name string
			edges  func(v0 bool) []float64
			obs    func(Model) Observations
		}{
			{"time_to_first_token_seconds", "time_to_first_token_seconds", pick(TTFTEdgesV1, TTFTEdgesV0), func(m Model) Observations { return m.TTFT }},
			{"inter_token_latency_seconds", "time_per_output_token_seconds", pick(ITLEdgesV1, ITLEdgesV0), func(m Model) Observations { return m.ITL }},
			{"e2e_request_latency_seconds", "e2e_request_latency_seconds", pick(LatencyEdgesV1, LatencyEdgesV0), func(m Model) Observations { return m.E2E }},
			{"request_queue_time_seconds", "request_queue_time_seconds", pick(LatencyEdgesV1, LatencyEdgesV0), func(m Model) Observations { return m.Queue }},
		}
		for _, h := range histograms {
			names := []string{h.name}
			if h.v0Name != h.name {
				names = append(names, h.v0Name)
			}
			for _, name := range names {
				written := false
				for _, s := range series {
					if (s.m.V0 && name != h.v0Name) || (!s.m.V0 && name != h.name) {
						continue
					}
					if !written {
						g.family(p+name, "histogram")
						written = true
					}
					g.histogram(p+name, s.labels, h.edges(s.m.V0), h.obs(s.m))
				}
			}
		}
	}
}

func pick(v1, v0 []float64) func(bool) []float64 {
	return func(isV0 bool) []float64 {
		if isV0 {
			return v0
		}
		return v1
	}
}

const (
	gpuOperatorNamespace = "nvidia-gpu-operator"
	exporterPod          = "nvidia-dcgm-exporter-wqqqn"
)

func (ds Dataset) writeDCGM(g *gen) {
	families := []struct {
		name, typ string
		value     func(GPU) func(int) float64
	}{
		{"DCGM_FI_DEV_GPU_UTIL", "gauge", func(u GPU) func(int) float64 { return constant(u.UtilPct) }},
		{"DCGM_FI_DEV_POWER_USAGE", "gauge", func(u GPU) func(int) float64 { return constant(u.PowerW) }},
		{"DCGM_FI_DEV_FB_USED", "gauge", func(u GPU) func(int) float64 { return constant(u.FBUsedMiB) }},
		// A counter in mJ without the _total suffix, which OpenMetrics requires of counters.
		{"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "unknown", func(u GPU) func(int) float64 {
			return counter(u.PowerW * ScrapeInterval.Seconds() * 1000)
		}},
	}
	for _, f := range families {
		g.family(f.name, f.typ)
		for _, u := range ds.GPUs {
			g.series(f.name, u.labels(), f.value(u))
		}
	}
}

func (u GPU) labels() labels {
	ls := labels{
		{"gpu", strconv.Itoa(u.Index)}, {"UUID", fmt.Sprintf("GPU-%08x-69c4-b61d-e0bc-7b2460096005", crc32.ChecksumIEEE([]byte(u.Node))+uint32(u.Index))},
		{"pci_bus_id", fmt.Sprintf("00000000:%02X:00.0", 0x53+u.Index)}, {"device", "nvidia" + strconv.Itoa(u.Index)},
		{"modelName", "NVIDIA H100 80GB HBM3"}, {u.HostnameLabel, u.Node}, {"DCGM_FI_DRIVER_VERSION", "580.105.08"},
		{"job", "nvidia-dcgm-exporter"}, {"instance", "10.0.172.246:9400"}, {"endpoint", "gpu-metrics"}, {"service", "nvidia-dcgm-exporter"},
	}
	switch {
	case u.Pod != "" && u.HonorLabels:
		return ls.with("namespace", u.Namespace, "pod", u.Pod, "container", "main")
	case u.Pod != "":
		return ls.with("namespace", gpuOperatorNamespace, "pod", exporterPod, "container", "nvidia-dcgm-exporter",
			"exported_namespace", u.Namespace, "exported_pod", u.Pod, "exported_container", "kserve-container")
	}
	return ls.with("namespace", gpuOperatorNamespace, "pod", exporterPod, "container", "nvidia-dcgm-exporter")
}

func (ds Dataset) writeKSM(g *gen) {
	g.family("kube_pod_container_resource_requests", "gauge")
	for _, m := range ds.Models {
		base := labels{{"job", "kube-state-metrics"}, {"instance", "10.128.0.5:8443"}, {"namespace", m.Namespace}, {"pod", m.Pod},
			{"container", "kserve-container"}, {"node", "gpu-node-1"}, {"uid", "0c1b2a39-" + m.Name}}
		g.series("kube_pod_container_resource_requests", base.with("resource", "cpu", "unit", "core"), constant(4))
		if m.GPURequests > 0 {
			g.series("kube_pod_container_resource_requests", base.with("resource", "nvidia_com_gpu", "unit", "integer"), constant(float64(m.GPURequests)))
		}
	}
}

// formatLE writes bucket bounds as Python's prometheus_client does: "1.0", "0.001", "2560.0".
func formatLE(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func fmtValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
