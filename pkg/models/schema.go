package models

//go:generate go run ./cmd/gen-schema -o ../../src/settings.schema.json

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// SchemaFile is where the generated schema is checked in, relative to the repository root. The
// frontend imports it; TestSchemaFileIsCurrent fails when it is stale.
const SchemaFile = "src/settings.schema.json"

// schemaNode is one JSON Schema (draft 2020-12) object. Field order is output order, so the
// generated file is stable. Keywords starting with x- are ours: JSON Schema ignores unknown
// keywords, the frontend reads them.
type schemaNode struct {
	Schema               string        `json:"$schema,omitempty"`
	Title                string        `json:"title,omitempty"`
	Description          string        `json:"description,omitempty"`
	Type                 string        `json:"type,omitempty"`
	Const                any           `json:"const,omitempty"`
	Enum                 []string      `json:"enum,omitempty"`
	Default              any           `json:"default,omitempty"`
	Minimum              *float64      `json:"minimum,omitempty"`
	ExclusiveMinimum     *float64      `json:"exclusiveMinimum,omitempty"`
	Maximum              *float64      `json:"maximum,omitempty"`
	MinLength            *int          `json:"minLength,omitempty"`
	MaxLength            *int          `json:"maxLength,omitempty"`
	Pattern              string        `json:"pattern,omitempty"`
	WriteOnly            bool          `json:"writeOnly,omitempty"`
	Properties           properties    `json:"properties,omitempty"`
	Required             []string      `json:"required,omitempty"`
	PropertyNames        *schemaNode   `json:"propertyNames,omitempty"`
	AdditionalProperties *schemaNode   `json:"additionalProperties,omitempty"`
	Items                *schemaNode   `json:"items,omitempty"`
	OneOf                []*schemaNode `json:"oneOf,omitempty"`
	// ZeroMeansDefault: 0 (and absence) stand for the default, every other value must be in range.
	ZeroMeansDefault bool `json:"x-zeroMeansDefault,omitempty"`
	// UniqueBy: no two items of the array have the same value of this property.
	UniqueBy string `json:"x-uniqueBy,omitempty"`
	// Ordered: each list of properties must be non-decreasing (excellent ≤ acceptable ≤ breaking).
	Ordered [][]string `json:"x-ordered,omitempty"`
	// NotAbove: [a, b] pairs of Kubernetes quantities where a must not exceed b.
	NotAbove [][2]string `json:"x-notAbove,omitempty"`
	// Builtin: values that exist without being configured (the built-in scenarios).
	Builtin any `json:"x-builtin,omitempty"`
	// CheckedInCode says which rules of the field the schema cannot state; the backend
	// (LoadSettings) and the frontend (src/validation.ts) implement them.
	CheckedInCode string     `json:"x-checkedInCode,omitempty"`
	Defs          properties `json:"$defs,omitempty"`
}

type property struct {
	name string
	node *schemaNode
}

// properties is a JSON object with its keys in declaration order.
type properties []property

func (ps properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(p.name)
		node, err := json.Marshal(p.node)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(node)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func num(v float64) *float64 { return &v }
func length(n int) *int      { return &n }

// Patterns of the settings. Each accepts "" where an empty value means "not set". The backend
// checks Kubernetes names with k8s.io/apimachinery's validation (which keeps its expressions
// private); TestSchemaAgreesWithLoadSettings holds these patterns to it.
var (
	dnsLabelPattern     = optionalPattern(dnsLabel)
	dnsSubdomainPattern = optionalPattern(dnsLabel + `(?:\.` + dnsLabel + `)*`)
	bucketNamePattern   = optionalPattern(`[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]`)
	// noSpacePattern: no spaces or control characters (sweeps' isSpaceOrControl).
	noSpacePattern = `^[^\x00-\x20\x7f]*$`
	// notBlankPattern: at least one character that is not white space.
	notBlankPattern = `\S`
	// apiServerPattern: an https URL with a host and no path, query or credentials.
	apiServerPattern = optionalPattern(`https://[^/?#@\s]+/?`)
	// pemPattern: a PEM certificate bundle.
	pemPattern = `^$|-----BEGIN CERTIFICATE-----`
)

// dnsLabel is an RFC 1123 label.
const dnsLabel = `[a-z0-9](?:[-a-z0-9]*[a-z0-9])?`

func optionalPattern(re string) string { return "^(?:" + re + ")?$" }

// MetricPrefixes are the values of prometheus.metricPrefix.
var MetricPrefixes = []string{"vllm:", "kserve_vllm:"}

// settingsRules are what the schema says about each setting beyond its JSON type, keyed by path:
// property names joined by ".", "[]" for array items, "{}" for map values, "{key}" for map keys.
// Every value comes from the constant the validation code uses.
func settingsRules() map[string]schemaNode {
	sla := analysis.DefaultSLA()
	latency := func(def float64, what string) schemaNode {
		return schemaNode{Description: what + " (ms)", ExclusiveMinimum: num(0), Default: def}
	}
	dnsLabel := func(what string) schemaNode {
		return schemaNode{Description: what, Pattern: dnsLabelPattern, MaxLength: length(validation.DNS1123LabelMaxLength)}
	}
	dnsName := func(what string, max int) schemaNode {
		return schemaNode{Description: what, Pattern: dnsSubdomainPattern, MaxLength: length(max)}
	}
	whole := func(what string, min, max, def float64) schemaNode {
		return schemaNode{Description: what, Minimum: num(min), Maximum: num(max), Default: def, ZeroMeansDefault: true}
	}
	return map[string]schemaNode{
		"store": {Description: "The S3-compatible bucket that holds GuideLLM reports; the secret key is secureJsonData.storeSecretKey.",
			CheckedInCode: "endpoint, bucket, accessKey and the secret key are required once endpoint or bucket is set"},
		"store.endpoint": {Description: "host[:port] of the S3 server, without a scheme",
			CheckedInCode: "host[:port] only: no scheme, path, query, credentials or empty port"},
		"store.bucket": {Description: "S3 bucket name", Pattern: bucketNamePattern,
			CheckedInCode: "required once endpoint is set"},
		"store.prefix":          {Description: "Key prefix of the reports in the bucket"},
		"store.region":          {Default: DefaultRegion},
		"store.useTLS":          {Description: "https to the S3 server", Default: false},
		"store.maxObjectSizeMB": whole("Objects larger than this (MiB) are reported, not read", 1, MaxObjectSizeMBLimit, DefaultMaxObjectSizeMB),
		"store.cacheSeconds":    whole("How long one bucket listing is reused (s)", 1, MaxCacheSeconds, DefaultCacheSeconds),

		"deployments":         {Description: "The deployments catalog: GPUs and quantization per model", UniqueBy: "model"},
		"deployments[]":       {Required: []string{"model", "gpus"}},
		"deployments[].model": {Pattern: notBlankPattern},
		"deployments[].gpus":  {Minimum: num(1), Maximum: num(MaxDeploymentGPUs)},

		"gpuPrices":            {Description: "USD per GPU-hour by GPU type"},
		"gpuPrices{key}":       {Pattern: notBlankPattern},
		"gpuPrices{}":          {Minimum: num(0)},
		"sla":                  {Description: "SLA thresholds: all seven or none (then the defaults apply)", Required: slaKeys(), Ordered: slaOrders()},
		"sla.ttftExcellentMs":  latency(sla.TTFTExcellentMs, "TTFT p95 up to which the SLA status is excellent"),
		"sla.ttftAcceptableMs": latency(sla.TTFTAcceptableMs, "TTFT p95 up to which it is acceptable"),
		"sla.ttftBreakingMs":   latency(sla.TTFTBreakingMs, "TTFT p95 above which the deployment breaks"),
		"sla.itlExcellentMs":   latency(sla.ITLExcellentMs, "ITL p95 up to which the SLA status is excellent"),
		"sla.itlAcceptableMs":  latency(sla.ITLAcceptableMs, "ITL p95 up to which it is acceptable"),
		"sla.itlBreakingMs":    latency(sla.ITLBreakingMs, "ITL p95 above which the deployment breaks"),
		"sla.maxErrorRate":     {Description: "Share of failed requests allowed (0.01 = 1 %)", Minimum: num(0), Maximum: num(1), Default: sla.MaxErrorRate},

		"scenarios": {Description: "Prompt/output token shapes; a name of a built-in one replaces it",
			UniqueBy: "name", Builtin: mapSlice(analysis.DefaultScenarios(), scenarioJSON)},
		"scenarios[]":              {Required: []string{"name", "promptTokens", "outputTokens"}},
		"scenarios[].name":         {Pattern: notBlankPattern},
		"scenarios[].promptTokens": {Minimum: num(1)},
		"scenarios[].outputTokens": {Minimum: num(1)},

		"sizing.targetUtilization": {Description: "Share of a replica's capacity a fleet may use: replicas = ceil(load / (u × capacity))",
			ExclusiveMinimum: num(0), Maximum: num(1), Default: DefaultTargetUtilization, ZeroMeansDefault: true},

		"prometheus.tenancyNamespace": dnsLabel("Thanos tenancy port mode (9092): every request carries namespace=<this>"),
		"prometheus.metricPrefix":     {Enum: MetricPrefixes, Default: DefaultMetricPrefix},
		"prometheus.namespace":        dnsLabel("Default namespace filter of live queries"),
		"prometheus.scrapeIntervalSeconds": whole("Scrape interval the rate windows are derived from (s)",
			1, MaxScrapeIntervalSeconds, DefaultScrapeIntervalSeconds),

		"kubernetes": {Description: "GuideLLM sweeps as Kubernetes Jobs; off while namespace is empty. Secrets: secureJsonData.kubernetesToken, .modelApiKey.",
			CheckedInCode: "apiServer and cronJobName need namespace; the other fields are checked only once namespace is set"},
		"kubernetes.namespace": {Description: "Namespace the GuideLLM Jobs run in; empty: sweeps are off",
			Pattern: dnsLabelPattern, MaxLength: length(validation.DNS1123LabelMaxLength),
			CheckedInCode: "required once apiServer or cronJobName is set"},
		"kubernetes.modelNamespace": dnsLabel("Fills {namespace} of endpointTemplate; empty means namespace"),
		"kubernetes.cronJobName":    dnsName("Jobs are instantiated from this CronJob's pod template", sweeps.MaxCronJobNameLength),
		"kubernetes.image": {Description: "GuideLLM container image of the built-in Job spec", Default: sweeps.DefaultImage, Pattern: noSpacePattern,
			CheckedInCode: "a tag vX.Y.Z of GuideLLM 0.5, 0.6 or 0.7 unless guidellmVersion is set"},
		"kubernetes.guidellmVersion": {Description: "Selects the GuideLLM command line; empty means the version in the image tag",
			CheckedInCode: "a version of 0.5.x, 0.6.x or 0.7.x; required when the image has no vX.Y.Z tag; must agree with the tag"},
		"kubernetes.endpointTemplate": {Description: "OpenAI base URL of a model; {model} and {namespace} are replaced", Default: sweeps.DefaultEndpointTemplate,
			CheckedInCode: "contains {model}, no other placeholder than {namespace}; an http(s) URL without credentials, query or fragment"},
		"kubernetes.secondsPerStage": whole("Default duration of one stage (s)", sweeps.MinSecondsPerStage, sweeps.MaxSecondsPerStage, sweeps.DefaultSecondsPerStage),
		"kubernetes.maxStages":       whole("Most stages of one sweep", 1, sweeps.MaxMaxStages, sweeps.DefaultMaxStages),
		"kubernetes.maxConcurrentSweeps": whole("Most sweeps running at once in the namespace",
			1, sweeps.MaxMaxConcurrentSweeps, sweeps.DefaultMaxConcurrent),
		"kubernetes.ttlSecondsAfterFinished": whole("How long finished Jobs and the logs holding their reports stay (s)",
			sweeps.MinTTLSecondsAfterFinished, sweeps.MaxTTLSecondsAfterFinished, sweeps.DefaultTTLSecondsAfterFinished),
		"kubernetes.models":      {Description: "Per-model overrides, keyed by the served model name"},
		"kubernetes.models{key}": {Pattern: sweeps.ModelNamePattern},
		"kubernetes.models{}.endpoint": {Description: "The model's OpenAI base URL; empty means endpointTemplate",
			CheckedInCode: "an http(s) URL without credentials, query or fragment"},
		"kubernetes.models{}.processor": {Description: "Tokenizer GuideLLM loads (Hugging Face id or path); empty means the model name",
			Pattern: noSpacePattern, MaxLength: length(sweeps.MaxProcessorLength)},
		"kubernetes.hfTokenSecret": dnsName("Secret whose key HF_TOKEN is given to GuideLLM", validation.DNS1123SubdomainMaxLength),
		"kubernetes.hfCacheClaim":  dnsName("PersistentVolumeClaim holding a Hugging Face cache, mounted read-only at hfHome", validation.DNS1123SubdomainMaxLength),
		"kubernetes.hfHome": {Description: "Where hfCacheClaim is mounted", Default: sweeps.DefaultHFHome, Pattern: noSpacePattern,
			MaxLength: length(sweeps.MaxHFHomeLength), CheckedInCode: "an absolute, clean path outside /tmp and /results"},
		"kubernetes.resources": {Description: "Requests and limits of the GuideLLM container (Kubernetes quantities)",
			NotAbove:      [][2]string{{"cpuRequest", "cpuLimit"}, {"memoryRequest", "memoryLimit"}},
			CheckedInCode: "each a positive Kubernetes quantity"},
		"kubernetes.resources.cpuRequest":    {Default: sweeps.DefaultCPURequest},
		"kubernetes.resources.memoryRequest": {Default: sweeps.DefaultMemoryRequest},
		"kubernetes.resources.cpuLimit":      {Default: sweeps.DefaultCPULimit},
		"kubernetes.resources.memoryLimit":   {Default: sweeps.DefaultMemoryLimit},
		"kubernetes.apiServer": {Description: "https URL of the kube-apiserver; empty means Grafana's pod service account",
			Pattern: apiServerPattern, CheckedInCode: "needs secureJsonData.kubernetesToken"},
		"kubernetes.caCert": {Description: "PEM CA bundle of apiServer", Pattern: pemPattern},
	}
}

func slaKeys() []string {
	return jsonNames(reflect.TypeFor[SLAJSON]())
}

// slaOrders: excellent ≤ acceptable ≤ breaking, for TTFT and ITL.
func slaOrders() [][]string {
	keys := slaKeys()
	return [][]string{keys[0:3], keys[3:6]}
}

func scenarioJSON(d analysis.ScenarioDef) ScenarioJSON { return ScenarioJSON(d) }

// secureFields are the secureJsonData keys: names only, values never leave Grafana.
var secureFields = []struct{ key, about string }{
	{SecureStoreSecretKey, "S3 secret key of store.accessKey"},
	{SecureKubernetesTokenKey, "Bearer token for kubernetes.apiServer"},
	{SecureModelAPIKeyKey, "Bearer token the model endpoints want (sweep probe, GET /v1/models)"},
}

// SettingsSchema is the JSON Schema of jsonData, generated from SettingsJSON and settingsRules,
// with $defs for the secure field names and the live metrics the query editor offers.
func SettingsSchema() ([]byte, error) {
	rules := settingsRules()
	used := map[string]bool{}
	root, err := schemaOf(reflect.TypeFor[SettingsJSON](), "", rules, used)
	if err != nil {
		return nil, err
	}
	var unused []string
	for path := range rules {
		if !used[path] {
			unused = append(unused, path)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("settings rules for paths that SettingsJSON does not have: %s", strings.Join(unused, ", "))
	}
	root.Schema = "https://json-schema.org/draft/2020-12/schema"
	root.Title = "Inference ROI data source settings (jsonData)"
	root.Description = "Generated from pkg/models (SettingsJSON, settingsRules) by `go generate ./pkg/models`; do not edit."

	secure := &schemaNode{Type: "object", Description: "secureJsonData: written by the config editor, never read back"}
	for _, f := range secureFields {
		secure.Properties = append(secure.Properties, property{f.key, &schemaNode{Type: "string", Description: f.about, WriteOnly: true}})
	}
	metric := &schemaNode{Type: "string", Description: "metric of the `metrics` query type (pkg/live)"}
	for _, m := range live.Metrics() {
		metric.OneOf = append(metric.OneOf, &schemaNode{Const: m.Name, Title: m.Title, Description: m.About})
	}
	root.Defs = properties{{"secureJsonData", secure}, {"liveMetric", metric}}

	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// schemaOf describes Go type t at path and applies the path's rule.
func schemaOf(t reflect.Type, path string, rules map[string]schemaNode, used map[string]bool) (*schemaNode, error) {
	n := &schemaNode{}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), path, rules, used)
	case reflect.String:
		n.Type = "string"
	case reflect.Bool:
		n.Type = "boolean"
	case reflect.Int, reflect.Int64:
		n.Type = "integer"
	case reflect.Float64:
		n.Type = "number"
	case reflect.Slice:
		n.Type = "array"
		items, err := schemaOf(t.Elem(), path+"[]", rules, used)
		if err != nil {
			return nil, err
		}
		n.Items = items
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: map keys must be strings", path)
		}
		n.Type = "object"
		values, err := schemaOf(t.Elem(), path+"{}", rules, used)
		if err != nil {
			return nil, err
		}
		n.AdditionalProperties = values
		if key, ok := rules[path+"{key}"]; ok {
			used[path+"{key}"] = true
			n.PropertyNames = &key
		}
	case reflect.Struct:
		n.Type = "object"
		for i := range t.NumField() {
			f := t.Field(i)
			name := jsonName(f)
			if name == "" {
				return nil, fmt.Errorf("%s: field %s has no json name", path, f.Name)
			}
			child, err := schemaOf(f.Type, strings.TrimPrefix(path+"."+name, "."), rules, used)
			if err != nil {
				return nil, err
			}
			n.Properties = append(n.Properties, property{name, child})
		}
	default:
		return nil, fmt.Errorf("%s: no schema for Go type %s", path, t)
	}
	if rule, ok := rules[path]; ok {
		used[path] = true
		applyRule(n, rule)
	}
	return n, nil
}

// applyRule copies the keywords the rule sets onto n.
func applyRule(n *schemaNode, rule schemaNode) {
	dst, src := reflect.ValueOf(n).Elem(), reflect.ValueOf(rule)
	for i := range src.NumField() {
		if !src.Field(i).IsZero() {
			dst.Field(i).Set(src.Field(i))
		}
	}
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func jsonNames(t reflect.Type) []string {
	names := make([]string, t.NumField())
	for i := range t.NumField() {
		names[i] = jsonName(t.Field(i))
	}
	return names
}
