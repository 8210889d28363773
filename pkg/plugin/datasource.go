// Package plugin is the Grafana glue: it turns SDK requests into calls of the domain packages
// (guidellm, store, analysis, live) and their results into responses. One file per handler.
package plugin

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/models"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// ID is the plugin id, as in plugin.json.
const ID = "inferenceroi-vllm-datasource"

var (
	_ backend.QueryDataHandler    = (*Datasource)(nil)
	_ backend.CheckHealthHandler  = (*Datasource)(nil)
	_ backend.CallResourceHandler = (*Datasource)(nil)
)

// runStore is what the handlers need from the results store.
type runStore interface {
	Snapshot(ctx context.Context) (*store.Snapshot, error)
	Put(ctx context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error)
	Ping(ctx context.Context) error
}

// liveMetrics is what the handlers need from the Prometheus/Thanos side.
type liveMetrics interface {
	Metrics(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error)
	Efficiency(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error)
	Status(ctx context.Context, q live.Query, tr live.TimeRange) (data.Frames, error)
	Health(ctx context.Context) []live.HealthCheck
	Models(ctx context.Context, namespace string) ([]string, error)
	Namespaces(ctx context.Context) ([]string, error)
}

// Datasource is one configured data-source instance. Settings are parsed once, in NewDatasource.
type Datasource struct {
	backend.CallResourceHandler

	settings models.Settings
	analysis analysis.Config
	runs     runStore    // nil when no results store is configured
	live     liveMetrics // nil when no Prometheus URL is configured
}

// NewDatasource is the instance factory Grafana calls when a data source is created or its settings change.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	cfg, err := models.LoadSettings(s)
	if err != nil {
		return nil, backend.DownstreamError(err)
	}
	ds := &Datasource{settings: cfg, analysis: cfg.AnalysisConfig()}

	if cfg.Store.Configured() {
		client, err := store.NewMinioClient(cfg.Store.Endpoint, cfg.Store.AccessKey, cfg.Store.SecretKey, cfg.Store.Region, cfg.Store.UseTLS)
		if err != nil {
			return nil, backend.DownstreamError(fmt.Errorf("results store: %w", err))
		}
		ds.runs = store.New(client, store.Config{
			Bucket:         cfg.Store.Bucket,
			Prefix:         cfg.Store.Prefix,
			MaxObjectBytes: cfg.Store.MaxObjectBytes(),
			CacheTTL:       time.Duration(cfg.Store.CacheSeconds) * time.Second,
			Decode:         guidellm.Decode,
		})
	}

	if cfg.URL != "" {
		hc, err := newHTTPClient(ctx, s)
		if err != nil {
			return nil, err
		}
		api, err := live.NewAPI(cfg.URL, hc, cfg.Prometheus.TenancyNamespace)
		if err != nil {
			return nil, backend.DownstreamError(fmt.Errorf("prometheus: %w", err))
		}
		// On the tenancy port every selector is forced to the tenancy namespace, so it is the default.
		namespace := cmp.Or(cfg.Prometheus.Namespace, cfg.Prometheus.TenancyNamespace)
		ds.live = live.NewService(api, live.Options{
			MetricPrefix:     cfg.Prometheus.MetricPrefix,
			DefaultNamespace: namespace,
			ScrapeInterval:   time.Duration(cfg.Prometheus.ScrapeIntervalSeconds) * time.Second,
			Analysis:         ds.analysis,
		})
	}

	ds.CallResourceHandler = httpadapter.New(ds.resourceMux())
	return ds, nil
}

// newHTTPClient builds the SDK HTTP client so Grafana's standard HTTP settings (auth headers, CA, TLS
// skip-verify, timeouts, proxy) apply to every Prometheus request.
func newHTTPClient(ctx context.Context, s backend.DataSourceInstanceSettings) (*http.Client, error) {
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("http client options: %w", err)
	}
	hc, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return hc, nil
}
