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
	"github.com/inferenceroi/vllm-datasource/pkg/peers"
	"github.com/inferenceroi/vllm-datasource/pkg/probe"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ID is the plugin id, as in plugin.json.
const ID = "inferenceroi-vllm-datasource"

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// ingestEvery is how often finished sweep Jobs are looked for: well inside the CronJob history
// limits and the Jobs' TTL, so no report is lost to Job cleanup.
const ingestEvery = time.Minute

// runStore is what the handlers need from the results store.
type runStore interface {
	Snapshot(ctx context.Context) (*store.Snapshot, error)
	Put(ctx context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error)
	PutFolder(ctx context.Context, files []store.FolderFile, labels map[string]string) (*store.FolderUpload, error)
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

// sweepManager is what the handlers need from the Kubernetes side.
type sweepManager interface {
	Launch(ctx context.Context, req sweeps.Request) (sweeps.Sweep, bool, error)
	List(ctx context.Context) (sweeps.SweepList, error)
	Get(ctx context.Context, name string) (sweeps.Sweep, error)
	Cancel(ctx context.Context, name string) error
	CheckAccess(ctx context.Context) (sweeps.AccessReport, error)
}

// Datasource is one configured data-source instance. Settings are parsed once, in NewDatasource.
type Datasource struct {
	backend.CallResourceHandler

	settings models.Settings
	analysis analysis.Config
	runs     runStore    // nil when no results store is configured
	live     liveMetrics // nil when no Prometheus URL is configured
	sweeps   sweepManager
	// sweepsErr says why sweeps are unavailable although configured (no cluster reachable);
	// history and live queries keep working.
	sweepsErr  error
	probeHTTP  *http.Client
	stopIngest context.CancelFunc
}

// NewDatasource is the instance factory Grafana calls when a data source is created or its settings change.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	cfg, err := models.LoadSettings(s)
	if err != nil {
		return nil, backend.DownstreamError(err)
	}
	ds := &Datasource{settings: cfg, analysis: cfg.AnalysisConfig()}

	var reports *store.Store
	if cfg.Store.Configured() {
		client, err := store.NewMinioClient(cfg.Store.Endpoint, cfg.Store.AccessKey, cfg.Store.SecretKey, cfg.Store.Region, cfg.Store.UseTLS)
		if err != nil {
			return nil, backend.DownstreamError(fmt.Errorf("results store: %w", err))
		}
		reports = store.New(client, store.Config{
			Bucket:         cfg.Store.Bucket,
			Prefix:         cfg.Store.Prefix,
			MaxObjectBytes: cfg.Store.MaxObjectBytes(),
			CacheTTL:       time.Duration(cfg.Store.CacheSeconds) * time.Second,
			Decode:         peers.Decode,
		})
		ds.runs = tracedStore{reports}
	}

	if cfg.URL != "" {
		hc, err := newHTTPClient(ctx, s)
		if err != nil {
			return nil, backend.DownstreamError(err)
		}
		api, err := live.NewAPI(cfg.URL, hc, cfg.Prometheus.TenancyNamespace)
		if err != nil {
			return nil, backend.DownstreamError(fmt.Errorf("prometheus: %w", err))
		}
		// On the tenancy port every selector is forced to the tenancy namespace, so it is the default.
		namespace := cmp.Or(cfg.Prometheus.Namespace, cfg.Prometheus.TenancyNamespace)
		ds.live = tracedLive{live.NewService(api, live.Options{
			MetricPrefix:     cfg.Prometheus.MetricPrefix,
			DefaultNamespace: namespace,
			ScrapeInterval:   time.Duration(cfg.Prometheus.ScrapeIntervalSeconds) * time.Second,
			Analysis:         ds.analysis,
		})}
	}

	if cfg.Kubernetes.Configured() {
		modelHTTP, err := newModelHTTPClient(ctx, s)
		if err != nil {
			return nil, backend.DownstreamError(err)
		}
		ds.probeHTTP = modelHTTP
		if cs, dyn, err := newKubernetesClient(cfg.Kubernetes); err != nil {
			ds.sweepsErr = &settingsError{err}
		} else {
			mgr := sweeps.NewManager(cs, cfg.Kubernetes.Settings, ds.analysis,
				sweeps.WithLogger(backend.Logger), sweeps.WithMaxReportBytes(cfg.Store.MaxObjectBytes()),
				sweeps.WithInferenceServices(sweeps.KServeInferenceServices(dyn)),
				sweeps.WithModelsHTTP(modelHTTP, cfg.Kubernetes.ModelAPIKey))
			ds.sweeps = tracedSweeps{mgr}
			if reports != nil {
				ctx, cancel := context.WithCancel(context.Background())
				ds.stopIngest = cancel
				go mgr.RunIngestLoop(ctx, ingestEvery, tracedIngester{mgr}, tracedStore{reports})
			}
		}
	}

	ds.CallResourceHandler = httpadapter.New(ds.resourceMux())
	return ds, nil
}

// newKubernetesClient reaches the API server configured in kubernetes.apiServer with its token, or
// the cluster Grafana runs in with the pod's service account.
func newKubernetesClient(k models.KubernetesSettings) (*kubernetes.Clientset, dynamic.Interface, error) {
	var rc *rest.Config
	if k.APIServer != "" {
		rc = &rest.Config{Host: k.APIServer, BearerToken: k.Token, TLSClientConfig: rest.TLSClientConfig{CAData: []byte(k.CACert)}}
	} else {
		var err error
		if rc, err = rest.InClusterConfig(); err != nil {
			return nil, nil, fmt.Errorf("kubernetes: Grafana does not run in a Kubernetes pod (%v): set kubernetes.apiServer and its token", err)
		}
	}
	rc.UserAgent = ID
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes: %w", err)
	}
	// KServe InferenceServices are a custom resource: read through the dynamic client.
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes: %w", err)
	}
	return cs, dyn, nil
}

// Dispose stops the ingestion loop when Grafana replaces this instance (settings changed).
func (d *Datasource) Dispose() {
	if d.stopIngest != nil {
		d.stopIngest()
	}
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

// newModelHTTPClient is the client for the model endpoints (probe, GET /v1/models): the data
// source's TLS, CA and proxy options, without the Prometheus credentials (basic auth, custom
// headers), which are not the models'.
func newModelHTTPClient(ctx context.Context, s backend.DataSourceInstanceSettings) (*http.Client, error) {
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("http client options: %w", err)
	}
	opts.BasicAuth = nil
	opts.Header = nil
	if opts.Timeouts != nil {
		// A streamed answer may take as long as the probe allows, not Prometheus' query timeout.
		t := *opts.Timeouts
		t.Timeout = probe.Timeout
		opts.Timeouts = &t
	}
	hc, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return hc, nil
}
