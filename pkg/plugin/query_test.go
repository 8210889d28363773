package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// dataQuery is one panel query: refID, queryType and the JSON body.
func dataQuery(refID, queryType, body string) backend.DataQuery {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	return backend.DataQuery{
		RefID: refID, QueryType: queryType, JSON: json.RawMessage(body),
		TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}, Interval: time.Minute, MaxDataPoints: 500,
	}
}

func queryData(t *testing.T, ds *Datasource, queries ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries})
	require.NoError(t, err)
	require.Len(t, resp.Responses, len(queries))
	return resp
}

func requireOK(t *testing.T, r backend.DataResponse, refID string) {
	t.Helper()
	require.NoError(t, r.Error, refID)
	require.NotEmpty(t, r.Frames, refID)
}

func requireFailed(t *testing.T, r backend.DataResponse, source backend.ErrorSource, status backend.Status, message string) {
	t.Helper()
	require.Error(t, r.Error)
	assert.Equal(t, source, r.ErrorSource, "error source of %q", r.Error)
	assert.Equal(t, status, r.Status, "status of %q", r.Error)
	assert.Contains(t, r.Error.Error(), message)
}

// A Prometheus that answers 500, or that does not listen, fails only the live query, as a
// downstream error naming the upstream's answer; the history query of the same request is served.
func TestFailingUpstreamMarksOnlyThatQueryDownstream(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"status":"error","errorType":"internal","error":"query processing failed"}`)
	}))
	defer failing.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	for name, c := range map[string]struct {
		url, message string
		status       backend.Status
	}{
		"HTTP 500":           {failing.URL, "Prometheus at " + failing.URL + " answered 500 Internal Server Error: internal: query processing failed", backend.StatusBadGateway},
		"connection refused": {closedURL, "cannot connect (connection refused): is Prometheus running at " + closedURL + "?", backend.StatusBadGateway},
	} {
		t.Run(name, func(t *testing.T) {
			ds := newInstance(t, instanceSettings(c.url, `{}`))
			ds.runs = &fakeStore{snap: &store.Snapshot{Runs: []*guidellm.Run{sweepRun(t)}}}

			resp := queryData(t, ds,
				dataQuery("live", "metrics", `{"metric": "ttft_p95", "models": ["mistral-3-int4"]}`),
				dataQuery("history", "breakingPoints", `{"models": ["mistral-3-int4"]}`))

			requireFailed(t, resp.Responses["live"], backend.ErrorSourceDownstream, c.status, c.message)
			requireOK(t, resp.Responses["history"], "history")
		})
	}
}

// Bad input is the user's: each error names what is wrong, and only that query fails.
func TestInputErrorsAreDownstream(t *testing.T) {
	ds := newInstance(t, instanceSettings("", `{}`))
	ds.runs = &fakeStore{snap: &store.Snapshot{Runs: []*guidellm.Run{sweepRun(t)}}}
	ds.live = &fakeLive{}

	resp := queryData(t, ds,
		dataQuery("json", "runs", `{"models": 3}`),
		dataQuery("type", "tokens", `{}`),
		dataQuery("load", "roi", `{"targetLoad": -1}`),
		dataQuery("trend", "trend", `{"trendMetrics": ["tokens"]}`),
		dataQuery("ok", "runs", `{}`))

	requireFailed(t, resp.Responses["json"], backend.ErrorSourceDownstream, backend.StatusBadRequest, "invalid query JSON: json: cannot unmarshal number")
	requireFailed(t, resp.Responses["type"], backend.ErrorSourceDownstream, backend.StatusBadRequest, `unknown queryType "tokens": use one of runs, curves`)
	requireFailed(t, resp.Responses["load"], backend.ErrorSourceDownstream, backend.StatusBadRequest, "targetLoad must be a positive number, got -1")
	requireFailed(t, resp.Responses["trend"], backend.ErrorSourceDownstream, backend.StatusBadRequest, `trendMetrics: unknown metric "tokens"`)
	requireOK(t, resp.Responses["ok"], "ok")
}

// A live query the live package rejects (an unknown metric) is an input error too.
func TestLiveInputErrorIsDownstream(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("nothing may reach Prometheus for an invalid query, got %s", r.URL.Path)
	}))
	defer prom.Close()
	ds := newInstance(t, instanceSettings(prom.URL, `{}`))

	resp := queryData(t, ds, dataQuery("A", "metrics", `{"metric": "tokens_per_dollar"}`))
	requireFailed(t, resp.Responses["A"], backend.ErrorSourceDownstream, backend.StatusBadRequest, `unknown metric "tokens_per_dollar"; the metrics are: `)
}

// A query type whose part is not configured says which settings to fill in: the user's to fix.
func TestUnconfiguredPartsAreDownstream(t *testing.T) {
	ds := newInstance(t, instanceSettings("", `{}`))
	resp := queryData(t, ds, dataQuery("runs", "runs", `{}`), dataQuery("metrics", "metrics", `{"metric": "ttft_p95"}`), dataQuery("sweeps", "sweeps", `{}`))
	requireFailed(t, resp.Responses["runs"], backend.ErrorSourceDownstream, backend.StatusBadRequest, "no results store is configured: set store.endpoint")
	requireFailed(t, resp.Responses["metrics"], backend.ErrorSourceDownstream, backend.StatusBadRequest, "no Prometheus/Thanos URL is configured")
	requireFailed(t, resp.Responses["sweeps"], backend.ErrorSourceDownstream, backend.StatusBadRequest, "sweeps are not configured: set kubernetes.namespace")
}

// An error that is none of the domain packages' input or upstream errors is a plugin bug, and so
// is a panic; neither fails the other queries.
func TestInternalErrorsArePluginErrors(t *testing.T) {
	ds := newInstance(t, instanceSettings("", `{}`))
	ds.runs = &fakeStore{err: errors.New("index out of range in the run assembler")}
	ds.live = &fakeLive{panicWith: "nil frame field"}
	ds.sweeps = &fakeSweeps{list: sweeps.SweepList{{Name: "guidellm-mistral-3-int4-1", Model: "mistral-3-int4", Status: sweeps.StatusRunning}}}

	resp := queryData(t, ds,
		dataQuery("store", "runs", `{}`),
		dataQuery("panic", "status", `{}`),
		dataQuery("ok", "sweeps", `{}`))

	requireFailed(t, resp.Responses["store"], backend.ErrorSourcePlugin, backend.StatusInternal, "results store: index out of range in the run assembler")
	require.Error(t, resp.Responses["panic"].Error)
	assert.Equal(t, backend.ErrorSourcePlugin, resp.Responses["panic"].ErrorSource)
	assert.Equal(t, "nil frame field", resp.Responses["panic"].Error.Error())
	requireOK(t, resp.Responses["ok"], "ok")
}

// Upstream failures of the results store and the kube-apiserver are downstream; the S3 server's
// and the apiserver's own messages reach the panel.
func TestStoreAndKubernetesFailuresAreDownstream(t *testing.T) {
	ds := newInstance(t, instanceSettings("", `{}`))
	ds.runs = &fakeStore{err: &store.UpstreamError{Msg: `bucket "reports" does not exist on this S3 endpoint (create it, or fix store.bucket)`, StatusCode: http.StatusNotFound}}
	ds.sweeps = &fakeSweeps{err: &sweeps.UpstreamError{Op: "listing Jobs in namespace bench", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}}

	resp := queryData(t, ds, dataQuery("store", "curves", `{}`), dataQuery("sweeps", "sweeps", `{}`))
	requireFailed(t, resp.Responses["store"], backend.ErrorSourceDownstream, backend.StatusBadGateway, `results store: bucket "reports" does not exist`)
	requireFailed(t, resp.Responses["sweeps"], backend.ErrorSourceDownstream, backend.StatusBadGateway, "kubernetes API request failed: listing Jobs in namespace bench: dial tcp: connection refused")
}

// Each query type reaches its own domain call: history types read the store, live types call their
// Prometheus method with the query's fields, sweeps lists the Jobs.
func TestQueryDispatch(t *testing.T) {
	ds := newInstance(t, instanceSettings("", `{}`))
	ds.runs = &fakeStore{snap: &store.Snapshot{Runs: []*guidellm.Run{sweepRun(t)}}}
	lm := &fakeLive{}
	ds.live = lm
	ds.sweeps = &fakeSweeps{list: sweeps.SweepList{{Name: "guidellm-mistral-3-int4-1", Model: "mistral-3-int4", Status: sweeps.StatusSucceeded}}}

	// the first frame of each history type: its name, or the model · scenario of a curve
	history := map[string]string{
		"runs": "runs", "curves": "mistral-3-int4 · chat", "breakingPoints": "breakingPoints", "roi": "roi",
		"annotations": "annotations", "trend": "trend",
	}
	for queryType, firstFrame := range history {
		t.Run(queryType, func(t *testing.T) {
			resp := queryData(t, ds, dataQuery("A", queryType, `{"models": ["mistral-3-int4"], "targetLoad": 2}`))
			r := resp.Responses["A"]
			requireOK(t, r, queryType)
			assert.Equal(t, firstFrame, r.Frames[0].Name)
		})
	}
	for _, queryType := range []string{"metrics", "efficiency", "status"} {
		t.Run(queryType, func(t *testing.T) {
			resp := queryData(t, ds, dataQuery("A", queryType, `{"metric": "ttft_p95", "namespace": "llm", "models": ["mistral-3-int4", "mistral-3-bf16"], "instant": true}`))
			r := resp.Responses["A"]
			requireOK(t, r, queryType)
			assert.Equal(t, queryType, r.Frames[0].Name)
			lm.mu.Lock()
			defer lm.mu.Unlock()
			assert.Equal(t, queryType, lm.calls[len(lm.calls)-1])
			assert.Equal(t, "llm", lm.query.Namespace)
			assert.Equal(t, []string{"mistral-3-int4", "mistral-3-bf16"}, lm.query.Models)
			assert.True(t, lm.query.Instant)
		})
	}
	t.Run("sweeps", func(t *testing.T) {
		resp := queryData(t, ds, dataQuery("A", "sweeps", `{}`))
		r := resp.Responses["A"]
		requireOK(t, r, "sweeps")
		n, err := r.Frames[0].RowLen()
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}
