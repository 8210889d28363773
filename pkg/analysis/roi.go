package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// hoursPerMonth is the billing month (365 × 24 / 12).
const hoursPerMonth = 730

// maxReplicas bounds replicas = ceil(L / breaking_point); beyond it the target is not a fleet.
const maxReplicas = 1_000_000

// Basis of a row's capacity.
const (
	BasisMeasured   = "measured"    // the breaking point
	BasisLowerBound = "lower bound" // no tested load failed: capacity_lower_bound
)

// ROIRow is one deployment of a scenario, sized for the target load.
type ROIRow struct {
	BreakingPoint
	// Capacity is what the row is sized on: the breaking point (Basis measured) or, for a
	// deployment that did not break, its lower bound (Basis lower bound: replicas, GPUs and cost
	// are then upper bounds). nil when neither is known.
	Capacity *float64
	Basis    string
	// Replicas = ceil(L / (u × capacity)) with u the target utilization; GPUsNeeded = replicas × gpus;
	// CostPerHourUSD = GPUsNeeded × price; CostPerMonthUSD = 730 × CostPerHourUSD.
	// All nil without a target load (or without what they depend on).
	Replicas        *int
	GPUsNeeded      *int
	CostPerHourUSD  *float64
	CostPerMonthUSD *float64
}

// Verdict compares one deployment (Small) with the biggest deployment of its scenario (Big).
type Verdict struct {
	Scenario   string
	Axis       LoadAxis
	TargetLoad *float64
	Big, Small string
	// Decided is false when a lower bound leaves the cheaper option open (or its cost is unknown);
	// the text then names what to test next.
	Decided bool
	// EfficiencyDelta = capacity(Big) / capacity(Small).
	EfficiencyDelta *float64
	// EqualGPUReplicas k = floor(GPUs(Big) / GPUs(Small)): the Small replicas that fit on Big's GPUs;
	// EqualGPUCapacity = k × breaking_point(Small), compared with BigCapacity = breaking_point(Big).
	EqualGPUReplicas *int
	EqualGPUCapacity *float64
	BigCapacity      *float64
	EqualGPUWinner   string // "" on a tie
	Cheaper          string // "" on a tie or when cost is unknown
	SavingPct        *float64
	Basis            string // what was compared to name the cheaper option
	Text             string
}

// ROIResult is the `roi` query: frame `roi` (a row per deployment) and frame `verdict`.
type ROIResult struct {
	TargetLoad     *float64
	utilization    float64
	Rows           []ROIRow
	Verdicts       []Verdict
	notices        notices
	verdictNotices notices
}

// ROI sizes every deployment of each scenario for the target load L (in the load axis' unit;
// nil: capacity and cost per token only) and compares each deployment with the scenario's
// biggest one (most GPUs per replica). Rate and concurrency sweeps are compared separately.
func ROI(runs []*guidellm.Run, cfg Config, f Filter, targetLoad *float64) *ROIResult {
	cfg = cfg.withDefaults()
	res := &ROIResult{utilization: cfg.TargetUtilization}
	views := prepare(runs, cfg, f.perRun(), &res.notices)
	bps := computeBreakingPoints(views, cfg, &res.notices)
	if res.utilization < 1 && len(bps) > 0 {
		res.notices.add(data.NoticeSeverityInfo, fmt.Sprintf(
			"sized with headroom: targetUtilization %s, replicas = ceil(target load / (%s × capacity))", num(res.utilization), num(res.utilization)))
	}

	load := targetLoad
	if load != nil && (!isFinite(*load) || *load <= 0) {
		res.notices.add(data.NoticeSeverityWarning, fmt.Sprintf("targetLoad %v is not a positive number and was ignored", *load))
		load = nil
	}
	res.TargetLoad = load
	if load == nil && len(bps) > 0 {
		res.notices.add(data.NoticeSeverityInfo,
			"no targetLoad: replicas, GPUs needed and cost per hour/month are empty (set targetLoad in req/s, or in concurrent streams for concurrency sweeps)")
	}

	slices.SortStableFunc(bps, func(a, b BreakingPoint) int {
		return cmp.Or(cmp.Compare(a.Scenario, b.Scenario), cmp.Compare(a.Axis.rank(), b.Axis.rank()), cmp.Compare(a.Model, b.Model))
	})
	axesOf := map[string]int{}
	for start := 0; start < len(bps); {
		end := start + 1
		for end < len(bps) && bps[end].Scenario == bps[start].Scenario && bps[end].Axis == bps[start].Axis {
			end++
		}
		group := make([]ROIRow, 0, end-start)
		for _, bp := range bps[start:end] {
			group = append(group, res.sizeRow(bp, load))
		}
		res.Rows = append(res.Rows, group...)
		res.compare(group, load)
		axesOf[bps[start].Scenario]++
		start = end
	}

	scenarios := make([]string, 0, len(axesOf))
	for sc, axes := range axesOf {
		scenarios = append(scenarios, sc)
		if axes > 1 {
			res.notices.addItem(data.NoticeSeverityWarning,
				"scenarios with both rate and concurrency sweeps are compared separately, never req/s against streams (targetLoad is read as req/s for rate rows and as streams for concurrency rows)", sc)
		}
	}
	if len(scenarios) > 1 {
		slices.Sort(scenarios)
		res.notices.add(data.NoticeSeverityInfo, fmt.Sprintf(
			"deployments are compared within each scenario (%s); filter with scenarios to see one", strings.Join(scenarios, ", ")))
	}
	if len(res.Verdicts) == 0 && res.verdictNotices.empty() {
		res.verdictNotices.add(data.NoticeSeverityInfo, "no deployments to compare")
	}
	return res
}

// sizeRow sizes one deployment for the target load.
func (res *ROIResult) sizeRow(bp BreakingPoint, load *float64) ROIRow {
	row := ROIRow{BreakingPoint: bp}
	d := bp.Deployment
	if d.Quantization == "" && d.Model != unknownName {
		res.notices.addItem(data.NoticeSeverityInfo, `deployments without a quantization (catalog "quantization" or label quantization=Q)`, d.Model)
	}
	switch {
	case bp.Value != nil:
		row.Capacity, row.Basis = bp.Value, BasisMeasured
		if bp.Confidence != ConfidenceHigh {
			res.notices.addItem(data.NoticeSeverityInfo, "breaking points with reduced confidence (see the breakingPoints notes)",
				bp.key()+": "+bp.Confidence)
		}
	case bp.LowerBound != nil:
		row.Capacity, row.Basis = bp.LowerBound, BasisLowerBound
		res.notices.addItem(data.NoticeSeverityInfo,
			"deployments that did not break are sized on their capacity lower bound (basis \"lower bound\"): their replicas, GPUs and cost are upper bounds",
			fmt.Sprintf("%s ≥ %s %s", bp.key(), num(*bp.LowerBound), bp.Axis.unit()))
	default:
		res.notices.addItem(data.NoticeSeverityWarning, "deployments without a breaking point or lower bound cannot be sized (see the breakingPoints notes)",
			bp.key())
	}
	if load == nil || row.Capacity == nil {
		return row
	}
	r, ok := replicas(*load, res.utilization**row.Capacity)
	if !ok {
		res.notices.addItem(data.NoticeSeverityWarning, fmt.Sprintf("more than %d replicas would be needed", maxReplicas), bp.Model)
		return row
	}
	row.Replicas = &r
	if d.GPUs > 0 {
		g := r * d.GPUs
		row.GPUsNeeded = &g
		if d.PricePerGPUHour != nil {
			h := float64(g) * *d.PricePerGPUHour
			m := h * hoursPerMonth
			row.CostPerHourUSD, row.CostPerMonthUSD = &h, &m
		}
	}
	return row
}

// replicas is ceil(load / capacity), tolerant of floating-point noise (6 / 2 is 3 replicas
// even when the division yields 3.0000000000000004).
func replicas(load, capacity float64) (int, bool) {
	r := load / capacity
	if !isFinite(r) || r > maxReplicas {
		return 0, false
	}
	n := math.Ceil(r)
	if near := math.Round(r); math.Abs(r-near) <= 1e-9*math.Max(1, r) {
		n = near
	}
	return int(math.Max(n, 1)), true
}

// compare adds the verdicts of one (scenario, axis) group: every sizable deployment against the
// biggest one (most GPUs per replica; ties: higher breaking point, then name).
func (res *ROIResult) compare(group []ROIRow, load *float64) {
	var comparable []*ROIRow
	for i := range group {
		r := &group[i]
		if r.Capacity != nil && r.Deployment.GPUs > 0 {
			comparable = append(comparable, r)
		} else {
			res.verdictNotices.addItem(data.NoticeSeverityWarning,
				"deployments left out of the comparison (no breaking point, no lower bound or no GPU count)", r.key())
		}
	}
	if len(comparable) < 2 {
		if len(comparable) == 1 {
			res.verdictNotices.addItem(data.NoticeSeverityInfo, "only one deployment to compare", comparable[0].key())
		}
		return
	}
	big := slices.MaxFunc(comparable, func(a, b *ROIRow) int {
		return cmp.Or(cmp.Compare(a.Deployment.GPUs, b.Deployment.GPUs), cmp.Compare(*a.Capacity, *b.Capacity), cmp.Compare(b.Model, a.Model))
	})
	for _, small := range comparable {
		if small != big {
			res.Verdicts = append(res.Verdicts, verdict(big, small, load))
			if small.Tool != big.Tool {
				// Tools measure differently (vLLM bench ITL is per gap, inference-perf's TPOT stands in for ITL…).
				res.verdictNotices.addItem(data.NoticeSeverityInfo, fmt.Sprintf("compared across tools: %s vs %s", small.Tool, big.Tool),
					fmt.Sprintf("%s vs %s", small.key(), big.key()))
			}
		}
	}
	if len(comparable) > 2 && load != nil {
		cheapest := cheapestFor(comparable)
		if cheapest != nil {
			res.verdictNotices.addItem(data.NoticeSeverityInfo, "cheapest deployment per scenario at the target load",
				fmt.Sprintf("%s (%s): %s at %s/h", cheapest.Scenario, cheapest.Axis, cheapest.Model, usd(*cheapest.CostPerHourUSD)))
		}
	}
}

// cheapestFor is the row with the lowest known cost per hour (nil when none is known).
func cheapestFor(rows []*ROIRow) *ROIRow {
	var best *ROIRow
	for _, r := range rows {
		if r.CostPerHourUSD != nil && (best == nil || *r.CostPerHourUSD < *best.CostPerHourUSD) {
			best = r
		}
	}
	return best
}

// costBasis is what tells which deployment is cheaper: a cost known for both, or without prices
// the GPU count when both use the same GPU type. The zero value means the cost is unknown.
type costBasis struct {
	name          string
	big, small    float64
	format        func(float64) string
	fewerWording  bool // "needs fewer GPUs" instead of "is cheaper"
	qualification string
}

func chooseBasis(big, small *ROIRow, load *float64) costBasis {
	sameType := big.Deployment.GPUType != "" && big.Deployment.GPUType == small.Deployment.GPUType
	noPrice := ""
	if sameType {
		noPrice = fmt.Sprintf(" (no price for %s; same GPU type, so GPU count decides)", big.Deployment.GPUType)
	}
	if load != nil {
		if big.CostPerHourUSD != nil && small.CostPerHourUSD != nil {
			return costBasis{name: "cost per hour", big: *big.CostPerHourUSD, small: *small.CostPerHourUSD,
				format: func(v float64) string { return usd(v) + "/h" }}
		}
		if sameType && big.GPUsNeeded != nil && small.GPUsNeeded != nil {
			return costBasis{name: "GPUs needed", big: float64(*big.GPUsNeeded), small: float64(*small.GPUsNeeded),
				format: func(v float64) string { return num(v) + " GPUs" }, fewerWording: true, qualification: noPrice}
		}
		return costBasis{}
	}
	if big.CostPerMTokUSD != nil && small.CostPerMTokUSD != nil {
		return costBasis{name: "cost per 1M output tokens at the breaking point", big: *big.CostPerMTokUSD, small: *small.CostPerMTokUSD,
			format: func(v float64) string { return usd(v) + " per 1M tokens" }}
	}
	if sameType {
		// GPUs per unit of load at the breaking point: gpus / breaking_point.
		return costBasis{name: "GPUs per unit of load at the breaking point",
			big:    float64(big.Deployment.GPUs) / *big.Capacity,
			small:  float64(small.Deployment.GPUs) / *small.Capacity,
			format: func(v float64) string { return num(v) + " GPUs per " + big.Axis.unit() }, fewerWording: true, qualification: noPrice}
	}
	return costBasis{}
}

// verdict compares small with big: efficiency delta, the equal-GPU comparison and the cheaper
// option with its saving. A side sized on a lower bound costs at most what it shows, so it can only
// be named cheaper, never dearer: when it shows dearer (or equal), the verdict is not decided.
func verdict(big, small *ROIRow, load *float64) Verdict {
	unit := big.Axis.unit()
	v := Verdict{Scenario: big.Scenario, Axis: big.Axis, TargetLoad: load, Big: big.Model, Small: small.Model}
	bigCap, smallCap := *big.Capacity, *small.Capacity
	v.EfficiencyDelta = finite(bigCap / smallCap)
	k := big.Deployment.GPUs / small.Deployment.GPUs
	v.EqualGPUReplicas = &k
	eq := float64(k) * smallCap
	v.EqualGPUCapacity, v.BigCapacity = &eq, big.Capacity
	cmpSign := "="
	switch {
	case eq > bigCap:
		v.EqualGPUWinner, cmpSign = small.Model, ">"
	case eq < bigCap:
		v.EqualGPUWinner, cmpSign = big.Model, "<"
	}
	if big.Basis == BasisLowerBound || small.Basis == BasisLowerBound {
		v.EqualGPUWinner, cmpSign = "", "vs" // a bound against a value orders nothing for sure
	}
	equalGPUs := fmt.Sprintf("on the same %s: %d × %s%s = %s %s %s %s%s %s of %s",
		plural(big.Deployment.GPUs, "GPU", "GPUs"), k, atLeast(small), num(smallCap), num(eq), unit, cmpSign, atLeast(big), num(bigCap), unit, big.Model)
	if big.Deployment.GPUs%small.Deployment.GPUs != 0 {
		equalGPUs += fmt.Sprintf(" (%d of %d GPUs used)", k*small.Deployment.GPUs, big.Deployment.GPUs)
	}

	b := chooseBasis(big, small, load)
	v.Basis = b.name
	where := "at full capacity"
	if load != nil {
		where = fmt.Sprintf("at %s %s", num(*load), unit)
	}
	var head string
	switch {
	case b.format == nil:
		head = fmt.Sprintf("%s the cheaper option is unknown: the cost of %s or %s is unknown (see the roi notices)", where, small.Model, big.Model)
	default:
		cheap, dear, lo, hi := small, big, b.small, b.big
		if b.big < b.small {
			cheap, dear, lo, hi = big, small, b.big, b.small
		}
		if dear.Basis == BasisLowerBound || (lo == hi && cheap.Basis == BasisLowerBound) {
			// the side shown dearer (or equal) was sized on a bound: with its true capacity it may be cheaper
			head = fmt.Sprintf("%s the cheaper option is open: %s%s%s vs %s%s for %s, but %s did not break (capacity ≥ %s %s); run %s above %s %s",
				where, b.format(lo), fleet(cheap, load), " for "+cheap.Model, b.format(hi), fleet(dear, load), dear.Model,
				dear.Model, num(*dear.Capacity), unit, dear.Model, num(*dear.Capacity), unit)
			if lo == hi {
				head = fmt.Sprintf("%s the cheaper option is open: %s and %s cost the same (%s)%s, but %s did not break; run %s above %s %s",
					where, small.Model, big.Model, b.format(b.big), b.qualification, cheap.Model, cheap.Model, num(*cheap.Capacity), unit)
			}
			break
		}
		v.Decided = true
		if lo == hi {
			v.SavingPct = finite(0)
			head = fmt.Sprintf("%s %s and %s cost the same (%s)%s", where, small.Model, big.Model, b.format(b.big), b.qualification)
			break
		}
		v.Cheaper = cheap.Model
		v.SavingPct = finite((hi - lo) / hi * 100)
		verb := "is cheaper"
		if b.fewerWording {
			verb = "needs fewer GPUs"
		}
		bound := ""
		if cheap.Basis == BasisLowerBound {
			bound = fmt.Sprintf(" (at most: %s did not break, capacity ≥ %s %s)", cheap.Model, num(*cheap.Capacity), unit)
		}
		head = fmt.Sprintf("%s %s %s: %s%s vs %s%s for %s, saving %s%s%s%s",
			where, cheap.Model, verb, b.format(lo), fleet(cheap, load), b.format(hi), fleet(dear, load), dear.Model, atLeast(cheap), pct(*v.SavingPct), b.qualification, bound)
	}
	v.Text = fmt.Sprintf("%s; efficiency delta %s%s×; %s.", capitalize(head), approxSign(big, small), num(*v.EfficiencyDelta), equalGPUs)
	return v
}

// atLeast prefixes a value that a lower bound makes a minimum (a capacity, or the saving of a
// cheaper side whose cost is an upper bound).
func atLeast(r *ROIRow) string {
	if r.Basis == BasisLowerBound {
		return "≥ "
	}
	return ""
}

// approxSign marks an efficiency delta computed from a bound.
func approxSign(big, small *ROIRow) string {
	if big.Basis == BasisLowerBound || small.Basis == BasisLowerBound {
		return "~"
	}
	return ""
}

// fleet describes the replicas sized for the load, e.g. " (3 × 1 GPU)".
func fleet(r *ROIRow, load *float64) string {
	if load == nil || r.Replicas == nil {
		return ""
	}
	return fmt.Sprintf(" (%d × %s)", *r.Replicas, plural(r.Deployment.GPUs, "GPU", "GPUs"))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Frames renders frame `roi` (a row per deployment) and frame `verdict`.
func (r *ROIResult) Frames() data.Frames {
	return data.Frames{r.roiFrame(), r.verdictFrame()}
}

func (r *ROIResult) roiFrame() *data.Frame {
	rows := r.Rows
	models := make([]string, len(rows))
	quant := make([]*string, len(rows))
	gpus := make([]*int64, len(rows))
	gpuType := make([]*string, len(rows))
	price := make([]*float64, len(rows))
	value := make([]*float64, len(rows))
	lowerBound := make([]*float64, len(rows))
	basis := make([]*string, len(rows))
	reps := make([]*int64, len(rows))
	needed := make([]*int64, len(rows))
	hour := make([]*float64, len(rows))
	month := make([]*float64, len(rows))
	mtok := make([]*float64, len(rows))
	scenarios := make([]string, len(rows))
	axes := make([]string, len(rows))
	bps := make([]BreakingPoint, len(rows))
	for i, row := range rows {
		d := row.Deployment
		models[i], quant[i], gpuType[i], price[i] = row.Model, optString(d.Quantization), optString(d.GPUType), d.PricePerGPUHour
		if d.GPUs > 0 {
			gpus[i] = intPtr(d.GPUs)
		}
		value[i], lowerBound[i], basis[i] = row.Value, row.LowerBound, optString(row.Basis)
		reps[i], needed[i] = optInt(row.Replicas), optInt(row.GPUsNeeded)
		hour[i], month[i], mtok[i] = row.CostPerHourUSD, row.CostPerMonthUSD, row.CostPerMTokUSD
		scenarios[i], axes[i] = row.Scenario, string(row.Axis)
		bps[i] = row.BreakingPoint
	}
	return tableFrame("roi", &r.notices,
		field("model", "Model", "", models),
		field("quantization", "Quantization", "", quant),
		field("gpus", "GPUs per replica", unitShort, gpus),
		field("gpu_type", "GPU type", "", gpuType),
		field("price_per_gpu_hour", "Price per GPU-hour", unitUSD, price),
		field("breaking_point", "Breaking point", loadUnitOf(bps), value),
		field("capacity_lower_bound", "Capacity ≥ (not broken)", loadUnitOf(bps), lowerBound),
		field("basis", "Sized on", "", basis),
		field("replicas", "Replicas", unitShort, reps),
		field("gpus_needed", "GPUs needed", unitShort, needed),
		field("cost_per_hour_usd", "Cost per hour", unitUSD, hour),
		field("cost_per_month_usd", "Cost per month", unitUSD, month),
		field("cost_per_mtok_usd", "Cost per 1M output tokens", unitUSD, mtok),
		field("scenario", "Scenario", "", scenarios),
		field("load_axis", "Load axis", "", axes),
	)
}

func (r *ROIResult) verdictFrame() *data.Frame {
	vs := r.Verdicts
	scenarios := make([]string, len(vs))
	axes := make([]string, len(vs))
	target := make([]*float64, len(vs))
	decided := make([]bool, len(vs))
	bigs := make([]string, len(vs))
	smalls := make([]string, len(vs))
	delta := make([]*float64, len(vs))
	k := make([]*int64, len(vs))
	eq := make([]*float64, len(vs))
	bigCap := make([]*float64, len(vs))
	winner := make([]*string, len(vs))
	cheaper := make([]*string, len(vs))
	saving := make([]*float64, len(vs))
	basis := make([]*string, len(vs))
	text := make([]string, len(vs))
	for i, v := range vs {
		scenarios[i], axes[i], target[i], bigs[i], smalls[i], decided[i] = v.Scenario, string(v.Axis), v.TargetLoad, v.Big, v.Small, v.Decided
		delta[i], k[i], eq[i], bigCap[i] = v.EfficiencyDelta, optInt(v.EqualGPUReplicas), v.EqualGPUCapacity, v.BigCapacity
		winner[i], cheaper[i], saving[i], basis[i], text[i] = optString(v.EqualGPUWinner), optString(v.Cheaper), v.SavingPct, optString(v.Basis), v.Text
	}
	loadUnit := unitReqPerSec
	for _, v := range vs {
		if v.Axis != AxisRate {
			loadUnit = unitShort
		}
	}
	return tableFrame("verdict", &r.verdictNotices,
		field("scenario", "Scenario", "", scenarios),
		field("load_axis", "Load axis", "", axes),
		field("target_load", "Target load", loadUnit, target),
		field("big_model", "Big deployment", "", bigs),
		field("small_model", "Small deployment", "", smalls),
		field("efficiency_delta", "Efficiency delta (big / small)", unitShort, delta),
		field("equal_gpu_replicas", "Small replicas on the big one's GPUs", unitShort, k),
		field("equal_gpu_capacity", "Small replicas' capacity", loadUnit, eq),
		field("big_capacity", "Big capacity", loadUnit, bigCap),
		field("equal_gpu_winner", "Equal-GPU winner", "", winner),
		field("cheaper", "Cheaper", "", cheaper),
		field("saving_pct", "Saving", unitPercent, saving),
		field("basis", "Compared by", "", basis),
		field("decided", "Decided", "", decided),
		field("verdict", "Verdict", "", text),
	)
}
