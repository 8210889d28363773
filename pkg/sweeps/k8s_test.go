package sweeps

// Integration tests against a real kube-apiserver + etcd (scripts/k8s-server.sh start, then
// K8S_TEST_KUBECONFIG from .cache/k8s-test/env) and, for ingestion, a real S3 server
// (scripts/s3-server.sh start, then .cache/s3-test/env). Nothing runs containers there: the
// tests act as the job controller and the kubelet — they create the pods, write Job and pod
// status with the condition pairs the controllers write (the apiserver validates them), and
// serve container logs from a fake kubelet (an httptest TLS server registered as a Node's
// kubelet endpoint), which the apiserver proxies like a real one.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// requireAPIServer returns the admin config of the test apiserver; without it the test fails
// in CI and is skipped elsewhere. KUBECONFIG is never read: a developer's cluster stays untouched.
func requireAPIServer(t *testing.T) *rest.Config {
	t.Helper()
	path := realserver.Env(t, "K8S_TEST_KUBECONFIG", "run scripts/k8s-server.sh start && set -a && . .cache/k8s-test/env && set +a")
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	require.NoError(t, err)
	cfg.QPS, cfg.Burst = 200, 400
	return cfg
}

func requireS3Client(t *testing.T) (*minio.Client, string) {
	t.Helper()
	endpoint := realserver.Env(t, "S3_ENDPOINT", "run scripts/s3-server.sh start && set -a && . .cache/s3-test/env && set +a")
	region := os.Getenv("S3_REGION")
	if region == "" {
		region = "us-east-1"
	}
	c, err := store.NewMinioClient(endpoint, os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY"), region, false)
	require.NoError(t, err)
	bucket := "sweeps-" + randomSuffix()
	ctx := context.Background()
	require.NoError(t, c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: region}))
	t.Cleanup(func() {
		for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			_ = c.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
		_ = c.RemoveBucket(ctx, bucket)
	})
	return c, bucket
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cluster is one test's corner of the apiserver: a benchmark namespace enforcing the
// restricted Pod Security Standard, Grafana's namespace with its service account, a fake
// kubelet node.
type cluster struct {
	t       *testing.T
	cfg     *rest.Config
	admin   *kubernetes.Clientset
	ns      string
	saNS    string
	saName  string
	kubelet *fakeKubelet
	node    string
}

func newCluster(t *testing.T) *cluster {
	cfg := requireAPIServer(t)
	admin, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	suffix := randomSuffix()
	c := &cluster{t: t, cfg: cfg, admin: admin, ns: "bench-" + suffix, saNS: "grafana-" + suffix, saName: "grafana"}
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: c.ns, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: c.saNS}},
	} {
		_, err := admin.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = admin.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}) })
	}
	_, err = admin.CoreV1().ServiceAccounts(c.saNS).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: c.saName}}, metav1.CreateOptions{})
	require.NoError(t, err)
	c.kubelet, c.node = startFakeKubelet(t, admin)
	return c
}

// grafanaClient is a client with nothing but the Grafana service account's token.
func (c *cluster) grafanaClient() *kubernetes.Clientset {
	tok, err := c.admin.CoreV1().ServiceAccounts(c.saNS).CreateToken(context.Background(), c.saName,
		&authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	require.NoError(c.t, err)
	cfg := &rest.Config{Host: c.cfg.Host, BearerToken: tok.Status.Token, TLSClientConfig: rest.TLSClientConfig{CAFile: c.cfg.CAFile, CAData: c.cfg.CAData},
		QPS: 200, Burst: 400}
	cs, err := kubernetes.NewForConfig(cfg)
	require.NoError(c.t, err)
	return cs
}

// applyRole creates the Role and RoleBinding of testdata/role.yaml (the file deploy/ uses) in the
// benchmark namespace for the Grafana service account, and waits until RBAC serves them.
func (c *cluster) applyRole(cs *kubernetes.Clientset) {
	raw, err := os.ReadFile(filepath.Join("testdata", "role.yaml"))
	require.NoError(c.t, err)
	docs := strings.Split(string(raw), "\n---\n")
	require.Len(c.t, docs, 2)
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	require.NoError(c.t, yaml.UnmarshalStrict([]byte(docs[0]), &role))
	require.NoError(c.t, yaml.UnmarshalStrict([]byte(docs[1]), &binding))
	role.Namespace, binding.Namespace = c.ns, c.ns
	binding.Subjects[0].Namespace, binding.Subjects[0].Name = c.saNS, c.saName
	ctx := context.Background()
	_, err = c.admin.RbacV1().Roles(c.ns).Create(ctx, &role, metav1.CreateOptions{})
	require.NoError(c.t, err)
	_, err = c.admin.RbacV1().RoleBindings(c.ns).Create(ctx, &binding, metav1.CreateOptions{})
	require.NoError(c.t, err)
	require.Eventually(c.t, func() bool {
		r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authzv1.ResourceAttributes{Namespace: c.ns, Verb: "create", Group: "batch", Resource: "jobs"}}}, metav1.CreateOptions{})
		return err == nil && r.Status.Allowed
	}, 10*time.Second, 20*time.Millisecond)
}

// settings are the data source's kubernetes settings for this cluster (CronJob named, as in
// testdata/role.yaml).
func (c *cluster) settings() Settings {
	s := testSettings()
	s.Namespace = c.ns
	s.Models["mistral-3-bf16"] = ModelSettings{Processor: "mistralai/Mistral-Small-3.1-24B-Instruct-2503"}
	return s
}

// fakeKubelet serves container logs the way the kubelet does for `GET
// /containerLogs/<ns>/<pod>/<container>`, with timestamps, tailLines and limitBytes.
type fakeKubelet struct {
	mu   sync.Mutex
	logs map[string][]logLine // "<ns>/<pod>/<container>"
	// served counts the log bytes sent, to bound what a follow poll reads.
	served int
}

func (k *fakeKubelet) bytesServed() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.served
}

var containerLogsPath = regexp.MustCompile(`^/containerLogs/([^/]+)/([^/]+)/([^/]+)$`)

func startFakeKubelet(t *testing.T, admin *kubernetes.Clientset) (*fakeKubelet, string) {
	k := &fakeKubelet{logs: map[string][]logLine{}}
	srv := httptest.NewTLSServer(http.HandlerFunc(k.serve))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	port, err := strconv.Atoi(u.Port())
	require.NoError(t, err)

	ctx := context.Background()
	name := "fake-kubelet-" + randomSuffix()
	node, err := admin.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	_, err = admin.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	require.NoError(t, err)
	return k, name
}

func (k *fakeKubelet) set(pod *corev1.Pod, lines []logLine) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.logs[pod.Namespace+"/"+pod.Name+"/"+logContainer(pod)] = lines
}

func (k *fakeKubelet) serve(w http.ResponseWriter, r *http.Request) {
	m := containerLogsPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		http.NotFound(w, r)
		return
	}
	k.mu.Lock()
	lines, ok := k.logs[m[1]+"/"+m[2]+"/"+m[3]]
	k.mu.Unlock()
	if !ok {
		http.Error(w, "container not found", http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		if q.Get("timestamps") == "true" {
			b.WriteString(l.ts.UTC().Format(time.RFC3339Nano) + " ")
		}
		b.WriteString(l.text + "\n")
	}
	out := b.String()
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n < len(out) {
		out = out[:n]
	}
	k.mu.Lock()
	k.served += len(out)
	k.mu.Unlock()
	_, _ = w.Write([]byte(out))
}

// runPod acts as the job controller and the kubelet for job: it creates the Job's pod on the
// fake node (the restricted Pod Security Standard of the namespace applies to it), gives it log,
// and marks it running, or terminated with exitCode when exitCode >= 0.
func (c *cluster) runPod(job *batchv1.Job, log []logLine, exitCode int) *corev1.Pod {
	ctx := context.Background()
	spec := *job.Spec.Template.Spec.DeepCopy()
	spec.NodeName = c.node
	pod, err := c.admin.CoreV1().Pods(job.Namespace).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: job.Name + "-" + randomSuffix()[:5], Namespace: job.Namespace, Labels: job.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))}},
		Spec: spec,
	}, metav1.CreateOptions{})
	require.NoError(c.t, err)
	started := metav1.NewTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
	pod.Status.Phase = corev1.PodRunning
	if exitCode >= 0 {
		t := &corev1.ContainerStateTerminated{ExitCode: int32(exitCode), StartedAt: started, FinishedAt: metav1.NewTime(started.Add(30 * time.Second)), Reason: "Completed"}
		pod.Status.Phase = corev1.PodSucceeded
		if exitCode != 0 {
			t.Reason, pod.Status.Phase = "Error", corev1.PodFailed
			t.Message = "OSError: You are trying to access a gated repo.\n"
		}
		state = corev1.ContainerState{Terminated: t}
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: ContainerName, Image: spec.Containers[0].Image, ImageID: "sha256:0123", State: state}}
	pod, err = c.admin.CoreV1().Pods(job.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	require.NoError(c.t, err)
	c.kubelet.set(pod, log)
	return pod
}

// setJobStatus writes the status the job controller writes: running, succeeded
// (SuccessCriteriaMet + Complete) or failed (FailureTarget + Failed).
func (c *cluster) setJobStatus(name string, status Status) *batchv1.Job {
	ctx := context.Background()
	job, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, name, metav1.GetOptions{})
	require.NoError(c.t, err)
	// startTime is immutable once set, as the job controller sets it once.
	start := metav1.NewTime(time.Now().Add(-10 * time.Minute).Truncate(time.Second))
	if job.Status.StartTime != nil {
		start = *job.Status.StartTime
	}
	end := metav1.NewTime(start.Add(7 * time.Minute))
	job.Status = batchv1.JobStatus{StartTime: &start}
	switch status {
	case StatusRunning:
		job.Status.Active = 1
	case StatusSucceeded:
		job.Status.Succeeded, job.Status.CompletionTime = 1, &end
		job.Status.Conditions = []batchv1.JobCondition{condition(batchv1.JobSuccessCriteriaMet, "CompletionsReached", "Reached expected number of succeeded pods", end.Time),
			condition(batchv1.JobComplete, "CompletionsReached", "Reached expected number of succeeded pods", end.Time)}
	case StatusFailed:
		job.Status.Failed = 1
		job.Status.Conditions = []batchv1.JobCondition{condition(batchv1.JobFailureTarget, "BackoffLimitExceeded", "Job has reached the specified backoff limit", end.Time),
			condition(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit", end.Time)}
	}
	job, err = c.admin.BatchV1().Jobs(c.ns).UpdateStatus(ctx, job, metav1.UpdateOptions{})
	require.NoError(c.t, err)
	return job
}

// warningRecorder keeps the warnings the apiserver returns (e.g. Pod Security "would violate").
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

func TestKubernetesJobsPassValidation(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	warnings := &warningRecorder{}
	cfg := rest.CopyConfig(c.cfg)
	cfg.WarningHandlerWithContext = warnings
	admin, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	for gi, g := range generations {
		for _, tc := range argsCases {
			t.Run(string(g.gen)+"/"+tc.name, func(t *testing.T) {
				s := c.settings()
				s.Image = g.image
				s.HFTokenSecret = "hf-token"
				p, err := s.Plan(tc.req, testCatalog())
				require.NoError(t, err)
				job, err := BuildJob(s, p, jobName(p.Model, p.Scenario, gi+1), gi+1)
				require.NoError(t, err)
				created, err := admin.BatchV1().Jobs(c.ns).Create(ctx, job, metav1.CreateOptions{FieldValidation: "Strict"})
				require.NoError(t, err)
				require.Empty(t, warnings.warnings, "the namespace enforces the restricted Pod Security Standard")
				require.Equal(t, created.Name, created.Spec.Template.Labels[batchv1.JobNameLabel], "apiserver-defaulted job-name label")
				require.NotNil(t, created.Spec.Selector, "apiserver-defaulted selector")
				require.Equal(t, BuildArgs(p, DefaultOutputPath), created.Spec.Template.Spec.Containers[0].Args)
				// The pod the job controller would create passes the restricted Pod Security Standard.
				c.runPod(created, nil, -1)
			})
		}
	}

	t.Run("longest names", func(t *testing.T) {
		long := strings.Repeat("org-", 20) + "/" + strings.Repeat("Model-", 19) + "Final" // 200 characters, the most a model name may have
		require.Len(t, long, 200)
		s := c.settings()
		s.Models = map[string]ModelSettings{long: {Endpoint: "http://vllm.models.svc:8080/v1"}}
		cat := testCatalog()
		cat.Deployments = append(cat.Deployments, cat.Deployments[0])
		cat.Deployments[len(cat.Deployments)-1].Model = long
		cat.Scenarios = append(cat.Scenarios, cat.Scenarios[0])
		cat.Scenarios[len(cat.Scenarios)-1].Name = strings.Repeat("long-scenario-", 10)
		p, err := s.Plan(Request{Model: long, Scenario: cat.Scenarios[len(cat.Scenarios)-1].Name, Profile: ProfileConstant, Rates: []float64{1}}, cat)
		require.NoError(t, err)
		job, err := BuildJob(s, p, jobName(p.Model, p.Scenario, 9999999), 9999999)
		require.NoError(t, err)
		require.LessOrEqual(t, len(job.Name), 63)
		_, err = admin.BatchV1().Jobs(c.ns).Create(ctx, job, metav1.CreateOptions{})
		require.NoError(t, err)
		require.Empty(t, warnings.warnings)
	})
}

// guideLLMCronJob is a CronJob as deploy/ ships one: daily, its own image, resources and env.
func guideLLMCronJob(ns string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "guidellm-sweep", Namespace: ns, Labels: map[string]string{"app.kubernetes.io/name": "guidellm"}},
		Spec: batchv1.CronJobSpec{
			Schedule: "0 3 * * *", Suspend: ptr.To(true), ConcurrencyPolicy: batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To[int32](5), FailedJobsHistoryLimit: ptr.To[int32](5),
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      map[string]string{LabelSweep: "true", "app.kubernetes.io/name": "guidellm"},
					Annotations: map[string]string{AnnotationModel: "mistral-3-int4", "team": "perf"},
				},
				Spec: batchv1.JobSpec{
					BackoffLimit: ptr.To[int32](0), TTLSecondsAfterFinished: ptr.To[int32](86400), ActiveDeadlineSeconds: ptr.To[int64](1800),
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app.kubernetes.io/name": "guidellm"}},
						Spec: corev1.PodSpec{
							RestartPolicy:   corev1.RestartPolicyNever,
							SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
							Containers: []corev1.Container{{
								Name: ContainerName, Image: "ghcr.io/vllm-project/guidellm:v0.6.1",
								Args: []string{"benchmark", "run", "--target", "http://mistral-3-int4-predictor.models.svc:8080/v1", "--profile", "sweep"},
								Env:  []corev1.EnvVar{{Name: "GUIDELLM__REQUEST_TIMEOUT", Value: "600"}},
								SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false),
									Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
							}},
						},
					},
				},
			},
		},
	}
}

func TestKubernetesRBAC(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	sa := c.grafanaClient()
	s := c.settings()
	s.CronJobName = "guidellm-sweep"
	m := NewManager(sa, s, testCatalog())
	_, err := c.admin.BatchV1().CronJobs(c.ns).Create(ctx, guideLLMCronJob(c.ns), metav1.CreateOptions{})
	require.NoError(t, err)

	// Without the Role: every check denied, and the error carries the Role to apply.
	rep, err := m.CheckAccess(ctx)
	require.NoError(t, err)
	require.False(t, rep.OK())
	require.Equal(t, "system:serviceaccount:"+c.saNS+":"+c.saName, rep.User)
	require.Len(t, rep.Checks, 8)
	require.Equal(t, RoleYAML(c.ns, "guidellm-sweep", c.saNS, c.saName), rep.RoleYAML)
	require.Contains(t, rep.Summary(), "may not create jobs, get jobs, list jobs, patch jobs, delete jobs, get cronjobs/guidellm-sweep, list pods, get pods/log")

	_, _, err = m.Launch(ctx, Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1}})
	require.ErrorIs(t, err, ErrForbidden)
	require.Equal(t, http.StatusForbidden, StatusCode(err))
	fe, ok := err.(*ForbiddenError)
	require.True(t, ok, "%T", err)
	require.Equal(t, RoleYAML(c.ns, "guidellm-sweep", c.saNS, c.saName), fe.RoleYAML, "the remedy names the real service account")

	// With the Role of testdata/role.yaml: everything the Manager needs, nothing more.
	c.applyRole(sa)
	rep, err = m.CheckAccess(ctx)
	require.NoError(t, err)
	require.True(t, rep.OK(), "%+v", rep.Checks)
	require.Empty(t, rep.RoleYAML)

	forbidden := map[string]func() error{
		"get secrets": func() error {
			_, err := sa.CoreV1().Secrets(c.ns).Get(ctx, "hf-token", metav1.GetOptions{})
			return err
		},
		"list secrets": func() error { _, err := sa.CoreV1().Secrets(c.ns).List(ctx, metav1.ListOptions{}); return err },
		"list jobs in another namespace": func() error {
			_, err := sa.BatchV1().Jobs(c.saNS).List(ctx, metav1.ListOptions{})
			return err
		},
		"list jobs in all namespaces": func() error { _, err := sa.BatchV1().Jobs("").List(ctx, metav1.ListOptions{}); return err },
		"create pods": func() error {
			_, err := sa.CoreV1().Pods(c.ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "x"}}}}, metav1.CreateOptions{})
			return err
		},
		"exec into pods": func() error {
			return sa.CoreV1().RESTClient().Post().Namespace(c.ns).Resource("pods").Name("x").SubResource("exec").Do(ctx).Error()
		},
		"get another cronjob": func() error {
			_, err := sa.BatchV1().CronJobs(c.ns).Get(ctx, "other", metav1.GetOptions{})
			return err
		},
		"list cronjobs": func() error { _, err := sa.BatchV1().CronJobs(c.ns).List(ctx, metav1.ListOptions{}); return err },
		"update jobs": func() error {
			_, err := sa.BatchV1().Jobs(c.ns).Update(ctx, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.UpdateOptions{})
			return err
		},
		"watch jobs":      func() error { _, err := sa.BatchV1().Jobs(c.ns).Watch(ctx, metav1.ListOptions{}); return err },
		"list configmaps": func() error { _, err := sa.CoreV1().ConfigMaps(c.ns).List(ctx, metav1.ListOptions{}); return err },
	}
	for what, call := range forbidden {
		require.True(t, apierrors.IsForbidden(call()), "the service account may %s", what)
	}

	// kubectl-style ownerRefs are why the Role needs no cronjobs/finalizers: the apiserver runs
	// OwnerReferencesPermissionEnforcement (as OpenShift does) and refuses blockOwnerDeletion.
	cj, err := sa.BatchV1().CronJobs(c.ns).Get(ctx, "guidellm-sweep", metav1.GetOptions{})
	require.NoError(t, err)
	blocking := JobFromCronJob(cj, "blocking-owner")
	blocking.OwnerReferences[0].BlockOwnerDeletion = ptr.To(true)
	_, err = sa.BatchV1().Jobs(c.ns).Create(ctx, blocking, metav1.CreateOptions{})
	require.True(t, apierrors.IsForbidden(err), "%v", err)
	_, err = sa.BatchV1().Jobs(c.ns).Create(ctx, JobFromCronJob(cj, "kubectl-style"), metav1.CreateOptions{})
	require.NoError(t, err)
}

func TestKubernetesJobFromCronJob(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	sa := c.grafanaClient()
	c.applyRole(sa)
	cj, err := c.admin.BatchV1().CronJobs(c.ns).Create(ctx, guideLLMCronJob(c.ns), metav1.CreateOptions{})
	require.NoError(t, err)

	// kubectl's semantics, with the template's annotations winning over the instantiate mark.
	tmpl := cj.DeepCopy()
	tmpl.Spec.JobTemplate.Annotations[AnnotationInstantiate] = "from-template"
	require.Equal(t, "from-template", JobFromCronJob(tmpl, "x").Annotations[AnnotationInstantiate])

	s := c.settings()
	s.CronJobName = cj.Name
	m := NewManager(sa, s, testCatalog())
	sweep, created, err := m.Launch(ctx, Request{Model: "mistral-3-bf16", Scenario: "summarization", Profile: ProfileConcurrent, Streams: []int{2, 4}, RequestedBy: "carol"})
	require.NoError(t, err)
	require.True(t, created)
	job, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, sweep.Name, metav1.GetOptions{})
	require.NoError(t, err)

	require.Equal(t, "manual", job.Annotations[AnnotationInstantiate])
	require.Equal(t, "perf", job.Annotations["team"], "template annotations are copied")
	require.Equal(t, "mistral-3-bf16", job.Annotations[AnnotationModel], "the sweep's model replaces the template's")
	require.Equal(t, "carol", job.Annotations[AnnotationRequestedBy])
	require.Equal(t, "guidellm", job.Labels["app.kubernetes.io/name"], "template labels are copied")
	require.Equal(t, "true", job.Labels[LabelSweep])
	require.Equal(t, []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: ptr.To(true)}},
		job.OwnerReferences, "controller ownerRef without blockOwnerDeletion")
	require.Equal(t, sweepKey("mistral-3-bf16", "summarization"), job.Spec.Template.Labels[LabelSweepKey])

	ctr := job.Spec.Template.Spec.Containers[0]
	require.Equal(t, "ghcr.io/vllm-project/guidellm:v0.6.1", ctr.Image, "the CronJob's image")
	require.Equal(t, wrapperCommand(DefaultOutputPath), ctr.Command)
	require.Equal(t, []string{"guidellm", "benchmark", "run"}, ctr.Args[:3], "arguments for the template image's generation")
	require.Equal(t, string(GenerationV05), job.Annotations[AnnotationGeneration])
	require.Contains(t, ctr.Env, corev1.EnvVar{Name: "GUIDELLM__REQUEST_TIMEOUT", Value: "600"})
	require.Contains(t, ctr.Env, corev1.EnvVar{Name: "PYTHONUNBUFFERED", Value: "1"})
	require.Contains(t, ctr.Env, corev1.EnvVar{Name: SchedulerStartDelayEnv, Value: "30"}, "no burst of overdue requests at stage start")
	require.Contains(t, ctr.VolumeMounts, corev1.VolumeMount{Name: resultsVolume, MountPath: "/results"})
	require.Equal(t, int64(startupSeconds+2*(DefaultSecondsPerStage+stageSlackSeconds)), *job.Spec.ActiveDeadlineSeconds)
	require.Equal(t, int32(86400), *job.Spec.TTLSecondsAfterFinished, "the CronJob's TTL")
	c.runPod(job, nil, -1)

	// The CronJob's own (scheduled) Jobs are sweeps too.
	scheduled := JobFromCronJob(cj, "guidellm-sweep-29400000")
	delete(scheduled.Labels, LabelSweep)
	_, err = c.admin.BatchV1().Jobs(c.ns).Create(ctx, scheduled, metav1.CreateOptions{})
	require.NoError(t, err)
	list, err := m.List(ctx)
	require.NoError(t, err)
	names := []string{}
	for _, s := range list {
		names = append(names, s.Name)
	}
	require.ElementsMatch(t, []string{sweep.Name, "guidellm-sweep-29400000"}, names)
}

func TestKubernetesLaunchListGetCancel(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	sa := c.grafanaClient()
	c.applyRole(sa)
	now := time.Date(2026, 11, 29, 10, 4, 10, 0, time.UTC)
	m := NewManager(sa, c.settings(), testCatalog(), WithClock(func() time.Time { return now }))

	a := Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1, 2, 4}, SecondsPerStage: 120, RequestedBy: "alice"}
	sweepA, created, err := m.Launch(ctx, a)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, jobName("mistral-3-int4", "chat", 1), sweepA.Name)
	require.Equal(t, StatusPending, sweepA.Status)
	require.Equal(t, 3, sweepA.Progress.StagesTotal)

	again, created, err := m.Launch(ctx, a)
	require.NoError(t, err)
	require.False(t, created, "a second active sweep of the same model and scenario is not started")
	require.Equal(t, sweepA.Name, again.Name)

	sweepB, created, err := m.Launch(ctx, Request{Model: "mistral-3-bf16", Scenario: "chat", Profile: ProfileSweep, SweepSize: 4})
	require.NoError(t, err)
	require.True(t, created)

	_, _, err = m.Launch(ctx, Request{Model: "mistral-3-int4", Scenario: "stress", Profile: ProfileConcurrent, Streams: []int{1}})
	require.ErrorIs(t, err, ErrTooManySweeps)
	require.Equal(t, http.StatusTooManyRequests, StatusCode(err))
	require.Contains(t, err.Error(), sweepA.Name)

	_, _, err = m.Launch(ctx, Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant})
	require.ErrorIs(t, err, ErrInvalid)

	// Sweep A runs: GuideLLM is in its stages.
	job := c.setJobStatus(sweepA.Name, StatusRunning)
	c.runPod(job, readTestLog(t, "benchmarking.log", ""), -1)

	list, err := m.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, sweepB.Name, list[0].Name, "newest first")
	require.Equal(t, StatusPending, list[0].Status)
	require.Equal(t, StatusRunning, list[1].Status)
	require.Equal(t, Progress{Phase: PhaseBenchmarking, StagesTotal: 3, StagesDone: 2, Estimated: true,
		Note: "stage 3 of 3 running (estimated from the time since the first stage began, 4m5s)"}, list[1].Progress)
	require.Equal(t, []float64{1, 2, 4}, list[1].Rates)
	require.Equal(t, "alice", list[1].RequestedBy)

	got, err := m.Get(ctx, sweepA.Name)
	require.NoError(t, err)
	require.Equal(t, "✔ Setup complete, starting benchmarks...", got.LogTail[len(got.LogTail)-3])
	require.Equal(t, PhaseBenchmarking, got.Progress.Phase)

	// Once A is finished, the same model and scenario can be swept again (next sequence number).
	c.setJobStatus(sweepA.Name, StatusSucceeded)
	require.NoError(t, m.Cancel(ctx, sweepB.Name))
	next, created, err := m.Launch(ctx, a)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, jobName("mistral-3-int4", "chat", 2), next.Name)

	// Cancel deletes the Job; a deleted or foreign Job is not found.
	require.NoError(t, m.Cancel(ctx, next.Name))
	_, err = m.Get(ctx, next.Name)
	require.ErrorIs(t, err, ErrNotFound)
	require.Equal(t, http.StatusNotFound, StatusCode(err))
	require.ErrorIs(t, m.Cancel(ctx, next.Name), ErrNotFound)
	foreign := JobFromCronJob(guideLLMCronJob(c.ns), "not-a-sweep")
	foreign.OwnerReferences, foreign.Labels = nil, nil
	_, err = c.admin.BatchV1().Jobs(c.ns).Create(ctx, foreign, metav1.CreateOptions{})
	require.NoError(t, err)
	require.ErrorIs(t, m.Cancel(ctx, "not-a-sweep"), ErrNotFound)
	_, err = c.admin.BatchV1().Jobs(c.ns).Get(ctx, "not-a-sweep", metav1.GetOptions{})
	require.NoError(t, err, "a Job that is not a sweep is never deleted")

	list, err = m.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, StatusSucceeded, list[0].Status)
}

func TestKubernetesIngest(t *testing.T) {
	c := newCluster(t)
	s3, bucket := requireS3Client(t)
	ctx := context.Background()
	sa := c.grafanaClient()
	c.applyRole(sa)
	settings := c.settings()
	settings.MaxConcurrentSweeps = 20
	m := NewManager(sa, settings, testCatalog())
	st := store.New(s3, store.Config{Bucket: bucket, Prefix: "bench", Decode: guidellm.Decode})
	report, err := os.ReadFile(filepath.Join("testdata", "report_v2.json"))
	require.NoError(t, err)
	finishedLog := readTestLog(t, "finished.log", string(report))

	launch := func(model, scenario string) *batchv1.Job {
		sw, created, err := m.Launch(ctx, Request{Model: model, Scenario: scenario, Profile: ProfileConstant, Rates: []float64{1, 2, 4}})
		require.NoError(t, err)
		require.True(t, created)
		job, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, sw.Name, metav1.GetOptions{})
		require.NoError(t, err)
		return job
	}
	finish := func(job *batchv1.Job, log []logLine, status Status) {
		exit := 0
		if status == StatusFailed {
			exit = 1
		}
		if log != nil {
			c.runPod(job, log, exit)
		}
		c.setJobStatus(job.Name, status)
	}
	objects := func() []string {
		var keys []string
		for obj := range s3.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			require.NoError(t, obj.Err)
			keys = append(keys, obj.Key)
		}
		return keys
	}

	good := launch("mistral-3-int4", "chat")
	finish(good, finishedLog, StatusSucceeded)
	failed := launch("meta-llama/Llama-3.1-8B-Instruct", "chat")
	finish(failed, readTestLog(t, "failed.log", ""), StatusFailed)
	noReport := launch("mistral-3-bf16", "chat")
	finish(noReport, readTestLog(t, "setup.log", ""), StatusSucceeded)
	podGone := launch("mistral-3-bf16", "stress")
	finish(podGone, nil, StatusSucceeded)
	running := launch("mistral-3-int4", "stress")
	c.setJobStatus(running.Name, StatusRunning)

	res, err := m.Ingest(ctx, st)
	require.NoError(t, err)
	require.Len(t, res.Stored, 1, "%+v", res)
	require.Equal(t, good.Name, res.Stored[0].Job)
	require.Equal(t, []string{failed.Name}, res.Failed)
	require.Len(t, res.Unreadable, 2)
	require.Empty(t, res.Retry)
	require.Equal(t, []string{res.Stored[0].Key}, objects())

	// The stored run carries the sweep's labels; the analysis reads model, scenario and GPUs.
	snap, err := st.Snapshot(ctx)
	require.NoError(t, err)
	require.Len(t, snap.Runs, 1)
	run := snap.Runs[0]
	require.Equal(t, map[string]string{"model": "mistral-3-int4", "scenario": "chat", "profile": "constant", "gpus": "1",
		"gpuType": "L40S", "quantization": "int4", "sweep": good.Name}, run.Labels)
	require.Len(t, run.Stages, 2)

	// Outcomes are on the Jobs, and List shows them.
	list, err := m.List(ctx)
	require.NoError(t, err)
	byName := map[string]Sweep{}
	for _, s := range list {
		byName[s.Name] = s
	}
	require.Equal(t, IngestStored, byName[good.Name].Ingest)
	require.Equal(t, res.Stored[0].Key, byName[good.Name].ReportKey)
	f := byName[failed.Name]
	require.Equal(t, StatusFailed, f.Status)
	require.Equal(t, IngestFailedJob, f.Ingest)
	require.Equal(t, "BackoffLimitExceeded: Job has reached the specified backoff limit; container guidellm terminated: Error (exit code 1); GuideLLM exited with status 1", f.FailureReason)
	require.Contains(t, f.LogTail, "OSError: You are trying to access a gated repo.")
	require.NotContains(t, strings.Join(f.LogTail, "\n"), "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123", "secrets never reach the Job or Grafana")
	require.Equal(t, IngestUnreadable, byName[noReport.Name].Ingest)
	require.Contains(t, byName[noReport.Name].IngestError, "the log has no report")
	require.Contains(t, byName[podGone.Name].IngestError, "the Job's pod is gone")
	require.Empty(t, byName[running.Name].Ingest)

	// Get leaves the report out of the log tail.
	got, err := m.Get(ctx, good.Name)
	require.NoError(t, err)
	require.Equal(t, "…   json     : /results/benchmarks.json", got.LogTail[len(got.LogTail)-1])

	// Following a sweep whose log holds a 20 MB report, or 2 MB of output before it, reads a
	// bounded part of the log per poll.
	bigReport := `{"benchmarks": [], "pad": "` + strings.Repeat("x", 20<<20) + `"}`
	for i, lines := range [][]logLine{
		readTestLog(t, "finished.log", bigReport),
		append(slices.Repeat([]logLine{{time.Now(), strings.Repeat("progress line ", 70)}}, 2<<20/1000), readTestLog(t, "failed.log", "")...),
	} {
		big := launch("meta-llama/Llama-3.1-8B-Instruct", []string{"code-gen", "stress"}[i])
		c.runPod(big, lines, -1)
		c.setJobStatus(big.Name, StatusRunning)
		before := c.kubelet.bytesServed()
		got, err := m.Get(ctx, big.Name)
		require.NoError(t, err)
		read := c.kubelet.bytesServed() - before
		t.Logf("Get of a %d-line log read %d bytes (bound %d)", len(lines), read, MaxFollowBytes)
		require.LessOrEqual(t, read, MaxFollowBytes)
		require.NotEmpty(t, got.LogTail)
		require.NoError(t, m.Cancel(ctx, big.Name))
	}

	// A second pass stores nothing again.
	res, err = m.Ingest(ctx, st)
	require.NoError(t, err)
	require.Equal(t, IngestResult{}, res)
	require.Len(t, objects(), 1)

	// Two replicas ingesting at once store every report exactly once.
	var twins []*batchv1.Job
	for _, pair := range [][2]string{{"mistral-3-bf16", "summarization"}, {"mistral-3-bf16", "code-gen"}, {"mistral-3-int4", "code-gen"}} {
		j := launch(pair[0], pair[1])
		finish(j, finishedLog, StatusSucceeded)
		twins = append(twins, j)
	}
	other := NewManager(c.grafanaClient(), settings, testCatalog())
	var wg sync.WaitGroup
	results := make([]IngestResult, 2)
	errs := make([]error, 2)
	for i, mgr := range []*Manager{m, other} {
		wg.Go(func() { results[i], errs[i] = mgr.Ingest(ctx, st) })
	}
	wg.Wait()
	var stored []string
	for i, r := range results {
		require.NoError(t, errs[i])
		require.Empty(t, r.Retry)
		for _, s := range r.Stored {
			stored = append(stored, s.Job)
		}
	}
	slices.Sort(stored)
	want := []string{twins[0].Name, twins[1].Name, twins[2].Name}
	slices.Sort(want)
	require.Equal(t, want, stored)
	require.Len(t, objects(), 4)

	// A claim is conditioned on the resourceVersion the replica saw, and holds for claimTTL.
	late := launch("mistral-3-int4", "summarization")
	finish(late, finishedLog, StatusSucceeded)
	stale, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, late.Name, metav1.GetOptions{})
	require.NoError(t, err)
	_, ok, err := m.claim(ctx, stale)
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = other.claim(ctx, stale)
	require.NoError(t, err)
	require.False(t, ok, "a stale resourceVersion loses")
	fresh, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, late.Name, metav1.GetOptions{})
	require.NoError(t, err)
	_, ok, err = other.claim(ctx, fresh)
	require.NoError(t, err)
	require.False(t, ok, "another replica's fresh claim holds")
	afterTTL := NewManager(c.grafanaClient(), settings, testCatalog(), WithClock(func() time.Time { return time.Now().Add(claimTTL + time.Minute) }))
	_, ok, err = afterTTL.claim(ctx, fresh)
	require.NoError(t, err)
	require.True(t, ok, "an expired claim is taken over")

	// The loop ingests in the background and stops when its context ends.
	loopCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		afterTTL.RunIngestLoop(loopCtx, 50*time.Millisecond, afterTTL, st)
	}()
	require.Eventually(t, func() bool {
		j, err := c.admin.BatchV1().Jobs(c.ns).Get(ctx, late.Name, metav1.GetOptions{})
		return err == nil && j.Annotations[AnnotationIngested] == IngestStored
	}, 10*time.Second, 20*time.Millisecond)
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunIngestLoop did not stop after its context was cancelled")
	}
	require.Len(t, objects(), 5)
}
