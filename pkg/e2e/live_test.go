package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
)

// The Prometheus of the test script holds the live test dataset (pkg/live/internal/testdataset):
// one hour from 2026-01-01 00:00 UTC, evaluated at 00:45.
var (
	datasetFrom = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	datasetEval = datasetFrom.Add(45 * time.Minute)
)

func requirePrometheus(t *testing.T) string {
	t.Helper()
	return realserver.Env(t, "PROM_URL", "scripts/prometheus-server.sh start <dataset> (see scripts/test.sh), then load .cache/prom-test/env")
}

// liveInstance is a data source on a Prometheus URL with the catalog and prices the dataset's
// models need for cost (qwen-7b-idle has no GPU series: its GPUs come from the catalog).
func liveInstance(uid, promURL string) instance {
	return instance{
		UID: uid,
		URL: promURL,
		JSONData: map[string]any{
			"timeout":    1, // seconds: Grafana's standard data source timeout, so a slow upstream fails fast
			"prometheus": map[string]any{"scrapeIntervalSeconds": 15},
			"deployments": []map[string]any{
				{"model": "llama-70b-bf16", "gpus": 4, "gpuType": "H100", "quantization": "bf16"},
				{"model": "qwen-7b-idle", "gpus": 1, "gpuType": "H100", "quantization": "bf16"},
			},
			"gpuPrices": map[string]float64{"H100": 4.0},
		},
	}
}

func liveQuery(refID, queryType string, body map[string]any) backend.DataQuery {
	body["queryType"] = queryType
	raw, _ := json.Marshal(body)
	return backend.DataQuery{
		RefID:         refID,
		QueryType:     queryType,
		JSON:          raw,
		TimeRange:     backend.TimeRange{From: datasetFrom.Add(15 * time.Minute), To: datasetEval},
		Interval:      30 * time.Second,
		MaxDataPoints: 500,
	}
}

func stringColumn(t *testing.T, f *data.Frame, name string) []string {
	t.Helper()
	field, idx := f.FieldByName(name)
	require.GreaterOrEqual(t, idx, 0, "field %s missing", name)
	out := make([]string, field.Len())
	for i := range out {
		switch v := field.At(i).(type) {
		case string:
			out[i] = v
		case *string:
			if v != nil {
				out[i] = *v
			}
		}
	}
	return out
}

// TestLiveQueriesAgainstPrometheus sends metrics, efficiency and status through the compiled plugin to
// the real Prometheus and checks what the dataset was built to show.
func TestLiveQueriesAgainstPrometheus(t *testing.T) {
	in := liveInstance("live", requirePrometheus(t))
	resp := plugin.queryData(t, in, []backend.DataQuery{
		liveQuery("ttft", "metrics", map[string]any{"metric": "ttft_p95"}),
		liveQuery("gpus", "metrics", map[string]any{"metric": "gpus", "models": []string{"llama-70b-bf16", "llama-8b-int4"}}),
		liveQuery("efficiency", "efficiency", map[string]any{"instant": true}),
		liveQuery("status", "status", map[string]any{}),
	})

	ttft := resp.Responses["ttft"]
	require.NoError(t, ttft.Error)
	require.NotEmpty(t, ttft.Frames)
	assert.Contains(t, ttft.Frames[0].Meta.ExecutedQueryString, "time_to_first_token_seconds_bucket")
	models := map[string]bool{}
	for _, f := range ttft.Frames {
		assert.Equal(t, data.FrameTypeTimeSeriesMulti, f.Meta.Type)
		require.Len(t, f.Fields, 2)
		models[f.Fields[1].Labels["model_name"]] = true
		assert.Greater(t, f.Rows(), 10, "a range of 30 minutes at 30 s steps")
	}
	assert.True(t, models["llama-70b-bf16"] && models["llama-8b-int4"], "V1 and V0 names in one query: %v", models)

	gpus := resp.Responses["gpus"]
	require.NoError(t, gpus.Error)
	assert.Len(t, gpus.Frames, 2, "the models filter keeps two models")

	eff := resp.Responses["efficiency"]
	require.NoError(t, eff.Error)
	require.Len(t, eff.Frames, 1)
	table := eff.Frames[0]
	effModels := stringColumn(t, table, "model")
	effStatus := stringColumn(t, table, "sla_status")
	perGPU, _ := table.FieldByName("output_tps_per_gpu")
	byModel := map[string]int{}
	for i, m := range effModels {
		byModel[m] = i
	}
	require.Contains(t, byModel, "llama-70b-bf16")
	require.Contains(t, byModel, "qwen-7b-idle")
	assert.Equal(t, "Idle", effStatus[byModel["qwen-7b-idle"]])
	assert.Nil(t, perGPU.At(byModel["qwen-7b-idle"]), "an idle model has no tokens per GPU, not Inf")
	v, ok := perGPU.At(byModel["llama-70b-bf16"]).(*float64)
	require.True(t, ok && v != nil)
	assert.InDelta(t, 300, *v, 0.5, "9000 tokens per 15 s scrape on 2 engines over 4 GPUs")

	st := resp.Responses["status"]
	require.NoError(t, st.Error)
	require.Len(t, st.Frames, 1)
	statuses := map[string]string{}
	names := stringColumn(t, st.Frames[0], "model")
	for i, s := range stringColumn(t, st.Frames[0], "status") {
		statuses[names[i]] = s
	}
	assert.Equal(t, map[string]string{
		"llama-70b-bf16":  "Acceptable",
		"llama-8b-int4":   "Degraded",
		"qwen-7b-idle":    "Idle",
		"mistral-24b-fp8": "Breaking",
		"granite-8b":      "Excellent",
	}, statuses)
}

// faultyPrometheus forwards to the real Prometheus but fails queries by what they ask for, so one
// request can carry a succeeding query and failing ones.
func faultyPrometheus(t *testing.T, promURL string) *httptest.Server {
	t.Helper()
	target, err := url.Parse(promURL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		form, _ := url.ParseQuery(string(body))
		query := form.Get("query") + r.URL.Query().Get("query")
		switch {
		case strings.Contains(query, "num_requests_waiting"):
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"store gateway is restarting"}`)
		case strings.Contains(query, "prompt_tokens"):
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, "Forbidden (user=system:serviceaccount:grafana:grafana, verb=create, resource=prometheuses)")
		case strings.Contains(query, "kv_cache_usage_perc"):
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLiveUpstreamFailuresStayPerQuery: a 5xx, a 403 and a slow upstream each fail only their own
// query, with a downstream error that says what happened; the healthy query still answers.
func TestLiveUpstreamFailuresStayPerQuery(t *testing.T) {
	srv := faultyPrometheus(t, requirePrometheus(t))
	resp := plugin.queryData(t, liveInstance("faulty", srv.URL), []backend.DataQuery{
		liveQuery("ok", "metrics", map[string]any{"metric": "generation_tps"}),
		liveQuery("5xx", "metrics", map[string]any{"metric": "requests_waiting"}),
		liveQuery("403", "metrics", map[string]any{"metric": "prompt_tps"}),
		liveQuery("slow", "metrics", map[string]any{"metric": "kv_cache_usage"}),
	})
	ok := resp.Responses["ok"]
	require.NoError(t, ok.Error)
	assert.NotEmpty(t, ok.Frames)

	for refID, want := range map[string]string{"5xx": "503", "403": "403", "slow": "timed out"} {
		dr := resp.Responses[refID]
		require.Error(t, dr.Error, refID)
		assert.Equal(t, backend.ErrorSourceDownstream, dr.ErrorSource, refID)
		assert.Contains(t, dr.Error.Error(), want, refID)
	}
	assert.Contains(t, resp.Responses["5xx"].Error.Error(), "store gateway is restarting")
}

// TestLiveStoppedPrometheus: with nothing listening at the URL, the live query fails with a clear
// downstream error while a history query in the same request is served from the bucket.
func TestLiveStoppedPrometheus(t *testing.T) {
	env := requireS3(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	bucket := fmt.Sprintf("e2e-stopped-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", "mistral-3-int4_chat_sweep.json")
	in := historyInstance(env, "stopped-"+bucket, bucket)
	in.URL = closedURL

	resp := plugin.queryData(t, in, []backend.DataQuery{
		liveQuery("live", "status", map[string]any{}),
		{RefID: "history", QueryType: "breakingPoints", JSON: json.RawMessage(`{}`)},
	})
	live := resp.Responses["live"]
	require.Error(t, live.Error)
	assert.Equal(t, backend.ErrorSourceDownstream, live.ErrorSource)
	assert.Contains(t, live.Error.Error(), "connection refused")

	history := resp.Responses["history"]
	require.NoError(t, history.Error)
	require.Len(t, history.Frames, 1)
	assert.Equal(t, 1, history.Frames[0].Rows())

	health := plugin.checkHealth(t, in)
	assert.Equal(t, backend.HealthStatusError, health.Status)
	assert.Contains(t, health.Message, "connection refused")
	assert.Contains(t, health.Message, "OK results store")
}
