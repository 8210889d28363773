package sweeps

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
)

// Synthetic data always needs a tokenizer: without one GuideLLM loads the served model name from
// the Hugging Face hub, which fails for names that are not hub ids (mistral-3-bf16) and in
// clusters without internet. resolveProcessor finds one per model, in this order:
//  1. kubernetes.models[model].processor (the catalog; may be a path in the image or cache),
//  2. the model's KServe InferenceService: vLLM's --tokenizer argument, an hf:// storage URI,
//     or a --model argument that is a hub id,
//  3. the root of the model endpoint's GET /v1/models (vLLM reports what it loaded),
// and takes from 2 and 3 only Hugging Face ids ("org/name"): a path there is a path inside the
// vLLM pod, which the GuideLLM pod does not have.

// InferenceServices reads KServe InferenceServices (KServeInferenceServices adapts a dynamic
// client).
type InferenceServices interface {
	Get(ctx context.Context, namespace, name string) (map[string]any, error)
}

// InferenceServiceGVR is KServe's InferenceService resource.
var InferenceServiceGVR = schema.GroupVersionResource{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"}

type kserveInferenceServices struct{ client dynamic.Interface }

// KServeInferenceServices reads InferenceServices through a dynamic client.
func KServeInferenceServices(c dynamic.Interface) InferenceServices {
	return kserveInferenceServices{c}
}

func (k kserveInferenceServices) Get(ctx context.Context, namespace, name string) (map[string]any, error) {
	u, err := k.client.Resource(InferenceServiceGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return u.Object, nil
}

// WithInferenceServices lets Launch look for tokenizers in KServe InferenceServices.
func WithInferenceServices(isvc InferenceServices) Option {
	return func(m *Manager) { m.isvc = isvc }
}

// WithModelsHTTP is the client Launch uses for the model endpoint's GET /v1/models (the data
// source's HTTP options: TLS, CA, proxy); the API key, when set, goes in as a bearer token.
func WithModelsHTTP(hc *http.Client, apiKey string) Option {
	return func(m *Manager) { m.modelsHTTP, m.modelsAPIKey = hc, apiKey }
}

// hubIDRE is a Hugging Face repository id: "org/name", no path, no scheme.
var hubIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$`)

func isHubID(s string) bool { return hubIDRE.MatchString(s) }

// modelsLookupTimeout bounds the GET /v1/models Launch makes.
const modelsLookupTimeout = 5 * time.Second

// resolveProcessor fills p.Processor, or fails with ErrInvalid naming the setting to fill and
// what was looked at.
func (m *Manager) resolveProcessor(ctx context.Context, p *Plan) error {
	if p.Processor != "" {
		return nil
	}
	var looked []string
	if m.isvc != nil && len(validation.IsDNS1123Label(p.Model)) == 0 {
		ns := m.settings.modelNamespace()
		proc, why := processorFromInferenceService(ctx, m.isvc, ns, p.Model)
		if proc != "" {
			p.Processor = proc
			return nil
		}
		looked = append(looked, fmt.Sprintf("KServe InferenceService %s/%s: %s", ns, p.Model, why))
	}
	if m.modelsHTTP != nil && p.Target != "" {
		proc, why := m.processorFromModels(ctx, p.Target, p.Model)
		if proc != "" {
			p.Processor = proc
			return nil
		}
		looked = append(looked, fmt.Sprintf("GET %s/models: %s", strings.TrimSuffix(p.Target, "/"), why))
	}
	msg := fmt.Sprintf("no tokenizer found for model %q: GuideLLM needs one to size synthetic prompts. Set kubernetes.models[%q].processor "+
		"to its Hugging Face id (in clusters without internet, with kubernetes.hfCacheClaim holding it) or to a tokenizer path in the GuideLLM image", p.Model, p.Model)
	if len(looked) > 0 {
		msg += "; looked at " + strings.Join(looked, "; ")
	}
	return invalidf("%s", msg)
}

// processorFromInferenceService reads the tokenizer from the InferenceService: --tokenizer, an
// hf:// storage URI, then --model; why says what was wrong when nothing usable is there.
func processorFromInferenceService(ctx context.Context, isvc InferenceServices, namespace, name string) (proc, why string) {
	obj, err := isvc.Get(ctx, namespace, name)
	switch {
	case apierrors.IsNotFound(err):
		return "", "not found"
	case apierrors.IsForbidden(err):
		return "", "forbidden (grant get on inferenceservices.serving.kserve.io in that namespace to look there)"
	case err != nil:
		return "", "not readable: " + err.Error()
	}
	predictor := unstructuredMap(obj, "spec", "predictor")
	model := unstructuredMap(predictor, "model")
	var args []string
	args = append(args, stringList(model["args"])...)
	args = append(args, stringList(model["command"])...)
	if containers, ok := predictor["containers"].([]any); ok {
		for _, c := range containers {
			if cm, ok := c.(map[string]any); ok {
				args = append(args, stringList(cm["command"])...)
				args = append(args, stringList(cm["args"])...)
			}
		}
	}
	var candidates []string
	if v := flagValue(args, "--tokenizer"); v != "" {
		candidates = append(candidates, v)
	}
	if uri, _ := model["storageUri"].(string); strings.HasPrefix(uri, "hf://") {
		id, _, _ := strings.Cut(strings.TrimPrefix(uri, "hf://"), ":") // hf://org/name:revision
		candidates = append(candidates, id)
	}
	if v := flagValue(args, "--model"); v != "" {
		candidates = append(candidates, v)
	}
	for _, c := range candidates {
		if isHubID(c) {
			return c, ""
		}
	}
	if len(candidates) == 0 {
		return "", "no --tokenizer or --model argument and no hf:// storageUri"
	}
	return "", fmt.Sprintf("%q is not a Hugging Face id (a path in the vLLM pod is not in the GuideLLM pod)", candidates[0])
}

// flagValue is the value of --name=value or --name value in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// unstructuredMap is the object at path, empty when there is none.
func unstructuredMap(obj map[string]any, path ...string) map[string]any {
	cur := obj
	for _, k := range path {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return map[string]any{}
		}
		cur = next
	}
	return cur
}

func stringList(v any) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// processorFromModels reads root of the model's entry in GET {target}/models (vLLM: the path or
// hub id it loaded).
func (m *Manager) processorFromModels(ctx context.Context, target, model string) (proc, why string) {
	ctx, cancel := context.WithTimeout(ctx, modelsLookupTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(target, "/")+"/models", nil)
	if err != nil {
		return "", err.Error()
	}
	if m.modelsAPIKey != "" {
		req.Header.Set("Authorization", "Bearer "+m.modelsAPIKey)
	}
	resp, err := m.modelsHTTP.Do(req)
	if err != nil {
		return "", "not reachable: " + err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	var list struct {
		Data []struct {
			ID   string `json:"id"`
			Root string `json:"root"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return "", "not an OpenAI model list: " + err.Error()
	}
	for _, d := range list.Data {
		if d.ID != model {
			continue
		}
		if isHubID(d.Root) {
			return d.Root, ""
		}
		if d.Root == "" {
			return "", "the entry has no root"
		}
		return "", fmt.Sprintf("root %q is not a Hugging Face id (a path in the vLLM pod is not in the GuideLLM pod)", d.Root)
	}
	return "", "the model is not listed"
}
