package live

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// scope is what every PromQL expression of one query shares: the metric prefix, the namespace
// and model filters, and the rate window.
type scope struct {
	prefix    string   // "vllm:" or "kserve_vllm:"; never both, KServe exports each series under both
	namespace string   // "" = all namespaces
	models    []string // empty = all models
	window    string   // PromQL duration of rate()/increase() windows
}

// vllmMatchers filters vLLM series (their namespace/pod are the workload's target labels).
func (s scope) vllmMatchers() string {
	var m []string
	if s.namespace != "" {
		m = append(m, "namespace="+strconv.Quote(s.namespace))
	}
	switch len(s.models) {
	case 0:
	case 1:
		m = append(m, "model_name="+strconv.Quote(s.models[0]))
	default:
		alts := make([]string, len(s.models))
		for i, name := range s.models {
			alts[i] = regexp.QuoteMeta(name)
		}
		m = append(m, "model_name=~"+strconv.Quote(strings.Join(alts, "|")))
	}
	return strings.Join(m, ",")
}

func (s scope) vllm(name string) string {
	if m := s.vllmMatchers(); m != "" {
		return s.prefix + name + "{" + m + "}"
	}
	return s.prefix + name
}

func (s scope) rate(selector string) string {
	return "rate(" + selector + "[" + s.window + "])"
}

// anyOf joins the selectors of a renamed metric, newest name first. Binary "or" matches on all
// labels except __name__, so a vLLM that exports both names (0.9.2–0.10) is counted once.
func (s scope) anyOf(names []string, wrap func(string) string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = wrap(s.vllm(n))
	}
	return strings.Join(parts, " or ")
}

func identity(sel string) string { return sel }

// bucketRates is the per-model, per-le rate of a histogram family whose names may differ by
// vLLM version; engine and pod are summed away.
func (s scope) bucketRates(family []string) string {
	buckets := make([]string, len(family))
	for i, n := range family {
		buckets[i] = n + "_bucket"
	}
	return "sum by (namespace, model_name, le) (" + s.anyOf(buckets, s.rate) + ")"
}

func (s scope) quantile(q float64, family []string) string {
	return "histogram_quantile(" + strconv.FormatFloat(q, 'g', -1, 64) + ", " + s.bucketRates(family) + ")"
}

func (s scope) gauge(agg string, names []string) string {
	return agg + " by (namespace, model_name) (" + s.anyOf(names, identity) + ")"
}

func (s scope) counterRate(name string) string {
	return "sum by (namespace, model_name) (" + s.rate(s.vllm(name)) + ")"
}

// podModels maps each vLLM pod to its model (value 1), for joining pod-level series.
func (s scope) podModels() string {
	return "group by (namespace, pod, model_name) (" + s.vllm(metricRunning) + ")"
}

// perGPU returns one series per GPU (namespace, pod, hostname, gpu, GPU_I_ID) of a DCGM metric,
// with namespace/pod set to the workload's. It covers both scrape setups: the GPU Operator's
// ServiceMonitor (honorLabels false) moves the exporter's pod/namespace to exported_pod/
// exported_namespace, kube-prometheus-style setups (honorLabels true) keep them as pod/namespace.
// Older exporters spell the node label Hostname, newer ones hostname. wrap applies a range
// function (increase) to the raw selector before relabelling.
func (s scope) perGPU(metric string, wrap func(string) string) string {
	exported := []string{`exported_pod!=""`}
	honored := []string{`exported_pod=""`, `pod!=""`}
	if s.namespace != "" {
		exported = append(exported, "exported_namespace="+strconv.Quote(s.namespace))
		honored = append(honored, "namespace="+strconv.Quote(s.namespace))
	}
	fromExported := wrap(metric + "{" + strings.Join(exported, ",") + "}")
	fromExported = `label_replace(` + fromExported + `, "namespace", "$1", "exported_namespace", "(.+)")`
	fromExported = `label_replace(` + fromExported + `, "pod", "$1", "exported_pod", "(.+)")`
	fromHonored := wrap(metric + "{" + strings.Join(honored, ",") + "}")
	both := fromExported + " or " + fromHonored
	return `max by (namespace, pod, hostname, gpu, GPU_I_ID) (label_replace(` + both + `, "hostname", "$1", "Hostname", "(.+)"))`
}

// gpuByModel aggregates a DCGM metric over the GPUs attributed to each model's pods.
func (s scope) gpuByModel(agg, metric string, wrap func(string) string) string {
	return agg + " by (namespace, model_name) (" + s.perGPU(metric, wrap) +
		" * on (namespace, pod) group_left (model_name) " + s.podModels() + ")"
}

// gpuCount counts each model's GPUs from the best source present, per model: GPUs DCGM
// attributes to its pods, else the GPUs its pods request (kube-state-metrics), else a marker
// series that the catalog fills in. The source is in the gpu_source label.
func (s scope) gpuCount() string {
	dcgm := "count by (namespace, model_name) (" + s.perGPU(dcgmGPUUtil, identity) +
		" * on (namespace, pod) group_left (model_name) " + s.podModels() + ")"
	ksmMatchers := []string{`resource="nvidia_com_gpu"`}
	if s.namespace != "" {
		ksmMatchers = append(ksmMatchers, "namespace="+strconv.Quote(s.namespace))
	}
	ksm := "sum by (namespace, model_name) (kube_pod_container_resource_requests{" + strings.Join(ksmMatchers, ",") +
		"} * on (namespace, pod) group_left (model_name) " + s.podModels() + ")"
	catalog := "group by (namespace, model_name) (" + s.vllm(metricRunning) + ")"
	return withLabel(dcgm, gpuSourceLabel, gpuSourceDCGM) +
		" or on (namespace, model_name) " + withLabel(ksm, gpuSourceLabel, gpuSourceKSM) +
		" or on (namespace, model_name) " + withLabel(catalog, gpuSourceLabel, gpuSourceCatalog)
}

// withLabel sets a constant label on every series of expr.
func withLabel(expr, label, value string) string {
	return "label_replace(" + expr + ", " + strconv.Quote(label) + ", " + strconv.Quote(value) + `, "", "")`
}

// combined answers several expressions with one request: each branch's series carry the
// branch name in seriesLabel, so "or" never merges two branches.
func combined(s scope, branches []string) string {
	parts := make([]string, len(branches))
	for i, b := range branches {
		parts[i] = withLabel(branchExprs[b](s), seriesLabel, b)
	}
	return strings.Join(parts, " or ")
}

// Labels the queries add.
const (
	seriesLabel      = "inferenceroi_series"
	gpuSourceLabel   = "gpu_source"
	gpuSourceDCGM    = "dcgm"
	gpuSourceKSM     = "kube-state-metrics"
	gpuSourceCatalog = "catalog"
)

// vLLM and DCGM names. Families list the current name first, then the names older vLLM
// versions use for the same quantity.
const (
	metricRunning = "num_requests_running"
	metricWaiting = "num_requests_waiting"
	dcgmGPUUtil   = "DCGM_FI_DEV_GPU_UTIL"
	dcgmPower     = "DCGM_FI_DEV_POWER_USAGE"
	dcgmFBUsed    = "DCGM_FI_DEV_FB_USED"
	dcgmEnergy    = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
)

var (
	ttftFamily     = []string{"time_to_first_token_seconds"}
	itlFamily      = []string{"inter_token_latency_seconds", "time_per_output_token_seconds"}
	e2eFamily      = []string{"e2e_request_latency_seconds"}
	queueFamily    = []string{"request_queue_time_seconds"}
	kvCacheFamily  = []string{"kv_cache_usage_perc", "gpu_cache_usage_perc"}
	runningFamily  = []string{metricRunning}
	waitingFamily  = []string{metricWaiting}
	mebibyte       = strconv.Itoa(1 << 20)
	millijoulePerJ = "1000"
)

// metricDef is one metric of the `metrics` query type.
type metricDef struct {
	title string // display name stem
	unit  string // Grafana unit id
	about string // what it measures, shown by the query editor (src/settings.schema.json)
	expr  func(scope) string
}

// metricNames is the fixed public list, in documentation order.
var metricNames = []string{
	"ttft_p50", "ttft_p95", "ttft_p99", "itl_p95", "e2e_p95", "queue_time_p95",
	"requests_running", "requests_waiting", "kv_cache_usage",
	"generation_tps", "prompt_tps", "request_rate", "preemption_rate",
	"gpu_utilization", "gpu_power_watts", "gpu_memory_used_bytes", "gpu_energy_joules", "gpus",
}

// MetricInfo describes one metric of the `metrics` query type for the query editor.
type MetricInfo struct {
	Name  string // the query's "metric" value
	Title string // display name stem of its series
	Unit  string // Grafana unit id
	About string // what it measures
}

// Metrics lists the metrics of the `metrics` query type in documentation order.
func Metrics() []MetricInfo {
	out := make([]MetricInfo, len(metricNames))
	for i, name := range metricNames {
		d := metricDefs[name]
		out[i] = MetricInfo{Name: name, Title: d.title, Unit: d.unit, About: d.about}
	}
	return out
}

func quantileOf(q float64, family []string) func(scope) string {
	return func(s scope) string { return s.quantile(q, family) }
}

var metricDefs = map[string]metricDef{
	"ttft_p50":         {"TTFT p50", "s", "Time to first token, median (seconds)", quantileOf(0.5, ttftFamily)},
	"ttft_p95":         {"TTFT p95", "s", "Time to first token, 95th percentile (seconds)", quantileOf(0.95, ttftFamily)},
	"ttft_p99":         {"TTFT p99", "s", "Time to first token, 99th percentile (seconds)", quantileOf(0.99, ttftFamily)},
	"itl_p95":          {"ITL p95", "s", "Inter-token latency, 95th percentile (seconds)", quantileOf(0.95, itlFamily)},
	"e2e_p95":          {"E2E latency p95", "s", "Whole request, 95th percentile (seconds)", quantileOf(0.95, e2eFamily)},
	"queue_time_p95":   {"Queue time p95", "s", "Waiting before scheduling, 95th percentile (seconds)", quantileOf(0.95, queueFamily)},
	"requests_running": {"Requests running", "short", "Requests being processed (count)", func(s scope) string { return s.gauge("sum", runningFamily) }},
	"requests_waiting": {"Requests waiting", "short", "Queued requests (count)", func(s scope) string { return s.gauge("sum", waitingFamily) }},
	// KV usage is a per-replica fraction: average it, a sum would exceed 100 %.
	"kv_cache_usage":  {"KV cache usage", "percentunit", "Average share of the KV cache in use (0-1, percent unit)", func(s scope) string { return s.gauge("avg", kvCacheFamily) }},
	"generation_tps":  {"Output tokens/s", "tok/s", "Generated tokens per second (tok/s)", func(s scope) string { return s.counterRate("generation_tokens_total") }},
	"prompt_tps":      {"Prompt tokens/s", "tok/s", "Prompt tokens per second (tok/s)", func(s scope) string { return s.counterRate("prompt_tokens_total") }},
	"request_rate":    {"Finished requests/s", "reqps", "Successful requests per second (req/s)", func(s scope) string { return s.counterRate("request_success_total") }},
	"preemption_rate": {"Preemptions/s", "/s", "Preempted requests per second (1/s)", func(s scope) string { return s.counterRate("num_preemptions_total") }},
	// DCGM reports utilisation in percent; the frame unit is a 0–1 fraction like KV usage.
	"gpu_utilization": {"GPU utilization", "percentunit", "DCGM utilization of the model's GPUs, averaged (0-1, percent unit)", func(s scope) string {
		return s.gpuByModel("avg", dcgmGPUUtil, identity) + " / 100"
	}},
	"gpu_power_watts": {"GPU power", "watt", "DCGM power draw of the model's GPUs, summed (W)", func(s scope) string { return s.gpuByModel("sum", dcgmPower, identity) }},
	"gpu_memory_used_bytes": {"GPU memory used", "bytes", "DCGM frame buffer in use, summed (bytes)", func(s scope) string {
		return s.gpuByModel("sum", dcgmFBUsed, identity) + " * " + mebibyte
	}},
	// The energy counter is in mJ; each point is the energy of the rate window before it.
	"gpu_energy_joules": {"GPU energy", "joule", "DCGM energy used in each rate window (J)", func(s scope) string {
		return s.gpuByModel("sum", dcgmEnergy, func(sel string) string { return "increase(" + sel + "[" + s.window + "])" }) + " / " + millijoulePerJ
	}},
	"gpus": {"GPUs", "short", "GPUs attributed to the model's pods (count)", func(s scope) string { return s.gpuCount() }},
}

// Branches of the combined efficiency/status queries.
const (
	branchOutputTPS   = "output_tps"
	branchGPUs        = "gpus"
	branchPower       = "gpu_power_watts"
	branchKVCache     = "kv_cache_usage"
	branchWaiting     = "requests_waiting"
	branchTTFTP95     = "ttft_p95"
	branchTTFTBuckets = "ttft_buckets"
	branchITLP95      = "itl_p95"
)

var branchExprs = map[string]func(scope) string{
	branchOutputTPS:   metricDefs["generation_tps"].expr,
	branchGPUs:        metricDefs["gpus"].expr,
	branchPower:       metricDefs["gpu_power_watts"].expr,
	branchKVCache:     metricDefs["kv_cache_usage"].expr,
	branchWaiting:     metricDefs["requests_waiting"].expr,
	branchTTFTP95:     metricDefs["ttft_p95"].expr,
	branchITLP95:      metricDefs["itl_p95"].expr,
	branchTTFTBuckets: func(s scope) string { return s.bucketRates(ttftFamily) },
}

// Branch sets. The TTFT buckets answer "share of requests under the threshold" from the edges
// present in the data; only the instant (table) forms need them.
var (
	statusBranches          = []string{branchOutputTPS, branchWaiting, branchKVCache, branchTTFTP95, branchTTFTBuckets, branchITLP95}
	efficiencyRangeBranches = []string{branchOutputTPS, branchGPUs, branchPower, branchKVCache, branchWaiting, branchTTFTP95, branchITLP95}
	efficiencyTableBranches = append(append([]string(nil), efficiencyRangeBranches...), branchTTFTBuckets)
)

func unknownMetricError(name string) error {
	names := append([]string(nil), metricNames...)
	sort.Strings(names)
	return inputErrorf("unknown metric %q; the metrics are: %s", name, strings.Join(names, ", "))
}

// String says what a query covered, for notices.
func (s scope) String() string {
	where := "all namespaces"
	if s.namespace != "" {
		where = "namespace " + s.namespace
	}
	models := "all models"
	if len(s.models) > 0 {
		models = "models " + strings.Join(s.models, ", ")
	}
	return where + ", " + models + ", metric prefix " + s.prefix
}
