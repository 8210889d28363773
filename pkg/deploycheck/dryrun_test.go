package deploycheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// apiServer is a connection to the real kube-apiserver that scripts/k8s-server.sh starts.
type apiServer struct {
	dyn      dynamic.Interface
	typed    kubernetes.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	warnings *warningLog
}

// warningLog collects the warnings the apiserver sends back (Pod Security "warn" findings among
// them).
type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

var _ rest.WarningHandler = (*warningLog)(nil)

func (w *warningLog) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// take returns and clears the collected warnings.
func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	msgs := w.msgs
	w.msgs = nil
	return msgs
}

// connect uses K8S_TEST_KUBECONFIG (never KUBECONFIG, so a real cluster is never touched). Without
// it the test is skipped, or fails when CI=true.
func connect(t *testing.T) *apiServer {
	t.Helper()
	kubeconfig := realserver.Env(t, "K8S_TEST_KUBECONFIG", "run scripts/k8s-server.sh start && set -a && . .cache/k8s-test/env && set +a")
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	require.NoError(t, err)
	w := &warningLog{}
	cfg.WarningHandler = w
	cfg.QPS, cfg.Burst = 200, 400 // discovery of every API group would otherwise be throttled for seconds
	dyn, err := dynamic.NewForConfig(cfg)
	require.NoError(t, err)
	typed, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	require.NoError(t, err)
	return &apiServer{dyn: dyn, typed: typed, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)), warnings: w}
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// installCRDs installs the Route and Application CRDs of testdata/crds and waits until the
// apiserver serves them.
func (s *apiServer) installCRDs(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	files, err := filepath.Glob("testdata/crds/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		crd := &unstructured.Unstructured{}
		require.NoError(t, yaml.Unmarshal(raw, &crd.Object), f)
		_, err = s.dyn.Resource(crdResource).Create(ctx, crd, metav1.CreateOptions{FieldValidation: "Strict"})
		if apierrors.IsAlreadyExists(err) { // an apiserver kept from an earlier run: bring it up to date
			cur, getErr := s.dyn.Resource(crdResource).Get(ctx, crd.GetName(), metav1.GetOptions{})
			require.NoError(t, getErr)
			crd.SetResourceVersion(cur.GetResourceVersion())
			_, err = s.dyn.Resource(crdResource).Update(ctx, crd, metav1.UpdateOptions{FieldValidation: "Strict"})
		}
		require.NoError(t, err, f)
		require.Eventually(t, func() bool {
			cur, err := s.dyn.Resource(crdResource).Get(ctx, crd.GetName(), metav1.GetOptions{})
			if err != nil {
				return false
			}
			conds, _, _ := unstructured.NestedSlice(cur.Object, "status", "conditions")
			for _, c := range conds {
				if m, _ := c.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
					return true
				}
			}
			return false
		}, 30*time.Second, 50*time.Millisecond, "CRD %s is not established", crd.GetName())
	}
	s.mapper.Reset()
}

func (s *apiServer) resource(t *testing.T, obj *unstructured.Unstructured) dynamic.ResourceInterface {
	t.Helper()
	gvk := obj.GroupVersionKind()
	var mapping *meta.RESTMapping
	require.Eventually(t, func() bool {
		var err error
		if mapping, err = s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			s.mapper.Reset()
			return false
		}
		return true
	}, 10*time.Second, 100*time.Millisecond, "the apiserver does not serve %s", gvk)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		require.NotEmpty(t, obj.GetNamespace(), "%s %s has no namespace", obj.GetKind(), obj.GetName())
		return s.dyn.Resource(mapping.Resource).Namespace(obj.GetNamespace())
	}
	return s.dyn.Resource(mapping.Resource)
}

// dryRun creates obj with dryRun=All and strict field validation: the apiserver defaults,
// validates (schemas, unknown fields), runs admission (Pod Security warnings) and stores nothing.
func (s *apiServer) dryRun(t *testing.T, obj *unstructured.Unstructured) ([]string, error) {
	t.Helper()
	s.warnings.take()
	_, err := s.resource(t, obj).Create(context.Background(), obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: "Strict"})
	return s.warnings.take(), err
}

func (s *apiServer) create(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	_, err := s.resource(t, obj).Create(context.Background(), obj, metav1.CreateOptions{FieldValidation: "Strict"})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err, "%s %s", obj.GetKind(), obj.GetName())
	}
}

// buildInNamespace builds dir (relative to the repository root) into a fresh namespace, so every
// run dry-runs against a namespace of its own: the test apiserver runs no namespace controller, so
// a namespace can never be deleted and reused.
func buildInNamespace(t *testing.T, dir string) (objects, string) {
	t.Helper()
	ns := "deploycheck-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	tmp := t.TempDir()
	target, err := filepath.Abs(filepath.Join(repoRoot(t), dir))
	require.NoError(t, err)
	rel, err := filepath.Rel(tmp, target) // kustomize refuses absolute resource paths
	require.NoError(t, err)
	kustomization := fmt.Sprintf("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: %s\nresources:\n  - %s\n", ns, rel)
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "kustomization.yaml"), []byte(kustomization), 0o600))
	objs := buildAt(t, tmp)
	objs.get(t, "Namespace", ns)
	return objs, ns
}

func TestEveryManifestPassesServerSideDryRun(t *testing.T) {
	s := connect(t)
	s.installCRDs(t)

	for _, dir := range []string{baseDir, openshiftDir} {
		t.Run(dir, func(t *testing.T) {
			objs, ns := buildInNamespace(t, dir)
			for _, obj := range objs.ofKind("Namespace") {
				s.create(t, obj) // dry-run objects need their namespace to exist
			}
			for _, obj := range objs {
				if obj.GetKind() == "Namespace" {
					continue
				}
				warnings, err := s.dryRun(t, obj)
				assert.NoError(t, err, "%s %s/%s", obj.GetKind(), ns, obj.GetName())
				assert.Empty(t, warnings, "%s %s: the apiserver warns (Pod Security restricted, deprecated fields)", obj.GetKind(), obj.GetName())
			}
		})
	}

	t.Run(argocdDir, func(t *testing.T) {
		objs := build(t, argocdDir)
		for _, obj := range objs {
			s.create(t, &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": obj.GetNamespace()},
			}})
			warnings, err := s.dryRun(t, obj)
			assert.NoError(t, err, "%s %s", obj.GetKind(), obj.GetName())
			assert.Empty(t, warnings)
		}
	})
}

// The dry run above proves something only if the apiserver does reject and warn: these are
// broken copies of shipped objects.
func TestServerSideDryRunRejectsBrokenManifests(t *testing.T) {
	s := connect(t)
	s.installCRDs(t)
	objs, _ := buildInNamespace(t, openshiftDir)
	s.create(t, objs.ofKind("Namespace")[0])

	route := objs.get(t, "Route", grafanaName).DeepCopy()
	require.NoError(t, unstructured.SetNestedField(route.Object, "edge-typo", "spec", "tls", "termination"))
	_, err := s.dryRun(t, route)
	assert.True(t, apierrors.IsInvalid(err), "Route with an unknown TLS termination: %v", err)

	app := build(t, argocdDir).ofKind("Application")[0].DeepCopy()
	require.NoError(t, unstructured.SetNestedField(app.Object, "deploy/overlays/openshift", "spec", "source", "paht"))
	_, err = s.dryRun(t, app)
	assert.ErrorContains(t, err, `unknown field "spec.source.paht"`)

	grafana := objs.get(t, "Deployment", grafanaName).DeepCopy()
	containersField, _, _ := unstructured.NestedSlice(grafana.Object, "spec", "template", "spec", "containers")
	containersField[0].(map[string]any)["imagePullPolicyy"] = "IfNotPresent"
	require.NoError(t, unstructured.SetNestedSlice(grafana.Object, containersField, "spec", "template", "spec", "containers"))
	_, err = s.dryRun(t, grafana)
	assert.ErrorContains(t, err, "imagePullPolicyy")

	privileged := objs.get(t, "Deployment", playgroundName).DeepCopy()
	require.NoError(t, unstructured.SetNestedField(privileged.Object, true, "spec", "template", "spec", "hostNetwork"))
	warnings, err := s.dryRun(t, privileged)
	require.NoError(t, err, "baseline is enforced on pods only; a Deployment is warned about")
	assert.True(t, strings.Contains(strings.Join(warnings, "\n"), "restricted"), "Pod Security warns about a host-network pod template: %q", warnings)
}

// access is one request a ServiceAccount may or may not make.
type access struct{ group, resource, sub, verb, ns string }

// grafanaMay asks the apiserver's authorizer (SubjectAccessReview) whether Grafana's
// ServiceAccount in namespace ns may make a request, on an object named name ("" for any).
func (s *apiServer) grafanaMay(t *testing.T, ns string) func(a access, name string) bool {
	user := "system:serviceaccount:" + ns + ":" + grafanaName
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	return func(a access, name string) bool {
		review, err := s.typed.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user, Groups: groups,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: a.ns, Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.sub, Name: name},
			},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
		return review.Status.Allowed
	}
}

// The shipped Role, applied for real, lets Grafana's ServiceAccount do what the plugin does and
// nothing else: no Secrets, no other verbs, no other namespace.
func TestSweepsRoleAuthorizesExactlyThePluginsCalls(t *testing.T) {
	s := connect(t)
	objs, ns := buildInNamespace(t, openshiftDir)
	s.create(t, objs.get(t, "Namespace", ns))
	s.create(t, objs.get(t, "ServiceAccount", grafanaName))
	s.create(t, objs.get(t, "Role", sweepsRoleName))
	s.create(t, objs.get(t, "RoleBinding", sweepsRoleName))

	allowed := []access{
		{"batch", "cronjobs", "", "get", ns},
		{"batch", "jobs", "", "create", ns}, {"batch", "jobs", "", "get", ns}, {"batch", "jobs", "", "list", ns},
		{"batch", "jobs", "", "watch", ns}, {"batch", "jobs", "", "delete", ns}, {"batch", "jobs", "", "patch", ns},
		{"", "pods", "", "get", ns}, {"", "pods", "", "list", ns},
		{"", "pods", "log", "get", ns},
	}
	denied := []access{
		{"batch", "cronjobs", "", "list", ns}, {"batch", "cronjobs", "", "create", ns}, {"batch", "cronjobs", "", "update", ns},
		{"batch", "cronjobs", "", "delete", ns}, {"batch", "cronjobs", "finalizers", "update", ns},
		{"batch", "jobs", "", "update", ns}, {"batch", "jobs", "", "deletecollection", ns}, {"batch", "jobs", "status", "update", ns},
		{"", "pods", "", "create", ns}, {"", "pods", "", "delete", ns}, {"", "pods", "", "watch", ns},
		{"", "pods", "exec", "create", ns}, {"", "pods", "attach", "create", ns},
		{"", "secrets", "", "get", ns}, {"", "secrets", "", "list", ns}, {"", "configmaps", "", "get", ns},
		{"", "serviceaccounts", "token", "create", ns},
		{"rbac.authorization.k8s.io", "roles", "", "update", ns},
		{"batch", "jobs", "", "create", "default"}, {"batch", "cronjobs", "", "get", "default"},
		{"", "pods", "log", "get", "default"}, {"", "secrets", "", "get", "default"},
	}
	check := s.grafanaMay(t, ns)
	// RBAC changes reach the authorizer's cache within milliseconds; wait for the first grant.
	require.Eventually(t, func() bool { return check(allowed[0], "") }, 10*time.Second, 20*time.Millisecond)
	for _, a := range allowed {
		assert.True(t, check(a, ""), "allowed: %+v", a)
	}
	for _, a := range denied {
		assert.False(t, check(a, ""), "denied: %+v", a)
	}
	// Everything the plugin's own access check (CheckHealth) asks for is granted.
	for _, r := range sweeps.RequiredRules(cronJobName) {
		for _, res := range r.Resources {
			resource, sub, _ := strings.Cut(res, "/")
			for _, verb := range r.Verbs {
				name := ""
				if len(r.ResourceNames) > 0 {
					name = r.ResourceNames[0]
				}
				a := access{r.APIGroups[0], resource, sub, verb, ns}
				assert.True(t, check(a, name), "pkg/sweeps requires %s %s %s", verb, res, name)
			}
		}
	}
}

// The OpenShift overlay, applied as built (Grafana in inference-roi, the models in private-ai),
// lets Grafana's ServiceAccount read an InferenceService by name where the models are, and nothing
// more there: the tokenizer lookup of POST /sweeps is not skipped as forbidden.
func TestGrafanaMayReadTheModelsInferenceServices(t *testing.T) {
	s := connect(t)
	objs := build(t, openshiftDir)
	grafanaNS := objs.get(t, "ServiceAccount", grafanaName).GetNamespace()
	role := objs.get(t, "Role", isReaderName)
	modelNS := role.GetNamespace()
	require.NotEqual(t, grafanaNS, modelNS)
	s.create(t, objs.get(t, "Namespace", grafanaNS))
	s.create(t, &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": modelNS}}})
	s.create(t, objs.get(t, "ServiceAccount", grafanaName))
	s.create(t, role)
	s.create(t, objs.get(t, "RoleBinding", isReaderName))

	check := s.grafanaMay(t, grafanaNS)
	get := access{"serving.kserve.io", "inferenceservices", "", "get", modelNS}
	require.Eventually(t, func() bool { return check(get, "mistral-3-int4") }, 10*time.Second, 20*time.Millisecond,
		"get inferenceservices/mistral-3-int4 in %s", modelNS)
	for _, a := range []access{
		{"serving.kserve.io", "inferenceservices", "", "list", modelNS}, {"serving.kserve.io", "inferenceservices", "", "watch", modelNS},
		{"serving.kserve.io", "inferenceservices", "", "update", modelNS}, {"serving.kserve.io", "inferenceservices", "", "delete", modelNS},
		{"serving.kserve.io", "inferenceservices", "status", "get", modelNS},
		{"serving.kserve.io", "inferenceservices", "", "get", "default"},
		{"", "secrets", "", "get", modelNS}, {"", "pods", "", "get", modelNS}, {"", "pods", "log", "get", modelNS},
		{"batch", "jobs", "", "create", modelNS},
	} {
		assert.False(t, check(a, ""), "denied: %+v", a)
	}
}
