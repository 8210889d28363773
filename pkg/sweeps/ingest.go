package sweeps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// ReportStore keeps ingested reports (*store.Store satisfies it).
type ReportStore interface {
	Put(ctx context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error)
}

// claimTTL is how long an ingest claim holds: a replica that died while ingesting leaves its
// claim behind, and after this another replica takes the Job over.
const claimTTL = 10 * time.Minute

// IngestResult is what one Ingest pass did.
type IngestResult struct {
	Stored     []StoredReport  `json:"stored,omitempty"`     // reports now in the store
	Failed     []string        `json:"failed,omitempty"`     // failed Jobs whose reason and log tail were recorded
	Unreadable []IngestProblem `json:"unreadable,omitempty"` // succeeded Jobs without a usable report (recorded, not retried)
	Retry      []IngestProblem `json:"retry,omitempty"`      // transient failures, retried on the next pass
	Skipped    int             `json:"skipped,omitempty"`    // Jobs another replica is ingesting
}

// StoredReport is one report stored from a Job.
type StoredReport struct {
	Job string `json:"job"`
	Key string `json:"key"`
}

// IngestProblem is a Job that could not be ingested, and why.
type IngestProblem struct {
	Job    string `json:"job"`
	Reason string `json:"reason"`
}

// Ingest stores the reports of finished sweep Jobs that are not ingested yet and records the
// reason and log tail of failed ones, each on the Job itself as annotations
// (AnnotationIngested…). Several replicas may run it at once: a Job is first claimed with a
// patch conditioned on its resourceVersion, so only one replica reads and stores its report.
// It fails only when the Jobs cannot be listed.
func (m *Manager) Ingest(ctx context.Context, st ReportStore) (IngestResult, error) {
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return IngestResult{}, err
	}
	slices.SortFunc(jobs, func(a, b batchv1.Job) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	var res IngestResult
	for i := range jobs {
		job := &jobs[i]
		if !finished(job) || job.Annotations[AnnotationIngested] != "" {
			continue
		}
		claimed, ok, err := m.claim(ctx, job)
		if err != nil {
			res.Retry = append(res.Retry, IngestProblem{job.Name, err.Error()})
			continue
		}
		if !ok {
			res.Skipped++
			continue
		}
		if jobStatus(claimed) == StatusFailed {
			err = m.recordFailure(ctx, claimed)
			if err == nil {
				res.Failed = append(res.Failed, job.Name)
			}
		} else {
			var key string
			var problem string
			key, problem, err = m.storeReport(ctx, claimed, st)
			switch {
			case err != nil:
			case problem != "":
				res.Unreadable = append(res.Unreadable, IngestProblem{job.Name, problem})
			default:
				res.Stored = append(res.Stored, StoredReport{job.Name, key})
			}
		}
		if err != nil {
			res.Retry = append(res.Retry, IngestProblem{job.Name, err.Error()})
			m.release(ctx, claimed)
		}
	}
	return res, nil
}

// claim marks job as being ingested by this replica. ok is false when another replica holds a
// fresh claim or changed the Job since it was listed (the resourceVersion precondition failed).
func (m *Manager) claim(ctx context.Context, job *batchv1.Job) (claimed *batchv1.Job, ok bool, err error) {
	if holder, at, found := parseClaim(job.Annotations[AnnotationIngestClaim]); found && holder != m.replica && m.now().Sub(at) < claimTTL {
		return nil, false, nil
	}
	// A resourceVersion in a merge patch is a precondition: a stale one fails with 409 Conflict.
	claimed, err = m.patchAnnotations(ctx, job, job.ResourceVersion, map[string]*string{
		AnnotationIngestClaim: new(m.replica + " " + m.now().UTC().Format(time.RFC3339)),
	})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, m.apiError("claiming Job "+job.Name+" for ingestion", err)
	}
	return claimed, true, nil
}

func parseClaim(v string) (holder string, at time.Time, ok bool) {
	holder, stamp, found := strings.Cut(v, " ")
	if !found {
		return "", time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, stamp)
	return holder, at, err == nil
}

// release drops this replica's claim after a transient failure, so the next pass retries.
func (m *Manager) release(ctx context.Context, job *batchv1.Job) {
	if _, err := m.patchAnnotations(ctx, job, "", map[string]*string{AnnotationIngestClaim: nil}); err != nil && !apierrors.IsNotFound(err) {
		m.log.Warn("sweeps: releasing the ingest claim failed; another replica takes over after the claim expires",
			"job", job.Name, "error", err, "claimTTL", claimTTL.String())
	}
}

// finish records the outcome and drops the claim.
func (m *Manager) finish(ctx context.Context, job *batchv1.Job, outcome map[string]*string) error {
	outcome[AnnotationIngestClaim] = nil
	if _, err := m.patchAnnotations(ctx, job, "", outcome); err != nil {
		return m.apiError("annotating Job "+job.Name+" as ingested", err)
	}
	return nil
}

// patchAnnotations sets (nil: removes) annotations with a JSON merge patch, conditioned on
// resourceVersion when it is not empty.
func (m *Manager) patchAnnotations(ctx context.Context, job *batchv1.Job, resourceVersion string, annotations map[string]*string) (*batchv1.Job, error) {
	meta := map[string]any{"annotations": annotations}
	if resourceVersion != "" {
		meta["resourceVersion"] = resourceVersion
	}
	patch, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return nil, err
	}
	return m.client.BatchV1().Jobs(job.Namespace).Patch(ctx, job.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
}

// storeReport reads the report from the succeeded Job's log, checks it and stores it. A report
// that cannot be had (pod gone, no report, not a GuideLLM report) is recorded on the Job and
// returned as problem; err is for failures worth retrying.
func (m *Manager) storeReport(ctx context.Context, job *batchv1.Job, st ReportStore) (key, problem string, err error) {
	unreadable := func(reason string, tail []string) (string, string, error) {
		outcome := map[string]*string{AnnotationIngested: new(IngestUnreadable), AnnotationIngestError: new(reason)}
		if len(tail) > 0 {
			outcome[AnnotationLogTail] = new(boundedTail(tail))
		}
		return "", reason, m.finish(ctx, job, outcome)
	}
	pod, err := m.jobPod(ctx, job)
	if err != nil {
		return "", "", err
	}
	if pod == nil {
		return unreadable("the Job's pod is gone (deleted, or its TTL passed before the report was ingested), and the report with its log", nil)
	}
	rc, err := m.openLog(ctx, pod, false, int64(m.maxReportBytes)+progressLogBytes)
	if err != nil {
		return "", "", err
	}
	scan, err := scanLog(rc, m.maxReportBytes)
	rc.Close()
	if err != nil {
		if errors.Is(err, errReportTooLarge) || errors.Is(err, errReportMalformed) {
			return unreadable(err.Error(), scan.tail)
		}
		return "", "", fmt.Errorf("reading the log of pod %s: %w", pod.Name, err)
	}
	switch {
	case !scan.foundBegin:
		return unreadable("the log has no report: the container did not run the sweep wrapper, or the log was rotated away (expected a line starting "+strconv.Quote(PackedBeginPrefix)+")", scan.tail)
	case scan.truncated != "":
		// Nothing of a truncated report is stored: a run with stages missing would pass for a
		// complete one.
		return unreadable(scan.truncated, scan.tail)
	}
	run, derr := guidellm.Decode("benchmarks.json", scan.report)
	if derr != nil {
		reason := derr.Error()
		if re, ok := errors.AsType[*guidellm.ReportError](derr); ok {
			reason = re.Reason
		}
		return unreadable("the printed report is not a readable GuideLLM report: "+reason, scan.tail)
	}
	key, _, err = st.Put(ctx, scan.report, ingestLabels(job, run))
	switch {
	case errors.Is(err, store.ErrInvalidReport), errors.Is(err, store.ErrInvalidLabels), errors.Is(err, store.ErrReportTooLarge):
		return unreadable("the store refused the report: "+err.Error(), scan.tail)
	case err != nil:
		return "", "", fmt.Errorf("storing the report: %w", err)
	}
	if err := m.finish(ctx, job, map[string]*string{AnnotationIngested: new(IngestStored), AnnotationReportKey: new(key)}); err != nil {
		// The report is stored; without the annotation a later pass stores it once more.
		return "", "", err
	}
	return key, "", nil
}

// ingestLabels are the store labels of a Job's report: the sweep's request as the analysis reads
// labels (model, scenario, gpus, gpuType, quantization), its profile and the Job's name.
func ingestLabels(job *batchv1.Job, run *guidellm.Run) map[string]string {
	a := job.Annotations
	labels := map[string]string{}
	for name, value := range map[string]string{
		"model":        a[AnnotationModel],
		"scenario":     a[AnnotationScenario],
		"profile":      a[AnnotationProfile],
		"gpus":         a[AnnotationGPUs],
		"gpuType":      a[AnnotationGPUType],
		"quantization": a[AnnotationQuantization],
		"sweep":        job.Name,
		"cronJob":      controllingCronJob(job),
	} {
		if store.ValidateLabelValue(name, value) == nil {
			labels[name] = value
		}
	}
	if labels["model"] == "" && store.ValidateLabelValue("model", run.Model) == nil {
		labels["model"] = run.Model
	}
	return labels
}

// recordFailure writes why a failed Job failed and its log tail onto the Job.
func (m *Manager) recordFailure(ctx context.Context, job *batchv1.Job) error {
	pod, err := m.jobPod(ctx, job)
	if err != nil {
		return err
	}
	var tail []string
	var reasons []string
	if c, ok := jobCondition(job, batchv1.JobFailed); ok {
		reasons = append(reasons, conditionReason(c))
	}
	if pod != nil {
		if r := containerFailure(pod); r != "" {
			reasons = append(reasons, r)
		}
		rc, err := m.openLog(ctx, pod, false, 2*progressLogBytes)
		if err == nil {
			scan, _ := scanLog(rc, progressLogBytes)
			rc.Close()
			tail = scan.tail
			if scan.exitStatus != "" {
				reasons = append(reasons, "GuideLLM exited with status "+scan.exitStatus)
			}
		}
		if len(tail) == 0 {
			// The kubelet keeps the log tail as termination message (FallbackToLogsOnError).
			tail = terminationMessage(pod)
		}
	} else {
		reasons = append(reasons, "the pod is gone, so its log is too")
	}
	outcome := map[string]*string{
		AnnotationIngested:      new(IngestFailedJob),
		AnnotationFailureReason: new(strings.Join(reasons, "; ")),
	}
	if len(tail) > 0 {
		outcome[AnnotationLogTail] = new(boundedTail(tail))
	}
	return m.finish(ctx, job, outcome)
}

// containerFailure describes how the GuideLLM container ended, "" when it did not fail.
func containerFailure(pod *corev1.Pod) string {
	name := logContainer(pod)
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != name || cs.State.Terminated == nil {
			continue
		}
		t := cs.State.Terminated
		if t.ExitCode == 0 {
			return ""
		}
		return fmt.Sprintf("container %s terminated: %s (exit code %d)", name, t.Reason, t.ExitCode)
	}
	if pod.Status.Reason != "" || pod.Status.Message != "" {
		return strings.TrimSpace("pod " + pod.Status.Reason + ": " + pod.Status.Message)
	}
	return ""
}

func terminationMessage(pod *corev1.Pod) []string {
	name := logContainer(pod)
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == name && cs.State.Terminated != nil && cs.State.Terminated.Message != "" {
			var tail []string
			for _, l := range strings.Split(strings.TrimRight(cs.State.Terminated.Message, "\n"), "\n") {
				tail = appendTail(tail, l)
			}
			return tail
		}
	}
	return nil
}

// boundedTail joins the last lines that fit maxLogTailAnnotation bytes.
func boundedTail(tail []string) string {
	size, first := 0, len(tail)
	for first > 0 && size+len(tail[first-1])+1 <= maxLogTailAnnotation {
		first--
		size += len(tail[first]) + 1
	}
	return strings.Join(tail[first:], "\n")
}

// Ingester runs one ingestion pass: a Manager, or a wrapper of one (the data source traces each
// pass).
type Ingester interface {
	Ingest(ctx context.Context, st ReportStore) (IngestResult, error)
}

// RunIngestLoop runs passes.Ingest now and then every interval until ctx is cancelled (the data
// source's Dispose); passes is m or a wrapper of m. Outcomes and failures go to the Manager's
// logger.
func (m *Manager) RunIngestLoop(ctx context.Context, every time.Duration, passes Ingester, st ReportStore) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pass, cancel := context.WithTimeout(ctx, max(every, 2*time.Minute))
		res, err := passes.Ingest(pass, st)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.log.Warn("sweeps: ingest pass failed", "namespace", m.settings.Namespace, "error", err)
		default:
			for _, s := range res.Stored {
				m.log.Info("sweeps: stored report", "job", s.Job, "key", s.Key)
			}
			for _, p := range res.Unreadable {
				m.log.Warn("sweeps: sweep succeeded but its report is unusable", "job", p.Job, "reason", p.Reason)
			}
			for _, p := range res.Retry {
				m.log.Warn("sweeps: ingest failed, retrying next pass", "job", p.Job, "error", p.Reason)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
