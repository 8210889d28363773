package plugin

import (
	"context"
	"errors"

	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/models"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// Span attributes of the upstream calls.
const (
	attrQueryType  = attribute.Key("inferenceroi.query_type")
	attrModelCount = attribute.Key("inferenceroi.model_count")
	attrUpstream   = attribute.Key("inferenceroi.upstream")     // prometheus, s3 or kubernetes
	attrStatusCode = attribute.Key("http.response.status_code") // the upstream's answer to the failed request
	attrErrSource  = attribute.Key("inferenceroi.error_source") // downstream or plugin
)

const (
	upstreamPrometheus = "prometheus"
	upstreamS3         = "s3"
	upstreamKubernetes = "kubernetes"
)

type queryAttrsKey struct{}

// withQueryAttributes makes the upstream spans of one query carry its type and model count: the
// narrow interfaces (a store snapshot is shared by every query type) do not carry the query.
func withQueryAttributes(ctx context.Context, q models.Query) context.Context {
	return context.WithValue(ctx, queryAttrsKey{}, []attribute.KeyValue{
		attrQueryType.String(q.QueryType), attrModelCount.Int(len(q.Models)),
	})
}

// startUpstream opens the span of one call to an upstream through the SDK's tracer, which Grafana
// configures (and which is a no-op when tracing is off).
func startUpstream(ctx context.Context, upstream, op string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	attrs = append(attrs, attrUpstream.String(upstream))
	if q, ok := ctx.Value(queryAttrsKey{}).([]attribute.KeyValue); ok {
		attrs = append(attrs, q...)
	}
	return tracing.DefaultTracer().Start(ctx, upstream+"."+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// endUpstream records err on the span with who caused it and the upstream's status, then ends it.
func endUpstream(span trace.Span, err error) {
	defer span.End()
	if err == nil {
		return
	}
	source, _ := classify(err)
	span.SetAttributes(attrErrSource.String(string(source)))
	if code := upstreamStatusCode(err); code != 0 {
		span.SetAttributes(attrStatusCode.Int(code))
	}
	_ = tracing.Error(span, err)
}

// upstreamStatusCode is the HTTP status of the upstream answer a failure carries; 0 when no answer
// arrived or the error is not an upstream failure.
func upstreamStatusCode(err error) int {
	var (
		prom *live.UpstreamError
		s3   *store.UpstreamError
		kube *sweeps.UpstreamError
	)
	switch {
	case errors.As(err, &prom):
		return prom.StatusCode
	case errors.As(err, &s3):
		return s3.StatusCode
	case errors.As(err, &kube):
		return kube.StatusCode
	}
	return 0
}

// tracedStore traces every call to the results store (S3).
type tracedStore struct{ next runStore }

func (t tracedStore) Snapshot(ctx context.Context) (*store.Snapshot, error) {
	ctx, span := startUpstream(ctx, upstreamS3, "Snapshot")
	snap, err := t.next.Snapshot(ctx)
	if err == nil {
		span.SetAttributes(attribute.Int("inferenceroi.runs", len(snap.Runs)), attribute.Int("inferenceroi.problems", len(snap.Problems)))
	}
	endUpstream(span, err)
	return snap, err
}

func (t tracedStore) Put(ctx context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error) {
	ctx, span := startUpstream(ctx, upstreamS3, "Put", attribute.Int("inferenceroi.bytes", len(report)))
	key, run, err := t.next.Put(ctx, report, labels)
	endUpstream(span, err)
	return key, run, err
}

func (t tracedStore) PutFolder(ctx context.Context, files []store.FolderFile, labels map[string]string) (*store.FolderUpload, error) {
	ctx, span := startUpstream(ctx, upstreamS3, "PutFolder", attribute.Int("inferenceroi.files", len(files)))
	up, err := t.next.PutFolder(ctx, files, labels)
	endUpstream(span, err)
	return up, err
}

func (t tracedStore) Ping(ctx context.Context) error {
	ctx, span := startUpstream(ctx, upstreamS3, "Ping")
	err := t.next.Ping(ctx)
	endUpstream(span, err)
	return err
}

// tracedLive traces every call that queries Prometheus/Thanos. The SDK's HTTP client adds a span
// per HTTP request below these.
type tracedLive struct{ next liveMetrics }

func (t tracedLive) frames(ctx context.Context, op string, q live.Query, call func(context.Context) (data.Frames, error)) (data.Frames, error) {
	ctx, span := startUpstream(ctx, upstreamPrometheus, op, attribute.String("inferenceroi.metric", q.Metric))
	frames, err := call(ctx)
	endUpstream(span, err)
	return frames, err
}

func (t tracedLive) Metrics(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error) {
	return t.frames(ctx, "Metrics", q, func(ctx context.Context) (data.Frames, error) { return t.next.Metrics(ctx, q, tr) })
}

func (t tracedLive) Efficiency(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error) {
	return t.frames(ctx, "Efficiency", q, func(ctx context.Context) (data.Frames, error) { return t.next.Efficiency(ctx, q, tr) })
}

func (t tracedLive) Status(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error) {
	return t.frames(ctx, "Status", q, func(ctx context.Context) (data.Frames, error) { return t.next.Status(ctx, q, tr) })
}

func (t tracedLive) Health(ctx context.Context) []live.HealthCheck {
	ctx, span := startUpstream(ctx, upstreamPrometheus, "Health")
	checks := t.next.Health(ctx)
	failed := 0
	for _, c := range checks {
		if !c.OK {
			failed++
		}
	}
	span.SetAttributes(attribute.Int("inferenceroi.failed_checks", failed))
	endUpstream(span, nil)
	return checks
}

func (t tracedLive) Models(ctx context.Context, namespace string) ([]string, error) {
	ctx, span := startUpstream(ctx, upstreamPrometheus, "Models")
	models, err := t.next.Models(ctx, namespace)
	endUpstream(span, err)
	return models, err
}

func (t tracedLive) Namespaces(ctx context.Context) ([]string, error) {
	ctx, span := startUpstream(ctx, upstreamPrometheus, "Namespaces")
	namespaces, err := t.next.Namespaces(ctx)
	endUpstream(span, err)
	return namespaces, err
}

// tracedSweeps traces every call to the kube-apiserver.
type tracedSweeps struct{ next sweepManager }

func (t tracedSweeps) Launch(ctx context.Context, req sweeps.Request) (sweeps.Sweep, bool, error) {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "Launch", attrModelCount.Int(1))
	sweep, created, err := t.next.Launch(ctx, req)
	endUpstream(span, err)
	return sweep, created, err
}

func (t tracedSweeps) List(ctx context.Context) (sweeps.SweepList, error) {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "List")
	list, err := t.next.List(ctx)
	endUpstream(span, err)
	return list, err
}

func (t tracedSweeps) Get(ctx context.Context, name string) (sweeps.Sweep, error) {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "Get")
	sweep, err := t.next.Get(ctx, name)
	endUpstream(span, err)
	return sweep, err
}

func (t tracedSweeps) Cancel(ctx context.Context, name string) error {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "Cancel")
	err := t.next.Cancel(ctx, name)
	endUpstream(span, err)
	return err
}

func (t tracedSweeps) CheckAccess(ctx context.Context) (sweeps.AccessReport, error) {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "CheckAccess")
	report, err := t.next.CheckAccess(ctx)
	endUpstream(span, err)
	return report, err
}

// tracedIngester traces each background ingestion pass: its kube-apiserver calls, the S3 uploads
// below it (tracedStore), and what it stored, recorded as failed, or left for the next pass.
type tracedIngester struct{ next sweeps.Ingester }

func (t tracedIngester) Ingest(ctx context.Context, st sweeps.ReportStore) (sweeps.IngestResult, error) {
	ctx, span := startUpstream(ctx, upstreamKubernetes, "Ingest")
	res, err := t.next.Ingest(ctx, st)
	span.SetAttributes(attribute.Int("inferenceroi.stored", len(res.Stored)), attribute.Int("inferenceroi.failed_jobs", len(res.Failed)),
		attribute.Int("inferenceroi.unreadable", len(res.Unreadable)), attribute.Int("inferenceroi.retry", len(res.Retry)),
		attribute.Int("inferenceroi.skipped", res.Skipped))
	failure := err
	if errors.Is(err, context.Canceled) {
		// The data source was disposed (settings saved) during the pass: nothing failed.
		span.SetAttributes(attribute.Bool("inferenceroi.cancelled", true))
		failure = nil
	}
	endUpstream(span, failure)
	return res, err
}
