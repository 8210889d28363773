package live

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/live/internal/testdataset"
)

var anyRange = TimeRange{From: testdataset.EvalTime.Add(-time.Hour), To: testdataset.EvalTime, Interval: 30 * time.Second, MaxDataPoints: 1000}

// queriesOfEachType runs one query of each type and returns their errors.
func queriesOfEachType(s *Service) map[string]error {
	ctx := context.Background()
	_, metricsErr := s.Metrics(ctx, Query{Metric: "ttft_p95"}, anyRange)
	_, efficiencyErr := s.Efficiency(ctx, Query{Instant: true}, anyRange)
	_, statusErr := s.Status(ctx, Query{}, anyRange)
	return map[string]error{"metrics": metricsErr, "efficiency": efficiencyErr, "status": statusErr}
}

func TestUpstreamFailuresGiveClearDownstreamErrors(t *testing.T) {
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()
	cases := []struct {
		name     string
		respond  http.HandlerFunc // nil: nothing listens
		timeout  time.Duration
		want     []string
		status   int
		timedOut bool
	}{
		{
			name: "403 from kube-rbac-proxy",
			respond: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "Forbidden (user=system:serviceaccount:grafana:grafana, verb=get, resource=prometheuses, subresource=api)", http.StatusForbidden)
			},
			want:   []string{"answered 403 Forbidden: Forbidden (user=system:serviceaccount:grafana:grafana, verb=get", "cluster-monitoring-view"},
			status: http.StatusForbidden,
		},
		{
			name: "503 with a Thanos error envelope",
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"receive series from Addr: prometheus-k8s-0:10901: rpc error: code = Unavailable"}`))
			},
			want:   []string{"answered 503 Service Unavailable: unavailable: receive series from Addr: prometheus-k8s-0:10901"},
			status: http.StatusServiceUnavailable,
		},
		{
			name: "502 from a proxy",
			respond: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream connect error or disconnect/reset before headers", http.StatusBadGateway)
			},
			want:   []string{"answered 502 Bad Gateway: upstream connect error or disconnect/reset before headers"},
			status: http.StatusBadGateway,
		},
		{
			name: "slow upstream",
			respond: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			timeout:  150 * time.Millisecond,
			want:     []string{"did not answer: timed out after 150ms"},
			timedOut: true,
		},
		{
			name: "HTML login page instead of the API",
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("<html><body>Log in with OpenShift</body></html>"))
			},
			want:   []string{"answered 200 OK, but not with a Prometheus API response", "base URL"},
			status: http.StatusOK,
		},
		{
			name: "query rejected",
			respond: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				w.Write([]byte(`{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}`))
			},
			want:   []string{"rejected the query (execution): query processing would load too many samples into memory"},
			status: http.StatusUnprocessableEntity,
		},
		{
			name:   "connection refused",
			want:   []string{"cannot connect (connection refused): is Prometheus running at " + refused + "?"},
			status: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			address := refused
			if tc.respond != nil {
				address = newFakePrometheus(t, tc.respond).URL
			}
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			s := NewService(newTestAPI(t, address, timeout, ""), testOptions())
			for kind, err := range queriesOfEachType(s) {
				var up *UpstreamError
				if !errors.As(err, &up) || !IsDownstream(err) {
					t.Fatalf("%s: error %T %v, want an *UpstreamError", kind, err, err)
				}
				for _, want := range tc.want {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: %q lacks %q", kind, err, want)
					}
				}
				if strings.Contains(err.Error(), "query=") || strings.Contains(err.Error(), "histogram_quantile") {
					t.Errorf("%s: the error repeats the request: %q", kind, err)
				}
				if up.StatusCode != tc.status || up.Timeout != tc.timedOut {
					t.Errorf("%s: status %d timeout %v, want %d %v", kind, up.StatusCode, up.Timeout, tc.status, tc.timedOut)
				}
			}
			checks := s.Health(context.Background())
			if len(checks) != 1 || checks[0].OK || !strings.Contains(checks[0].Message, tc.want[0]) {
				t.Errorf("health: %+v", checks)
			}
		})
	}
}

func TestInputErrorsSendNothing(t *testing.T) {
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) { w.Write(syntheticAnswer(nil, r)) })
	s := NewService(newTestAPI(t, fp.URL, time.Second, ""), testOptions())
	ctx := context.Background()
	cases := map[string]func() error{
		"unknown metric": func() error {
			_, err := s.Metrics(ctx, Query{Metric: "gpu_cache_usage_perc"}, anyRange)
			return err
		},
		"bad namespace": func() error {
			_, err := s.Status(ctx, Query{Namespace: "$namespace"}, anyRange)
			return err
		},
		"reversed range": func() error {
			_, err := s.Efficiency(ctx, Query{}, TimeRange{From: anyRange.To, To: anyRange.From})
			return err
		},
	}
	wants := map[string]string{
		"unknown metric": `unknown metric "gpu_cache_usage_perc"; the metrics are: e2e_p95, generation_tps,`,
		"bad namespace":  `namespace "$namespace" is not a Kubernetes namespace name`,
		"reversed range": "is empty or reversed",
	}
	for name, run := range cases {
		err := run()
		var in *InputError
		if !errors.As(err, &in) || !IsDownstream(err) || !strings.Contains(err.Error(), wants[name]) {
			t.Errorf("%s: %T %v", name, err, err)
		}
	}
	if n := fp.count(); n != 0 {
		t.Errorf("%d upstream requests for invalid queries", n)
	}
}

func TestOneRequestPerQueryForTenModels(t *testing.T) {
	models := syntheticModels(10)
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) { w.Write(syntheticAnswer(models, r)) })
	s := NewService(newTestAPI(t, fp.URL, 5*time.Second, ""), testOptions())
	ctx := context.Background()
	runs := map[string]func() (data.Frames, error){
		"metrics range":     func() (data.Frames, error) { return s.Metrics(ctx, Query{Metric: "ttft_p95"}, anyRange) },
		"metrics gpus":      func() (data.Frames, error) { return s.Metrics(ctx, Query{Metric: "gpus", Instant: true}, anyRange) },
		"efficiency table":  func() (data.Frames, error) { return s.Efficiency(ctx, Query{Instant: true}, anyRange) },
		"efficiency series": func() (data.Frames, error) { return s.Efficiency(ctx, Query{}, anyRange) },
		"status":            func() (data.Frames, error) { return s.Status(ctx, Query{}, anyRange) },
	}
	wantRows := map[string]int{"metrics range": 10, "metrics gpus": 10, "efficiency table": 1, "status": 1}
	for name, run := range runs {
		fp.reset()
		frames, err := run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := fp.count(); n != 1 {
			t.Errorf("%s: %d upstream requests for 10 models, want 1", name, n)
		}
		if want, ok := wantRows[name]; ok && len(frames) != want {
			t.Errorf("%s: %d frames, want %d", name, len(frames), want)
		}
		if name == "efficiency table" || name == "status" {
			if rows, _ := frames[0].RowLen(); rows != 10 {
				t.Errorf("%s: %d rows, want 10", name, rows)
			}
		}
	}
	fp.reset()
	if checks := s.Health(ctx); len(checks) != 3 {
		t.Errorf("health: %+v", checks)
	}
	// The synthetic answers carry no metric names, so both series checks fail and each asks for
	// the scrape targets to say why.
	if n := fp.count(); n != 5 {
		t.Errorf("health: %d requests, want 5 (buildinfo, vLLM, DCGM, targets twice)", n)
	}
}

func TestTenancyModeSendsNamespaceWithGET(t *testing.T) {
	models := syntheticModels(3)
	// Like the tenancy port: only the query API exists, and only with namespace=.
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("namespace") != "team-a" {
			http.Error(w, "Bad Request. The request or configuration is malformed.", http.StatusBadRequest)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/api/v1/query") {
			http.NotFound(w, r)
			return
		}
		w.Write(syntheticAnswer(models, r))
	})
	s := NewService(newTestAPI(t, fp.URL, 5*time.Second, "team-a"), testOptions())
	for kind, err := range queriesOfEachType(s) {
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	checks := s.Health(context.Background())
	if !checks[0].OK || checks[0].Message != "reachable (query API only)" {
		t.Errorf("health: %+v", checks)
	}
	for _, r := range fp.recorded() {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s: want GET", r.Method, r.Path)
		}
		if r.URLQuery.Get("namespace") != "team-a" {
			t.Errorf("%s %s without namespace=team-a in the URL", r.Method, r.Path)
		}
		if strings.HasPrefix(r.Path, "/api/v1/query") && r.URLQuery.Get("query") == "" {
			t.Errorf("%s %s: the PromQL is not in the URL", r.Method, r.Path)
		}
	}
	// 3 queries + buildinfo (404) + vector(1) + vLLM + DCGM + targets (404) for each failing check
	if n := fp.count(); n != 9 {
		t.Errorf("%d requests, want 9", n)
	}
}

func TestDefaultModeUsesPOST(t *testing.T) {
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) { w.Write(syntheticAnswer(syntheticModels(1), r)) })
	s := NewService(newTestAPI(t, fp.URL, 5*time.Second, ""), testOptions())
	if _, err := s.Metrics(context.Background(), Query{Metric: "ttft_p95"}, anyRange); err != nil {
		t.Fatal(err)
	}
	r := fp.recorded()[0]
	if r.Method != http.MethodPost || r.URLQuery.Get("namespace") != "" || r.Form.Get("query") == "" {
		t.Errorf("request %+v: want a POST with the PromQL in the body", r)
	}
}

func TestWarningsAndInfosBecomeNotices(t *testing.T) {
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"success","warnings":["No StoreAPIs matched for this query"],"infos":["PromQL info: metric might not be a counter"],"data":{"resultType":"matrix","result":[]}}`))
	})
	s := NewService(newTestAPI(t, fp.URL, 5*time.Second, ""), testOptions())
	frames, err := s.Metrics(context.Background(), Query{Metric: "generation_tps"}, anyRange)
	if err != nil {
		t.Fatal(err)
	}
	notices := frames[0].Meta.Notices
	if len(notices) < 2 || notices[0].Severity != data.NoticeSeverityWarning || notices[0].Text != "Prometheus: No StoreAPIs matched for this query" ||
		notices[1].Severity != data.NoticeSeverityInfo || !strings.Contains(notices[1].Text, "might not be a counter") {
		t.Errorf("notices: %+v", notices)
	}
}

func TestNewAPIRejectsNonHTTPURLs(t *testing.T) {
	for _, address := range []string{"", "thanos-querier:9091", "ftp://example.com", "http://"} {
		if _, err := NewAPI(address, nil, ""); err == nil || !IsDownstream(err) {
			t.Errorf("%q: err = %v", address, err)
		}
	}
}

func TestErrorsHideCredentialsInTheURL(t *testing.T) {
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", http.StatusUnauthorized) })
	address := strings.Replace(fp.URL, "http://", "http://grafana:s3cret@", 1) + "/?token=abc"
	s := NewService(newTestAPI(t, address, 5*time.Second, ""), testOptions())
	_, err := s.Status(context.Background(), Query{}, anyRange)
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "token=abc") || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Errorf("error: %v", err)
	}
}

func TestUntrustedCertificateSaysHowToTrustIt(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	s := NewService(newTestAPI(t, srv.URL, 5*time.Second, ""), testOptions())
	_, err := s.Metrics(context.Background(), Query{Metric: "gpus"}, anyRange)
	if err == nil || !strings.Contains(err.Error(), "TLS handshake with "+srv.URL+" failed") || !strings.Contains(err.Error(), "service-ca.crt") {
		t.Errorf("error: %v", err)
	}
}
