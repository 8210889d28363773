package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Confidence of a breaking point, from best to worst.
const (
	ConfidenceHigh   = "high"   // a clean bracket of stages with ≥ 59 successful requests each
	ConfidenceMedium = "medium" // failures below last_pass (cold start/noise) or a failing synchronous baseline
	ConfidenceLow    = "low"    // a deciding stage has fewer than 59 successful requests
	ConfidenceNone   = "none"   // no breaking point: not reached, below the lowest load, or no curve
)

func confidenceRank(c string) int {
	switch c {
	case ConfidenceHigh:
		return 3
	case ConfidenceMedium:
		return 2
	case ConfidenceLow:
		return 1
	default:
		return 0
	}
}

// BreakingPoint is the SLO breaking point of one deployment and scenario on one load axis, decided
// by one run (with the runs that refine it).
type BreakingPoint struct {
	Model      string
	Scenario   string
	Axis       LoadAxis
	Deployment DeploymentInfo // of the newest contributing run
	Runs       int            // number of runs whose stages were combined (a run and its refinements)
	Tool       string         // benchmark tool of the newest contributing run (GuideLLM, inference-perf, …)
	// RunTime is the end of the deciding run (nil when its stages have no times).
	RunTime *time.Time
	// LastPass is the highest passing load, FirstFail the lowest failing load above it, Value the
	// breaking point between them; all in the axis' unit, nil when unknown.
	LastPass, FirstFail, Value *float64
	// LowerBound is LastPass when no tested load failed: the capacity is at least this.
	LowerBound       *float64
	FailedConstraint Constraint // what fails at FirstFail and decided Value; "" when nothing fails
	// PreviousValue is the breaking point of the run before the deciding one (same deployment,
	// scenario, axis and request shape), PreviousRunTime its end; ChangePct = (Value − PreviousValue)
	// / PreviousValue × 100.
	PreviousValue   *float64
	PreviousRunTime *time.Time
	ChangePct       *float64
	// CapacityOutputTPS is the output tok/s at Value: the saturated stage's own when Value is its
	// achieved rate, else interpolated between the bracket stages; at LowerBound, the tok/s measured there.
	CapacityOutputTPS *float64
	OutputTPSPerGPU   *float64
	CostPerMTokUSD    *float64
	// SaturationCapacityRPS is the highest achieved req/s of the runs' throughput stages.
	SaturationCapacityRPS *float64
	Confidence            string
	Notes                 []string
	noCatalog             bool   // the model has no deployments catalog entry
	shape                 string // request shape, e.g. "p64-o64" ("unknown" when the run does not state it)
}

// key names the row in notices, e.g. "mistral-3-int4 · chat (rate)".
func (b *BreakingPoint) key() string {
	return fmt.Sprintf("%s · %s (%s)", b.Model, b.Scenario, b.Axis)
}

func (b *BreakingPoint) lowerConfidence(c string) {
	if confidenceRank(c) < confidenceRank(b.Confidence) {
		b.Confidence = c
	}
}

func (b *BreakingPoint) note(format string, args ...any) {
	b.Notes = append(b.Notes, fmt.Sprintf(format, args...))
}

// loadLevel is every judged curve stage at one load. Several runs may have measured the same
// load: the level passes only when every stage at it passes, and its values are the worst ones.
type loadLevel struct {
	load   float64
	stages []*evaluated
}

func (l *loadLevel) pass() bool {
	for _, e := range l.stages {
		if !e.verdict.Pass() {
			return false
		}
	}
	return true
}

// worst returns the largest known value of a verdict metric at this level.
func (l *loadLevel) worst(metric func(StageVerdict) *float64) (float64, bool) {
	best, ok := math.Inf(-1), false
	for _, e := range l.stages {
		if p := metric(e.verdict); p != nil && *p > best {
			best, ok = *p, true
		}
	}
	return best, ok
}

// least returns the smallest finite value of a stage measurement at this level.
func (l *loadLevel) least(measure func(*guidellm.Stage) float64) (float64, bool) {
	best, ok := math.Inf(1), false
	for _, e := range l.stages {
		if v := measure(e.stage); isFinite(v) && v < best {
			best, ok = v, true
		}
	}
	return best, ok
}

// leastStage is the stage with the smallest finite value of a measurement (nil when none has one).
func (l *loadLevel) leastStage(measure func(*guidellm.Stage) float64) *guidellm.Stage {
	var best *guidellm.Stage
	for _, e := range l.stages {
		if v := measure(e.stage); isFinite(v) && (best == nil || v < measure(best)) {
			best = e.stage
		}
	}
	return best
}

// firstFailing is the first failing stage of a level (nil when it passes).
func (l *loadLevel) firstFailing() *evaluated {
	for _, e := range l.stages {
		if !e.verdict.Pass() {
			return e
		}
	}
	return nil
}

// failing lists the constraints failing at the level, in pass-rule order.
func (l *loadLevel) failing() []Constraint {
	var out []Constraint
	for _, c := range []Constraint{ConstraintTTFT, ConstraintITL, ConstraintErrorRate, ConstraintSaturation, ConstraintNoSuccessful} {
		for _, e := range l.stages {
			if slices.Contains(e.verdict.Failing, c) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func ttftOf(v StageVerdict) *float64   { return v.TTFTp95Ms }
func itlOf(v StageVerdict) *float64    { return v.ITLp95Ms }
func errorsOf(v StageVerdict) *float64 { return v.ErrorRate }

func achievedOf(s *guidellm.Stage) float64    { return s.AchievedRPS }
func concurrencyOf(s *guidellm.Stage) float64 { return s.ConcurrencyMean }
func outputTPSOf(s *guidellm.Stage) float64   { return s.OutputTPS }

// levels groups a group's judged curve stages by load; stages that cannot be judged are noted
// and left out.
func levels(g *stageGroup, bp *BreakingPoint) []loadLevel {
	var out []loadLevel
	var unjudged []string
	for _, e := range g.curve {
		if e.verdict.Status == StatusUnknown {
			unjudged = append(unjudged, fmt.Sprintf("%s %s (%s)", num(e.load), g.axis.unit(), e.verdict.Unknown))
			continue
		}
		if len(out) == 0 || out[len(out)-1].load != e.load {
			out = append(out, loadLevel{load: e.load})
		}
		out[len(out)-1].stages = append(out[len(out)-1].stages, e)
	}
	if len(unjudged) > 0 {
		bp.note("stages that cannot be judged are left out (unknown neither passes nor fails): %s", strings.Join(unjudged, ", "))
		bp.lowerConfidence(ConfidenceMedium)
	}
	return out
}

// breakingPoint applies the breaking-point rules to one group.
func breakingPoint(g *stageGroup, sla SLA) BreakingPoint {
	newest := g.newest()
	bp := BreakingPoint{
		Model: g.model, Scenario: g.scenario, Axis: g.axis,
		Deployment: newest.dep, Runs: len(g.views), Confidence: ConfidenceHigh, noCatalog: newest.noCatalog,
		Tool: newest.run.ToolName(),
	}
	unit := g.axis.unit()
	lv := levels(g, &bp)

	lastPass := -1
	for i := range lv {
		if lv[i].pass() {
			lastPass = i
		}
	}
	firstFail := lastPass + 1
	if firstFail >= len(lv) {
		firstFail = -1
	}
	if lastPass >= 0 {
		bp.LastPass = &lv[lastPass].load
	}
	if firstFail >= 0 {
		bp.FirstFail = &lv[firstFail].load
		bp.FailedConstraint = lv[firstFail].failing()[0]
	}

	var below []string
	for i := 0; i < lastPass; i++ {
		if e := lv[i].firstFailing(); e != nil {
			below = append(below, fmt.Sprintf("%s %s (%s)", num(lv[i].load), unit, failureText(e.verdict, sla)))
		}
	}
	if len(below) > 0 {
		bp.note("failures below last_pass %s %s, not the break (cold start or noise): %s", num(lv[lastPass].load), unit, strings.Join(below, "; "))
		bp.lowerConfidence(ConfidenceMedium)
	}

	switch {
	case len(lv) == 0:
		bp.note("no %s stages to build a curve from (synchronous and throughput stages are not curve points)", g.axis)
		bp.Confidence = ConfidenceNone
	case lastPass < 0:
		bp.note("below the lowest tested load: %s %s already fails (%s)", num(lv[0].load), unit, failureText(lv[0].firstFailing().verdict, sla))
		bp.Confidence = ConfidenceNone
	case firstFail < 0:
		bp.note("not reached, ≥ max tested (%s %s passes): capacity_lower_bound = last_pass; test higher loads to find the break", num(lv[lastPass].load), unit)
		bp.Confidence = ConfidenceNone
		bp.LowerBound = bp.LastPass
		if tps, ok := lv[lastPass].least(outputTPSOf); ok {
			bp.CapacityOutputTPS = finite(tps)
		}
	default:
		bracket(&bp, &lv[lastPass], &lv[firstFail], sla)
	}

	for _, i := range []int{lastPass, firstFail} {
		if i < 0 {
			continue
		}
		for _, e := range lv[i].stages {
			if e.stage.Successful < minSamplesP95 {
				bp.note("deciding stage at %s %s has %d successful requests (< %d needed to claim p95 at 95 %% confidence)",
					num(lv[i].load), unit, e.stage.Successful, minSamplesP95)
				bp.lowerConfidence(ConfidenceLow)
			}
		}
	}

	lateStartNotes(&bp, g)
	baselineNotes(&bp, g, lastPass >= 0, sla)
	return bp
}

// lateBurstRatio: a constant or poisson stage that achieved more than 110 % of its offered rate had
// a late-start burst (GuideLLM sends the requests that are overdue at once when its workers start late).
const lateBurstRatio = 1.1

// lateStartNotes names the curve stages with a late-start burst: their load is not the load they
// measured, so the bracket is less certain.
func lateStartNotes(bp *BreakingPoint, g *stageGroup) {
	var burst []string
	for _, e := range g.curve {
		s := e.stage
		if (s.Strategy != "constant" && s.Strategy != "poisson") || s.OfferedRate == nil {
			continue
		}
		if offered := *s.OfferedRate; isFinite(s.AchievedRPS) && s.AchievedRPS > lateBurstRatio*offered {
			burst = append(burst, fmt.Sprintf("%s stage %d: achieved %s req/s at offered %s req/s", e.view.run.Source, s.Index, num(s.AchievedRPS), num(offered)))
		}
	}
	if len(burst) > 0 {
		bp.note("late-start burst (achieved rate more than 10 %% above offered: GuideLLM sent overdue requests at once when its workers started late): %s",
			strings.Join(burst, "; "))
		bp.lowerConfidence(ConfidenceMedium)
	}
}

// bracket computes the breaking point between a passing and a failing level: the load where the
// first failing metric (TTFT p95, ITL p95 or error rate) crosses its threshold, by linear
// interpolation; when only saturation (or a stage without successful requests) fails, the
// failing stage's achieved rate (mean concurrency on the concurrency axis). Clamped to the bracket.
func bracket(bp *BreakingPoint, lo, hi *loadLevel, sla SLA) {
	unit := bp.Axis.unit()
	x, decided := math.Inf(1), Constraint("")
	for _, m := range []struct {
		c         Constraint
		threshold float64
		value     func(StageVerdict) *float64
	}{
		{ConstraintTTFT, sla.TTFTAcceptableMs, ttftOf},
		{ConstraintITL, sla.ITLAcceptableMs, itlOf},
		{ConstraintErrorRate, sla.MaxErrorRate, errorsOf},
	} {
		vLo, okLo := lo.worst(m.value)
		vHi, okHi := hi.worst(m.value)
		if !okLo || !okHi || vHi <= m.threshold || vHi <= vLo {
			continue
		}
		cross := lo.load + (m.threshold-vLo)/(vHi-vLo)*(hi.load-lo.load)
		if cross < x {
			x, decided = cross, m.c
		}
	}
	var measured *guidellm.Stage // the saturated stage whose own measurement is the breaking point
	if decided == "" {
		decided = hi.failing()[0]
		measure, what := achievedOf, "achieved rate"
		if bp.Axis == AxisConcurrency {
			measure, what = concurrencyOf, "mean concurrency"
		}
		if v, ok := hi.least(measure); ok {
			x = v
			measured = hi.leastStage(measure)
			bp.note("only %s fails at first_fail: breaking point = its %s %s %s", decided, what, num(v), unit)
		} else {
			x = lo.load
			bp.note("only %s fails at first_fail and its %s is unknown: breaking point = last_pass", decided, what)
		}
	}
	if x < lo.load || x > hi.load {
		clamped := math.Min(math.Max(x, lo.load), hi.load)
		bp.note("breaking point %s %s clamped to the bracket [%s, %s]", num(x), unit, num(lo.load), num(hi.load))
		x = clamped
		measured = nil
	}
	bp.Value = &x
	bp.FailedConstraint = decided
	if others := hi.failing(); len(others) > 1 {
		var also []string
		for _, c := range others {
			if c != decided {
				also = append(also, string(c))
			}
		}
		bp.note("also failing at first_fail: %s (%s)", strings.Join(also, ", "), failureText(hi.firstFailing().verdict, sla))
	}

	if measured != nil && isFinite(measured.OutputTPS) {
		bp.CapacityOutputTPS = finite(measured.OutputTPS)
		bp.note("capacity is the output tok/s measured at that stage: %s", num(measured.OutputTPS))
		return
	}
	tLo, okLo := lo.least(outputTPSOf)
	tHi, okHi := hi.least(outputTPSOf)
	if okLo && okHi {
		bp.CapacityOutputTPS = finite(tLo + (x-lo.load)/(hi.load-lo.load)*(tHi-tLo))
	}
}

// baselineNotes reports the synchronous baseline and the throughput stage's saturation capacity.
func baselineNotes(bp *BreakingPoint, g *stageGroup, higherLoadsPass bool, sla SLA) {
	for _, e := range g.synchronous {
		if e.verdict.Pass() {
			continue
		}
		if higherLoadsPass {
			bp.note("synchronous baseline of %s fails (%s) while higher loads pass: a cold start (warm-up), not the break",
				e.view.run.Source, failureText(e.verdict, sla))
			bp.lowerConfidence(ConfidenceMedium)
		} else {
			bp.note("synchronous baseline of %s fails too (%s): the SLA is missed even without concurrency",
				e.view.run.Source, failureText(e.verdict, sla))
		}
	}
	var best *evaluated
	for _, e := range g.throughput {
		if isFinite(e.stage.AchievedRPS) && (best == nil || e.stage.AchievedRPS > best.stage.AchievedRPS) {
			best = e
		}
	}
	if best != nil {
		rps := best.stage.AchievedRPS
		bp.SaturationCapacityRPS = &rps
		bp.note("saturation capacity (throughput stage): %s req/s, %s output tok/s", num(rps), num(best.stage.OutputTPS))
	}
}

// addCost fills the per-GPU and cost columns from the deployment:
// cost_per_mtok_usd = price × gpus / (output_tps × 3600) × 1e6.
func (b *BreakingPoint) addCost() {
	d := b.Deployment
	if b.CapacityOutputTPS == nil || d.GPUs <= 0 {
		return
	}
	tps := *b.CapacityOutputTPS
	b.OutputTPSPerGPU = finite(tps / float64(d.GPUs))
	if d.PricePerGPUHour == nil {
		return
	}
	if tps <= 0 {
		b.note("output tok/s at the breaking point is %s: no cost per token", num(tps))
		return
	}
	b.CostPerMTokUSD = finite(*d.PricePerGPUHour * float64(d.GPUs) / (tps * 3600) * 1e6)
}

// regressionPct: a change of the breaking point at or below this between two runs is a capacity regression.
const regressionPct = -10

// computeHistory applies the breaking-point rules to every run unit of every series, oldest first
// (the last one decides), fills cost and the change against the previous run, and raises the
// notices about the deciding points (deployment gaps, refinements, history, regressions).
func computeHistory(views []runView, cfg Config, n *notices) [][]BreakingPoint {
	all := buildSeries(views, cfg.SLA, n)
	out := make([][]BreakingPoint, 0, len(all))
	models := map[string]DeploymentInfo{}
	for _, s := range all {
		hist := make([]BreakingPoint, len(s.groups))
		for i, g := range s.groups {
			bp := breakingPoint(g, cfg.SLA)
			bp.addCost()
			bp.shape = s.key.shapeName()
			if !g.end.IsZero() {
				end := g.end
				bp.RunTime = &end
			}
			if i > 0 {
				prev := &hist[i-1]
				bp.PreviousValue, bp.PreviousRunTime = prev.Value, prev.RunTime
				if bp.Value != nil && prev.Value != nil && *prev.Value > 0 {
					bp.ChangePct = finite((*bp.Value - *prev.Value) / *prev.Value * 100)
				}
			}
			hist[i] = bp
		}
		bp := &hist[len(hist)-1]
		reportDeploymentGaps(bp.Deployment, bp.noCatalog, n)
		if d, seen := models[bp.Model]; seen && !d.sameHardware(bp.Deployment) {
			n.addItem(data.NoticeSeverityInfo,
				"models measured on several deployments (gpus, gpuType or quantization) have a row per deployment", bp.Model)
		}
		models[bp.Model] = bp.Deployment
		if bp.Runs > 1 {
			n.addItem(data.NoticeSeverityInfo,
				"breaking points combine a run with the runs that refine it (label refines=<run id>)",
				fmt.Sprintf("%s: %d runs", bp.key(), bp.Runs))
		}
		if len(hist) > 1 {
			n.addItem(data.NoticeSeverityInfo,
				"the newest run decides each breaking point; older runs are its history (query trend for capacity over time)",
				fmt.Sprintf("%s: %s", bp.key(), plural(len(hist), "run", "runs")))
		}
		if bp.ChangePct != nil && *bp.ChangePct <= regressionPct {
			n.addItem(data.NoticeSeverityWarning, "capacity regression", fmt.Sprintf("%s · %s %s → %s %s (%s %%) between %s and %s",
				bp.Model, bp.Scenario, num(*bp.PreviousValue), num(*bp.Value), bp.Axis.unit(), signed(*bp.ChangePct),
				dateOf(bp.PreviousRunTime), dateOf(bp.RunTime)))
		}
		out = append(out, hist)
	}
	if len(all) == 0 && len(views) > 0 {
		n.add(data.NoticeSeverityInfo, "the matching runs have no stages")
	}
	return out
}

// computeBreakingPoints returns the deciding breaking point of every series.
func computeBreakingPoints(views []runView, cfg Config, n *notices) []BreakingPoint {
	hist := computeHistory(views, cfg, n)
	out := make([]BreakingPoint, 0, len(hist))
	for _, h := range hist {
		out = append(out, h[len(h)-1])
	}
	return out
}

// dateOf renders a run time for notices ("unknown" without one).
func dateOf(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// signed renders a percentage change with its sign and a true minus, e.g. "−40".
func signed(v float64) string {
	if v < 0 {
		return "−" + num(-v)
	}
	return "+" + num(v)
}

// BreakingPointsResult is the `breakingPoints` query: a row per (model, scenario, load axis).
type BreakingPointsResult struct {
	Rows    []BreakingPoint
	notices notices
}

// BreakingPoints computes the breaking point, capacity and cost of every deployment, scenario and
// load axis in the filtered runs: the newest run decides (see history.go).
func BreakingPoints(runs []*guidellm.Run, cfg Config, f Filter) *BreakingPointsResult {
	cfg = cfg.withDefaults()
	res := &BreakingPointsResult{}
	views := prepare(runs, cfg, f.perRun(), &res.notices)
	res.Rows = computeBreakingPoints(views, cfg, &res.notices)
	return res
}

// Frames renders the result as the `breakingPoints` table frame.
func (r *BreakingPointsResult) Frames() data.Frames {
	rows := r.Rows
	models := make([]string, len(rows))
	scenarios := make([]string, len(rows))
	axes := make([]string, len(rows))
	runTime := make([]*time.Time, len(rows))
	lastPass := make([]*float64, len(rows))
	firstFail := make([]*float64, len(rows))
	value := make([]*float64, len(rows))
	lowerBound := make([]*float64, len(rows))
	previous := make([]*float64, len(rows))
	change := make([]*float64, len(rows))
	constraint := make([]*string, len(rows))
	capacity := make([]*float64, len(rows))
	perGPU := make([]*float64, len(rows))
	cost := make([]*float64, len(rows))
	confidence := make([]string, len(rows))
	notes := make([]string, len(rows))
	for i, b := range rows {
		models[i], scenarios[i], axes[i] = b.Model, b.Scenario, string(b.Axis)
		runTime[i], lastPass[i], firstFail[i], value[i], lowerBound[i] = b.RunTime, b.LastPass, b.FirstFail, b.Value, b.LowerBound
		previous[i], change[i] = b.PreviousValue, b.ChangePct
		constraint[i] = optString(string(b.FailedConstraint))
		capacity[i], perGPU[i], cost[i] = b.CapacityOutputTPS, b.OutputTPSPerGPU, b.CostPerMTokUSD
		confidence[i], notes[i] = b.Confidence, strings.Join(b.Notes, "; ")
	}
	loadUnit := loadUnitOf(rows)
	return data.Frames{tableFrame("breakingPoints", &r.notices,
		field("model", "Model", "", models),
		field("scenario", "Scenario", "", scenarios),
		field("load_axis", "Load axis", "", axes),
		field("run_time", "Deciding run", "", runTime),
		field("last_pass", "Last pass", loadUnit, lastPass),
		field("first_fail", "First fail", loadUnit, firstFail),
		field("breaking_point", "Breaking point", loadUnit, value),
		field("capacity_lower_bound", "Capacity ≥ (not broken)", loadUnit, lowerBound),
		field("failed_constraint", "Failed constraint", "", constraint),
		field("capacity_output_tps", "Output tok/s at break", unitShort, capacity),
		field("output_tps_per_gpu", "Output tok/s per GPU", unitShort, perGPU),
		field("cost_per_mtok_usd", "Cost per 1M output tokens", unitUSD, cost),
		field("previous_breaking_point", "Previous run's breaking point", loadUnit, previous),
		field("change_pct", "Change vs previous run", unitPercent, change),
		field("confidence", "Confidence", "", confidence),
		field("notes", "Notes", "", notes),
	)}
}

// loadUnitOf is req/s when every row is on the rate axis, a plain number otherwise (the
// load_axis column then says the unit of each row).
func loadUnitOf(rows []BreakingPoint) string {
	for _, b := range rows {
		if b.Axis != AxisRate {
			return unitShort
		}
	}
	return unitReqPerSec
}
