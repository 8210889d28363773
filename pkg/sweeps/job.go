package sweeps

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/slug"
)

// Labels of sweep Jobs (and their pods). A CronJob whose Jobs should be ingested carries
// LabelSweep=true in its jobTemplate (Jobs it owns are ingested anyway when it is the configured
// kubernetes.cronJobName).
const (
	// LabelSweep=true selects every Job this package manages.
	LabelSweep = "inferenceroi.io/sweep"
	// LabelSweepKey identifies model+scenario (a hash: model names do not fit label values), so
	// a second active sweep of the same pair is found with one selector.
	LabelSweepKey = "inferenceroi.io/sweep-key"
	// LabelSweepSeq numbers the sweeps of one model+scenario; the next Job name uses max+1.
	LabelSweepSeq = "inferenceroi.io/sweep-seq"
	// LabelModel, LabelScenario and LabelGPUs are for people and `kubectl get -l`: label values
	// cannot hold every model name, so these are sanitized; annotations hold the exact values.
	LabelModel    = "inferenceroi.io/model"
	LabelScenario = "inferenceroi.io/scenario"
	LabelGPUs     = "inferenceroi.io/gpus"
)

// Annotations of sweep Jobs. Launch writes the request ones; Ingest writes the outcome ones.
const (
	AnnotationModel           = "inferenceroi.io/model"
	AnnotationScenario        = "inferenceroi.io/scenario"
	AnnotationProfile         = "inferenceroi.io/profile"
	AnnotationStages          = "inferenceroi.io/stages"
	AnnotationSecondsPerStage = "inferenceroi.io/seconds-per-stage"
	AnnotationGPUs            = "inferenceroi.io/gpus"
	AnnotationGPUType         = "inferenceroi.io/gpu-type"
	AnnotationQuantization    = "inferenceroi.io/quantization"
	AnnotationGeneration      = "inferenceroi.io/guidellm-generation"
	AnnotationRequest         = "inferenceroi.io/request" // the request as JSON (rates, streams, sweep size)
	AnnotationRequestedBy     = "inferenceroi.io/requested-by"

	// AnnotationIngestClaim holds "<replica> <RFC3339 time>" while one Grafana replica ingests.
	AnnotationIngestClaim = "inferenceroi.io/ingest-claim"
	// AnnotationIngested is the outcome: IngestStored, IngestFailedJob or IngestUnreadable.
	AnnotationIngested      = "inferenceroi.io/ingested"
	AnnotationReportKey     = "inferenceroi.io/report-key"     // object key of the stored report
	AnnotationIngestError   = "inferenceroi.io/ingest-error"   // why a report could not be stored
	AnnotationFailureReason = "inferenceroi.io/failure-reason" // why a failed Job failed
	AnnotationLogTail       = "inferenceroi.io/log-tail"       // last log lines of a failed Job, secrets redacted
)

// Values of AnnotationIngested.
const (
	IngestStored     = "stored"     // the report is in the store (AnnotationReportKey)
	IngestFailedJob  = "failed"     // the Job failed; reason and log tail recorded
	IngestUnreadable = "unreadable" // the Job succeeded but no valid report could be read (AnnotationIngestError)
)

// ContainerName is the GuideLLM container of the built-in Job (and the one a CronJob's template
// should use; a template with a single container works too).
const ContainerName = "guidellm"

// Lines the wrapper prints around the report, and before exiting when GuideLLM failed.
const (
	// ReportBeginMarker and ReportEndMarker frame a report printed as plain JSON: what Jobs of
	// earlier plugin versions print. Ingest still reads them.
	ReportBeginMarker = "=== inference-roi report begin ==="
	ReportEndMarker   = "=== inference-roi report end ==="
	// PackedBeginPrefix starts the header line of a packed report (PackReportPy):
	//   === inference-roi packed report begin raw=R json=J gzip=G lines=N dropped=D ===
	// then N lines "<1-based number> <base64 of up to PackedLineChars characters>", then
	//   === inference-roi packed report end sha256=<hex of the gzip bytes> ===
	PackedBeginPrefix = "=== inference-roi packed report begin "
	PackedEndPrefix   = "=== inference-roi packed report end "
	FailureMarker     = "=== inference-roi: guidellm exited with status"
)

// PackedLineChars is the base64 characters per packed line: well under the 16 KiB at which
// container runtimes split a log line into partial records.
const PackedLineChars = 4096

// PackReportPy is the Python program the wrapper runs with the image's own interpreter to turn
// GuideLLM's report file into the packed form above. It drops the per-request records
// (benchmarks[].requests.successful/errored/incomplete): GuideLLM keeps ~2.5 KB of statistics
// per request even with sample_size 0 (~97 % of a report, 60,000 requests in a 10 × 120 s sweep
// at 50 req/s), and the plugin reads only the aggregates (metrics, scheduler state, config),
// which do not grow with the request count. What is left is compacted, gzipped and printed in
// numbered base64 lines with sizes and a SHA-256, so Ingest can tell a complete report from one
// cut by log rotation or a byte limit. Fixed text: no user value is ever part of it.
const PackReportPy = `import base64, gzip, hashlib, json, sys
path = sys.argv[1]
with open(path, "rb") as f:
    raw = f.read()
report = json.loads(raw)
dropped = 0
for bench in report.get("benchmarks") or []:
    requests = bench.get("requests") if isinstance(bench, dict) else None
    if isinstance(requests, dict):
        for status in ("successful", "errored", "incomplete"):
            if isinstance(requests.get(status), list):
                dropped += len(requests[status])
                requests[status] = []
body = json.dumps(report, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
packed = gzip.compress(body, 9, mtime=0)
text = base64.b64encode(packed).decode("ascii")
width = 4096
lines = (len(text) + width - 1) // width
out = sys.stdout
out.write("` + PackedBeginPrefix + `raw=%d json=%d gzip=%d lines=%d dropped=%d ===\n" % (len(raw), len(body), len(packed), lines, dropped))
for i in range(lines):
    out.write("%d %s\n" % (i + 1, text[i * width:(i + 1) * width]))
out.write("` + PackedEndPrefix + `sha256=%s ===\n" % hashlib.sha256(packed).hexdigest())
out.flush()
`

// WrapperScript is the fixed POSIX sh program every sweep container runs:
//
//	/bin/sh -c WrapperScript inference-roi-sweep OUTPUT_PATH guidellm ARGS...
//
// It runs the GuideLLM argv ("$@" after the output path) as a child, forwards SIGTERM to it (so a
// cancelled sweep stops at once), and on success prints the report file packed by PackReportPy
// (python3 of the image: GuideLLM is a Python program). User values are only ever positional
// parameters, expanded as "$@"/"$out" and never evaluated. Needs /bin/sh and python3 in the
// image (the GuideLLM image, Fedora minimal with a Python venv first in PATH, has both).
const WrapperScript = `out="$1"; shift
child=
trap 'kill -TERM "$child" 2>/dev/null' TERM INT
"$@" &
child=$!
wait "$child"; rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
if [ "$rc" -ne 0 ]; then
  echo "` + FailureMarker + ` $rc ==="
  exit "$rc"
fi
if [ ! -s "$out" ]; then
  echo "=== inference-roi: guidellm exited 0 but wrote no report to $out ==="
  exit 70
fi
python3 - "$out" <<'INFERENCE_ROI_PACK' || { echo "=== inference-roi: packing the report failed (python3 exit $?) ==="; exit 71; }
` + PackReportPy + `INFERENCE_ROI_PACK
`

// wrapperCommand is the container command; the GuideLLM argv follows as the container args.
func wrapperCommand(outputPath string) []string {
	return []string{"/bin/sh", "-c", WrapperScript, "inference-roi-sweep", outputPath}
}

// Budget of the Job's activeDeadlineSeconds beyond the measured time: image pull and tokenizer
// download before the first stage; per stage GuideLLM's start delay, then warm-up, drain and
// report writing.
const (
	startupSeconds    = 900
	stageSlackSeconds = SchedulerStartDelaySeconds + 90
)

// sweepKey identifies a model+scenario pair.
func sweepKey(model, scenario string) string {
	h := sha256.Sum256([]byte(model + "\x00" + scenario))
	return hex.EncodeToString(h[:8])
}

// jobName is roi-<model>-<scenario>-<hash>-<seq>: readable, unique per pair (the hash), and at
// most 63 characters, because the apiserver copies it into the batch.kubernetes.io/job-name label.
func jobName(model, scenario string, seq int) string {
	return fmt.Sprintf("roi-%s-%s-%s-%d", nameSegment(model, 28), nameSegment(scenario, 14), sweepKey(model, scenario)[:6], seq)
}

// nameSegment lowercases s and turns everything outside [a-z0-9] into single dashes, at most max
// characters, "x" when nothing is left.
func nameSegment(s string, max int) string {
	lowerAlnum := func(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') }
	return slug.Make(strings.ToLower(s), lowerAlnum, "-", max, "x")
}

// labelValue makes s a valid label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends.
func labelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			b[i] = '-'
		}
	}
	v := string(b)
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.Trim(v, "-._")
}

// sweepLabels are the labels of a sweep's Job and pod.
func (p Plan) sweepLabels(seq int) map[string]string {
	l := map[string]string{
		LabelSweep:    "true",
		LabelSweepKey: sweepKey(p.Model, p.Scenario),
		LabelSweepSeq: strconv.Itoa(seq),
		LabelModel:    labelValue(p.Model),
		LabelScenario: labelValue(p.Scenario),
	}
	if p.Deployment.GPUs > 0 {
		l[LabelGPUs] = strconv.Itoa(p.Deployment.GPUs)
	}
	return l
}

// sweepAnnotations record the request on the Job.
func (p Plan) sweepAnnotations() map[string]string {
	req, err := json.Marshal(p.Request)
	if err != nil {
		panic(err) // strings and numbers always encode
	}
	a := map[string]string{
		AnnotationModel:           p.Model,
		AnnotationScenario:        p.Scenario,
		AnnotationProfile:         p.Profile,
		AnnotationStages:          strconv.Itoa(p.Stages),
		AnnotationSecondsPerStage: strconv.Itoa(p.SecondsPerStage),
		AnnotationGeneration:      string(p.Generation),
		AnnotationRequest:         string(req),
	}
	if p.Deployment.GPUs > 0 {
		a[AnnotationGPUs] = strconv.Itoa(p.Deployment.GPUs)
	}
	for k, v := range map[string]string{AnnotationGPUType: p.Deployment.GPUType, AnnotationQuantization: p.Deployment.Quantization, AnnotationRequestedBy: p.RequestedBy} {
		if v != "" {
			a[k] = v
		}
	}
	return a
}

// GuideLLM starts each stage's request clock SchedulerStartDelayEnv seconds after it spawns its
// worker processes (default 1). Ten workers on a small or busy pod take longer to come up, and
// every request that fell due meanwhile is sent at once when they are ready: a burst the server
// never sees in steady state, whose queue then decides the stage's TTFT p95. Measured on 2 cores:
// 2.8-3.5 s to start when idle (10 s of delay was enough), 18.8 s with six other CPU-bound
// processes beside them; there 10 s turned a 6-slot simulator at 2 req/s into TTFT p95 4,357 ms
// (163 ms with 30 s) and a 12-slot one at 12 req/s into 3,635 ms with 1.7 % refused (132 ms).
// Starting the clock later removes the burst; it costs this many seconds per stage.
const (
	SchedulerStartDelayEnv     = "GUIDELLM__SCHEDULER_START_DELAY_NON_DISTRIBUTED"
	SchedulerStartDelaySeconds = 30
)

// activeDeadline bounds the whole Job: startup, then every stage with its slack.
func (p Plan) activeDeadline() int64 {
	return int64(startupSeconds + p.Stages*(p.SecondsPerStage+stageSlackSeconds))
}

// BuildJob is the built-in Job of a sweep: the pinned GuideLLM image running WrapperScript with
// BuildArgs, non-root and without privileges (restricted Pod Security Standard), one attempt
// (backoffLimit 0: a failed sweep is reported, not silently repeated), bounded in time, deleted
// ttlSecondsAfterFinished after it ends.
func BuildJob(s Settings, p Plan, name string, seq int) (*batchv1.Job, error) {
	res, err := s.Resources.requirements()
	if err != nil {
		return nil, err
	}
	labels := p.sweepLabels(seq)
	container := corev1.Container{
		Name:    ContainerName,
		Image:   s.Image,
		Command: wrapperCommand(DefaultOutputPath),
		Args:    BuildArgs(p, DefaultOutputPath),
		Env: []corev1.EnvVar{
			// Python buffers a piped stdout: unbuffered, GuideLLM's lines reach the log (and the
			// progress shown in Grafana) when they are printed.
			{Name: "PYTHONUNBUFFERED", Value: "1"},
			// Writable caches whatever UID the cluster assigns (OpenShift: a random one).
			{Name: "HOME", Value: "/tmp"},
			{Name: "HF_HOME", Value: "/tmp/huggingface"},
			{Name: SchedulerStartDelayEnv, Value: strconv.Itoa(SchedulerStartDelaySeconds)},
		},
		Resources: res,
		VolumeMounts: []corev1.VolumeMount{
			{Name: "results", MountPath: "/results"},
			{Name: "tmp", MountPath: "/tmp"},
		},
		// A failed container's last log lines become its termination message, visible in the
		// pod status even after the log is gone.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			RunAsNonRoot:             ptr.To(true),
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	volumes := []corev1.Volume{
		{Name: "results", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("1Gi"))}}},
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("4Gi"))}}},
	}
	if s.HFCacheClaim != "" {
		// Offline: tokenizers come from the cache volume only; a missing one fails at once
		// instead of hanging on a hub that cannot be reached.
		setEnv(&container, "HF_HOME", s.HFHome)
		setEnv(&container, "HF_HUB_OFFLINE", "1")
		setEnv(&container, "TRANSFORMERS_OFFLINE", "1")
		volumes = append(volumes, corev1.Volume{Name: "hf-cache", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: s.HFCacheClaim, ReadOnly: true}}})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: "hf-cache", MountPath: s.HFHome, ReadOnly: true})
	}
	if s.HFTokenSecret != "" {
		container.Env = append(container.Env, corev1.EnvVar{Name: "HF_TOKEN", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: s.HFTokenSecret}, Key: "HF_TOKEN"},
		}})
	}
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   s.Namespace,
			Labels:      maps.Clone(labels),
			Annotations: p.sweepAnnotations(),
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr.To[int32](0),
			ActiveDeadlineSeconds:   ptr.To(p.activeDeadline()),
			TTLSecondsAfterFinished: ptr.To(int32(s.TTLSecondsAfterFinished)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					AutomountServiceAccountToken: ptr.To(false), // GuideLLM never talks to the apiserver
					EnableServiceLinks:           ptr.To(false),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{container},
					Volumes:    volumes,
				},
			},
		},
	}, nil
}

func (r Resources) requirements() (corev1.ResourceRequirements, error) {
	if err := r.validate(); err != nil {
		return corev1.ResourceRequirements{}, fmt.Errorf("%w: %w", ErrNotConfigured, err)
	}
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(r.CPURequest), corev1.ResourceMemory: resource.MustParse(r.MemoryRequest)},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(r.CPULimit), corev1.ResourceMemory: resource.MustParse(r.MemoryLimit)},
	}, nil
}

// AnnotationInstantiate is what `kubectl create job --from=cronjob` marks its Jobs with.
const AnnotationInstantiate = "cronjob.kubernetes.io/instantiate"

// JobFromCronJob instantiates cj as Job name exactly like `kubectl create job NAME
// --from=cronjob/CJ` (k8s.io/kubectl pkg/cmd/create/create_job.go): annotation
// cronjob.kubernetes.io/instantiate=manual overridden by the template's annotations, the
// template's labels, the template's JobSpec, and an ownerReference with controller=true but no
// blockOwnerDeletion — which would need update on cronjobs/finalizers where
// OwnerReferencesPermissionEnforcement is on (OpenShift). cj is not modified.
func JobFromCronJob(cj *batchv1.CronJob, name string) *batchv1.Job {
	annotations := map[string]string{AnnotationInstantiate: "manual"}
	maps.Copy(annotations, cj.Spec.JobTemplate.Annotations)
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Namespace:   cj.Namespace,
			Annotations: annotations,
			Labels:      maps.Clone(cj.Spec.JobTemplate.Labels),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "batch/v1",
				Kind:       "CronJob",
				Name:       cj.Name,
				UID:        cj.UID,
				Controller: ptr.To(true),
			}},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
}

// resultsVolume is the emptyDir a CronJob-based sweep gets for its report when the template has
// nothing mounted at /results.
const resultsVolume = "inference-roi-results"

// BuildJobFromCronJob is the sweep Job instantiated from cj (JobFromCronJob) with the sweep put
// in: the GuideLLM container runs WrapperScript with BuildArgs for the generation of the
// template's image, the Job and pod get the sweep's labels and annotations, and the deadline
// fits the stages. Everything else (image, resources, env, volumes, node selection, TTL) is the
// CronJob's.
func BuildJobFromCronJob(cj *batchv1.CronJob, s Settings, p Plan, name string, seq int) (*batchv1.Job, error) {
	job := JobFromCronJob(cj, name)
	pod := &job.Spec.Template.Spec
	var c *corev1.Container
	for i := range pod.Containers {
		if pod.Containers[i].Name == ContainerName {
			c = &pod.Containers[i]
		}
	}
	if c == nil && len(pod.Containers) == 1 {
		c = &pod.Containers[0]
	}
	if c == nil {
		return nil, fmt.Errorf("%w: CronJob %s has %d containers and none is named %q: name the GuideLLM container %q",
			ErrNotConfigured, cj.Name, len(pod.Containers), ContainerName, ContainerName)
	}
	gen, err := s.generation(c.Image)
	if err != nil {
		return nil, fmt.Errorf("%w: CronJob %s: %w", ErrNotConfigured, cj.Name, err)
	}
	p.Generation = gen

	outputPath := DefaultOutputPath
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == "/results"
	}
	if !mounted {
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: resultsVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: resultsVolume, MountPath: "/results"})
	}
	c.Command = wrapperCommand(outputPath)
	c.Args = BuildArgs(p, outputPath)
	if !hasEnv(c.Env, "PYTHONUNBUFFERED") {
		c.Env = append(c.Env, corev1.EnvVar{Name: "PYTHONUNBUFFERED", Value: "1"})
	}
	if !hasEnv(c.Env, SchedulerStartDelayEnv) {
		c.Env = append(c.Env, corev1.EnvVar{Name: SchedulerStartDelayEnv, Value: strconv.Itoa(SchedulerStartDelaySeconds)})
	}

	labels := p.sweepLabels(seq)
	if job.Labels == nil {
		job.Labels = map[string]string{}
	}
	maps.Copy(job.Labels, labels)
	tmpl := &job.Spec.Template.ObjectMeta
	tmpl.Labels = maps.Clone(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	maps.Copy(tmpl.Labels, labels)
	maps.Copy(job.Annotations, p.sweepAnnotations())
	job.Spec.ActiveDeadlineSeconds = ptr.To(p.activeDeadline())
	return job, nil
}

// setEnv sets name in c's environment, replacing an earlier value.
func setEnv(c *corev1.Container, name, value string) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i] = corev1.EnvVar{Name: name, Value: value}
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
}

func hasEnv(env []corev1.EnvVar, name string) bool {
	for _, e := range env {
		if e.Name == name {
			return true
		}
	}
	return false
}
