package live

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Health checks, in order: Prometheus reachable, vLLM series found, DCGM series found. Each
// failed check says the remedy. The later checks are skipped when Prometheus is unreachable.
func (s *Service) Health(ctx context.Context) []HealthCheck {
	reach := s.checkReachable(ctx)
	if !reach.OK {
		return []HealthCheck{reach}
	}
	sc, err := s.scope(Query{})
	if err != nil {
		return []HealthCheck{reach, {Name: "vLLM series", Message: err.Error()}}
	}
	return []HealthCheck{reach, s.checkVLLM(ctx, sc), s.checkDCGM(ctx, sc)}
}

// checkReachable asks for the build info; proxies that serve only the query API (the Thanos
// tenancy port 9092) answer 4xx there, so a `vector(1)` query decides then.
func (s *Service) checkReachable(ctx context.Context) HealthCheck {
	const name = "Prometheus"
	info, err := s.api.Buildinfo(ctx)
	if err == nil {
		return HealthCheck{Name: name, OK: true, Message: "reachable, version " + info.Version}
	}
	var up *UpstreamError
	if !errors.As(err, &up) || up.StatusCode < 400 || up.StatusCode >= 500 {
		return HealthCheck{Name: name, Message: asUpstream(err).Error()}
	}
	if _, _, err := s.run(ctx, "vector(1)", evaluation{instant: true, at: s.now()}); err != nil {
		return HealthCheck{Name: name, Message: err.Error()}
	}
	return HealthCheck{Name: name, OK: true, Message: "reachable (query API only)"}
}

var healthNames = []string{metricRunning, kvCacheFamily[0], kvCacheFamily[1], itlFamily[0] + "_count", itlFamily[1] + "_count"}

// checkVLLM counts models per metric prefix and per naming generation, from one query.
func (s *Service) checkVLLM(ctx context.Context, sc scope) HealthCheck {
	const name = "vLLM series"
	other := "kserve_vllm:"
	if sc.prefix == other {
		other = defaultMetricPrefix
	}
	matchers := []string{"__name__=~" + strconv.Quote("("+strings.TrimSuffix(sc.prefix, ":")+"|"+strings.TrimSuffix(other, ":")+"):("+strings.Join(healthNames, "|")+")")}
	if sc.namespace != "" {
		matchers = append(matchers, "namespace="+strconv.Quote(sc.namespace))
	}
	promql := "group by (__name__, namespace, model_name) ({" + strings.Join(matchers, ",") + "})"
	series, _, err := s.run(ctx, promql, evaluation{instant: true, at: s.now()})
	if err != nil {
		return HealthCheck{Name: name, Message: err.Error()}
	}
	// names[prefix][metric] = models exporting it
	names := map[string]map[string]map[modelKey]bool{}
	for _, ps := range series {
		full := string(ps.labels["__name__"])
		i := strings.Index(full, ":")
		prefix, metric := full[:i+1], full[i+1:]
		if names[prefix] == nil {
			names[prefix] = map[string]map[modelKey]bool{}
		}
		if names[prefix][metric] == nil {
			names[prefix][metric] = map[modelKey]bool{}
		}
		names[prefix][metric][keyOf(ps.labels)] = true
	}
	where := ""
	if sc.namespace != "" {
		where = " in namespace " + sc.namespace
	}
	mine, theirs := names[sc.prefix][metricRunning], names[other][metricRunning]
	switch {
	case len(mine) == 0 && len(theirs) > 0:
		return HealthCheck{Name: name, Message: fmt.Sprintf("no %s series%s, but %d models export %s series: set prometheus.metricPrefix to %q", sc.prefix, where, len(theirs), other, other)}
	case len(mine) == 0:
		hint := s.scrapeTargets(ctx).hint("the vLLM pods' /metrics",
			"check that a ServiceMonitor or PodMonitor scrapes the vLLM pods (OpenShift AI creates <isvc>-metrics when the serving runtime has the prometheus.io/port annotation), that user-workload monitoring is enabled, and that vLLM does not run with --disable-log-stats")
		return HealthCheck{Name: name, Message: fmt.Sprintf("no %s%s series%s: %s", sc.prefix, metricRunning, where, hint)}
	}
	var v1, v0 int
	for k := range mine {
		n := names[sc.prefix]
		switch {
		case n[kvCacheFamily[0]][k] || n[itlFamily[0]+"_count"][k]:
			v1++
		case n[kvCacheFamily[1]][k] || n[itlFamily[1]+"_count"][k]:
			v0++
		}
	}
	msg := fmt.Sprintf("%d models with %s series%s (%s); %d with current names (kv_cache_usage_perc, inter_token_latency_seconds), %d with pre-0.11 names (gpu_cache_usage_perc, time_per_output_token_seconds)",
		len(mine), sc.prefix, where, modelList(mine), v1, v0)
	if len(theirs) > 0 {
		msg += fmt.Sprintf("; %s series exist too (a KServe LLMInferenceService exports both): only %s is read, never both", other, sc.prefix)
	}
	return HealthCheck{Name: name, OK: true, Message: msg}
}

// checkDCGM counts GPUs with DCGM series, and those attributed to vLLM pods, in one query.
func (s *Service) checkDCGM(ctx context.Context, sc scope) HealthCheck {
	const name = "DCGM series"
	attributed := "count(" + sc.perGPU(dcgmGPUUtil, identity) + " * on (namespace, pod) group_left (model_name) " + sc.podModels() + ")"
	promql := withLabel("count("+dcgmGPUUtil+")", seriesLabel, "all") + " or " + withLabel(attributed, seriesLabel, "attributed")
	series, _, err := s.run(ctx, promql, evaluation{instant: true, at: s.now()})
	if err != nil {
		return HealthCheck{Name: name, Message: err.Error()}
	}
	counts := map[string]int{}
	for _, ps := range series {
		if len(ps.points) > 0 {
			counts[string(ps.labels[seriesLabel])] = int(ps.points[0].Value)
		}
	}
	where := ""
	if sc.namespace != "" {
		where = " in namespace " + sc.namespace
	}
	switch {
	case counts["all"] == 0:
		hint := s.scrapeTargets(ctx).hint("dcgm-exporter's /metrics",
			"on OpenShift use port 9091; 9092 cannot see the GPU operator's namespace (which must also carry the label openshift.io/cluster-monitoring=true)")
		return HealthCheck{Name: name, Message: "no " + dcgmGPUUtil + " series: " + hint + ". Without DCGM the gpu_* metrics and tokens_per_joule are empty and gpus falls back to kube-state-metrics or the deployments catalog"}
	case counts["attributed"] == 0:
		return HealthCheck{Name: name, Message: fmt.Sprintf("%d GPUs report DCGM metrics, but none is attributed to a vLLM pod%s: dcgm-exporter needs its Kubernetes pod mapping (DCGM_EXPORTER_KUBERNETES=true, the GPU Operator's default) and the vLLM containers must request nvidia.com/gpu; gpus falls back to kube-state-metrics or the deployments catalog", counts["all"], where)}
	}
	return HealthCheck{Name: name, OK: true, Message: fmt.Sprintf("%d GPUs report DCGM metrics; %d are attributed to vLLM pods%s", counts["all"], counts["attributed"], where)}
}

// scrapeTargets is what Prometheus says about its scrape targets, so that a missing series gets the
// remedy that fits the setup: a failing scrape, a missing scrape job, or (Kubernetes service
// discovery, or no answer as from Thanos Querier's tenancy port) the ServiceMonitor advice.
type scrapeTargets struct {
	known      bool // the targets API answered
	kubernetes bool // some target was discovered through Kubernetes (ServiceMonitor, PodMonitor, kubernetes_sd)
	jobs       []string
	down       []string // "scrape URL (job): last error"
}

func (s *Service) scrapeTargets(ctx context.Context) scrapeTargets {
	res, err := s.api.Targets(ctx)
	if err != nil {
		return scrapeTargets{}
	}
	st := scrapeTargets{known: true}
	jobs := map[string]bool{}
	for _, t := range res.Active {
		jobs[t.ScrapePool] = true
		for label := range t.DiscoveredLabels {
			if strings.HasPrefix(label, "__meta_kubernetes_") {
				st.kubernetes = true
				break
			}
		}
		if t.Health != "up" && t.LastError != "" {
			st.down = append(st.down, fmt.Sprintf("%s (job %s): %s", t.ScrapeURL, t.ScrapePool, t.LastError))
		}
	}
	for j := range jobs {
		st.jobs = append(st.jobs, j)
	}
	sort.Strings(st.jobs)
	sort.Strings(st.down)
	return st
}

// hint says why a series may be missing: failing scrapes first, then kubernetesHint where Kubernetes
// discovers the targets or Prometheus does not say, else the scrape job to add for what.
func (st scrapeTargets) hint(what, kubernetesHint string) string {
	var parts []string
	if len(st.down) > 0 {
		const shown = 5
		down := st.down[:min(len(st.down), shown)]
		parts = append(parts, fmt.Sprintf("%d scrape targets are down: %s", len(st.down), strings.Join(down, "; ")))
	}
	switch {
	case !st.known || st.kubernetes:
		parts = append(parts, kubernetesHint)
	case len(st.jobs) == 0:
		parts = append(parts, "Prometheus has no scrape targets: add a scrape job for "+what)
	default:
		parts = append(parts, fmt.Sprintf("Prometheus scrapes the jobs %s and none exports it: fix the failing scrape or add a scrape job for %s", strings.Join(st.jobs, ", "), what))
	}
	return strings.Join(parts, "; ")
}

func modelList(models map[modelKey]bool) string {
	const shown = 10
	keys := make([]modelKey, 0, len(models))
	for k := range models {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Model < keys[j].Model })
	names := make([]string, 0, shown)
	for i, k := range keys {
		if i == shown {
			names = append(names, fmt.Sprintf("and %d more", len(keys)-shown))
			break
		}
		names = append(names, k.Model)
	}
	return strings.Join(names, ", ")
}
