package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// LoadAxis is the unit a curve's load is measured in. Curves of different axes are never mixed.
type LoadAxis string

const (
	// AxisRate: offered rate in req/s (constant, poisson and async stages, sweep stages included).
	AxisRate LoadAxis = "rate"
	// AxisConcurrency: concurrent streams (concurrent stages).
	AxisConcurrency LoadAxis = "concurrency"
)

// unit is the load unit as written in notes.
func (a LoadAxis) unit() string {
	if a == AxisConcurrency {
		return "streams"
	}
	return "req/s"
}

// grafanaUnit is the load unit as a Grafana field unit.
func (a LoadAxis) grafanaUnit() string {
	if a == AxisConcurrency {
		return unitShort
	}
	return unitReqPerSec
}

func (a LoadAxis) rank() int {
	if a == AxisConcurrency {
		return 1
	}
	return 0
}

// stageLoad places a stage on a load axis. Synchronous and throughput stages are not curve
// points; a rate or concurrent stage without a usable load value is not either (ok false).
func stageLoad(s *guidellm.Stage) (axis LoadAxis, load float64, ok bool) {
	usable := func(p *float64) bool { return p != nil && isFinite(*p) && *p > 0 }
	switch {
	case s.Strategy == "synchronous" || s.Strategy == "throughput":
		return "", 0, false
	case s.Strategy == "concurrent" && usable(s.Streams):
		return AxisConcurrency, *s.Streams, true
	case usable(s.OfferedRate):
		return AxisRate, *s.OfferedRate, true
	case usable(s.Streams):
		return AxisConcurrency, *s.Streams, true
	}
	return "", 0, false
}

// evaluated is a stage with its run and SLA verdict.
type evaluated struct {
	view    *runView
	stage   *guidellm.Stage
	verdict StageVerdict
	load    float64 // curve stages only
	seq     int     // position in run order (oldest run first, stages in report order)
}

// stageGroup gathers the stages of one (model, scenario, load axis): the curve stages of every
// run in it, and the synchronous/throughput stages of those runs (reported, not curve points).
type stageGroup struct {
	model, scenario string
	axis            LoadAxis
	views           []*runView // contributing runs, oldest first where possible
	end             time.Time  // end of the run unit the group belongs to (see history.go)
	curve           []*evaluated
	synchronous     []*evaluated
	throughput      []*evaluated
}

// newest is the most recent contributing run; its deployment describes the group.
func (g *stageGroup) newest() *runView {
	n := g.views[0]
	for _, v := range g.views[1:] {
		if v.start.After(n.start) || (v.start.Equal(n.start) && v.run.Source > n.run.Source) {
			n = v
		}
	}
	return n
}

// groupStages splits the runs' stages into (model, scenario, axis) groups, sorted by model,
// scenario and axis (rate first); curve stages are sorted by load, then run order (start time,
// source key) and report order.
// A run's synchronous/throughput stages join every group its curve stages are in; a run without
// curve stages (e.g. a synchronous-only run) joins every group of its model+scenario, or a new
// rate group when there is none.
func groupStages(views []runView, sla SLA, n *notices) []*stageGroup {
	type key struct {
		model, scenario string
		axis            LoadAxis
	}
	byKey := map[key]*stageGroup{}
	var groups []*stageGroup
	get := func(v *runView, axis LoadAxis) *stageGroup {
		k := key{v.model, v.scenario, axis}
		g := byKey[k]
		if g == nil {
			g = &stageGroup{model: v.model, scenario: v.scenario, axis: axis}
			byKey[k] = g
			groups = append(groups, g)
		}
		return g
	}
	type orphan struct {
		view                 *runView
		baseline, capacities []*evaluated
	}
	var orphans []orphan
	// One backing array for every evaluated stage: groups hold pointers into it, so sorting
	// moves pointers, not verdicts.
	total := 0
	for i := range views {
		total += len(views[i].run.Stages)
	}
	all := make([]evaluated, 0, total)
	for i := range views {
		v := &views[i]
		var baseline, capacity []*evaluated
		var joined []*stageGroup
		for j := range v.run.Stages {
			s := &v.run.Stages[j]
			all = append(all, evaluated{view: v, stage: s, verdict: EvaluateStage(s, sla), seq: len(all)})
			e := &all[len(all)-1]
			switch s.Strategy {
			case "synchronous":
				baseline = append(baseline, e)
				continue
			case "throughput":
				capacity = append(capacity, e)
				continue
			}
			axis, load, ok := stageLoad(s)
			if !ok {
				n.addItem(data.NoticeSeverityWarning, "stages without an offered rate or stream count are left off the curves",
					fmt.Sprintf("%s stage %d (%s)", v.run.Source, s.Index, s.Strategy))
				continue
			}
			e.load = load
			g := get(v, axis)
			if len(g.views) == 0 || g.views[len(g.views)-1] != v {
				g.views = append(g.views, v)
				joined = append(joined, g)
			}
			g.curve = append(g.curve, e)
		}
		if len(joined) == 0 {
			if len(baseline)+len(capacity) > 0 {
				orphans = append(orphans, orphan{v, baseline, capacity})
			}
			continue
		}
		for _, g := range joined {
			g.synchronous = append(g.synchronous, baseline...)
			g.throughput = append(g.throughput, capacity...)
		}
	}
	for _, o := range orphans {
		var targets []*stageGroup
		for _, g := range groups {
			if g.model == o.view.model && g.scenario == o.view.scenario {
				targets = append(targets, g)
			}
		}
		if len(targets) == 0 {
			targets = []*stageGroup{get(o.view, AxisRate)}
		}
		for _, g := range targets {
			g.views = append(g.views, o.view)
			g.synchronous = append(g.synchronous, o.baseline...)
			g.throughput = append(g.throughput, o.capacities...)
		}
	}
	slices.SortFunc(groups, func(a, b *stageGroup) int {
		return cmp.Or(cmp.Compare(a.model, b.model), cmp.Compare(a.scenario, b.scenario), cmp.Compare(a.axis.rank(), b.axis.rank()))
	})
	for _, g := range groups {
		slices.SortFunc(g.curve, func(a, b *evaluated) int {
			return cmp.Or(cmp.Compare(a.load, b.load), cmp.Compare(a.seq, b.seq))
		})
	}
	return groups
}
