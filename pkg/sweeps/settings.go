// Package sweeps launches GuideLLM sweeps as Kubernetes Jobs, follows them, and ingests the
// reports they print into the results store.
//
// A sweep is one Job running one GuideLLM invocation against one model with one scenario
// (prompt/output token shape). The Job is built here (BuildJob) or instantiated from a configured
// CronJob (JobFromCronJob, `kubectl create job --from=cronjob` semantics) with the GuideLLM argv
// for the request. GuideLLM writes its JSON report to a file; a fixed wrapper command then prints
// that file between two marker lines, so the report reaches the plugin through the pod log
// (Manager.Ingest), with nothing but the Kubernetes API between them.
//
// Nothing a user types reaches a shell: the wrapper script is a constant and every user value is
// a separate argv element that the script only passes on as "$@".
package sweeps

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Defaults that apply when a setting is absent.
const (
	DefaultImage            = "ghcr.io/vllm-project/guidellm:v0.7.3"
	DefaultEndpointTemplate = "http://{model}-predictor.{namespace}.svc.cluster.local:8080/v1"
	DefaultSecondsPerStage  = 60
	DefaultMaxStages        = 10
	DefaultMaxConcurrent    = 2
	// DefaultTTLSecondsAfterFinished keeps finished Jobs (and their pod logs, which hold the
	// reports) for two days, so a Grafana outage shorter than that loses no results.
	DefaultTTLSecondsAfterFinished = 2 * 24 * 3600
	DefaultCPURequest              = "1"
	DefaultMemoryRequest           = "2Gi"
	DefaultCPULimit                = "4"
	DefaultMemoryLimit             = "4Gi"
)

// Bounds of the settings and of a request. The settings' bounds reach the frontend through
// pkg/models' schema (src/settings.schema.json).
const (
	MinSecondsPerStage         = 10
	MaxSecondsPerStage         = 3600
	MaxMaxStages               = 50
	MaxMaxConcurrentSweeps     = 20
	MinTTLSecondsAfterFinished = 600
	MaxTTLSecondsAfterFinished = 30 * 24 * 3600
	// MaxRate bounds a constant/poisson rate in req/s: one GuideLLM client tops out around
	// 1000 req/s (GuideLLM issue #136), so higher targets measure the client, not the server.
	MaxRate = 1000
	// MaxStreams bounds a concurrent stream count (GuideLLM ≤0.6 caps concurrency at 512).
	MaxStreams = 512
	// MaxCronJobNameLength: the CronJob controller appends 11 characters to name its Jobs.
	MaxCronJobNameLength = 52
	// MaxProcessorLength bounds kubernetes.models[].processor and MaxHFHomeLength kubernetes.hfHome.
	MaxProcessorLength = 256
	MaxHFHomeLength    = 256
	// maxSweepSeconds bounds the measured time of one sweep (stages × seconds per stage).
	maxSweepSeconds = 24 * 3600
)

// Settings configure sweeps (jsonData.kubernetes). The zero value means "not configured".
type Settings struct {
	// Namespace the Jobs run in (and the CronJob lives in).
	Namespace string
	// ModelNamespace fills {namespace} in EndpointTemplate; empty means Namespace.
	ModelNamespace string
	// CronJobName, when set, makes every sweep a Job instantiated from this CronJob (its pod
	// template: image, resources, secrets, node selection) with the sweep's arguments.
	CronJobName string
	// Image is the GuideLLM container image of the built-in Job spec, pinned by tag.
	Image string
	// GuideLLMVersion selects the command-line generation (e.g. "0.7.3", "v0.6.1"). Empty: taken
	// from the image tag.
	GuideLLMVersion string
	// EndpointTemplate is the OpenAI base URL of a model; {model} and {namespace} are replaced.
	EndpointTemplate string
	// SecondsPerStage is the default duration of one stage (one rate, one stream count).
	SecondsPerStage int
	// MaxStages bounds the stages of one sweep.
	MaxStages int
	// MaxConcurrentSweeps bounds the sweeps running at once in the namespace.
	MaxConcurrentSweeps int
	// TTLSecondsAfterFinished is how long finished Jobs (and the logs holding their reports) stay.
	TTLSecondsAfterFinished int
	// Models holds per-model overrides, keyed by the served model name.
	Models map[string]ModelSettings
	// HFTokenSecret names a Secret in Namespace whose key HF_TOKEN is given to GuideLLM (gated
	// tokenizers). The plugin never reads it: the pod does.
	HFTokenSecret string
	// HFCacheClaim names a PersistentVolumeClaim in Namespace that holds a Hugging Face cache
	// with the tokenizers filled in beforehand (`huggingface-cli download` with HF_HOME on the
	// volume). It is mounted read-only at HFHome with HF_HUB_OFFLINE=1: clusters without
	// internet size prompts with tokenizers from it.
	HFCacheClaim string
	// HFHome is where HFCacheClaim is mounted and what HF_HOME points to.
	HFHome string
	// Resources of the GuideLLM container.
	Resources Resources
}

// DefaultHFHome is where the Hugging Face cache volume is mounted unless kubernetes.hfHome says.
const DefaultHFHome = "/hf-cache"

// ModelSettings override how one model is reached and tokenized.
type ModelSettings struct {
	// Endpoint is the model's OpenAI base URL; empty means EndpointTemplate.
	Endpoint string
	// Processor is the tokenizer GuideLLM loads to size synthetic prompts (a Hugging Face id such
	// as "meta-llama/Llama-3.1-8B-Instruct", or a path in the image); empty means the model name.
	Processor string
}

// Resources are the GuideLLM container's requests and limits (Kubernetes quantities).
type Resources struct {
	CPURequest    string
	MemoryRequest string
	CPULimit      string
	MemoryLimit   string
}

// Configured reports whether sweeps are set up at all.
func (s Settings) Configured() bool { return s.Namespace != "" }

// ApplyDefaults fills absent settings.
func (s *Settings) ApplyDefaults() {
	s.Namespace = strings.TrimSpace(s.Namespace)
	s.ModelNamespace = strings.TrimSpace(s.ModelNamespace)
	s.CronJobName = strings.TrimSpace(s.CronJobName)
	s.Image = strings.TrimSpace(s.Image)
	s.GuideLLMVersion = strings.TrimSpace(s.GuideLLMVersion)
	s.EndpointTemplate = strings.TrimSpace(s.EndpointTemplate)
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.EndpointTemplate == "" {
		s.EndpointTemplate = DefaultEndpointTemplate
	}
	s.HFCacheClaim = strings.TrimSpace(s.HFCacheClaim)
	if s.HFHome = strings.TrimSpace(s.HFHome); s.HFHome == "" {
		s.HFHome = DefaultHFHome
	}
	if s.SecondsPerStage == 0 {
		s.SecondsPerStage = DefaultSecondsPerStage
	}
	if s.MaxStages == 0 {
		s.MaxStages = DefaultMaxStages
	}
	if s.MaxConcurrentSweeps == 0 {
		s.MaxConcurrentSweeps = DefaultMaxConcurrent
	}
	if s.TTLSecondsAfterFinished == 0 {
		s.TTLSecondsAfterFinished = DefaultTTLSecondsAfterFinished
	}
	r := &s.Resources
	for _, q := range []struct {
		v   *string
		def string
	}{{&r.CPURequest, DefaultCPURequest}, {&r.MemoryRequest, DefaultMemoryRequest}, {&r.CPULimit, DefaultCPULimit}, {&r.MemoryLimit, DefaultMemoryLimit}} {
		if *q.v = strings.TrimSpace(*q.v); *q.v == "" {
			*q.v = q.def
		}
	}
}

// Validate checks settings after ApplyDefaults. Every error names the field (under
// "kubernetes.") and says what is allowed.
func (s Settings) Validate() error {
	if !s.Configured() {
		return nil
	}
	if errs := validation.IsDNS1123Label(s.Namespace); len(errs) > 0 {
		return fmt.Errorf("kubernetes.namespace %q is not a namespace name: %s", s.Namespace, errs[0])
	}
	if s.ModelNamespace != "" {
		if errs := validation.IsDNS1123Label(s.ModelNamespace); len(errs) > 0 {
			return fmt.Errorf("kubernetes.modelNamespace %q is not a namespace name: %s", s.ModelNamespace, errs[0])
		}
	}
	if s.CronJobName != "" {
		if errs := validation.IsDNS1123Subdomain(s.CronJobName); len(errs) > 0 || len(s.CronJobName) > MaxCronJobNameLength {
			return fmt.Errorf("kubernetes.cronJobName %q is not a CronJob name (lowercase DNS name of at most %d characters)", s.CronJobName, MaxCronJobNameLength)
		}
	}
	if s.Image == "" || strings.ContainsFunc(s.Image, isSpaceOrControl) {
		return fmt.Errorf("kubernetes.image %q is not a container image reference", s.Image)
	}
	if _, err := s.generation(s.Image); err != nil {
		return err
	}
	if err := checkEndpointTemplate(s.EndpointTemplate); err != nil {
		return err
	}
	if s.SecondsPerStage < MinSecondsPerStage || s.SecondsPerStage > MaxSecondsPerStage {
		return fmt.Errorf("kubernetes.secondsPerStage %d is out of range %d..%d", s.SecondsPerStage, MinSecondsPerStage, MaxSecondsPerStage)
	}
	if s.MaxStages < 1 || s.MaxStages > MaxMaxStages {
		return fmt.Errorf("kubernetes.maxStages %d is out of range 1..%d", s.MaxStages, MaxMaxStages)
	}
	if s.MaxConcurrentSweeps < 1 || s.MaxConcurrentSweeps > MaxMaxConcurrentSweeps {
		return fmt.Errorf("kubernetes.maxConcurrentSweeps %d is out of range 1..%d", s.MaxConcurrentSweeps, MaxMaxConcurrentSweeps)
	}
	if s.TTLSecondsAfterFinished < MinTTLSecondsAfterFinished || s.TTLSecondsAfterFinished > MaxTTLSecondsAfterFinished {
		return fmt.Errorf("kubernetes.ttlSecondsAfterFinished %d is out of range %d..%d (the reports live in the pod logs until ingested)",
			s.TTLSecondsAfterFinished, MinTTLSecondsAfterFinished, MaxTTLSecondsAfterFinished)
	}
	for model, ms := range s.Models {
		if err := CheckModelName(model); err != nil {
			return fmt.Errorf("kubernetes.models: %w", err)
		}
		if ms.Endpoint != "" {
			if err := checkEndpoint(ms.Endpoint); err != nil {
				return fmt.Errorf("kubernetes.models[%q].endpoint: %w", model, err)
			}
		}
		if p := ms.Processor; p != "" && (len(p) > MaxProcessorLength || strings.ContainsFunc(p, isSpaceOrControl)) {
			return fmt.Errorf("kubernetes.models[%q].processor %q must be a tokenizer id or path without spaces, at most %d characters", model, p, MaxProcessorLength)
		}
	}
	if s.HFTokenSecret != "" {
		if errs := validation.IsDNS1123Subdomain(s.HFTokenSecret); len(errs) > 0 {
			return fmt.Errorf("kubernetes.hfTokenSecret %q is not a Secret name: %s", s.HFTokenSecret, errs[0])
		}
	}
	if s.HFCacheClaim != "" {
		if errs := validation.IsDNS1123Subdomain(s.HFCacheClaim); len(errs) > 0 {
			return fmt.Errorf("kubernetes.hfCacheClaim %q is not a PersistentVolumeClaim name: %s", s.HFCacheClaim, errs[0])
		}
	}
	if h := s.HFHome; !strings.HasPrefix(h, "/") || len(h) > MaxHFHomeLength || strings.ContainsFunc(h, isSpaceOrControl) || path.Clean(h) != h ||
		h == "/" || h == "/tmp" || h == "/results" || strings.HasPrefix(h, "/tmp/") || strings.HasPrefix(h, "/results/") {
		return fmt.Errorf("kubernetes.hfHome %q must be an absolute, clean path without spaces, outside /tmp and /results (e.g. %s)", h, DefaultHFHome)
	}
	return s.Resources.validate()
}

func (r Resources) validate() error {
	parse := func(key, v string) (resource.Quantity, error) {
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Sign() <= 0 {
			return q, fmt.Errorf("kubernetes.resources.%s %q is not a positive Kubernetes quantity (e.g. 500m, 2, 4Gi)", key, v)
		}
		return q, nil
	}
	pairs := []struct{ reqKey, req, limKey, lim string }{
		{"cpuRequest", r.CPURequest, "cpuLimit", r.CPULimit},
		{"memoryRequest", r.MemoryRequest, "memoryLimit", r.MemoryLimit},
	}
	for _, p := range pairs {
		req, err := parse(p.reqKey, p.req)
		if err != nil {
			return err
		}
		lim, err := parse(p.limKey, p.lim)
		if err != nil {
			return err
		}
		if req.Cmp(lim) > 0 {
			return fmt.Errorf("kubernetes.resources.%s %s is above %s %s", p.reqKey, p.req, p.limKey, p.lim)
		}
	}
	return nil
}

// modelNamespace is what {namespace} stands for.
func (s Settings) modelNamespace() string {
	if s.ModelNamespace != "" {
		return s.ModelNamespace
	}
	return s.Namespace
}

// imageVersionRE reads a release version from an image tag: "...:v0.7.3" or "...:0.6.1".
var imageVersionRE = regexp.MustCompile(`:v?(\d+\.\d+\.\d+)$`)

// generation is the command-line generation of image: from kubernetes.guidellmVersion when set,
// else from the image tag. Both set and disagreeing is an error, because a wrong generation is a
// Job that fails on its first argument.
func (s Settings) generation(image string) (Generation, error) {
	var tagVersion string
	if m := imageVersionRE.FindStringSubmatch(image); m != nil {
		tagVersion = m[1]
	}
	if s.GuideLLMVersion == "" {
		if tagVersion == "" {
			return "", fmt.Errorf("kubernetes.guidellmVersion is empty and the image %q has no vX.Y.Z tag to read it from; set the GuideLLM version the image contains", image)
		}
		return ParseGeneration(tagVersion)
	}
	gen, err := ParseGeneration(s.GuideLLMVersion)
	if err != nil {
		return "", err
	}
	if tagVersion != "" {
		if tagGen, err := ParseGeneration(tagVersion); err == nil && tagGen != gen {
			return "", fmt.Errorf("kubernetes.guidellmVersion %q (%s command line) disagrees with the image tag %q (%s): fix one of them",
				s.GuideLLMVersion, gen, image, tagGen)
		}
	}
	return gen, nil
}

// endpointPlaceholderRE finds {…} placeholders of an endpoint template.
var endpointPlaceholderRE = regexp.MustCompile(`\{[^{}]*\}`)

func checkEndpointTemplate(t string) error {
	for _, p := range endpointPlaceholderRE.FindAllString(t, -1) {
		if p != "{model}" && p != "{namespace}" {
			return fmt.Errorf("kubernetes.endpointTemplate %q has the unknown placeholder %s (allowed: {model}, {namespace})", t, p)
		}
	}
	if !strings.Contains(t, "{model}") {
		return fmt.Errorf("kubernetes.endpointTemplate %q must contain {model}", t)
	}
	if err := checkEndpoint(strings.NewReplacer("{model}", "model", "{namespace}", "namespace").Replace(t)); err != nil {
		return fmt.Errorf("kubernetes.endpointTemplate %q: %w", t, err)
	}
	return nil
}

// checkEndpoint accepts an http(s) base URL without credentials, query or fragment.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with http:// or https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return fmt.Errorf("URL must not carry credentials")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return fmt.Errorf("%q must not have a query or fragment", raw)
	case strings.ContainsFunc(raw, isSpaceOrControl):
		return fmt.Errorf("%q contains spaces or control characters", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has an invalid port", raw)
		}
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
