package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/concurrent"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/models"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// maxProblemNotices bounds how many unreadable reports are named one by one in a response.
const maxProblemNotices = 10

// QueryData answers every query of the request concurrently; one failing query never fails the others.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	limit := 10
	if cfg := req.PluginContext.GrafanaConfig; cfg != nil {
		if n, err := cfg.ConcurrentQueryCount(); err == nil && n > 0 {
			limit = n
		}
	}
	resp, err := concurrent.QueryData(ctx, req, d.query, limit)
	if resp != nil {
		// A query that panicked was recovered by concurrent.QueryData without a source: a plugin bug.
		for refID, r := range resp.Responses {
			if r.Error != nil && !r.ErrorSource.IsValid() {
				r.ErrorSource = backend.ErrorSourcePlugin
				resp.Responses[refID] = r
			}
		}
	}
	return resp, err
}

func (d *Datasource) query(ctx context.Context, cq concurrent.Query) backend.DataResponse {
	q, err := models.ParseQuery(cq.DataQuery.QueryType, cq.DataQuery.JSON)
	if err != nil {
		return errorResponse(err)
	}
	ctx = withQueryAttributes(ctx, q)
	switch q.QueryType {
	case models.QueryTypeRuns, models.QueryTypeCurves, models.QueryTypeBreakingPoints, models.QueryTypeROI, models.QueryTypeAnnotations, models.QueryTypeTrend:
		return d.historyQuery(ctx, q, cq.DataQuery.TimeRange)
	case models.QueryTypeMetrics, models.QueryTypeEfficiency, models.QueryTypeStatus:
		return d.liveQuery(ctx, q, cq.DataQuery)
	case models.QueryTypeSweeps:
		return d.sweepsQuery(ctx)
	default:
		// ParseQuery accepted a query type this switch does not route: a plugin bug.
		return errorResponse(fmt.Errorf("query type %q has no handler", q.QueryType))
	}
}

// sweepsQuery lists the sweep Jobs for a table panel.
func (d *Datasource) sweepsQuery(ctx context.Context) backend.DataResponse {
	switch {
	case d.sweepsErr != nil:
		return errorResponse(d.sweepsErr)
	case d.sweeps == nil:
		return errorResponse(&settingsError{errors.New("sweeps are not configured: set kubernetes.namespace in the data source settings")})
	}
	list, err := d.sweeps.List(ctx)
	if err != nil {
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: list.Frames()}
}

// historyQuery answers the query types computed from stored GuideLLM reports.
func (d *Datasource) historyQuery(ctx context.Context, q models.Query, tr backend.TimeRange) backend.DataResponse {
	if d.runs == nil {
		return errorResponse(&settingsError{errors.New("no results store is configured: set store.endpoint, store.bucket, store.accessKey and the secret key in the data source settings")})
	}
	snap, err := d.runs.Snapshot(ctx)
	if err != nil {
		return errorResponse(fmt.Errorf("results store: %w", err))
	}
	f := analysis.Filter{Models: q.Models, Scenarios: q.Scenarios, LatestOnly: q.LatestOnly}
	var frames data.Frames
	switch q.QueryType {
	case models.QueryTypeRuns:
		frames = analysis.RunsTable(snap.Runs, d.analysis, f).Frames()
	case models.QueryTypeCurves:
		frames = analysis.Curves(snap.Runs, d.analysis, f).Frames()
	case models.QueryTypeBreakingPoints:
		frames = analysis.BreakingPoints(snap.Runs, d.analysis, f).Frames()
	case models.QueryTypeROI:
		frames = analysis.ROI(snap.Runs, d.analysis, f, q.TargetLoad).Frames()
	case models.QueryTypeAnnotations:
		frames = analysis.Annotations(snap.Runs, d.analysis, f).Frames()
	case models.QueryTypeTrend:
		// points are runs that ended in the panel's (or alert rule's) time range
		f.From, f.To = tr.From, tr.To
		frames = analysis.Trend(snap.Runs, d.analysis, f, q.TrendMetrics).Frames()
	}
	addProblemNotices(frames, snap.Problems)
	return backend.DataResponse{Frames: frames}
}

// addProblemNotices names each unreadable report on the first frame, so a broken file is visible in
// the panel while every readable run is still served.
func addProblemNotices(frames data.Frames, problems []store.Problem) {
	if len(problems) == 0 || len(frames) == 0 {
		return
	}
	f := frames[0]
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	for i, p := range problems {
		if i == maxProblemNotices {
			f.Meta.Notices = append(f.Meta.Notices, data.Notice{
				Severity: data.NoticeSeverityWarning,
				Text:     fmt.Sprintf("%d more unreadable reports; the data source health check lists them", len(problems)-maxProblemNotices),
			})
			break
		}
		f.Meta.Notices = append(f.Meta.Notices, data.Notice{
			Severity: data.NoticeSeverityWarning,
			Text:     fmt.Sprintf("report %q was skipped: %s", p.Key, p.Reason),
		})
	}
}

// liveQuery answers the query types computed from Prometheus/Thanos.
func (d *Datasource) liveQuery(ctx context.Context, q models.Query, dq backend.DataQuery) backend.DataResponse {
	if d.live == nil {
		return errorResponse(&settingsError{errors.New("no Prometheus/Thanos URL is configured: set the data source URL (e.g. https://thanos-querier.openshift-monitoring.svc:9091)")})
	}
	lq := live.Query{
		Metric:       q.Metric,
		Namespace:    q.Namespace,
		LegendFormat: q.LegendFormat,
		Models:       q.Models,
		Instant:      q.Instant,
	}
	tr := live.TimeRange{From: dq.TimeRange.From, To: dq.TimeRange.To, Interval: dq.Interval, MaxDataPoints: dq.MaxDataPoints}
	var (
		frames data.Frames
		err    error
	)
	switch q.QueryType {
	case models.QueryTypeMetrics:
		frames, err = d.live.Metrics(ctx, lq, tr)
	case models.QueryTypeEfficiency:
		frames, err = d.live.Efficiency(ctx, lq, tr)
	case models.QueryTypeStatus:
		frames, err = d.live.Status(ctx, lq, tr)
	}
	if err != nil {
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: frames}
}
