package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// spans records every span of this package's tests: the SDK's default tracer is set once, before
// any test runs, as Grafana's plugin host sets it before serving.
var spans = tracetest.NewSpanRecorder()

func TestMain(m *testing.M) {
	tracing.InitDefaultTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)).Tracer("inferenceroi-test"))
	os.Exit(m.Run())
}

// endedSpan returns the one span named name that ended after the first `since` spans.
func endedSpan(t *testing.T, since int, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range spans.Ended()[since:] {
		if s.Name() == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "spans named %s", name)
	return found[0]
}

func spanAttributes(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	out := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		out[kv.Key] = kv.Value
	}
	return out
}

// requireFailedSpan checks the attributes of a failed upstream call: the query, the upstream, its
// status, who is to blame, and the recorded error.
func requireFailedSpan(t *testing.T, s sdktrace.ReadOnlySpan, queryType string, models int, upstream string, status int, message string) {
	t.Helper()
	attrs := spanAttributes(s)
	assert.Equal(t, queryType, attrs[attrQueryType].AsString())
	assert.EqualValues(t, models, attrs[attrModelCount].AsInt64())
	assert.Equal(t, upstream, attrs[attrUpstream].AsString())
	assert.EqualValues(t, status, attrs[attrStatusCode].AsInt64())
	assert.Equal(t, "downstream", attrs[attrErrSource].AsString())
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Contains(t, s.Status().Description, message)
	require.NotEmpty(t, s.Events(), "the error is recorded as an exception event")
	assert.Equal(t, "exception", s.Events()[0].Name)
}

func TestPrometheusCallsAreTraced(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := r.ParseForm(); err == nil && strings.Contains(r.Form.Get("query"), "num_requests_waiting") {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"store gateway is restarting"}`)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	defer prom.Close()
	ds := newInstance(t, instanceSettings(prom.URL, `{}`))

	since := len(spans.Ended())
	resp := queryData(t, ds, dataQuery("waiting", "metrics", `{"metric": "requests_waiting", "models": ["mistral-3-int4", "mistral-3-bf16"]}`))
	require.Error(t, resp.Responses["waiting"].Error)
	failed := endedSpan(t, since, "prometheus.Metrics")
	requireFailedSpan(t, failed, "metrics", 2, "prometheus", http.StatusServiceUnavailable, "store gateway is restarting")
	assert.Equal(t, "requests_waiting", spanAttributes(failed)["inferenceroi.metric"].AsString())

	since = len(spans.Ended())
	resp = queryData(t, ds, dataQuery("running", "metrics", `{"metric": "requests_running", "models": ["mistral-3-int4"]}`))
	require.NoError(t, resp.Responses["running"].Error)
	ok := endedSpan(t, since, "prometheus.Metrics")
	assert.Equal(t, codes.Unset, ok.Status().Code)
	assert.EqualValues(t, 1, spanAttributes(ok)[attrModelCount].AsInt64())
	_, hasStatus := spanAttributes(ok)[attrStatusCode]
	assert.False(t, hasStatus, "a call that succeeded has no failure status")
	// The SDK's HTTP client traces each request to Prometheus inside the upstream call's span.
	var children int
	for _, s := range spans.Ended()[since:] {
		if s.Parent().SpanID() == ok.SpanContext().SpanID() {
			children++
		}
	}
	assert.Positive(t, children, "HTTP request spans under prometheus.Metrics")
}

func TestS3CallsAreTraced(t *testing.T) {
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message><BucketName>reports</BucketName><Resource>/reports</Resource><RequestId>1</RequestId></Error>`)
	}))
	defer s3.Close()
	endpoint := strings.TrimPrefix(s3.URL, "http://")
	settings := instanceSettings("", `{"store": {"endpoint": "`+endpoint+`", "bucket": "reports", "accessKey": "key"}}`)
	settings.DecryptedSecureJSONData = map[string]string{"storeSecretKey": "secret"}
	ds := newInstance(t, settings)

	since := len(spans.Ended())
	resp := queryData(t, ds, dataQuery("A", "roi", `{"models": ["mistral-3-int4"], "targetLoad": 2}`))
	requireFailed(t, resp.Responses["A"], backend.ErrorSourceDownstream, backend.StatusBadGateway, `access denied to bucket "reports"`)
	requireFailedSpan(t, endedSpan(t, since, "s3.Snapshot"), "roi", 1, "s3", http.StatusForbidden, `access denied to bucket "reports"`)
}

// timingOutAPIServer is a kube-apiserver whose etcd times out: every request fails with 500.
func timingOutAPIServer(t *testing.T) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"etcdserver: request timed out","reason":"InternalError","code":500}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKubernetesCallsAreTraced(t *testing.T) {
	apiserver := timingOutAPIServer(t)
	ds := newInstance(t, apiServerSettings(t, apiserver))

	since := len(spans.Ended())
	resp := queryData(t, ds, dataQuery("A", "sweeps", `{}`))
	requireFailed(t, resp.Responses["A"], backend.ErrorSourceDownstream, backend.StatusBadGateway, "kubernetes API request failed: listing Jobs in namespace bench: ")
	requireFailedSpan(t, endedSpan(t, since, "kubernetes.List"), "sweeps", 0, "kubernetes", http.StatusInternalServerError, "etcdserver: request timed out")
}

// The background ingestion pass is traced too: a kube-apiserver failure while listing Jobs ends
// its span with the upstream's status, blamed downstream.
func TestIngestPassesAreTraced(t *testing.T) {
	apiserver := timingOutAPIServer(t)
	s3 := httptest.NewServer(http.NotFoundHandler()) // a pass that cannot list Jobs stores nothing
	defer s3.Close()
	settings := apiServerSettings(t, apiserver)
	var jsonData map[string]any
	require.NoError(t, json.Unmarshal(settings.JSONData, &jsonData))
	jsonData["store"] = map[string]any{"endpoint": strings.TrimPrefix(s3.URL, "http://"), "bucket": "reports", "accessKey": "key"}
	raw, err := json.Marshal(jsonData)
	require.NoError(t, err)
	settings.JSONData = raw
	settings.DecryptedSecureJSONData["storeSecretKey"] = "secret"

	since := len(spans.Ended())
	newInstance(t, settings) // its first ingestion pass starts at once, in the background
	var pass sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool {
		for _, s := range spans.Ended()[since:] {
			if s.Name() == "kubernetes.Ingest" {
				pass = s
				return true
			}
		}
		return false
	}, time.Minute, 10*time.Millisecond, "an ingestion pass span")
	attrs := spanAttributes(pass)
	assert.Equal(t, "kubernetes", attrs[attrUpstream].AsString())
	assert.EqualValues(t, http.StatusInternalServerError, attrs[attrStatusCode].AsInt64())
	assert.Equal(t, "downstream", attrs[attrErrSource].AsString())
	assert.EqualValues(t, 0, attrs["inferenceroi.stored"].AsInt64())
	assert.Equal(t, codes.Error, pass.Status().Code)
	assert.Contains(t, pass.Status().Description, "etcdserver: request timed out")
}
