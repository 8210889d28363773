package live

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHealthHintsFitTheSetup: with no vLLM or DCGM series, the remedy depends on what Prometheus
// says about its scrape targets: the failing scrape and the scrape job to add for static targets,
// the ServiceMonitor/OpenShift advice for Kubernetes-discovered targets or when Prometheus does not
// say (Thanos Querier's tenancy port answers only the query API).
func TestHealthHintsFitTheSetup(t *testing.T) {
	const blank = "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target"
	staticTargets := `{"status":"success","data":{"activeTargets":[
		{"discoveredLabels":{"__address__":"vllm-int4:8000"},"labels":{"job":"vllm"},"scrapePool":"vllm","scrapeUrl":"http://vllm-int4:8000/metrics","health":"down","lastError":"Get \"http://vllm-int4:8000/metrics\": dial tcp: connection refused"},
		{"discoveredLabels":{"__address__":"dcgm-demo:9400"},"labels":{"job":"dcgm"},"scrapePool":"dcgm","scrapeUrl":"http://dcgm-demo:9400/metrics","health":"down","lastError":"` + blank + `"}],"droppedTargets":[]}}`
	kubernetesTargets := `{"status":"success","data":{"activeTargets":[
		{"discoveredLabels":{"__meta_kubernetes_namespace":"private-ai","__address__":"10.0.0.7:8080"},"labels":{"job":"serviceMonitor/private-ai/other/0"},"scrapePool":"serviceMonitor/private-ai/other/0","scrapeUrl":"http://10.0.0.7:8080/metrics","health":"up","lastError":""}],"droppedTargets":[]}}`
	cases := []struct {
		name              string
		targets           string // "" answers 404
		wantVLLM, wantGPU []string
		notWant           []string
	}{
		{
			name:     "static scrape configs with failing targets",
			targets:  staticTargets,
			wantVLLM: []string{"2 scrape targets are down", "http://vllm-int4:8000/metrics (job vllm): Get", "Prometheus scrapes the jobs dcgm, vllm and none exports it", "the vLLM pods' /metrics"},
			wantGPU:  []string{"http://dcgm-demo:9400/metrics (job dcgm): " + blank, "dcgm-exporter's /metrics"},
			notWant:  []string{"ServiceMonitor", "OpenShift"},
		},
		{
			name:     "Kubernetes service discovery",
			targets:  kubernetesTargets,
			wantVLLM: []string{"check that a ServiceMonitor or PodMonitor scrapes the vLLM pods"},
			wantGPU:  []string{"on OpenShift use port 9091"},
			notWant:  []string{"scrape targets are down", "add a scrape job"},
		},
		{
			name:     "no targets API",
			wantVLLM: []string{"check that a ServiceMonitor or PodMonitor scrapes the vLLM pods"},
			wantGPU:  []string{"on OpenShift use port 9091"},
			notWant:  []string{"scrape targets are down", "add a scrape job"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch {
				case r.URL.Path == "/api/v1/targets" && tc.targets != "":
					w.Write([]byte(tc.targets))
				case strings.HasPrefix(r.URL.Path, "/api/v1/query"):
					w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
				case r.URL.Path == "/api/v1/status/buildinfo":
					w.Write([]byte(`{"status":"success","data":{"version":"3.5.0"}}`))
				default:
					http.NotFound(w, r)
				}
			})
			checks := NewService(newTestAPI(t, fp.URL, 5*time.Second, ""), testOptions()).Health(context.Background())
			if len(checks) != 3 || !checks[0].OK || checks[1].OK || checks[2].OK {
				t.Fatalf("checks: %+v", checks)
			}
			for i, wants := range map[int][]string{1: tc.wantVLLM, 2: tc.wantGPU} {
				for _, want := range wants {
					if !strings.Contains(checks[i].Message, want) {
						t.Errorf("%s: %q lacks %q", checks[i].Name, checks[i].Message, want)
					}
				}
				for _, not := range tc.notWant {
					if strings.Contains(checks[i].Message, not) {
						t.Errorf("%s: %q says %q, which does not apply", checks[i].Name, checks[i].Message, not)
					}
				}
			}
		})
	}
}
