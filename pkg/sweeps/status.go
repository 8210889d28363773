package sweeps

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Status is where a sweep Job stands.
type Status string

const (
	StatusPending   Status = "pending"   // created, not started (no pod running yet)
	StatusRunning   Status = "running"   // started, not finished
	StatusSucceeded Status = "succeeded" // GuideLLM finished and the report was printed
	StatusFailed    Status = "failed"    // GuideLLM or the Job failed (see FailureReason)
)

// Phases of a sweep's progress, read from its log.
const (
	PhaseWaiting      = "waiting"      // no log yet: pod not started or image pulling
	PhaseSetup        = "setup"        // GuideLLM is starting: backend check, tokenizer, data
	PhaseBenchmarking = "benchmarking" // stages running
	PhaseWriting      = "writing"      // all stages done, report being written and printed
	PhaseDone         = "done"         // report printed
	PhaseFailed       = "failed"
)

// Progress is how far a sweep got.
type Progress struct {
	Phase       string `json:"phase"`
	StagesTotal int    `json:"stagesTotal"` // 0: unknown (a CronJob sweep without our annotations)
	StagesDone  int    `json:"stagesDone"`
	// Estimated is true when StagesDone comes from the time elapsed since the first stage began:
	// without a terminal GuideLLM prints nothing between its "Setup complete" and
	// "Benchmarking complete" lines, and every stage lasts at most secondsPerStage.
	Estimated bool   `json:"estimated,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Sweep is one sweep Job as the plugin shows it.
type Sweep struct {
	Name            string     `json:"name"`
	Namespace       string     `json:"namespace"`
	Model           string     `json:"model,omitempty"`
	Scenario        string     `json:"scenario,omitempty"`
	Profile         string     `json:"profile,omitempty"`
	Rates           []float64  `json:"rates,omitempty"`
	Streams         []int      `json:"streams,omitempty"`
	SweepSize       int        `json:"sweepSize,omitempty"`
	SecondsPerStage int        `json:"secondsPerStage,omitempty"`
	RequestedBy     string     `json:"requestedBy,omitempty"`
	CronJob         string     `json:"cronJob,omitempty"` // the CronJob that owns the Job, if any
	Status          Status     `json:"status"`
	Created         time.Time  `json:"created"`
	Started         *time.Time `json:"started,omitempty"`
	Finished        *time.Time `json:"finished,omitempty"`
	Progress        Progress   `json:"progress"`
	FailureReason   string     `json:"failureReason,omitempty"`
	// Ingest is the ingestion outcome (IngestStored, IngestFailedJob, IngestUnreadable), empty
	// while not ingested.
	Ingest      string `json:"ingest,omitempty"`
	ReportKey   string `json:"reportKey,omitempty"`
	IngestError string `json:"ingestError,omitempty"`
	// LogTail holds the last log lines (secrets redacted): from the live log in Get, from what
	// Ingest recorded for a failed Job in List.
	LogTail []string `json:"logTail,omitempty"`
}

// jobCondition reports whether job has condition t with status True.
func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) (batchv1.JobCondition, bool) {
	for _, c := range job.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return c, true
		}
	}
	return batchv1.JobCondition{}, false
}

// jobStatus classifies a Job. SuccessCriteriaMet and FailureTarget already decide the outcome
// while the job controller is still terminating the pods.
func jobStatus(job *batchv1.Job) Status {
	for _, t := range []batchv1.JobConditionType{batchv1.JobFailed, batchv1.JobFailureTarget} {
		if _, ok := jobCondition(job, t); ok {
			return StatusFailed
		}
	}
	for _, t := range []batchv1.JobConditionType{batchv1.JobComplete, batchv1.JobSuccessCriteriaMet} {
		if _, ok := jobCondition(job, t); ok {
			return StatusSucceeded
		}
	}
	if job.Status.StartTime != nil {
		return StatusRunning
	}
	return StatusPending
}

// finished reports whether the job controller is done with the Job (its pods are terminal), so
// its log is complete.
func finished(job *batchv1.Job) bool {
	_, complete := jobCondition(job, batchv1.JobComplete)
	_, failed := jobCondition(job, batchv1.JobFailed)
	return complete || failed
}

func controllingCronJob(job *batchv1.Job) string {
	if ref := metav1.GetControllerOf(job); ref != nil && ref.Kind == "CronJob" {
		return ref.Name
	}
	return ""
}

// sweepFromJob describes a Job from its metadata and status alone (no log).
func sweepFromJob(job *batchv1.Job) Sweep {
	a := job.Annotations
	s := Sweep{
		Name:          job.Name,
		Namespace:     job.Namespace,
		Model:         a[AnnotationModel],
		Scenario:      a[AnnotationScenario],
		Profile:       a[AnnotationProfile],
		RequestedBy:   a[AnnotationRequestedBy],
		CronJob:       controllingCronJob(job),
		Status:        jobStatus(job),
		Created:       job.CreationTimestamp.Time.UTC(),
		Ingest:        a[AnnotationIngested],
		ReportKey:     a[AnnotationReportKey],
		IngestError:   a[AnnotationIngestError],
		FailureReason: a[AnnotationFailureReason],
	}
	var req Request
	if err := json.Unmarshal([]byte(a[AnnotationRequest]), &req); err == nil {
		s.Rates, s.Streams, s.SweepSize = req.Rates, req.Streams, req.SweepSize
	}
	s.SecondsPerStage, _ = strconv.Atoi(a[AnnotationSecondsPerStage])
	s.Progress.StagesTotal, _ = strconv.Atoi(a[AnnotationStages])
	if t := job.Status.StartTime; t != nil {
		s.Started = ptrTime(t.Time)
	}
	switch s.Status {
	case StatusSucceeded:
		if t := job.Status.CompletionTime; t != nil {
			s.Finished = ptrTime(t.Time)
		}
		s.Progress.Phase, s.Progress.StagesDone = PhaseDone, s.Progress.StagesTotal
	case StatusFailed:
		c, ok := jobCondition(job, batchv1.JobFailed)
		if !ok {
			c, _ = jobCondition(job, batchv1.JobFailureTarget)
		}
		if !c.LastTransitionTime.IsZero() {
			s.Finished = ptrTime(c.LastTransitionTime.Time)
		}
		if s.FailureReason == "" {
			s.FailureReason = conditionReason(c)
		}
		s.Progress.Phase = PhaseFailed
	case StatusPending:
		s.Progress.Phase = PhaseWaiting
	case StatusRunning:
		s.Progress.Phase = PhaseSetup
	}
	if tail := a[AnnotationLogTail]; tail != "" {
		s.LogTail = strings.Split(tail, "\n")
	}
	return s
}

func conditionReason(c batchv1.JobCondition) string {
	switch {
	case c.Reason != "" && c.Message != "":
		return c.Reason + ": " + c.Message
	case c.Reason != "":
		return c.Reason
	}
	return c.Message
}

func ptrTime(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}

// GuideLLM console lines the progress relies on (printed by every release from v0.4 to v0.7.3,
// `benchmark/entrypoints.py`): one before the first stage and one after the last. Nothing is
// printed per stage unless a terminal is attached.
var (
	setupCompleteRE     = regexp.MustCompile(`Setup complete, starting benchmarks`)
	benchmarkCompleteRE = regexp.MustCompile(`Benchmarking complete, generated (\d+) benchmark`)
)

// progressTracker follows a sweep's log, line by line, with kubelet timestamps.
type progressTracker struct {
	p               Progress
	secondsPerStage int
	benchStart      time.Time
}

func newProgressTracker(total, secondsPerStage int) *progressTracker {
	return &progressTracker{p: Progress{Phase: PhaseSetup, StagesTotal: total}, secondsPerStage: secondsPerStage}
}

// line consumes one log line "RFC3339Nano-timestamp text".
func (t *progressTracker) line(ts time.Time, text string) {
	switch {
	case strings.HasPrefix(text, FailureMarker):
		t.p.Phase = PhaseFailed
	case strings.HasPrefix(text, ReportEndMarker), strings.HasPrefix(text, PackedEndPrefix):
		t.p.Phase = PhaseDone
	case strings.HasPrefix(text, ReportBeginMarker), strings.HasPrefix(text, PackedBeginPrefix):
		t.p.Phase = PhaseWriting
	case setupCompleteRE.MatchString(text):
		t.p.Phase, t.benchStart = PhaseBenchmarking, ts
	default:
		if m := benchmarkCompleteRE.FindStringSubmatch(text); m != nil {
			n, _ := strconv.Atoi(m[1])
			t.p.Phase, t.p.StagesDone, t.p.Estimated = PhaseWriting, n, false
			if t.p.StagesTotal < n {
				t.p.StagesTotal = n
			}
		}
	}
}

// result is the progress at now.
func (t *progressTracker) result(now time.Time) Progress {
	p := t.p
	switch p.Phase {
	case PhaseSetup:
		p.Note = "GuideLLM is starting (backend check, tokenizer download, synthetic data)"
	case PhaseBenchmarking:
		if p.StagesTotal == 0 || t.secondsPerStage <= 0 || t.benchStart.IsZero() {
			p.Note = "stages running; their number is unknown"
			break
		}
		elapsed := now.Sub(t.benchStart)
		p.StagesDone = min(p.StagesTotal-1, max(0, int(elapsed/(time.Duration(t.secondsPerStage)*time.Second))))
		p.Estimated = true
		p.Note = fmt.Sprintf("stage %d of %d running (estimated from the time since the first stage began, %s)",
			p.StagesDone+1, p.StagesTotal, elapsed.Truncate(time.Second))
	case PhaseWriting:
		p.Note = "all stages done; writing the report"
	}
	return p
}
