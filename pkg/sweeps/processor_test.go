package sweeps

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// inferenceServices serves InferenceService objects from YAML, as the apiserver returns them.
type inferenceServices map[string]string

func (m inferenceServices) Get(_ context.Context, namespace, name string) (map[string]any, error) {
	doc, ok := m[namespace+"/"+name]
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: "serving.kserve.io", Resource: "inferenceservices"}, name)
	}
	var obj map[string]any
	return obj, yaml.Unmarshal([]byte(doc), &obj)
}

func TestResolveProcessor(t *testing.T) {
	models := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/v1/models", r.URL.Path)
		require.Equal(t, "Bearer sk-test", r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"object":"list","data":[
			{"id":"granite-root","root":"ibm-granite/granite-3.3-8b-instruct"},
			{"id":"mistral-3-bf16","root":"/mnt/models"}]}`))
	}))
	defer models.Close()
	isvc := inferenceServices{
		"bench/from-tokenizer": `{spec: {predictor: {model: {modelFormat: {name: vLLM}, storageUri: "pvc://models/x", args: ["--served-model-name=from-tokenizer", "--tokenizer", "org/tok-a"]}}}}`,
		"bench/from-storage":   `{spec: {predictor: {model: {storageUri: "hf://org/from-storage:main", args: ["--model=/mnt/models"]}}}}`,
		"bench/from-container": `{spec: {predictor: {containers: [{name: kserve-container, args: ["--model", "org/container-model"]}]}}}`,
		"bench/path-only":      `{spec: {predictor: {model: {storageUri: "s3://bucket/path", args: ["--model=/mnt/models"]}}}}`,
	}
	s := testSettings()
	s.EndpointTemplate = models.URL + "/{model}/v1"
	s.Models["granite-root"] = ModelSettings{Endpoint: models.URL + "/v1"}
	s.Models["mistral-3-bf16"] = ModelSettings{Endpoint: models.URL + "/v1"}
	m := NewManager(nil, s, testCatalog(), WithInferenceServices(isvc), WithModelsHTTP(models.Client(), "sk-test"))
	resolve := func(model string) (string, error) {
		p, err := s.Plan(Request{Model: model, Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1}}, testCatalog())
		require.NoError(t, err)
		err = m.resolveProcessor(context.Background(), &p)
		return p.Processor, err
	}
	for model, want := range map[string]string{
		"mistral-3-int4": "RedHatAI/Mistral-Small-3.1-24B-Instruct-2503-quantized.w4a16", // the catalog first
		"from-tokenizer": "org/tok-a",
		"from-storage":   "org/from-storage",
		"from-container": "org/container-model",
		"granite-root":   "ibm-granite/granite-3.3-8b-instruct",
	} {
		got, err := resolve(model)
		require.NoError(t, err, model)
		require.Equal(t, want, got, model)
	}

	// Nothing usable: 400 naming the setting, and what was looked at.
	_, err := resolve("mistral-3-bf16")
	require.ErrorIs(t, err, ErrInvalid)
	require.Equal(t, http.StatusBadRequest, StatusCode(err))
	require.Contains(t, err.Error(), `Set kubernetes.models["mistral-3-bf16"].processor`)
	require.Contains(t, err.Error(), "KServe InferenceService bench/mistral-3-bf16: not found")
	require.Contains(t, err.Error(), `root "/mnt/models" is not a Hugging Face id`)
	s.Models["path-only"] = ModelSettings{Endpoint: models.URL + "/v1"}
	m = NewManager(nil, s, testCatalog(), WithInferenceServices(isvc), WithModelsHTTP(models.Client(), "sk-test"))
	_, err = resolve("path-only")
	require.ErrorIs(t, err, ErrInvalid)
	require.Contains(t, err.Error(), `"/mnt/models" is not a Hugging Face id`)
	require.Contains(t, err.Error(), "the model is not listed")

	// Without any source configured the catalog is the only one.
	m = NewManager(nil, s, testCatalog())
	_, err = resolve("from-tokenizer")
	require.ErrorIs(t, err, ErrInvalid)
	require.Contains(t, err.Error(), "kubernetes.models[\"from-tokenizer\"].processor")
}
