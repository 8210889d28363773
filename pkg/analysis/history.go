package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// One run decides. A run is one report (one GuideLLM invocation); its stages are combined only with
// the runs that say they refine it (label refines=<run id>, where the run id is the refined run's
// `run_id` label or its object key). The answer for a deployment and scenario is its newest such
// unit with the same load axis and request shape; older units are its history (the trend query).

// refinesLabel names the run a refinement run adds stages to.
const refinesLabel = "refines"

// runUnit is a run with the runs that refine it.
type runUnit struct {
	views []runView // the refined run first
	end   time.Time // end of the unit's last stage
}

// runID is the id refinement runs name: the `run_id` label, else the object key.
func runID(v *runView) string {
	if id := label(v.run, "run_id"); id != "" {
		return id
	}
	return v.run.Source
}

// buildUnits attaches refinement runs to the run they refine; a refinement whose run is not among
// the views stands alone (and is said).
func buildUnits(views []runView, n *notices) []runUnit {
	byID := map[string]int{}
	var units []runUnit
	var refinements []runView
	for _, v := range views {
		if label(v.run, refinesLabel) != "" {
			refinements = append(refinements, v)
			continue
		}
		byID[runID(&v)] = len(units)
		byID[v.run.Source] = len(units)
		units = append(units, runUnit{views: []runView{v}})
	}
	for _, r := range refinements {
		target := label(r.run, refinesLabel)
		i, ok := byID[target]
		if ok && units[i].views[0].model == r.model && units[i].views[0].scenario == r.scenario {
			units[i].views = append(units[i].views, r)
			continue
		}
		n.addItem(data.NoticeSeverityWarning, "refinement runs whose refined run is not among the matching runs (or is of another model or scenario) stand alone",
			fmt.Sprintf("%s (refines=%s)", r.run.Source, target))
		units = append(units, runUnit{views: []runView{r}})
	}
	for i := range units {
		for _, v := range units[i].views {
			if e := v.run.End(); e.After(units[i].end) {
				units[i].end = e
			}
		}
	}
	return units
}

// seriesKey identifies a history: the deployment (model and hardware), scenario, request shape and
// load axis. Runs of one key are comparable over time; anything else is a different answer.
type seriesKey struct {
	model, scenario string
	gpus            int
	gpuType, quant  string
	prompt, output  float64
	axis            LoadAxis
}

// shapeName renders the request shape for labels.
func (k seriesKey) shapeName() string {
	if !(k.prompt > 0 && k.output > 0) {
		return unknownName
	}
	return "p" + num(k.prompt) + "-o" + num(k.output)
}

func keyOf(g *stageGroup) seriesKey {
	v := g.views[0]
	return seriesKey{model: g.model, scenario: g.scenario, gpus: v.dep.GPUs, gpuType: v.dep.GPUType, quant: v.dep.Quantization,
		prompt: v.run.PromptTokens, output: v.run.OutputTokens, axis: g.axis}
}

// series is the history of one key: a stage group per unit, oldest first. The last one decides.
type series struct {
	key    seriesKey
	groups []*stageGroup
}

func (s *series) deciding() *stageGroup { return s.groups[len(s.groups)-1] }

// buildSeries groups every unit's stages and files the groups by series key. A unit without curve
// stages (a synchronous-only run) adds its baseline stages to the deciding group of each series of
// its deployment, scenario and shape; without one it is a series of its own.
func buildSeries(views []runView, sla SLA, n *notices) []*series {
	byKey := map[seriesKey]*series{}
	var out []*series
	var baselineOnly []*stageGroup
	for _, u := range buildUnits(views, n) {
		for _, g := range groupStages(u.views, sla, n) {
			g.end = u.end
			if len(g.curve) == 0 {
				baselineOnly = append(baselineOnly, g)
				continue
			}
			k := keyOf(g)
			s := byKey[k]
			if s == nil {
				s = &series{key: k}
				byKey[k] = s
				out = append(out, s)
			}
			s.groups = append(s.groups, g)
		}
	}
	for _, s := range out {
		slices.SortStableFunc(s.groups, func(a, b *stageGroup) int {
			return cmp.Or(a.end.Compare(b.end), cmp.Compare(a.views[0].run.Source, b.views[0].run.Source))
		})
	}
	for _, g := range baselineOnly {
		k := keyOf(g)
		joined := false
		for _, s := range out {
			sk := s.key
			sk.axis = k.axis
			if sk == k {
				d := s.deciding()
				d.views = append(d.views, g.views...)
				d.synchronous = append(d.synchronous, g.synchronous...)
				d.throughput = append(d.throughput, g.throughput...)
				joined = true
			}
		}
		if !joined {
			out = append(out, &series{key: k, groups: []*stageGroup{g}})
		}
	}
	slices.SortFunc(out, func(a, b *series) int {
		return cmp.Or(cmp.Compare(a.key.model, b.key.model), cmp.Compare(a.key.scenario, b.key.scenario),
			cmp.Compare(a.key.axis.rank(), b.key.axis.rank()), cmp.Compare(a.key.gpus, b.key.gpus),
			cmp.Compare(a.key.gpuType, b.key.gpuType), cmp.Compare(a.key.quant, b.key.quant),
			cmp.Compare(a.key.prompt, b.key.prompt), cmp.Compare(a.key.output, b.key.output))
	})
	return out
}
