package deploycheck

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/pluginimage"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// allBuilds are every kustomization a user can apply.
var allBuilds = []string{baseDir, openshiftDir, argocdDir, siteDir, modelNamespaceDir}

func TestEveryKustomizationBuilds(t *testing.T) {
	kinds := func(o objects) map[string]int {
		n := map[string]int{}
		for _, obj := range o {
			n[obj.GetKind()]++
		}
		return n
	}
	base := kinds(build(t, baseDir))
	assert.Equal(t, map[string]int{
		"Namespace": 1, "ServiceAccount": 2, "Role": 2, "RoleBinding": 2, "ClusterRole": 1, "ClusterRoleBinding": 1,
		"ConfigMap": 6, "PersistentVolumeClaim": 1, "Deployment": 2, "Service": 2, "CronJob": 1,
	}, base)

	openshift := kinds(build(t, openshiftDir))
	assert.Equal(t, 2, openshift["Route"], "Routes for Grafana and the playground")
	assert.Equal(t, base["ClusterRoleBinding"]+1, openshift["ClusterRoleBinding"], "plus cluster-monitoring-view for Thanos")
	modelNamespace := kinds(build(t, modelNamespaceDir))
	assert.Equal(t, map[string]int{"Role": 1, "RoleBinding": 1}, modelNamespace)
	for kind, n := range base {
		if kind != "ClusterRoleBinding" {
			assert.Equal(t, n+modelNamespace[kind], openshift[kind], "the overlay keeps every %s of the base and adds the models' namespace's", kind)
		}
	}

	assert.Equal(t, map[string]int{"Application": 1}, kinds(build(t, argocdDir)))
}

func TestEveryObjectAndPodIsLabelledOurs(t *testing.T) {
	for _, dir := range allBuilds {
		objs := build(t, dir)
		for _, obj := range objs {
			assert.Equal(t, partOfValue, obj.GetLabels()[partOfLabel], "%s: %s %s", dir, obj.GetKind(), obj.GetName())
		}
		for _, p := range objs.podTemplates(t) {
			assert.Equal(t, partOfValue, p.labels[partOfLabel], "%s: pods of %s", dir, p.where)
		}
		for _, cj := range objs.ofKind("CronJob") {
			assert.Equal(t, partOfValue, objs.cronJob(t, cj.GetName()).Spec.JobTemplate.Labels[partOfLabel], "%s: Jobs of %s", dir, cj.GetName())
		}
	}
}

func TestSweepsRoleGrantsExactlyWhatThePluginNeeds(t *testing.T) {
	assert.Equal(t, sweeps.RoleName, sweepsRoleName, "the Role the health check tells users to apply is the one shipped")
	for _, dir := range []string{baseDir, openshiftDir} {
		objs := build(t, dir)
		var role rbacv1.Role
		convert(t, objs.get(t, "Role", sweepsRoleName), &role)

		got := map[string][]string{}
		for _, r := range role.Rules {
			assert.Empty(t, r.ResourceNames, "%s: no rule is narrowed by name", dir)
			assert.Empty(t, r.NonResourceURLs, dir)
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					key := g + "/" + res
					got[key] = append(got[key], r.Verbs...)
					slices.Sort(got[key])
				}
			}
		}
		assert.Equal(t, map[string][]string{
			"batch/cronjobs": {"get"},
			"batch/jobs":     {"create", "delete", "get", "list", "patch", "watch"},
			"/pods":          {"get", "list"},
			"/pods/log":      {"get"},
		}, got, dir)

		var binding rbacv1.RoleBinding
		convert(t, objs.get(t, "RoleBinding", sweepsRoleName), &binding)
		assert.Equal(t, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: sweepsRoleName}, binding.RoleRef)
		ns := objs.get(t, "Deployment", grafanaName).GetNamespace()
		assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: grafanaName, Namespace: ns}}, binding.Subjects, dir)
		assert.Equal(t, ns, role.Namespace, "%s: the Role is in Grafana's namespace, where the sweeps run", dir)
		assert.Equal(t, grafanaName, objs.deployment(t, grafanaName).Spec.Template.Spec.ServiceAccountName)
	}
}

func TestThanosAccessIsReadOnlyMonitoringView(t *testing.T) {
	objs := build(t, openshiftDir)
	var crb rbacv1.ClusterRoleBinding
	convert(t, objs.get(t, "ClusterRoleBinding", "inferenceroi-grafana-cluster-monitoring-view"), &crb)
	assert.Equal(t, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-monitoring-view"}, crb.RoleRef)
	ns := objs.get(t, "Deployment", grafanaName).GetNamespace()
	assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: grafanaName, Namespace: ns}}, crb.Subjects)
}

// pinnedImageRE is registry/repository:tag (optionally @digest): a registry host so no short-name
// resolution picks the source, and a tag.
var pinnedImageRE = regexp.MustCompile(`^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?/[a-z0-9._/-]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[0-9a-f]{64})?$`)

// floatingTags move to new releases.
var floatingTags = []string{"latest", "stable", "nightly", "main", "master", "edge", "dev", "canary"}

func checkPinned(t *testing.T, where, image string) {
	t.Helper()
	m := pinnedImageRE.FindStringSubmatch(image)
	if !assert.NotNil(t, m, "%s: image %q is not registry/repository:tag", where, image) {
		return
	}
	assert.NotContains(t, floatingTags, m[2], "%s: image %q has a floating tag", where, image)
	assert.Regexp(t, `\d`, m[2], "%s: tag of %q names no version", where, image)
}

func TestEveryImageIsPinned(t *testing.T) {
	for _, dir := range allBuilds {
		objs := build(t, dir)
		for _, p := range objs.podTemplates(t) {
			for _, c := range containers(p.spec) {
				checkPinned(t, dir+": "+p.where+" container "+c.Name, c.Image)
				assert.NotEqual(t, corev1.PullAlways, c.ImagePullPolicy, "a pinned tag needs no Always pull")
			}
		}
		if dir == argocdDir || dir == modelNamespaceDir {
			continue
		}
		checkPinned(t, dir+": the image vLLM-Playground starts", objs.configMap(t, "vllm-playground-config").Data["VLLM_IMAGE"])
	}
	objs := build(t, baseDir)
	images := map[string]string{}
	for _, p := range objs.podTemplates(t) {
		for _, c := range containers(p.spec) {
			images[p.where+"/"+c.Name] = c.Image
		}
	}
	assert.Equal(t, map[string]string{
		"Deployment grafana/install-plugin":          "ghcr.io/inferenceroi/inferenceroi-vllm-datasource:1.0.0",
		"Deployment grafana/grafana":                 "docker.io/grafana/grafana:12.4.0",
		"Deployment vllm-playground/vllm-playground": "quay.io/rh_ee_micyang/vllm-playground:0.3",
		"CronJob guidellm-sweep/guidellm":            "ghcr.io/vllm-project/guidellm:v0.7.3",
	}, images)
}

func TestGrafanaIsViewerOnlyForAnonymousUsers(t *testing.T) {
	for _, dir := range allBuilds[:2] {
		d := build(t, dir).deployment(t, grafanaName)
		g := container(t, d.Spec.Template.Spec, "grafana")
		if envValue(t, g, "GF_AUTH_ANONYMOUS_ENABLED") == "true" {
			assert.Equal(t, "Viewer", envValue(t, g, "GF_AUTH_ANONYMOUS_ORG_ROLE"), dir)
		}
		assert.Equal(t, pluginID, envValue(t, g, "GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"), "only our plugin may be unsigned")
		assert.Equal(t, "/api/datasources/uid/*/resources/*", envValue(t, g, "GF_SECURITY_ACTIONS_ALLOW_POST_URL"))
		for _, e := range g.Env {
			assert.NotContains(t, []string{"GF_AUTH_DISABLE_LOGIN_FORM", "GF_AUTH_BASIC_ENABLED"}, e.Name, "editors must be able to log in")
		}
	}
}

func TestGrafanaLoadsThePluginFromTheInitContainer(t *testing.T) {
	d := build(t, baseDir).deployment(t, grafanaName)
	spec := d.Spec.Template.Spec
	install := container(t, spec, "install-plugin")
	require.Len(t, spec.InitContainers, 1)
	pluginsDir := envValue(t, container(t, spec, "grafana"), "GF_PATHS_PLUGINS")

	// The init container runs the plugin image's copier on the directory the image holds.
	assert.Equal(t, []string{pluginimage.CopierPath, pluginimage.PluginsDir + "/" + pluginID, pluginsDir}, install.Command)
	assert.Empty(t, install.Args)

	mountedAt := func(c corev1.Container, path string) string {
		for _, m := range c.VolumeMounts {
			if m.MountPath == path {
				return m.Name
			}
		}
		return ""
	}
	vol := mountedAt(install, pluginsDir)
	require.NotEmpty(t, vol, "the init container writes into the plugin path")
	assert.Equal(t, vol, mountedAt(container(t, spec, "grafana"), pluginsDir), "Grafana reads what the init container wrote")
	for _, v := range spec.Volumes {
		if v.Name == vol {
			assert.NotNil(t, v.EmptyDir, "a fresh copy at every start: an emptyDir, not the PVC")
		}
	}
	assert.Equal(t, "data", mountedAt(container(t, spec, "grafana"), "/var/lib/grafana"))
	for _, v := range spec.Volumes {
		if v.Name == "data" {
			require.NotNil(t, v.PersistentVolumeClaim, "Grafana's database is on a PVC")
			build(t, baseDir).get(t, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName)
		}
	}
	assert.Equal(t, "Recreate", string(d.Spec.Strategy.Type), "a ReadWriteOnce volume cannot be mounted by two pods during a rollout")
}

// secretNameRE matches environment variable and data keys that hold credentials.
var secretNameRE = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|access_?key|credential)`)

// credentialRE matches literal credentials that must never be in a manifest: private keys, JWTs
// (service-account tokens), AWS access key ids.
var credentialRE = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----|eyJhbGciOi|\bAKIA[0-9A-Z]{16}\b`)

func TestNoSecretValueIsWrittenInAManifest(t *testing.T) {
	for _, dir := range allBuilds {
		objs := build(t, dir)
		for _, obj := range objs {
			where := dir + ": " + obj.GetKind() + " " + obj.GetName()
			assert.NotEqual(t, "Secret", obj.GetKind(), "%s: Secrets are created by the user, never shipped", where)
			raw, err := yaml.Marshal(obj.Object)
			require.NoError(t, err)
			assert.NotRegexp(t, credentialRE, string(raw), where)
		}
		for _, p := range objs.podTemplates(t) {
			for _, c := range containers(p.spec) {
				for _, e := range c.Env {
					if secretNameRE.MatchString(e.Name) {
						assert.True(t, e.Value == "" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil,
							"%s: %s container %s: %s must come from a Secret", dir, p.where, c.Name, e.Name)
					}
				}
			}
		}
		for _, obj := range objs.ofKind("ConfigMap") {
			var cm corev1.ConfigMap
			convert(t, obj, &cm)
			for k, v := range cm.Data {
				if secretNameRE.MatchString(k) {
					assert.Empty(t, v, "%s: ConfigMap %s: %s", dir, cm.Name, k)
				}
			}
		}
	}
}

func TestPodsMeetTheRestrictedStandardAndOpenShiftAssignsIDs(t *testing.T) {
	for _, dir := range []string{baseDir, openshiftDir} {
		for _, p := range build(t, dir).podTemplates(t) {
			sc := p.spec.SecurityContext
			require.NotNil(t, sc, "%s: %s", dir, p.where)
			assert.True(t, sc.RunAsNonRoot != nil && *sc.RunAsNonRoot, "%s: %s runs as non-root", dir, p.where)
			assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type, "%s: %s", dir, p.where)
			if dir == openshiftDir {
				// restricted-v2 rejects ids outside the namespace's range and assigns them itself.
				assert.Nil(t, sc.RunAsUser, "%s: %s", dir, p.where)
				assert.Nil(t, sc.RunAsGroup, "%s: %s", dir, p.where)
				assert.Nil(t, sc.FSGroup, "%s: %s", dir, p.where)
			} else {
				assert.NotNil(t, sc.RunAsUser, "%s: %s names the image's numeric user", dir, p.where)
			}
			for _, c := range containers(p.spec) {
				where := dir + ": " + p.where + " container " + c.Name
				require.NotNil(t, c.SecurityContext, where)
				assert.Equal(t, false, *c.SecurityContext.AllowPrivilegeEscalation, where)
				assert.Equal(t, []corev1.Capability{"ALL"}, c.SecurityContext.Capabilities.Drop, where)
				assert.Nil(t, c.SecurityContext.RunAsUser, "%s: ids are set per pod, where the overlay removes them", where)
				assert.False(t, c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero(), "%s: requests", where)
				assert.False(t, c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero(), "%s: limits", where)
				if slices.Contains([]string{"sh", "/bin/sh", "bash", "/bin/bash"}, firstOr(c.Command)) {
					assert.Equal(t, []string{"/bin/sh", "-c", sweeps.WrapperScript, "inference-roi-sweep", sweeps.DefaultOutputPath}, c.Command,
						"%s: no shell but the plugin's fixed sweep wrapper", where)
				}
			}
		}
	}
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestLongRunningContainersHaveProbes(t *testing.T) {
	objs := build(t, baseDir)
	for name, want := range map[string][2]string{grafanaName: {"/api/health", "/api/health"}, playgroundName: {"/api/status", "/api/features"}} {
		d := objs.deployment(t, name)
		c := d.Spec.Template.Spec.Containers[0]
		require.NotNil(t, c.LivenessProbe, name)
		require.NotNil(t, c.ReadinessProbe, name)
		assert.Equal(t, want[0], c.LivenessProbe.HTTPGet.Path, name)
		assert.Equal(t, want[1], c.ReadinessProbe.HTTPGet.Path, name)
	}
}

func TestPlaygroundRunsTheRealApp(t *testing.T) {
	objs := build(t, baseDir)
	d := objs.deployment(t, playgroundName)
	c := container(t, d.Spec.Template.Spec, playgroundName)
	assert.Equal(t, int32(7860), c.Ports[0].ContainerPort)
	assert.Equal(t, "7860", objs.configMap(t, "vllm-playground-config").Data["WEBUI_PORT"])
	names := []string{}
	for _, e := range c.Env {
		names = append(names, e.Name)
	}
	assert.Contains(t, names, "KUBERNETES_NAMESPACE")
	for _, fake := range []string{"VLLM_API_BASE", "ENABLE_GPU_MODE", "DEMO_MODE"} {
		assert.NotContains(t, names, fake, "the seed's %s is read by no version of the app", fake)
	}
	assert.Equal(t, playgroundName, d.Spec.Template.Spec.ServiceAccountName)
	var binding rbacv1.RoleBinding
	convert(t, objs.get(t, "RoleBinding", "vllm-playground-pod-manager"), &binding)
	assert.Equal(t, playgroundName, binding.Subjects[0].Name)
	var nodeReader rbacv1.ClusterRoleBinding
	convert(t, objs.get(t, "ClusterRoleBinding", "inferenceroi-vllm-playground-node-reader"), &nodeReader)
	assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: playgroundName, Namespace: d.Namespace}}, nodeReader.Subjects)
}

func TestRoutesTerminateTLSAtTheEdgeAndRedirect(t *testing.T) {
	objs := build(t, openshiftDir)
	routes := objs.ofKind("Route")
	require.Len(t, routes, 2)
	for _, r := range routes {
		spec := r.Object["spec"].(map[string]any)
		tls := spec["tls"].(map[string]any)
		assert.Equal(t, "edge", tls["termination"], r.GetName())
		assert.Equal(t, "Redirect", tls["insecureEdgeTerminationPolicy"], r.GetName())
		to := spec["to"].(map[string]any)
		assert.Equal(t, "Service", to["kind"])
		var svc corev1.Service
		convert(t, objs.get(t, "Service", to["name"].(string)), &svc)
		port := spec["port"].(map[string]any)["targetPort"]
		assert.Equal(t, svc.Spec.Ports[0].Name, port, "Route %s targets the Service's port by name", r.GetName())
	}
}

func TestArgoCDSyncsAPinnedRevisionOfTheOpenShiftOverlay(t *testing.T) {
	app := build(t, argocdDir).get(t, "Application", "inference-roi")
	assert.Equal(t, "argoproj.io/v1alpha1", app.GetAPIVersion())
	source := app.Object["spec"].(map[string]any)["source"].(map[string]any)
	assert.Regexp(t, `^v\d+\.\d+\.\d+$`, source["targetRevision"], "a release tag, not a branch or HEAD")
	assert.Equal(t, openshiftDir, source["path"])
	dest := app.Object["spec"].(map[string]any)["destination"].(map[string]any)
	assert.Equal(t, build(t, openshiftDir).get(t, "Deployment", grafanaName).GetNamespace(), dest["namespace"])
}

func TestCronJobRunsDailyOneAtATimeAndKeepsHistory(t *testing.T) {
	for _, dir := range []string{baseDir, openshiftDir} {
		cj := build(t, dir).cronJob(t, cronJobName)
		assert.Regexp(t, `^\d{1,2} \d{1,2} \* \* \*$`, cj.Spec.Schedule, "daily at a fixed time")
		assert.Equal(t, batchv1.ForbidConcurrent, cj.Spec.ConcurrencyPolicy)
		require.NotNil(t, cj.Spec.Suspend)
		assert.False(t, *cj.Spec.Suspend)
		require.NotNil(t, cj.Spec.SuccessfulJobsHistoryLimit)
		require.NotNil(t, cj.Spec.FailedJobsHistoryLimit)
		assert.Positive(t, *cj.Spec.SuccessfulJobsHistoryLimit)
		assert.Positive(t, *cj.Spec.FailedJobsHistoryLimit)
		pod := cj.Spec.JobTemplate.Spec.Template.Spec
		assert.Equal(t, corev1.RestartPolicyNever, pod.RestartPolicy)
		var resultsMounted bool
		for _, m := range pod.Containers[0].VolumeMounts {
			resultsMounted = resultsMounted || m.MountPath == "/results"
		}
		assert.True(t, resultsMounted, "GuideLLM writes its report to /results")
		for _, v := range pod.Volumes {
			assert.NotNil(t, v.EmptyDir, "%s: volume %s: results travel through the log, no PVC", dir, v.Name)
		}
		assert.True(t, strings.HasPrefix(cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args[0], "guidellm"))
	}
}
