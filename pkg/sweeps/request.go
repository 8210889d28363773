package sweeps

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// Load profiles a sweep may use.
const (
	ProfileConstant   = "constant"   // fixed request rates, evenly spaced arrivals
	ProfilePoisson    = "poisson"    // fixed mean request rates, Poisson arrivals
	ProfileConcurrent = "concurrent" // fixed numbers of concurrent streams
	ProfileSweep      = "sweep"      // GuideLLM picks the rates: synchronous, throughput, then evenly spaced
)

// Profiles lists the accepted profiles.
var Profiles = []string{ProfileConstant, ProfilePoisson, ProfileConcurrent, ProfileSweep}

// Request is what a user asks for (the body of POST /sweeps).
type Request struct {
	Model    string `json:"model"`
	Scenario string `json:"scenario"`
	Profile  string `json:"profile"`
	// Rates are the req/s of the stages (constant, poisson).
	Rates []float64 `json:"rates,omitempty"`
	// Streams are the concurrent stream counts of the stages (concurrent).
	Streams []int `json:"streams,omitempty"`
	// SweepSize is the number of stages of the sweep profile (0: min(10, maxStages)).
	SweepSize int `json:"sweepSize,omitempty"`
	// SecondsPerStage is the duration of each stage (0: kubernetes.secondsPerStage).
	SecondsPerStage int `json:"secondsPerStage,omitempty"`
	// RequestedBy is who launched the sweep (the Grafana login), recorded on the Job; set by the
	// caller from the authenticated user, never from the request body.
	RequestedBy string `json:"-"`
}

// Plan is a validated request with everything a Job needs resolved.
type Plan struct {
	Request
	ScenarioDef analysis.ScenarioDef
	// Deployment is the model's catalog entry; zero GPUs when the model is not in the catalog.
	Deployment analysis.Deployment
	Target     string // OpenAI base URL of the model
	Processor  string // tokenizer; empty: GuideLLM uses the model name
	Generation Generation
	Stages     int
}

// modelNameRE bounds what a model name may contain: served model names are Hugging Face ids
// ("org/name-7B"), KServe names or paths; the name becomes a report label and a GuideLLM argument.
var modelNameRE = regexp.MustCompile(ModelNamePattern)

// ModelNamePattern is modelNameRE's expression (also the pattern of kubernetes.models' keys in
// the settings schema).
const ModelNamePattern = `^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$`

// CheckModelName applies the model-name rule of sweeps (and of the probe).
func CheckModelName(m string) error {
	if !modelNameRE.MatchString(m) {
		return fmt.Errorf("model name %q must be 1-200 characters: letters, digits and . _ : / @ + - (starting with a letter or digit)", m)
	}
	return nil
}

// Plan validates req against the settings and the catalog and resolves it. Errors wrap
// ErrInvalid and name the field.
func (s Settings) Plan(req Request, cfg analysis.Config) (Plan, error) {
	if !s.Configured() {
		return Plan{}, fmt.Errorf("%w: sweeps are not configured (set kubernetes.namespace in the data source settings)", ErrNotConfigured)
	}
	p := Plan{Request: req}
	p.Model = strings.TrimSpace(req.Model)
	p.Scenario = strings.TrimSpace(req.Scenario)
	p.Profile = strings.TrimSpace(req.Profile)
	p.RequestedBy = strings.TrimSpace(req.RequestedBy)

	if p.Model == "" {
		return Plan{}, invalidf("model is empty")
	}
	if err := CheckModelName(p.Model); err != nil {
		return Plan{}, invalidf("%v", err)
	}
	var err error
	if p.Deployment, p.Target, err = s.resolveModel(p.Model, cfg); err != nil {
		return Plan{}, err
	}
	p.Processor = s.Models[p.Model].Processor

	i := slices.IndexFunc(cfg.Scenarios, func(sc analysis.ScenarioDef) bool { return sc.Name == p.Scenario })
	if i < 0 {
		names := make([]string, len(cfg.Scenarios))
		for j, sc := range cfg.Scenarios {
			names[j] = sc.Name
		}
		return Plan{}, invalidf("scenario %q is not defined (defined: %s)", p.Scenario, strings.Join(names, ", "))
	}
	p.ScenarioDef = cfg.Scenarios[i]

	if err := s.checkLoad(&p); err != nil {
		return Plan{}, err
	}
	if p.SecondsPerStage == 0 {
		p.SecondsPerStage = s.SecondsPerStage
	}
	if p.SecondsPerStage < MinSecondsPerStage || p.SecondsPerStage > MaxSecondsPerStage {
		return Plan{}, invalidf("secondsPerStage %d is out of range %d..%d", p.SecondsPerStage, MinSecondsPerStage, MaxSecondsPerStage)
	}
	if total := p.Stages * p.SecondsPerStage; total > maxSweepSeconds {
		return Plan{}, invalidf("%d stages × %d s = %d s is longer than %d s; use fewer stages or shorter ones", p.Stages, p.SecondsPerStage, total, maxSweepSeconds)
	}
	if p.Generation, err = s.generation(s.Image); err != nil {
		return Plan{}, fmt.Errorf("%w: %w", ErrNotConfigured, err)
	}
	return p, nil
}

// resolveModel finds the model's catalog entry and OpenAI base URL. A model outside the catalog
// is accepted when the endpoint template can address it, i.e. when it is a DNS label.
func (s Settings) resolveModel(model string, cfg analysis.Config) (analysis.Deployment, string, error) {
	var dep analysis.Deployment
	inCatalog := false
	for _, d := range cfg.Deployments {
		if d.Model == model {
			dep, inCatalog = d, true
			break
		}
	}
	target, err := s.Endpoint(model)
	if err != nil && !inCatalog && s.Models[model].Endpoint == "" && len(validation.IsDNS1123Label(model)) > 0 {
		return dep, "", invalidf("model %q is not in the deployments catalog and is not a lowercase DNS label that kubernetes.endpointTemplate could address", model)
	}
	return dep, target, err
}

// Endpoint is the OpenAI base URL of a model: its kubernetes.models override, else the endpoint
// template filled with the model and its namespace. Errors wrap ErrInvalid.
func (s Settings) Endpoint(model string) (string, error) {
	if ep := s.Models[model].Endpoint; ep != "" {
		return ep, nil
	}
	if errs := validation.IsDNS1123Label(model); len(errs) > 0 {
		return "", invalidf("model %q cannot be put into kubernetes.endpointTemplate (it is not a lowercase DNS label); set kubernetes.models[%q].endpoint", model, model)
	}
	target := strings.NewReplacer("{model}", model, "{namespace}", s.modelNamespace()).Replace(s.EndpointTemplate)
	if err := checkEndpoint(target); err != nil {
		return "", invalidf("endpoint of model %q: %v", model, err)
	}
	return target, nil
}

// checkLoad validates the profile and its stage list and sets p.Stages.
func (s Settings) checkLoad(p *Plan) error {
	switch p.Profile {
	case ProfileConstant, ProfilePoisson:
		if len(p.Streams) > 0 || p.SweepSize != 0 {
			return invalidf("profile %s takes rates, not streams or sweepSize", p.Profile)
		}
		if len(p.Rates) == 0 {
			return invalidf("profile %s needs rates: a list of requests per second, one per stage", p.Profile)
		}
		seen := map[float64]bool{}
		for i, r := range p.Rates {
			if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 || r > MaxRate {
				return invalidf("rates[%d] = %v is not a rate in (0, %d] req/s", i, r, MaxRate)
			}
			if seen[r] {
				return invalidf("rates[%d] = %v is listed twice", i, r)
			}
			seen[r] = true
		}
		p.Stages = len(p.Rates)
	case ProfileConcurrent:
		if len(p.Rates) > 0 || p.SweepSize != 0 {
			return invalidf("profile concurrent takes streams, not rates or sweepSize")
		}
		if len(p.Streams) == 0 {
			return invalidf("profile concurrent needs streams: a list of concurrent request counts, one per stage")
		}
		seen := map[int]bool{}
		for i, n := range p.Streams {
			if n < 1 || n > MaxStreams {
				return invalidf("streams[%d] = %d is out of range 1..%d", i, n, MaxStreams)
			}
			if seen[n] {
				return invalidf("streams[%d] = %d is listed twice", i, n)
			}
			seen[n] = true
		}
		p.Stages = len(p.Streams)
	case ProfileSweep:
		if len(p.Rates) > 0 || len(p.Streams) > 0 {
			return invalidf("profile sweep chooses its rates itself: give sweepSize (number of stages), not rates or streams")
		}
		if p.SweepSize == 0 {
			p.SweepSize = min(10, s.MaxStages)
		}
		// A sweep is synchronous + throughput + at least one rate in between.
		if p.SweepSize < 3 || p.SweepSize > s.MaxStages {
			return invalidf("sweepSize %d is out of range 3..%d (kubernetes.maxStages)", p.SweepSize, s.MaxStages)
		}
		p.Stages = p.SweepSize
	default:
		return invalidf("profile %q is not one of %s", p.Profile, strings.Join(Profiles, ", "))
	}
	if p.Stages > s.MaxStages {
		return invalidf("%d stages requested, at most %d are allowed (kubernetes.maxStages)", p.Stages, s.MaxStages)
	}
	return nil
}

type reportLabel struct{ name, value string }

// reportLabels are the labels a sweep's report carries (GuideLLM --label and the store's upload
// labels), named as the analysis reads them. Values the store could not keep (non-ASCII, too
// long) are left out rather than failing the sweep.
func (p Plan) reportLabels() []reportLabel {
	labels := []reportLabel{{"model", p.Model}, {"scenario", p.Scenario}, {"profile", p.Profile}}
	if p.Deployment.GPUs > 0 {
		labels = append(labels, reportLabel{"gpus", strconv.Itoa(p.Deployment.GPUs)})
	}
	labels = append(labels, reportLabel{"gpuType", p.Deployment.GPUType}, reportLabel{"quantization", p.Deployment.Quantization})
	return slices.DeleteFunc(labels, func(l reportLabel) bool { return store.ValidateLabelValue(l.name, l.value) != nil })
}
