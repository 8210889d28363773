package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
)

// cluster is the real kube-apiserver of the test script, reached as its admin.
type cluster struct {
	admin  *kubernetes.Clientset
	host   string
	caCert string
}

func requireCluster(t *testing.T) cluster {
	t.Helper()
	path := realserver.Env(t, "K8S_TEST_KUBECONFIG", "scripts/k8s-server.sh start, then load .cache/k8s-test/env")
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	require.NoError(t, err)
	ca := rc.CAData
	if len(ca) == 0 {
		ca, err = os.ReadFile(rc.CAFile)
		require.NoError(t, err)
	}
	admin, err := kubernetes.NewForConfig(rc)
	require.NoError(t, err)
	return cluster{admin: admin, host: rc.Host, caCert: string(ca)}
}

// grafanaAccount creates a namespace and the Grafana service account in it, binds the shipped
// sweeps Role (deploy/base/grafana/sweeps-rbac.yaml) when withRole, and returns a token of that account.
func (c cluster) grafanaAccount(t *testing.T, withRole bool) (namespace, token string) {
	t.Helper()
	ctx := context.Background()
	namespace = fmt.Sprintf("e2e-sweeps-%d", time.Now().UnixNano()%1e9)
	_, err := c.admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.admin.CoreV1().Namespaces().Delete(context.Background(), namespace, metav1.DeleteOptions{})
	})
	_, err = c.admin.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "grafana"}}, metav1.CreateOptions{})
	require.NoError(t, err)

	if withRole {
		raw, err := os.ReadFile("../../deploy/base/grafana/sweeps-rbac.yaml")
		require.NoError(t, err)
		docs := strings.Split(string(raw), "\n---\n")
		require.Len(t, docs, 2)
		var role rbacv1.Role
		require.NoError(t, yaml.Unmarshal([]byte(docs[0]), &role))
		var binding rbacv1.RoleBinding
		require.NoError(t, yaml.Unmarshal([]byte(docs[1]), &binding))
		role.Namespace, binding.Namespace = namespace, namespace
		for i := range binding.Subjects {
			binding.Subjects[i].Namespace = namespace
		}
		_, err = c.admin.RbacV1().Roles(namespace).Create(ctx, &role, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = c.admin.RbacV1().RoleBindings(namespace).Create(ctx, &binding, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	tr, err := c.admin.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, "grafana", &authnv1.TokenRequest{}, metav1.CreateOptions{})
	require.NoError(t, err)
	return namespace, tr.Status.Token
}

func sweepsInstance(c cluster, uid, namespace, token string) instance {
	return instance{
		UID: uid,
		JSONData: map[string]any{
			"kubernetes": map[string]any{"namespace": namespace, "apiServer": c.host, "caCert": c.caCert, "secondsPerStage": 30,
				// Every sweep needs a tokenizer; the catalog's is the first place the plugin looks.
				"models": map[string]any{"mistral-3-int4": map[string]any{"processor": "mistralai/Mistral-7B-v0.1"}}},
			"deployments": []map[string]any{
				{"model": "mistral-3-int4", "gpus": 1, "gpuType": "L4", "quantization": "int4"},
			},
		},
		Secure: map[string]string{"kubernetesToken": token},
	}
}

// TestSweepsThroughThePlugin launches, lists, reads and cancels a sweep through the compiled plugin
// with Grafana's service account bound to the shipped Role only: the Job passes the API server's
// validation, a second launch returns the running sweep, and a Viewer is refused every mutating call.
func TestSweepsThroughThePlugin(t *testing.T) {
	c := requireCluster(t)
	namespace, token := c.grafanaAccount(t, true)
	in := sweepsInstance(c, "sweeps-"+namespace, namespace, token)
	launch := []byte(`{"model": "mistral-3-int4", "scenario": "chat", "profile": "poisson", "rates": [0.5, 1, 2]}`)

	for _, call := range []struct{ method, path string }{
		{http.MethodPost, "sweeps"}, {http.MethodDelete, "sweeps/anything"}, {http.MethodPost, "probe"},
	} {
		status, body := plugin.callResource(t, in.as("Viewer"), call.method, call.path, launch)
		assert.Equal(t, http.StatusForbidden, status, "%s %s: %s", call.method, call.path, body)
	}

	status, body := plugin.callResource(t, in.as("Editor"), http.MethodPost, "sweeps", []byte(`{"model": "mistral-3-int4", "scenario": "chat", "profile": "bogus"}`))
	assert.Equal(t, http.StatusBadRequest, status, string(body))
	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "sweeps", []byte(`{"model": "mistral-3-int4", "scenario": "chat", "profile": "poisson", "rates": [1], "shell": "rm -rf /"}`))
	assert.Equal(t, http.StatusBadRequest, status, "unknown fields are refused: %s", body)

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "sweeps", launch)
	require.Equal(t, http.StatusAccepted, status, string(body))
	var launched struct {
		Sweep struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"sweep"`
		Created bool `json:"created"`
	}
	require.NoError(t, json.Unmarshal(body, &launched))
	require.True(t, launched.Created)
	name := launched.Sweep.Name
	require.NotEmpty(t, name)
	assert.LessOrEqual(t, len(name), 63)

	job, err := c.admin.BatchV1().Jobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err, "the Job was created and accepted by the API server")
	args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
	assert.Contains(t, args, "run")
	assert.Contains(t, args, "mistral-3-int4")

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "sweeps", launch)
	require.Equal(t, http.StatusOK, status, string(body))
	var again struct {
		Sweep struct {
			Name string `json:"name"`
		} `json:"sweep"`
		Created bool `json:"created"`
	}
	require.NoError(t, json.Unmarshal(body, &again))
	assert.False(t, again.Created)
	assert.Equal(t, name, again.Sweep.Name, "an active sweep of the same model and scenario is returned, not doubled")

	status, body = plugin.callResource(t, in.as("Viewer"), http.MethodGet, "sweeps", nil)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Contains(t, string(body), name)
	status, body = plugin.callResource(t, in.as("Viewer"), http.MethodGet, "sweeps/"+name, nil)
	require.Equal(t, http.StatusOK, status, string(body))
	status, _ = plugin.callResource(t, in.as("Viewer"), http.MethodGet, "sweeps/no-such-sweep", nil)
	assert.Equal(t, http.StatusNotFound, status)

	resp := plugin.queryData(t, in.as("Viewer"), []backend.DataQuery{{RefID: "s", QueryType: "sweeps", JSON: json.RawMessage(`{}`)}})
	dr := resp.Responses["s"]
	require.NoError(t, dr.Error)
	require.NotEmpty(t, dr.Frames)
	assert.Equal(t, 1, dr.Frames[0].Rows())

	health := plugin.checkHealth(t, in)
	assert.Equal(t, backend.HealthStatusOk, health.Status, health.Message)
	assert.Contains(t, health.Message, "may launch, follow and ingest sweeps")

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodDelete, "sweeps/"+name, nil)
	require.Equal(t, http.StatusOK, status, string(body))
	_, err = c.admin.BatchV1().Jobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err == nil {
		// Background propagation: the Job may linger with a deletion timestamp, never without one.
		j, _ := c.admin.BatchV1().Jobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
		assert.NotNil(t, j.DeletionTimestamp)
	} else {
		assert.True(t, apierrors.IsNotFound(err), "%v", err)
	}
}

// TestSweepsHealthNamesTheMissingRole: without the Role the health check fails and shows the Role
// to apply.
func TestSweepsHealthNamesTheMissingRole(t *testing.T) {
	c := requireCluster(t)
	namespace, token := c.grafanaAccount(t, false)
	health := plugin.checkHealth(t, sweepsInstance(c, "sweeps-norole-"+namespace, namespace, token))
	assert.Equal(t, backend.HealthStatusError, health.Status)
	assert.Contains(t, health.Message, "kind: Role")
	assert.Contains(t, health.Message, "pods/log")
	assert.False(t, bytes.Contains([]byte(health.Message), []byte(token)), "the token is never returned")
}

// openAIStream is an OpenAI-compatible server that streams a fixed answer token by token.
func openAIStream(t *testing.T, tokens []string, gap time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		flusher := w.(http.Flusher)
		for i, tok := range tokens {
			time.Sleep(gap)
			chunk := map[string]any{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
				"choices": []map[string]any{{"index": 0, "delta": map[string]any{"content": tok}}}}
			if i == len(tokens)-1 {
				chunk["choices"].([]map[string]any)[0]["finish_reason"] = "stop"
			}
			raw, _ := json.Marshal(chunk)
			fmt.Fprintf(w, "data: %s\n\n", raw)
			flusher.Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestProbeThroughThePlugin: the side-by-side probe reaches each model's endpoint from the settings
// and reports its answer and timings; a model that cannot be reached fails alone.
func TestProbeThroughThePlugin(t *testing.T) {
	srv := openAIStream(t, []string{"Quantization ", "trades ", "bits ", "for ", "speed."}, 20*time.Millisecond)
	in := instance{
		UID: "probe",
		JSONData: map[string]any{"kubernetes": map[string]any{
			"namespace": "private-ai",
			"models": map[string]any{
				"mistral-3-int4": map[string]any{"endpoint": srv.URL + "/v1"},
				"mistral-3-bf16": map[string]any{"endpoint": "http://127.0.0.1:1/v1"},
			},
		}},
		Role: "Editor",
	}
	status, body := plugin.callResource(t, in, http.MethodPost, "probe", []byte(`{"models": ["mistral-3-int4", "mistral-3-bf16"], "prompt": "What is quantization?", "maxTokens": 32}`))
	require.Equal(t, http.StatusOK, status, string(body))
	var out struct {
		Results []struct {
			Model  string  `json:"model"`
			TTFTMs float64 `json:"ttftMs"`
			ITLMs  float64 `json:"itlMs"`
			Tokens int     `json:"tokens"`
			Text   string  `json:"text"`
			Error  string  `json:"error"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(body, &out))
	require.Len(t, out.Results, 2)
	ok, down := out.Results[0], out.Results[1]
	assert.Equal(t, "mistral-3-int4", ok.Model)
	assert.Empty(t, ok.Error)
	assert.Equal(t, "Quantization trades bits for speed.", ok.Text)
	assert.Equal(t, 5, ok.Tokens)
	assert.GreaterOrEqual(t, ok.TTFTMs, 15.0)
	assert.GreaterOrEqual(t, ok.ITLMs, 15.0)
	assert.Equal(t, "mistral-3-bf16", down.Model)
	assert.NotEmpty(t, down.Error)

	status, body = plugin.callResource(t, in, http.MethodPost, "probe", []byte(`{"models": ["Not A Model"], "prompt": "x"}`))
	assert.Equal(t, http.StatusBadRequest, status, string(body))
}
