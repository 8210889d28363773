package sweeps

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func TestJobNames(t *testing.T) {
	require.Equal(t, "roi-meta-llama-llama-3-1-8b-inst-summarization-b4b958-12", jobName("meta-llama/Llama-3.1-8B-Instruct", "summarization", 12))
	require.Equal(t, "roi-x-x-"+sweepKey("…", "…")[:6]+"-1", jobName("…", "…", 1), "names without a usable character")
	require.NotEqual(t, jobName("a/b", "chat", 1), jobName("a-b", "chat", 1), "the hash tells apart names that slug alike")
	require.Equal(t, "meta-llama-Llama-3.1-8B", labelValue("meta-llama/Llama-3.1-8B"))
	require.Equal(t, "a", labelValue("/a/"))
}

func TestBuildJobFromCronJobNeedsTheGuideLLMContainer(t *testing.T) {
	s := testSettings()
	p, err := s.Plan(Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileConstant, Rates: []float64{1}}, testCatalog())
	require.NoError(t, err)

	cj := guideLLMCronJob("bench")
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Name = "bench"
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers = append(cj.Spec.JobTemplate.Spec.Template.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox"})
	_, err = BuildJobFromCronJob(cj, s, p, "x", 1)
	require.ErrorIs(t, err, ErrNotConfigured)
	require.ErrorContains(t, err, `has 2 containers and none is named "guidellm"`)

	cj = guideLLMCronJob("bench")
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Image = "quay.io/me/guidellm:nightly"
	_, err = BuildJobFromCronJob(cj, s, p, "x", 1)
	require.ErrorIs(t, err, ErrNotConfigured)
	require.ErrorContains(t, err, "has no vX.Y.Z tag")

	// The CronJob is not modified: kubectl shares its label map, this package copies.
	cj = guideLLMCronJob("bench")
	job, err := BuildJobFromCronJob(cj, s, p, "x", 1)
	require.NoError(t, err)
	require.NotContains(t, cj.Spec.JobTemplate.Labels, LabelSweepKey)
	require.NotContains(t, cj.Spec.JobTemplate.Spec.Template.Labels, LabelSweepKey)
	require.Equal(t, []string{"benchmark", "run", "--target", "http://mistral-3-int4-predictor.models.svc:8080/v1", "--profile", "sweep"},
		cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args)
	require.Equal(t, "true", job.Labels[LabelSweep])
}

// Labels the store would refuse (non-ASCII, longer than 256 characters) are left out of a sweep's
// report, on launch and on ingestion alike, instead of failing it.
func TestReportLabelsLeaveOutWhatTheStoreRefuses(t *testing.T) {
	p := Plan{Request: Request{Model: "mistral-3-int4", Scenario: "chat", Profile: ProfileSweep},
		Deployment: analysis.Deployment{GPUs: 1, GPUType: "L40S-é", Quantization: strings.Repeat("q", 257)}}
	require.Equal(t, []reportLabel{{"model", "mistral-3-int4"}, {"scenario", "chat"}, {"profile", "sweep"}, {"gpus", "1"}}, p.reportLabels())

	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "roi-x-1", Annotations: map[string]string{
		AnnotationModel: "modèle", AnnotationScenario: "chat", AnnotationGPUType: "L40S"}}}
	require.Equal(t, map[string]string{"model": "from-report", "scenario": "chat", "gpuType": "L40S", "sweep": "roi-x-1"},
		ingestLabels(job, &guidellm.Run{Model: "from-report"}))
}
