package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// unknownName stands for a model or scenario the run does not state.
const unknownName = "unknown"

// Filter selects runs by resolved model and scenario name (empty = all). LatestOnly keeps only
// the newest run (by start time) per model+scenario in the runs table and annotations; curves,
// breaking points, roi and trend always let the newest run decide (history.go), so for them it
// changes nothing.
type Filter struct {
	Models     []string
	Scenarios  []string
	LatestOnly bool
	// From/To bound the run end times of the trend's points (zero: unbounded).
	From, To time.Time
}

// perRun is the filter for the queries where one run decides: every matching run is needed, the
// older ones as history and the refinements of the newest.
func (f Filter) perRun() Filter {
	f.LatestOnly = false
	return f
}

func (f Filter) matches(model, scenario string) bool {
	return (len(f.Models) == 0 || slices.Contains(f.Models, model)) &&
		(len(f.Scenarios) == 0 || slices.Contains(f.Scenarios, scenario))
}

// String renders the filter for notices, e.g. "models=[a, b] scenarios=[chat]".
func (f Filter) String() string {
	var parts []string
	if len(f.Models) > 0 {
		parts = append(parts, "models=["+strings.Join(f.Models, ", ")+"]")
	}
	if len(f.Scenarios) > 0 {
		parts = append(parts, "scenarios=["+strings.Join(f.Scenarios, ", ")+"]")
	}
	if f.LatestOnly {
		parts = append(parts, "latestOnly")
	}
	return strings.Join(parts, " ")
}

// DeploymentInfo is what is known about the serving deployment a run measured. Zero values
// mean unknown: GPUs 0, GPUType "", Quantization "", PricePerGPUHour nil.
type DeploymentInfo struct {
	Model           string
	GPUs            int
	GPUType         string
	Quantization    string
	PricePerGPUHour *float64 // USD per GPU-hour from gpuPrices[GPUType]
}

func (d DeploymentInfo) sameHardware(o DeploymentInfo) bool {
	return d.GPUs == o.GPUs && d.GPUType == o.GPUType && d.Quantization == o.Quantization
}

func (d DeploymentInfo) String() string {
	gpus := "? GPUs"
	if d.GPUs > 0 {
		gpus = plural(d.GPUs, "GPU", "GPUs")
	}
	return fmt.Sprintf("%s × %s, %s", gpus, cmp.Or(d.GPUType, "?"), cmp.Or(d.Quantization, "?"))
}

// runView is a run with its resolved names and deployment. The run itself is shared and read-only.
type runView struct {
	run      *guidellm.Run
	model    string
	scenario string
	dep      DeploymentInfo
	start    time.Time
	// gaps found while resolving, reported only for runs that pass the filter
	noModel   bool
	noTokens  bool
	badGPUs   string // a `gpus` label value that is not a GPU count
	noCatalog bool   // the model has no deployments catalog entry
}

// resolver resolves runs against one Config.
type resolver struct {
	cfg     Config
	catalog map[string]Deployment
}

func newResolver(cfg Config) *resolver {
	r := &resolver{cfg: cfg, catalog: make(map[string]Deployment, len(cfg.Deployments))}
	for _, d := range cfg.Deployments {
		r.catalog[d.Model] = d
	}
	return r
}

func label(r *guidellm.Run, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(r.Labels[k]); v != "" {
			return v
		}
	}
	return ""
}

func (rs *resolver) resolve(r *guidellm.Run) runView {
	v := runView{run: r, start: r.Start()}
	v.model = label(r, "model")
	if v.model == "" {
		v.model = strings.TrimSpace(r.Model)
	}
	if v.model == "" {
		v.model, v.noModel = unknownName, true
	}
	v.scenario, v.noTokens = rs.scenarioName(r)

	dep, ok := rs.catalog[v.model]
	v.noCatalog = !ok && !v.noModel
	dep.Model = v.model
	if s := label(r, "gpus"); s != "" {
		if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 1 && n <= 1024 && n == math.Trunc(n) {
			dep.GPUs = int(n)
		} else {
			v.badGPUs = s
		}
	}
	if s := label(r, "gpuType", "gpu_type"); s != "" {
		dep.GPUType = s
	}
	if s := label(r, "quantization", "quant"); s != "" {
		dep.Quantization = s
	}
	v.dep = DeploymentInfo{Model: dep.Model, GPUs: dep.GPUs, GPUType: dep.GPUType, Quantization: dep.Quantization}
	if price, ok := rs.cfg.GPUPrices[dep.GPUType]; ok && dep.GPUType != "" {
		v.dep.PricePerGPUHour = finite(price)
	}
	return v
}

// scenarioName applies the naming rule: `scenario` label, else the catalog entry with the run's
// configured prompt/output tokens, else p<prompt>-o<output>. noTokens reports a run that states
// neither a label nor its configured tokens (the measured means are not used: they are not the
// scenario the user asked for).
func (rs *resolver) scenarioName(r *guidellm.Run) (name string, noTokens bool) {
	if s := label(r, "scenario"); s != "" {
		return s, false
	}
	p, o := r.PromptTokens, r.OutputTokens
	if !(p > 0) || !(o > 0) || math.IsInf(p, 0) || math.IsInf(o, 0) {
		return unknownName, true
	}
	for _, sc := range rs.cfg.Scenarios {
		if float64(sc.PromptTokens) == p && float64(sc.OutputTokens) == o {
			return sc.Name, false
		}
	}
	return "p" + num(p) + "-o" + num(o), false
}

// reportGaps says, once per subject, what could not be resolved for a run that is shown.
func (v *runView) reportGaps(n *notices) {
	src := v.run.Source
	if v.noModel {
		n.addItem(data.NoticeSeverityWarning,
			`runs without a model (no "model" label and none in the report) are shown as model "unknown"`, src)
	}
	if v.noTokens {
		n.addItem(data.NoticeSeverityWarning,
			`runs without configured prompt/output tokens and without a "scenario" label are shown as scenario "unknown" (label them scenario=<name>)`, src)
	}
	if v.badGPUs != "" {
		n.addItem(data.NoticeSeverityWarning,
			`"gpus" labels that are not a GPU count (1..1024) were ignored`, fmt.Sprintf("%s (gpus=%q)", src, v.badGPUs))
	}
	for _, note := range v.run.Notes {
		// what the reader of another tool's report substituted (e.g. TPOT for an implausible ITL)
		n.addItem(data.NoticeSeverityInfo, note, src)
	}
}

// reportDeploymentGaps says what is missing to compute per-GPU numbers and cost for a deployment.
func reportDeploymentGaps(d DeploymentInfo, noCatalog bool, n *notices) {
	if d.Model == unknownName {
		return // already said: the run names no model
	}
	if noCatalog && d.GPUs == 0 && d.GPUType == "" {
		n.addItem(data.NoticeSeverityWarning,
			"models without a deployments catalog entry and without gpus/gpuType labels: per-GPU numbers and cost are empty", d.Model)
		return
	}
	if d.GPUs == 0 {
		n.addItem(data.NoticeSeverityWarning,
			`models without a GPU count (catalog "gpus" or label gpus=N): per-GPU numbers and cost are empty`, d.Model)
	}
	if d.GPUType == "" {
		n.addItem(data.NoticeSeverityWarning,
			`models without a GPU type (catalog "gpuType" or label gpuType=T): cost is empty`, d.Model)
	} else if d.PricePerGPUHour == nil {
		n.addItem(data.NoticeSeverityWarning,
			fmt.Sprintf("no price for GPU type %q in gpuPrices: cost is empty", d.GPUType), d.Model)
	}
}

// prepare resolves, filters and orders the runs (oldest first, then by source key). It adds the
// notices of the runs that pass the filter and, when none does, an info notice saying why.
func prepare(runs []*guidellm.Run, cfg Config, f Filter, n *notices) []runView {
	rs := newResolver(cfg)
	views := make([]runView, 0, len(runs))
	stored := 0
	for _, r := range runs {
		if r == nil {
			continue
		}
		stored++
		v := rs.resolve(r)
		if f.matches(v.model, v.scenario) {
			views = append(views, v)
		}
	}
	if f.LatestOnly {
		views = latestPerModelScenario(views)
	}
	slices.SortStableFunc(views, func(a, b runView) int {
		return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.run.Source, b.run.Source))
	})
	for i := range views {
		views[i].reportGaps(n)
	}
	switch {
	case stored == 0:
		n.add(data.NoticeSeverityInfo, "no GuideLLM runs are stored yet (upload reports to the bucket or POST /runs)")
	case len(views) == 0 && f.String() != "":
		n.add(data.NoticeSeverityInfo, fmt.Sprintf("no runs match %s (%s stored)", f, plural(stored, "run", "runs")))
	}
	return views
}

// latestPerModelScenario keeps the newest run per model+scenario; equal start times are broken
// by the larger source key so the choice is stable.
func latestPerModelScenario(views []runView) []runView {
	type key struct{ model, scenario string }
	newest := map[key]int{}
	for i, v := range views {
		k := key{v.model, v.scenario}
		j, ok := newest[k]
		if !ok || v.start.After(views[j].start) || (v.start.Equal(views[j].start) && v.run.Source > views[j].run.Source) {
			newest[k] = i
		}
	}
	out := make([]runView, 0, len(newest))
	for i, v := range views {
		if newest[key{v.model, v.scenario}] == i {
			out = append(out, v)
		}
	}
	return out
}

// Names lists the distinct resolved model and scenario names of the runs, sorted — the values the
// query filters match, for pickers and template variables.
func Names(runs []*guidellm.Run, cfg Config) (models, scenarios []string) {
	rs := newResolver(cfg.withDefaults())
	seenModel, seenScenario := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		v := rs.resolve(r)
		if !seenModel[v.model] {
			seenModel[v.model] = true
			models = append(models, v.model)
		}
		if !seenScenario[v.scenario] {
			seenScenario[v.scenario] = true
			scenarios = append(scenarios, v.scenario)
		}
	}
	slices.Sort(models)
	slices.Sort(scenarios)
	return models, scenarios
}
