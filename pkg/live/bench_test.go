package live

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/inferenceroi/vllm-datasource/pkg/live/internal/testdataset"
)

// dashboardPanels is one refresh of a 10-model dashboard: six metric panels over 6 hours at a
// 30 s step (721 points per series), the efficiency table and time series, the status table.
var dashboardPanels = []string{"ttft_p95", "itl_p95", "generation_tps", "kv_cache_usage", "gpu_power_watts", "gpus"}

var dashboardRange = TimeRange{From: testdataset.EvalTime.Add(-6 * time.Hour), To: testdataset.EvalTime, Interval: 30 * time.Second, MaxDataPoints: 1000}

func refreshDashboard(b *testing.B, s *Service) {
	ctx := context.Background()
	for _, m := range dashboardPanels {
		if _, err := s.Metrics(ctx, Query{Metric: m}, dashboardRange); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Efficiency(ctx, Query{Instant: true}, dashboardRange); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Efficiency(ctx, Query{}, dashboardRange); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Status(ctx, Query{}, dashboardRange); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDashboardRefresh measures a 10-model dashboard refresh. "httptest" goes through the
// real client (HTTP on loopback, JSON decoding) against an upstream that serves answers computed
// once; "plugin-only" replays the decoded answers, which leaves the plugin's own work: building
// PromQL, joining branches, deriving ratios and SLA status, building frames.
func BenchmarkDashboardRefresh(b *testing.B) {
	models := syntheticModels(10)
	var mu sync.Mutex
	answers := map[string][]byte{}
	fp := newFakePrometheus(b, func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + "?" + r.Form.Encode()
		mu.Lock()
		answer, ok := answers[key]
		if !ok {
			answer = syntheticAnswer(models, r)
			answers[key] = answer
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})
	api := newTestAPI(b, fp.URL, 30*time.Second, "")

	b.Run("httptest", func(b *testing.B) {
		s := NewService(api, testOptions())
		refreshDashboard(b, s) // fills the answer cache
		fp.reset()
		b.ReportAllocs()
		for b.Loop() {
			refreshDashboard(b, s)
		}
		b.ReportMetric(float64(fp.count())/float64(b.N), "requests/refresh")
	})

	b.Run("plugin-only", func(b *testing.B) {
		replay := &replayAPI{next: api, values: map[string]model.Value{}}
		s := NewService(replay, testOptions())
		refreshDashboard(b, s) // records the decoded answers
		replay.calls = 0
		b.ReportAllocs()
		for b.Loop() {
			refreshDashboard(b, s)
		}
		b.ReportMetric(float64(replay.calls)/float64(b.N), "requests/refresh")
	})
}

// replayAPI answers each query with the value the next API gave the first time.
type replayAPI struct {
	next   API
	values map[string]model.Value
	calls  int
}

func (r *replayAPI) Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	r.calls++
	key := "instant " + ts.String() + " " + query
	if v, ok := r.values[key]; ok {
		return v, nil, nil, nil
	}
	v, w, i, err := r.next.Query(ctx, query, ts, opts...)
	r.values[key] = v
	return v, w, i, err
}

func (r *replayAPI) QueryRange(ctx context.Context, query string, rng v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	r.calls++
	key := "range " + rng.Start.String() + rng.End.String() + rng.Step.String() + " " + query
	if v, ok := r.values[key]; ok {
		return v, nil, nil, nil
	}
	v, w, i, err := r.next.QueryRange(ctx, query, rng, opts...)
	r.values[key] = v
	return v, w, i, err
}

func (r *replayAPI) Targets(ctx context.Context) (v1.TargetsResult, error) {
	return r.next.Targets(ctx)
}

func (r *replayAPI) Buildinfo(ctx context.Context) (v1.BuildinfoResult, error) {
	return r.next.Buildinfo(ctx)
}
