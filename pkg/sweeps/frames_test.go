package sweeps

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// plannedJob is the built-in Job of req as the apiserver would hold it, created at created.
func plannedJob(t *testing.T, req Request, seq int, created time.Time) *batchv1.Job {
	t.Helper()
	s := testSettings()
	p, err := s.Plan(req, testCatalog())
	require.NoError(t, err)
	job, err := BuildJob(s, p, jobName(p.Model, p.Scenario, seq), seq)
	require.NoError(t, err)
	job.CreationTimestamp = metav1.NewTime(created)
	return job
}

func condition(t batchv1.JobConditionType, reason, message string, at time.Time) batchv1.JobCondition {
	return batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message, LastTransitionTime: metav1.NewTime(at)}
}

// tableJobs are sweeps in every state the table shows.
func tableJobs(t *testing.T) []*batchv1.Job {
	pending := plannedJob(t, Request{Model: "mistral-3-bf16", Scenario: "chat", Profile: ProfileConcurrent, Streams: []int{1, 8}, RequestedBy: "alice"}, 1, t0.Add(30*time.Minute))

	running := plannedJob(t, Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1, 2, 4}, SecondsPerStage: 120}, 2, t0.Add(20*time.Minute))
	running.Status = batchv1.JobStatus{StartTime: ptr.To(metav1.NewTime(t0.Add(20 * time.Minute))), Active: 1}

	done := plannedJob(t, Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1, 2, 4}, SecondsPerStage: 120}, 1, t0)
	done.Status = batchv1.JobStatus{StartTime: ptr.To(metav1.NewTime(t0)), CompletionTime: ptr.To(metav1.NewTime(t0.Add(7 * time.Minute))), Succeeded: 1,
		Conditions: []batchv1.JobCondition{condition(batchv1.JobSuccessCriteriaMet, "CompletionsReached", "", t0.Add(7*time.Minute)),
			condition(batchv1.JobComplete, "CompletionsReached", "", t0.Add(7*time.Minute))}}
	done.Annotations[AnnotationIngested] = IngestStored
	done.Annotations[AnnotationReportKey] = "bench/uploads/mistral-3-int4/20261129T100715Z-0123456789ab.json"

	failed := plannedJob(t, Request{Model: "meta-llama/Llama-3.1-8B-Instruct", Scenario: "summarization", Profile: ProfileSweep, SweepSize: 5}, 1, t0.Add(10*time.Minute))
	failed.Status = batchv1.JobStatus{StartTime: ptr.To(metav1.NewTime(t0.Add(10 * time.Minute))), Failed: 1,
		Conditions: []batchv1.JobCondition{condition(batchv1.JobFailureTarget, "BackoffLimitExceeded", "Job has reached the specified backoff limit", t0.Add(11*time.Minute)),
			condition(batchv1.JobFailed, "BackoffLimitExceeded", "Job has reached the specified backoff limit", t0.Add(11*time.Minute))}}
	failed.Annotations[AnnotationIngested] = IngestFailedJob
	failed.Annotations[AnnotationFailureReason] = "BackoffLimitExceeded: Job has reached the specified backoff limit; container guidellm terminated: Error (exit code 1); GuideLLM exited with status 1"
	failed.Annotations[AnnotationLogTail] = "OSError: You are trying to access a gated repo.\n=== inference-roi: guidellm exited with status 1 ==="

	scheduled := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "guidellm-sweep-29400000", Namespace: "bench", CreationTimestamp: metav1.NewTime(t0.Add(-2 * time.Hour)),
			Labels:          map[string]string{LabelSweep: "true"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "guidellm-sweep", Controller: ptr.To(true)}}},
		Status: batchv1.JobStatus{StartTime: ptr.To(metav1.NewTime(t0.Add(-2 * time.Hour))), CompletionTime: ptr.To(metav1.NewTime(t0.Add(-time.Hour))),
			Conditions: []batchv1.JobCondition{condition(batchv1.JobComplete, "CompletionsReached", "", t0.Add(-time.Hour))}},
	}
	scheduled.Annotations = map[string]string{AnnotationIngested: IngestUnreadable,
		AnnotationIngestError: "the log has no report: the container did not run the sweep wrapper, or the log was rotated away"}
	return []*batchv1.Job{pending, running, done, failed, scheduled}
}

func TestSweepFromJob(t *testing.T) {
	jobs := tableJobs(t)
	var list SweepList
	for _, j := range jobs {
		list = append(list, sweepFromJob(j))
	}
	require.Equal(t, StatusPending, list[0].Status)
	require.Equal(t, "alice", list[0].RequestedBy)
	require.Equal(t, []int{1, 8}, list[0].Streams)

	require.Equal(t, StatusRunning, list[1].Status)
	require.Equal(t, Progress{Phase: PhaseSetup, StagesTotal: 3}, list[1].Progress)
	require.Equal(t, 120, list[1].SecondsPerStage)

	require.Equal(t, StatusSucceeded, list[2].Status)
	require.Equal(t, Progress{Phase: PhaseDone, StagesTotal: 3, StagesDone: 3}, list[2].Progress)
	require.Equal(t, t0.Add(7*time.Minute), *list[2].Finished)

	require.Equal(t, StatusFailed, list[3].Status)
	require.Contains(t, list[3].FailureReason, "GuideLLM exited with status 1")
	require.Equal(t, []string{"OSError: You are trying to access a gated repo.", "=== inference-roi: guidellm exited with status 1 ==="}, list[3].LogTail)
	require.Equal(t, t0.Add(11*time.Minute), *list[3].Finished)

	require.Equal(t, "guidellm-sweep", list[4].CronJob)
	require.Equal(t, "scheduled (CronJob guidellm-sweep)", list[4].load())

	// Without Ingest's annotation a failed Job's reason comes from its condition.
	delete(jobs[3].Annotations, AnnotationFailureReason)
	require.Equal(t, "BackoffLimitExceeded: Job has reached the specified backoff limit", sweepFromJob(jobs[3]).FailureReason)
}

func TestSweepsFrameGolden(t *testing.T) {
	var list SweepList
	for _, j := range tableJobs(t) {
		list = append(list, sweepFromJob(j))
	}
	list[1].Progress = Progress{Phase: PhaseBenchmarking, StagesTotal: 3, StagesDone: 1, Estimated: true}
	dr := backend.DataResponse{Frames: list.Frames()}
	experimental.CheckGoldenJSONResponse(t, "testdata", "sweeps_frame", &dr, *update)
}

func TestRoleGolden(t *testing.T) {
	got := RoleYAML("inference-roi-bench", "guidellm-sweep", "grafana", "grafana")
	path := filepath.Join("testdata", "role.yaml")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "%s is RoleYAML's output (deploy/ uses it); rerun with -update if the rules changed", RoleFile)
}
