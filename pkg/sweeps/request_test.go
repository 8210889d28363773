package sweeps

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

func TestPlanRejects(t *testing.T) {
	valid := Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1, 2}}
	with := func(change func(r *Request)) Request {
		r := valid
		r.Rates = append([]float64(nil), valid.Rates...)
		change(&r)
		return r
	}
	cases := []struct {
		name string
		req  Request
		want string
	}{
		{"empty model", with(func(r *Request) { r.Model = " " }), "model is empty"},
		{"model with spaces", with(func(r *Request) { r.Model = "a b" }), `model name "a b"`},
		{"model with shell characters", with(func(r *Request) { r.Model = "x;rm -rf /" }), "model name"},
		{"uncatalogued model the template cannot address", with(func(r *Request) { r.Model = "Org/Model" }), "not in the deployments catalog"},
		{"catalogued model without endpoint the template cannot address", Request{Model: "Big/Model", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1}},
			`set kubernetes.models["Big/Model"].endpoint`},
		{"unknown scenario", with(func(r *Request) { r.Scenario = "poetry" }), `scenario "poetry" is not defined (defined: chat, summarization, code-gen, stress)`},
		{"unknown profile", with(func(r *Request) { r.Profile = "throughput" }), `profile "throughput" is not one of constant, poisson, concurrent, sweep`},
		{"no rates", with(func(r *Request) { r.Rates = nil }), "profile constant needs rates"},
		{"zero rate", with(func(r *Request) { r.Rates = []float64{0} }), "rates[0] = 0 is not a rate in (0, 1000]"},
		{"negative rate", with(func(r *Request) { r.Rates = []float64{1, -2} }), "rates[1] = -2"},
		{"NaN rate", with(func(r *Request) { r.Rates = []float64{math.NaN()} }), "rates[0] = NaN"},
		{"infinite rate", with(func(r *Request) { r.Rates = []float64{math.Inf(1)} }), "rates[0] = +Inf"},
		{"rate above bound", with(func(r *Request) { r.Rates = []float64{1001} }), "rates[0] = 1001"},
		{"duplicate rate", with(func(r *Request) { r.Rates = []float64{2, 2} }), "rates[1] = 2 is listed twice"},
		{"streams on constant", with(func(r *Request) { r.Streams = []int{4} }), "takes rates, not streams"},
		{"too many stages", with(func(r *Request) { r.Rates = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} }), "11 stages requested, at most 10"},
		{"concurrent without streams", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConcurrent}, "needs streams"},
		{"concurrent with rates", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConcurrent, Streams: []int{1}, Rates: []float64{1}}, "takes streams, not rates"},
		{"zero streams", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConcurrent, Streams: []int{0}}, "streams[0] = 0 is out of range 1..512"},
		{"too many streams", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConcurrent, Streams: []int{513}}, "streams[0] = 513"},
		{"duplicate streams", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConcurrent, Streams: []int{4, 4}}, "streams[1] = 4 is listed twice"},
		{"sweep with rates", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileSweep, Rates: []float64{1}}, "give sweepSize"},
		{"sweep too small", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileSweep, SweepSize: 2}, "sweepSize 2 is out of range 3..10"},
		{"sweep too large", Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileSweep, SweepSize: 11}, "sweepSize 11 is out of range 3..10"},
		{"stage too short", with(func(r *Request) { r.SecondsPerStage = 5 }), "secondsPerStage 5 is out of range 10..3600"},
		{"stage too long", with(func(r *Request) { r.SecondsPerStage = 3601 }), "secondsPerStage 3601"},
		{"negative stage", with(func(r *Request) { r.SecondsPerStage = -1 }), "secondsPerStage -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cat := testCatalog()
			cat.Deployments = append(cat.Deployments, analysis.Deployment{Model: "Big/Model", GPUs: 8})
			_, err := testSettings().Plan(c.req, cat)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalid)
			require.Equal(t, http.StatusBadRequest, StatusCode(err))
			require.Contains(t, err.Error(), c.want)
		})
	}
}

func TestPlanResolves(t *testing.T) {
	s := testSettings()
	s.ModelNamespace = "models"
	p, err := s.Plan(Request{Model: " mistral-3-int4 ", Scenario: "code-gen", Profile: ProfileSweep, RequestedBy: "bob"}, testCatalog())
	require.NoError(t, err)
	require.Equal(t, "mistral-3-int4", p.Model)
	require.Equal(t, "http://mistral-3-int4-predictor.models.svc.cluster.local:8080/v1", p.Target)
	require.Equal(t, "RedHatAI/Mistral-Small-3.1-24B-Instruct-2503-quantized.w4a16", p.Processor)
	require.Equal(t, 10, p.SweepSize, "default sweep size")
	require.Equal(t, 10, p.Stages)
	require.Equal(t, DefaultSecondsPerStage, p.SecondsPerStage)
	require.Equal(t, analysis.ScenarioDef{Name: "code-gen", PromptTokens: 128, OutputTokens: 256}, p.ScenarioDef)
	require.Equal(t, 1, p.Deployment.GPUs)
	require.Equal(t, GenerationV07, p.Generation)

	// A 24 h cap on the measured time.
	s.MaxStages = 50
	_, err = s.Plan(Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileSweep, SweepSize: 30, SecondsPerStage: 3600}, testCatalog())
	require.ErrorContains(t, err, "30 stages × 3600 s = 108000 s is longer than 86400 s")

	_, err = Settings{}.Plan(Request{}, testCatalog())
	require.ErrorIs(t, err, ErrNotConfigured)
}

func TestSettingsValidate(t *testing.T) {
	ok := testSettings()
	require.NoError(t, ok.Validate())
	require.NoError(t, Settings{}.Validate(), "unconfigured settings are valid")

	cases := []struct {
		name   string
		change func(s *Settings)
		want   string
	}{
		{"namespace", func(s *Settings) { s.Namespace = "Bench_NS" }, "kubernetes.namespace"},
		{"model namespace", func(s *Settings) { s.ModelNamespace = "a.b" }, "kubernetes.modelNamespace"},
		{"cronjob name", func(s *Settings) { s.CronJobName = strings.Repeat("a", 53) }, "kubernetes.cronJobName"},
		{"image with space", func(s *Settings) { s.Image = "a b" }, "kubernetes.image"},
		{"image without version", func(s *Settings) { s.Image = "quay.io/me/guidellm:latest" }, "has no vX.Y.Z tag"},
		{"unsupported version", func(s *Settings) { s.Image = "ghcr.io/vllm-project/guidellm:v0.4.0" }, "GuideLLM 0.4.0 is not supported"},
		{"version disagrees with tag", func(s *Settings) { s.GuideLLMVersion = "0.6.1" }, "disagrees with the image tag"},
		{"template placeholder", func(s *Settings) { s.EndpointTemplate = "http://{name}:8080/v1" }, "unknown placeholder {name}"},
		{"template without model", func(s *Settings) { s.EndpointTemplate = "http://vllm:8080/v1" }, "must contain {model}"},
		{"template scheme", func(s *Settings) { s.EndpointTemplate = "ftp://{model}/v1" }, "http:// or https://"},
		{"template credentials", func(s *Settings) { s.EndpointTemplate = "http://u:p@{model}/v1" }, "credentials"},
		{"template query", func(s *Settings) { s.EndpointTemplate = "http://{model}/v1?x=1" }, "query or fragment"},
		{"seconds per stage", func(s *Settings) { s.SecondsPerStage = 5 }, "kubernetes.secondsPerStage 5"},
		{"max stages", func(s *Settings) { s.MaxStages = 51 }, "kubernetes.maxStages 51"},
		{"max concurrent", func(s *Settings) { s.MaxConcurrentSweeps = -1 }, "kubernetes.maxConcurrentSweeps -1"},
		{"ttl", func(s *Settings) { s.TTLSecondsAfterFinished = 60 }, "kubernetes.ttlSecondsAfterFinished 60"},
		{"model endpoint", func(s *Settings) { s.Models = map[string]ModelSettings{"m": {Endpoint: "vllm:8000"}} }, `kubernetes.models["m"].endpoint`},
		{"model processor", func(s *Settings) { s.Models = map[string]ModelSettings{"m": {Processor: "a b"}} }, `kubernetes.models["m"].processor`},
		{"model name", func(s *Settings) { s.Models = map[string]ModelSettings{"a b": {}} }, "kubernetes.models: model name"},
		{"hf secret", func(s *Settings) { s.HFTokenSecret = "Bad_Name" }, "kubernetes.hfTokenSecret"},
		{"cpu quantity", func(s *Settings) { s.Resources.CPURequest = "lots" }, "kubernetes.resources.cpuRequest"},
		{"memory request above limit", func(s *Settings) { s.Resources.MemoryRequest = "8Gi" }, "memoryRequest 8Gi is above memoryLimit 4Gi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := testSettings()
			c.change(&s)
			require.ErrorContains(t, s.Validate(), c.want)
		})
	}

	custom := testSettings()
	custom.Image, custom.GuideLLMVersion = "quay.io/me/guidellm:cpu", "0.6.1"
	require.NoError(t, custom.Validate(), "an untagged image works with an explicit version")
}

func TestStatusCode(t *testing.T) {
	for err, want := range map[error]int{
		nil: http.StatusOK, invalidf("x"): http.StatusBadRequest, ErrNotConfigured: http.StatusBadRequest,
		&ForbiddenError{}: http.StatusForbidden, ErrNotFound: http.StatusNotFound, ErrTooManySweeps: http.StatusTooManyRequests,
		ErrUpstream: http.StatusBadGateway, errors.New("other"): http.StatusInternalServerError,
	} {
		require.Equal(t, want, StatusCode(err), "%v", err)
	}
}

// A failing apiserver becomes an *UpstreamError that keeps the apiserver's status (0 when it did
// not answer) and maps to 502; the other kinds keep theirs.
func TestAPIErrorKeepsTheUpstreamStatus(t *testing.T) {
	m := &Manager{}
	err := m.apiError("listing Jobs in namespace bench", apierrors.NewInternalError(errors.New("etcdserver: request timed out")))
	var up *UpstreamError
	require.ErrorAs(t, err, &up)
	require.Equal(t, http.StatusInternalServerError, up.StatusCode)
	require.ErrorIs(t, err, ErrUpstream)
	require.Equal(t, http.StatusBadGateway, StatusCode(err))
	require.ErrorContains(t, err, "kubernetes API request failed: listing Jobs in namespace bench: ")

	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:1/apis/batch/v1", Err: syscall.ECONNREFUSED}
	err = m.apiError("reading Job x", refused)
	require.ErrorAs(t, err, &up)
	require.Zero(t, up.StatusCode, "no answer arrived")
	require.Equal(t, http.StatusBadGateway, StatusCode(err))

	err = m.apiError("reading Job x", apierrors.NewNotFound(schema.GroupResource{Group: "batch", Resource: "jobs"}, "x"))
	require.False(t, errors.As(err, &up), "not found is its own kind")
	require.Equal(t, http.StatusNotFound, StatusCode(err))
}

func TestSettingsEndpoint(t *testing.T) {
	s := Settings{Namespace: "bench", ModelNamespace: "private-ai", Models: map[string]ModelSettings{"Org/Model-7B": {Endpoint: "https://model.apps.example.com/v1"}}}
	s.ApplyDefaults()
	got, err := s.Endpoint("mistral-3-int4")
	if err != nil || got != "http://mistral-3-int4-predictor.private-ai.svc.cluster.local:8080/v1" {
		t.Errorf("template endpoint: %q, %v", got, err)
	}
	if got, err := s.Endpoint("Org/Model-7B"); err != nil || got != "https://model.apps.example.com/v1" {
		t.Errorf("override endpoint: %q, %v", got, err)
	}
	if _, err := s.Endpoint("Not/A-Label"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "kubernetes.models") {
		t.Errorf("a model that is no DNS label: %v", err)
	}
}
