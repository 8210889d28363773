package analysis

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// CurvePoint is one curve stage.
type CurvePoint struct {
	Load  float64
	Stage *guidellm.Stage // shared with the run: read only
}

// Curve is the load curve of one (model, scenario, load axis) on one deployment and request
// shape, sorted by load.
type Curve struct {
	Model, Scenario string
	Axis            LoadAxis
	Deployment      string // e.g. "1 GPU × L40S, int4"
	Shape           string // request shape, e.g. "p64-o64"
	Points          []CurvePoint
}

// baseName is "<model> · <scenario>", with " · concurrency" for concurrency sweeps so a rate
// sweep and a concurrency sweep of the same model+scenario stay two distinct series.
func (c Curve) baseName() string {
	name := c.Model + " · " + c.Scenario
	if c.Axis == AxisConcurrency {
		name += " · concurrency"
	}
	return name
}

// curveNames are the frame names: the base name, with the deployment and then the request shape
// added only where curves would otherwise share a name (one model measured on two deployments
// or with two shapes): Grafana would draw such series under one legend entry. A name therefore
// depends on the other curves of the same answer.
func curveNames(curves []Curve) []string {
	names := make([]string, len(curves))
	for i, c := range curves {
		names[i] = c.baseName()
	}
	for _, extra := range []func(Curve) string{
		func(c Curve) string { return c.Deployment },
		func(c Curve) string { return c.Shape },
	} {
		count := map[string]int{}
		for _, n := range names {
			count[n]++
		}
		for i, c := range curves {
			if count[names[i]] > 1 {
				names[i] += " · " + extra(c)
			}
		}
	}
	// Labels can still coincide (two unknown shapes, an unset GPU type): number the repeats.
	seen := map[string]int{}
	for i, n := range names {
		if seen[n]++; seen[n] > 1 {
			names[i] = fmt.Sprintf("%s (%d)", n, seen[n])
		}
	}
	return names
}

// CurvesResult is the `curves` query: a frame per (model, scenario, load axis).
type CurvesResult struct {
	Curves  []Curve
	sla     SLA
	notices notices
}

// Curves returns the load curves (rate and concurrent stages; synchronous and throughput stages
// are not curve points) of the filtered runs: for each deployment, scenario and axis the curve of
// the run that decides its breaking point.
func Curves(runs []*guidellm.Run, cfg Config, f Filter) *CurvesResult {
	cfg = cfg.withDefaults()
	res := &CurvesResult{sla: cfg.SLA}
	views := prepare(runs, cfg, f.perRun(), &res.notices)
	for _, s := range buildSeries(views, cfg.SLA, &res.notices) {
		g := s.deciding()
		if len(g.curve) == 0 {
			continue
		}
		c := Curve{Model: g.model, Scenario: g.scenario, Axis: g.axis, Deployment: g.newest().dep.String(),
			Shape: s.key.shapeName(), Points: make([]CurvePoint, len(g.curve))}
		for i, e := range g.curve {
			c.Points[i] = CurvePoint{Load: e.load, Stage: e.stage}
		}
		res.Curves = append(res.Curves, c)
	}
	if len(res.Curves) == 0 && len(views) > 0 {
		res.notices.add(data.NoticeSeverityInfo, "the matching runs have no rate or concurrent stages (synchronous and throughput stages are not curve points)")
	}
	return res
}

// Frames renders a frame per curve; an empty result is one frame with zero rows.
func (r *CurvesResult) Frames() data.Frames {
	if len(r.Curves) == 0 {
		return ApplySLA(data.Frames{r.frame(Curve{Axis: AxisRate}, "curves", &r.notices)}, r.sla)
	}
	frames := make(data.Frames, len(r.Curves))
	names := curveNames(r.Curves)
	for i, c := range r.Curves {
		var n *notices
		if i == 0 {
			n = &r.notices // result-wide notices go on the first frame
		}
		frames[i] = r.frame(c, names[i], n)
	}
	return ApplySLA(frames, r.sla)
}

func (r *CurvesResult) frame(c Curve, name string, n *notices) *data.Frame {
	pts := c.Points
	load := make([]float64, len(pts))
	achieved := make([]*float64, len(pts))
	ttft := make([]*float64, len(pts))
	itl := make([]*float64, len(pts))
	outTPS := make([]*float64, len(pts))
	block := newFloatBlock(4 * len(pts))
	for i, p := range pts {
		s := p.Stage
		load[i], achieved[i], outTPS[i] = p.Load, block.finite(s.AchievedRPS), block.finite(s.OutputTPS)
		if s.Successful > 0 {
			ttft[i], itl[i] = block.finite(s.TTFTms.P95), block.finite(s.ITLms.P95)
		}
	}
	loadName := "Offered rate"
	if c.Axis == AxisConcurrency {
		loadName = "Concurrent streams"
	}
	return tableFrame(name, n,
		field("load", loadName, c.Axis.grafanaUnit(), load),
		field("achieved_rps", "Achieved rate", unitReqPerSec, achieved),
		field("ttft_p95_ms", "TTFT p95", unitMs, ttft),
		field("itl_p95_ms", "ITL p95", unitMs, itl),
		field("output_tps", "Output tok/s", unitShort, outTPS),
	)
}
