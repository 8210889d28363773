package models

import (
	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// The wire types below are the data source's jsonData exactly as Grafana stores it: the one place
// where the settings' JSON shape is defined. LoadSettings decodes them and maps them, with the
// explicit functions at the end of this file, onto the parsed Settings and the domain packages'
// types (which carry no JSON tags). settingsSchema (schema.go) describes the same types, with the
// limits and defaults, for the frontend: src/settings.schema.json.

// SettingsJSON is jsonData.
type SettingsJSON struct {
	Store       StoreJSON          `json:"store"`
	Deployments []DeploymentJSON   `json:"deployments"`
	GPUPrices   map[string]float64 `json:"gpuPrices"` // GPU type → USD per GPU-hour
	SLA         *SLAJSON           `json:"sla"`       // absent: analysis.DefaultSLA
	Scenarios   []ScenarioJSON     `json:"scenarios"` // extend or replace the built-in scenarios by name
	Sizing      SizingJSON         `json:"sizing"`
	Prometheus  PrometheusJSON     `json:"prometheus"`
	Kubernetes  KubernetesJSON     `json:"kubernetes"`
}

// StoreJSON is jsonData.store; the secret key is secureJsonData.storeSecretKey.
type StoreJSON struct {
	Endpoint        string `json:"endpoint"`
	Bucket          string `json:"bucket"`
	Prefix          string `json:"prefix"`
	Region          string `json:"region"`
	UseTLS          bool   `json:"useTLS"`
	AccessKey       string `json:"accessKey"`
	MaxObjectSizeMB int64  `json:"maxObjectSizeMB"`
	CacheSeconds    int    `json:"cacheSeconds"`
}

// DeploymentJSON is one entry of jsonData.deployments.
type DeploymentJSON struct {
	Model        string `json:"model"`
	GPUs         int    `json:"gpus"`
	GPUType      string `json:"gpuType"`
	Quantization string `json:"quantization"`
}

// SLAJSON is jsonData.sla: all seven thresholds or none.
type SLAJSON struct {
	TTFTExcellentMs  float64 `json:"ttftExcellentMs"`
	TTFTAcceptableMs float64 `json:"ttftAcceptableMs"`
	TTFTBreakingMs   float64 `json:"ttftBreakingMs"`
	ITLExcellentMs   float64 `json:"itlExcellentMs"`
	ITLAcceptableMs  float64 `json:"itlAcceptableMs"`
	ITLBreakingMs    float64 `json:"itlBreakingMs"`
	MaxErrorRate     float64 `json:"maxErrorRate"`
}

// ScenarioJSON is one entry of jsonData.scenarios.
type ScenarioJSON struct {
	Name         string `json:"name"`
	PromptTokens int    `json:"promptTokens"`
	OutputTokens int    `json:"outputTokens"`
}

// SizingJSON is jsonData.sizing.
type SizingJSON struct {
	TargetUtilization float64 `json:"targetUtilization"`
}

// PrometheusJSON is jsonData.prometheus.
type PrometheusJSON struct {
	TenancyNamespace      string `json:"tenancyNamespace"`
	MetricPrefix          string `json:"metricPrefix"`
	Namespace             string `json:"namespace"`
	ScrapeIntervalSeconds int    `json:"scrapeIntervalSeconds"`
}

// KubernetesJSON is jsonData.kubernetes: the sweep settings (sweeps.Settings) and how the API
// server is reached. Its secrets are secureJsonData.kubernetesToken and .modelApiKey.
type KubernetesJSON struct {
	Namespace               string                         `json:"namespace"`
	ModelNamespace          string                         `json:"modelNamespace,omitempty"`
	CronJobName             string                         `json:"cronJobName,omitempty"`
	Image                   string                         `json:"image"`
	GuideLLMVersion         string                         `json:"guidellmVersion,omitempty"`
	EndpointTemplate        string                         `json:"endpointTemplate"`
	SecondsPerStage         int                            `json:"secondsPerStage"`
	MaxStages               int                            `json:"maxStages"`
	MaxConcurrentSweeps     int                            `json:"maxConcurrentSweeps"`
	TTLSecondsAfterFinished int                            `json:"ttlSecondsAfterFinished"`
	Models                  map[string]KubernetesModelJSON `json:"models,omitempty"`
	HFTokenSecret           string                         `json:"hfTokenSecret,omitempty"`
	HFCacheClaim            string                         `json:"hfCacheClaim,omitempty"`
	HFHome                  string                         `json:"hfHome,omitempty"`
	Resources               ResourcesJSON                  `json:"resources"`
	APIServer               string                         `json:"apiServer,omitempty"`
	CACert                  string                         `json:"caCert,omitempty"`
}

// KubernetesModelJSON is one value of jsonData.kubernetes.models (keyed by the served model name).
type KubernetesModelJSON struct {
	Endpoint  string `json:"endpoint,omitempty"`
	Processor string `json:"processor,omitempty"`
}

// ResourcesJSON is jsonData.kubernetes.resources (Kubernetes quantities).
type ResourcesJSON struct {
	CPURequest    string `json:"cpuRequest"`
	MemoryRequest string `json:"memoryRequest"`
	CPULimit      string `json:"cpuLimit"`
	MemoryLimit   string `json:"memoryLimit"`
}

// Settings maps the wire form onto the parsed settings, before secrets, defaults and validation.
func (w SettingsJSON) Settings() Settings {
	s := Settings{
		Store:       w.Store.settings(),
		Deployments: mapSlice(w.Deployments, DeploymentJSON.deployment),
		GPUPrices:   w.GPUPrices,
		Scenarios:   mapSlice(w.Scenarios, ScenarioJSON.scenario),
		Sizing:      SizingSettings{TargetUtilization: w.Sizing.TargetUtilization},
		Prometheus:  PrometheusSettings(w.Prometheus),
		Kubernetes:  w.Kubernetes.settings(),
	}
	if w.SLA != nil {
		sla := analysis.SLA(*w.SLA)
		s.SLA = &sla
	}
	return s
}

func (w StoreJSON) settings() StoreSettings {
	return StoreSettings{Endpoint: w.Endpoint, Bucket: w.Bucket, Prefix: w.Prefix, Region: w.Region, UseTLS: w.UseTLS,
		AccessKey: w.AccessKey, MaxObjectSizeMB: w.MaxObjectSizeMB, CacheSeconds: w.CacheSeconds}
}

func (w DeploymentJSON) deployment() analysis.Deployment { return analysis.Deployment(w) }

func (w ScenarioJSON) scenario() analysis.ScenarioDef { return analysis.ScenarioDef(w) }

func (w KubernetesJSON) settings() KubernetesSettings {
	var models map[string]sweeps.ModelSettings
	if w.Models != nil {
		models = make(map[string]sweeps.ModelSettings, len(w.Models))
		for name, m := range w.Models {
			models[name] = sweeps.ModelSettings(m)
		}
	}
	return KubernetesSettings{
		Settings: sweeps.Settings{
			Namespace:               w.Namespace,
			ModelNamespace:          w.ModelNamespace,
			CronJobName:             w.CronJobName,
			Image:                   w.Image,
			GuideLLMVersion:         w.GuideLLMVersion,
			EndpointTemplate:        w.EndpointTemplate,
			SecondsPerStage:         w.SecondsPerStage,
			MaxStages:               w.MaxStages,
			MaxConcurrentSweeps:     w.MaxConcurrentSweeps,
			TTLSecondsAfterFinished: w.TTLSecondsAfterFinished,
			Models:                  models,
			HFTokenSecret:           w.HFTokenSecret,
			HFCacheClaim:            w.HFCacheClaim,
			HFHome:                  w.HFHome,
			Resources:               sweeps.Resources(w.Resources),
		},
		APIServer: w.APIServer,
		CACert:    w.CACert,
	}
}

func mapSlice[W, D any](in []W, f func(W) D) []D {
	if in == nil {
		return nil
	}
	out := make([]D, len(in))
	for i, w := range in {
		out[i] = f(w)
	}
	return out
}
