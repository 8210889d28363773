package sweeps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authnv1client "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authzv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	batchv1client "k8s.io/client-go/kubernetes/typed/batch/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/utils/ptr"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

// Client is the part of kubernetes.Interface the Manager uses (a *kubernetes.Clientset
// satisfies it): Jobs and CronJobs, pods and their logs, and the two self-reviews.
type Client interface {
	BatchV1() batchv1client.BatchV1Interface
	CoreV1() corev1client.CoreV1Interface
	AuthorizationV1() authzv1client.AuthorizationV1Interface
	AuthenticationV1() authnv1client.AuthenticationV1Interface
}

// Logger receives what the ingest loop has to say (the SDK's log.Logger satisfies it).
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
}

type discardLogger struct{}

func (discardLogger) Info(string, ...any) {}
func (discardLogger) Warn(string, ...any) {}

// fieldManager names the plugin in the Jobs' managedFields.
const fieldManager = "inference-roi"

// Manager launches, lists, cancels and ingests the sweeps of one data-source instance. It is
// safe for concurrent use; several Managers (Grafana replicas) may share a namespace.
type Manager struct {
	client   Client
	settings Settings
	catalog  analysis.Config
	log      Logger
	now      func() time.Time
	// replica identifies this Manager in ingest claims.
	replica        string
	maxReportBytes int
	// Where Launch looks for a model's tokenizer beyond the settings (resolveProcessor).
	isvc         InferenceServices
	modelsHTTP   *http.Client
	modelsAPIKey string
}

// Option configures a Manager.
type Option func(*Manager)

// WithLogger sets where the ingest loop logs.
func WithLogger(l Logger) Option { return func(m *Manager) { m.log = l } }

// WithClock sets the clock progress estimates use.
func WithClock(now func() time.Time) Option { return func(m *Manager) { m.now = now } }

// WithMaxReportBytes bounds a report read from a log (use the store's object size limit).
func WithMaxReportBytes(n int64) Option { return func(m *Manager) { m.maxReportBytes = int(n) } }

// DefaultMaxReportBytes is the report size bound without WithMaxReportBytes.
const DefaultMaxReportBytes = 64 << 20

// NewManager returns a Manager for settings (after ApplyDefaults and Validate) and the catalog
// the requests are checked against.
func NewManager(c Client, settings Settings, catalog analysis.Config, opts ...Option) *Manager {
	host, _ := os.Hostname()
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	m := &Manager{
		client:         c,
		settings:       settings,
		catalog:        catalog,
		log:            discardLogger{},
		now:            time.Now,
		replica:        strings.Trim(nameSegment(host, 40)+"-"+hex.EncodeToString(id), "-"),
		maxReportBytes: DefaultMaxReportBytes,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Settings returns the settings the Manager works with.
func (m *Manager) Settings() Settings { return m.settings }

// managed reports whether job is a sweep of this Manager: labelled, or created by the
// configured CronJob.
func (m *Manager) managed(job *batchv1.Job) bool {
	if job.Labels[LabelSweep] == "true" {
		return true
	}
	return m.settings.CronJobName != "" && controllingCronJob(job) == m.settings.CronJobName
}

// listJobs returns the namespace's sweep Jobs.
func (m *Manager) listJobs(ctx context.Context) ([]batchv1.Job, error) {
	opts := metav1.ListOptions{Limit: 500}
	if m.settings.CronJobName == "" {
		opts.LabelSelector = LabelSweep + "=true"
	}
	var jobs []batchv1.Job
	for {
		list, err := m.client.BatchV1().Jobs(m.settings.Namespace).List(ctx, opts)
		if err != nil {
			return nil, m.apiError("listing Jobs in namespace "+m.settings.Namespace, err)
		}
		for i := range list.Items {
			if m.managed(&list.Items[i]) {
				jobs = append(jobs, list.Items[i])
			}
		}
		if list.Continue == "" {
			return jobs, nil
		}
		opts.Continue = list.Continue
	}
}

// Launch starts a sweep for req. When a sweep of the same model and scenario is still running it
// returns that one with created=false instead of starting a second.
func (m *Manager) Launch(ctx context.Context, req Request) (Sweep, bool, error) {
	p, err := m.settings.Plan(req, m.catalog)
	if err != nil {
		return Sweep{}, false, err
	}
	if err := m.resolveProcessor(ctx, &p); err != nil {
		return Sweep{}, false, err
	}
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return Sweep{}, false, err
	}
	key := sweepKey(p.Model, p.Scenario)
	seq := 0
	var active []string
	for i := range jobs {
		j := &jobs[i]
		sameKey := j.Labels[LabelSweepKey] == key
		if sameKey {
			if n, err := strconv.Atoi(j.Labels[LabelSweepSeq]); err == nil && n > seq {
				seq = n
			}
		}
		if st := jobStatus(j); st == StatusPending || st == StatusRunning {
			if sameKey {
				return sweepFromJob(j), false, nil
			}
			active = append(active, j.Name)
		}
	}
	if len(active) >= m.settings.MaxConcurrentSweeps {
		return Sweep{}, false, fmt.Errorf("%w: %d of at most %d (kubernetes.maxConcurrentSweeps) are running: %s; wait for one to finish or cancel it",
			ErrTooManySweeps, len(active), m.settings.MaxConcurrentSweeps, strings.Join(active, ", "))
	}
	seq++
	name := jobName(p.Model, p.Scenario, seq)
	job, err := m.newJob(ctx, p, name, seq)
	if err != nil {
		return Sweep{}, false, err
	}
	created, err := m.client.BatchV1().Jobs(m.settings.Namespace).Create(ctx, job, metav1.CreateOptions{FieldManager: fieldManager})
	if apierrors.IsAlreadyExists(err) {
		// Another replica launched the same sweep a moment ago: it computed the same name.
		existing, gerr := m.client.BatchV1().Jobs(m.settings.Namespace).Get(ctx, name, metav1.GetOptions{})
		if gerr != nil {
			return Sweep{}, false, m.apiError("reading Job "+name, gerr)
		}
		return sweepFromJob(existing), false, nil
	}
	if err != nil {
		return Sweep{}, false, m.apiError("creating Job "+name, err)
	}
	return sweepFromJob(created), true, nil
}

// newJob builds the Job of plan p: from the configured CronJob, or the built-in spec.
func (m *Manager) newJob(ctx context.Context, p Plan, name string, seq int) (*batchv1.Job, error) {
	if m.settings.CronJobName == "" {
		return BuildJob(m.settings, p, name, seq)
	}
	cj, err := m.client.BatchV1().CronJobs(m.settings.Namespace).Get(ctx, m.settings.CronJobName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: kubernetes.cronJobName %q: no such CronJob in namespace %s", ErrNotConfigured, m.settings.CronJobName, m.settings.Namespace)
	}
	if err != nil {
		return nil, m.apiError("reading CronJob "+m.settings.CronJobName, err)
	}
	return BuildJobFromCronJob(cj, m.settings, p, name, seq)
}

// SweepList is the result of List.
type SweepList []Sweep

// List returns every sweep Job in the namespace, newest first, with the progress of the running
// ones read from their logs. A log that cannot be read leaves a note, not an error.
func (m *Manager) List(ctx context.Context) (SweepList, error) {
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return nil, err
	}
	sweeps := make(SweepList, 0, len(jobs))
	for i := range jobs {
		s := sweepFromJob(&jobs[i])
		if s.Status == StatusRunning {
			m.addProgress(ctx, &jobs[i], &s)
		}
		sweeps = append(sweeps, s)
	}
	slices.SortStableFunc(sweeps, func(a, b Sweep) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return sweeps, nil
}

func (m *Manager) addProgress(ctx context.Context, job *batchv1.Job, s *Sweep) {
	pod, err := m.jobPod(ctx, job)
	if err != nil {
		s.Progress.Note = "progress unavailable: " + err.Error()
		return
	}
	if pod == nil {
		s.Progress.Phase, s.Progress.Note = PhaseWaiting, "the Job has no pod yet"
		return
	}
	p, err := m.readProgress(ctx, pod, s.Progress.StagesTotal, s.SecondsPerStage)
	if err != nil {
		s.Progress.Phase, s.Progress.Note = PhaseWaiting, "log not readable yet: "+err.Error()
		return
	}
	s.Progress = p
}

// getJob reads a sweep Job; a Job that is not a sweep is not found.
func (m *Manager) getJob(ctx context.Context, name string) (*batchv1.Job, error) {
	job, err := m.client.BatchV1().Jobs(m.settings.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, m.apiError("reading Job "+name, err)
	}
	if !m.managed(job) {
		return nil, fmt.Errorf("%w: Job %s in namespace %s is not a sweep", ErrNotFound, name, m.settings.Namespace)
	}
	return job, nil
}

// Get returns one sweep with its progress and the last lines of its log (secrets redacted; the
// report itself left out). Without a pod (not started, or deleted) the tail is what Ingest
// recorded, if anything.
func (m *Manager) Get(ctx context.Context, name string) (Sweep, error) {
	job, err := m.getJob(ctx, name)
	if err != nil {
		return Sweep{}, err
	}
	s := sweepFromJob(job)
	pod, err := m.jobPod(ctx, job)
	if err != nil {
		return Sweep{}, err
	}
	if pod == nil {
		if s.Status == StatusRunning {
			s.Progress.Phase, s.Progress.Note = PhaseWaiting, "the Job has no pod yet"
		}
		return s, nil
	}
	if s.Status == StatusRunning {
		m.addProgress(ctx, job, &s)
	}
	tail, err := m.followTail(ctx, pod)
	if err != nil {
		return Sweep{}, upstreamError("reading the log of pod "+pod.Name, err)
	}
	if len(tail) > 0 {
		s.LogTail = tail
	}
	return s, nil
}

// Cancel deletes a sweep Job; its pod goes with it (propagation Background), which stops
// GuideLLM. Cancelling a finished sweep removes it from the list.
func (m *Manager) Cancel(ctx context.Context, name string) error {
	job, err := m.getJob(ctx, name)
	if err != nil {
		return err
	}
	err = m.client.BatchV1().Jobs(m.settings.Namespace).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
		Preconditions:     &metav1.Preconditions{UID: &job.UID},
	})
	if err != nil {
		return m.apiError("deleting Job "+name, err)
	}
	return nil
}
