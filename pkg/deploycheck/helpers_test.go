package deploycheck

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Kustomizations under test, relative to the repository root.
const (
	baseDir      = "deploy/base"
	openshiftDir = "deploy/overlays/openshift"
	argocdDir    = "deploy/argocd"
	// modelNamespaceDir grants Grafana read access to the models' InferenceServices.
	modelNamespaceDir = "deploy/model-namespace"
	// siteDir is a site overlay as the README describes (S3 store set), in this package's testdata.
	siteDir = "pkg/deploycheck/testdata/site"
)

// Names the manifests and the tests agree on.
const (
	partOfLabel    = "app.kubernetes.io/part-of"
	partOfValue    = "inference-roi"
	pluginID       = "inferenceroi-vllm-datasource"
	grafanaName    = "grafana"
	cronJobName    = "guidellm-sweep"
	playgroundName = "vllm-playground"
	sweepsRoleName = "inference-roi-sweeps"
	// isReaderName is the Role and RoleBinding in the models' namespace (deploy/model-namespace).
	isReaderName = "inference-roi-read-inferenceservices"
	tokenPath    = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// repoRoot is the repository root, found from this file's location.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// build runs kustomize on dir (relative to the repository root) as `kustomize build` would.
func build(t testing.TB, dir string) objects {
	t.Helper()
	return buildAt(t, filepath.Join(repoRoot(t), dir))
}

func buildAt(t testing.TB, path string) objects {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), path)
	require.NoError(t, err, "kustomize build %s", path)
	var objs objects
	for _, r := range m.Resources() {
		// Through JSON, so numbers are int64/float64 as client-go's unstructured objects expect.
		raw, err := r.MarshalJSON()
		require.NoError(t, err)
		obj := &unstructured.Unstructured{}
		require.NoError(t, obj.UnmarshalJSON(raw))
		objs = append(objs, obj)
	}
	require.NotEmpty(t, objs, "kustomize build %s produced nothing", path)
	return objs
}

// objects is the output of one kustomize build.
type objects []*unstructured.Unstructured

// get is the object of that kind and name; it fails the test when there is none.
func (o objects) get(t testing.TB, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, obj := range o {
		if obj.GetKind() == kind && obj.GetName() == name {
			return obj
		}
	}
	t.Fatalf("no %s %q in the build", kind, name)
	return nil
}

func (o objects) ofKind(kind string) objects {
	var out objects
	for _, obj := range o {
		if obj.GetKind() == kind {
			out = append(out, obj)
		}
	}
	return out
}

// configMap is the generated ConfigMap whose name is prefix plus kustomize's hash suffix.
func (o objects) configMap(t testing.TB, name string) *corev1.ConfigMap {
	t.Helper()
	for _, obj := range o.ofKind("ConfigMap") {
		if obj.GetName() == name || (len(obj.GetName()) == len(name)+11 && obj.GetName()[:len(name)+1] == name+"-") {
			var cm corev1.ConfigMap
			convert(t, obj, &cm)
			return &cm
		}
	}
	t.Fatalf("no ConfigMap %q (or %q with a hash suffix) in the build", name, name+"-…")
	return nil
}

func convert(t testing.TB, obj *unstructured.Unstructured, into any) {
	t.Helper()
	require.NoError(t, k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj.Object, into, true),
		"%s %s does not decode strictly into its API type", obj.GetKind(), obj.GetName())
}

func (o objects) deployment(t testing.TB, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	convert(t, o.get(t, "Deployment", name), &d)
	return &d
}

func (o objects) cronJob(t testing.TB, name string) *batchv1.CronJob {
	t.Helper()
	var cj batchv1.CronJob
	convert(t, o.get(t, "CronJob", name), &cj)
	return &cj
}

// podTemplate is one pod template of a build: where it is, its metadata and spec.
type podTemplate struct {
	where  string
	labels map[string]string
	spec   corev1.PodSpec
}

// podTemplates lists the pod templates of every workload in the build.
func (o objects) podTemplates(t testing.TB) []podTemplate {
	t.Helper()
	var out []podTemplate
	for _, obj := range o {
		where := fmt.Sprintf("%s %s", obj.GetKind(), obj.GetName())
		switch obj.GetKind() {
		case "Deployment":
			d := o.deployment(t, obj.GetName())
			out = append(out, podTemplate{where, d.Spec.Template.Labels, d.Spec.Template.Spec})
		case "CronJob":
			cj := o.cronJob(t, obj.GetName())
			out = append(out, podTemplate{where, cj.Spec.JobTemplate.Spec.Template.Labels, cj.Spec.JobTemplate.Spec.Template.Spec})
		case "Pod", "Job", "StatefulSet", "DaemonSet", "ReplicaSet":
			t.Fatalf("%s: add this workload kind to podTemplates so its pods are checked", where)
		}
	}
	return out
}

// containers are the init and app containers of a pod spec.
func containers(spec corev1.PodSpec) []corev1.Container {
	return append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
}

func container(t testing.TB, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range containers(spec) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return corev1.Container{}
}

// envValue is the literal value of env var name in c; it fails when the variable is missing or
// not a literal.
func envValue(t testing.TB, c corev1.Container, name string) string {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name {
			require.Nil(t, e.ValueFrom, "%s: %s is not a literal", c.Name, name)
			return e.Value
		}
	}
	t.Fatalf("container %s has no env var %s", c.Name, name)
	return ""
}
