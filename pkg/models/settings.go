// Package models parses the data-source settings and query JSON. Settings are parsed once per
// data-source instance, in the factory; handlers never see raw JSON.
package models

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Keys of secureJsonData.
const (
	SecureStoreSecretKey     = "storeSecretKey"  // S3 secret key
	SecureKubernetesTokenKey = "kubernetesToken" // bearer token for kubernetes.apiServer
	SecureModelAPIKeyKey     = "modelApiKey"     // bearer token the model endpoints want (probe, GET /v1/models)
)

// The patterns of settingsRules, compiled for the validation.
var (
	bucketNameRE = regexp.MustCompile(bucketNamePattern)
	apiServerRE  = regexp.MustCompile(apiServerPattern)
	pemRE        = regexp.MustCompile(pemPattern)
)

// Defaults that apply when a setting is absent.
const (
	DefaultMaxObjectSizeMB = 64
	DefaultCacheSeconds    = 30
	DefaultRegion          = "us-east-1"
	DefaultMetricPrefix    = "vllm:"

	DefaultScrapeIntervalSeconds = 30
	DefaultTargetUtilization     = 1.0
)

// Bounds of the settings that pkg/models checks itself (pkg/sweeps holds the sweeps' bounds).
const (
	MaxObjectSizeMBLimit     = 4096
	MaxCacheSeconds          = 86400
	MaxDeploymentGPUs        = 1024
	MaxScrapeIntervalSeconds = 3600
)

// StoreSettings locate the S3-compatible bucket that holds GuideLLM reports (parsed jsonData.store).
type StoreSettings struct {
	Endpoint        string // host[:port], no scheme
	Bucket          string
	Prefix          string
	Region          string
	UseTLS          bool
	AccessKey       string
	MaxObjectSizeMB int64  // objects larger than this are reported, not read
	CacheSeconds    int    // how long one bucket listing is reused
	SecretKey       string // secureJsonData.storeSecretKey
}

// Configured reports whether the user set up a results store at all.
func (s StoreSettings) Configured() bool { return s.Endpoint != "" || s.Bucket != "" }

// MaxObjectBytes is the object size bound in bytes.
func (s StoreSettings) MaxObjectBytes() int64 { return s.MaxObjectSizeMB << 20 }

// PrometheusSettings tune how live metrics are read from Thanos/Prometheus (jsonData.prometheus).
// The data source URL itself is the Thanos Querier / Prometheus URL.
type PrometheusSettings struct {
	// TenancyNamespace selects the Thanos tenancy port mode (9092): every request carries
	// namespace=<this> and uses GET.
	TenancyNamespace string
	MetricPrefix     string // "vllm:" or "kserve_vllm:"
	Namespace        string // default namespace filter
	// ScrapeIntervalSeconds is the scrape interval the rate windows are derived from.
	ScrapeIntervalSeconds int
}

// KubernetesSettings configure GuideLLM sweeps (jsonData.kubernetes): the sweep settings plus how to
// reach the API server. Without apiServer the plugin uses Grafana's pod service account (in-cluster).
type KubernetesSettings struct {
	sweeps.Settings
	APIServer string // https URL of the kube-apiserver when Grafana runs outside the cluster
	CACert    string // PEM CA bundle of that API server
	Token     string // secureJsonData.kubernetesToken
	// ModelAPIKey is secureJsonData.modelApiKey: sent as a bearer token to the model endpoints.
	ModelAPIKey string
}

// SizingSettings configure how roi sizes fleets (jsonData.sizing).
type SizingSettings struct {
	// TargetUtilization u (0 < u ≤ 1, default 1) leaves headroom: replicas = ceil(L / (u × capacity)).
	TargetUtilization float64
}

// Settings is the parsed data-source configuration (jsonData's shape is SettingsJSON).
type Settings struct {
	URL         string
	Store       StoreSettings
	Deployments []analysis.Deployment
	GPUPrices   map[string]float64
	SLA         *analysis.SLA
	Scenarios   []analysis.ScenarioDef
	Sizing      SizingSettings
	Prometheus  PrometheusSettings
	Kubernetes  KubernetesSettings
}

// LoadSettings parses and validates the instance settings. Every error names the field.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	var wire SettingsJSON
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &wire); err != nil {
			return Settings{}, fmt.Errorf("settings: invalid jsonData: %w", err)
		}
	}
	cfg := wire.Settings()
	cfg.URL = strings.TrimSpace(s.URL)
	cfg.Store.SecretKey = s.DecryptedSecureJSONData[SecureStoreSecretKey]
	cfg.Kubernetes.Token = s.DecryptedSecureJSONData[SecureKubernetesTokenKey]
	cfg.Kubernetes.ModelAPIKey = s.DecryptedSecureJSONData[SecureModelAPIKeyKey]
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	return cfg, nil
}

func (c *Settings) applyDefaults() {
	st := &c.Store
	st.Endpoint = strings.TrimSpace(st.Endpoint)
	st.Bucket = strings.TrimSpace(st.Bucket)
	st.Prefix = strings.TrimLeft(strings.TrimSpace(st.Prefix), "/")
	if st.Region == "" {
		st.Region = DefaultRegion
	}
	if st.MaxObjectSizeMB == 0 {
		st.MaxObjectSizeMB = DefaultMaxObjectSizeMB
	}
	if st.CacheSeconds == 0 {
		st.CacheSeconds = DefaultCacheSeconds
	}
	if c.Prometheus.MetricPrefix == "" {
		c.Prometheus.MetricPrefix = DefaultMetricPrefix
	}
	if c.Prometheus.ScrapeIntervalSeconds == 0 {
		c.Prometheus.ScrapeIntervalSeconds = DefaultScrapeIntervalSeconds
	}
	if c.Kubernetes.Configured() {
		c.Kubernetes.ApplyDefaults()
	}
	if c.Sizing.TargetUtilization == 0 {
		c.Sizing.TargetUtilization = DefaultTargetUtilization
	}
}

func (c *Settings) validate() error {
	st := c.Store
	if st.Configured() {
		if st.Endpoint == "" {
			return fmt.Errorf("store.endpoint is empty (host:port of the S3 server, e.g. minio.storage.svc:9000)")
		}
		if strings.Contains(st.Endpoint, "://") {
			return fmt.Errorf("store.endpoint %q must be host:port without a scheme; use store.useTLS for https", st.Endpoint)
		}
		if strings.ContainsAny(st.Endpoint, "/?#@ ") {
			return fmt.Errorf("store.endpoint %q must be host[:port] only", st.Endpoint)
		}
		if _, port, err := net.SplitHostPort(st.Endpoint); err == nil && port == "" {
			return fmt.Errorf("store.endpoint %q has an empty port", st.Endpoint)
		}
		if st.Bucket == "" || !bucketNameRE.MatchString(st.Bucket) {
			return fmt.Errorf("store.bucket %q is not a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')", st.Bucket)
		}
		if st.AccessKey == "" {
			return fmt.Errorf("store.accessKey is empty")
		}
		if st.SecretKey == "" {
			return fmt.Errorf("the store secret key (secureJsonData.%s) is empty", SecureStoreSecretKey)
		}
	}
	if st.MaxObjectSizeMB < 1 || st.MaxObjectSizeMB > MaxObjectSizeMBLimit {
		return fmt.Errorf("store.maxObjectSizeMB %d is out of range 1..%d", st.MaxObjectSizeMB, MaxObjectSizeMBLimit)
	}
	if st.CacheSeconds < 1 || st.CacheSeconds > MaxCacheSeconds {
		return fmt.Errorf("store.cacheSeconds %d is out of range 1..%d", st.CacheSeconds, MaxCacheSeconds)
	}
	seen := map[string]bool{}
	for i, d := range c.Deployments {
		if strings.TrimSpace(d.Model) == "" {
			return fmt.Errorf("deployments[%d].model is empty", i)
		}
		if seen[d.Model] {
			return fmt.Errorf("deployments[%d].model %q is listed twice", i, d.Model)
		}
		seen[d.Model] = true
		if d.GPUs < 1 || d.GPUs > MaxDeploymentGPUs {
			return fmt.Errorf("deployments[%d] (%s): gpus %d is out of range 1..%d", i, d.Model, d.GPUs, MaxDeploymentGPUs)
		}
	}
	for gpu, price := range c.GPUPrices {
		if strings.TrimSpace(gpu) == "" {
			return fmt.Errorf("gpuPrices has an empty GPU type")
		}
		if price < 0 || math.IsNaN(price) || math.IsInf(price, 0) {
			return fmt.Errorf("gpuPrices[%q] = %v is not a price in USD per GPU-hour", gpu, price)
		}
	}
	if c.SLA != nil {
		if err := validateSLA(*c.SLA); err != nil {
			return err
		}
	}
	if u := c.Sizing.TargetUtilization; !(u > 0 && u <= 1) {
		return fmt.Errorf("sizing.targetUtilization %v must be in (0, 1] (0.8 sizes fleets to run at 80 %% of capacity)", u)
	}
	names := map[string]bool{}
	for i, sc := range c.Scenarios {
		if strings.TrimSpace(sc.Name) == "" {
			return fmt.Errorf("scenarios[%d].name is empty", i)
		}
		if names[sc.Name] {
			return fmt.Errorf("scenarios[%d].name %q is listed twice", i, sc.Name)
		}
		names[sc.Name] = true
		if sc.PromptTokens < 1 || sc.OutputTokens < 1 {
			return fmt.Errorf("scenarios[%d] (%s): promptTokens and outputTokens must be ≥ 1", i, sc.Name)
		}
	}
	p := c.Prometheus
	if !slices.Contains(MetricPrefixes, p.MetricPrefix) {
		return fmt.Errorf("prometheus.metricPrefix %q must be one of %q", p.MetricPrefix, MetricPrefixes)
	}
	if p.ScrapeIntervalSeconds < 1 || p.ScrapeIntervalSeconds > MaxScrapeIntervalSeconds {
		return fmt.Errorf("prometheus.scrapeIntervalSeconds %d is out of range 1..%d", p.ScrapeIntervalSeconds, MaxScrapeIntervalSeconds)
	}
	for _, ns := range []struct{ key, v string }{{"prometheus.tenancyNamespace", p.TenancyNamespace}, {"prometheus.namespace", p.Namespace}} {
		if ns.v != "" && len(validation.IsDNS1123Label(ns.v)) > 0 {
			return fmt.Errorf("%s %q is not a Kubernetes namespace name", ns.key, ns.v)
		}
	}
	return c.validateKubernetes()
}

func (c *Settings) validateKubernetes() error {
	k := c.Kubernetes
	if !k.Configured() {
		if k.APIServer != "" || k.CronJobName != "" {
			return fmt.Errorf("kubernetes.namespace is empty: set the namespace the GuideLLM Jobs run in")
		}
		return nil
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("kubernetes: %w", err)
	}
	if k.APIServer != "" {
		u, err := url.Parse(k.APIServer)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" && u.Path != "/" || !apiServerRE.MatchString(k.APIServer) {
			return fmt.Errorf("kubernetes.apiServer %q must be an https URL such as https://api.cluster.example:6443", k.APIServer)
		}
		if k.Token == "" {
			return fmt.Errorf("kubernetes.apiServer is set but the token (secureJsonData.%s) is empty", SecureKubernetesTokenKey)
		}
	}
	if !pemRE.MatchString(k.CACert) {
		return fmt.Errorf("kubernetes.caCert must be a PEM certificate bundle")
	}
	return nil
}

func validateSLA(s analysis.SLA) error {
	pairs := []struct {
		name    string
		a, b, c float64
	}{
		{"ttft", s.TTFTExcellentMs, s.TTFTAcceptableMs, s.TTFTBreakingMs},
		{"itl", s.ITLExcellentMs, s.ITLAcceptableMs, s.ITLBreakingMs},
	}
	for _, p := range pairs {
		if !(p.a > 0 && p.a <= p.b && p.b <= p.c) {
			return fmt.Errorf("sla: %s thresholds must satisfy 0 < excellent (%v) ≤ acceptable (%v) ≤ breaking (%v)", p.name, p.a, p.b, p.c)
		}
	}
	if s.MaxErrorRate < 0 || s.MaxErrorRate > 1 {
		return fmt.Errorf("sla.maxErrorRate %v must be a fraction between 0 and 1 (0.01 = 1 %%)", s.MaxErrorRate)
	}
	return nil
}

// AnalysisConfig is the part of the settings the analysis package works from.
func (c Settings) AnalysisConfig() analysis.Config {
	sla := analysis.DefaultSLA()
	if c.SLA != nil {
		sla = *c.SLA
	}
	scenarios := analysis.DefaultScenarios()
	for _, user := range c.Scenarios {
		replaced := false
		for i := range scenarios {
			if scenarios[i].Name == user.Name {
				scenarios[i], replaced = user, true
			}
		}
		if !replaced {
			scenarios = append(scenarios, user)
		}
	}
	return analysis.Config{Deployments: c.Deployments, GPUPrices: c.GPUPrices, SLA: sla, Scenarios: scenarios,
		TargetUtilization: c.Sizing.TargetUtilization}
}
