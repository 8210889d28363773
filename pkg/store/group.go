package store

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers"
)

// A bucket holds more than whole-run reports: inference-perf, vLLM bench, AIPerf and llm-d Benchmark Report
// runs are folders of one file per load level, with companions (config.yaml, labels.json) next to them and
// tool side files that are not load levels. The store reads a folder's level files into one run.

// objectKind says what the store does with an object.
type objectKind int

const (
	kindReport objectKind = iota // decoded; a run or a load level of one
	kindConfig                   // config.yaml: inference-perf's run config
	kindLabels                   // labels.json / labels.yaml: labels for the runs of the folder
	kindSkip                     // not read at all
)

// classify tells report objects from companions and from files that are not load levels: inference-perf's
// pooled summary, per-request, per-adapter, per-session and Prometheus files, AIPerf's inputs/outputs/server metrics, a vLLM sweep's
// summary.json where its run=N.json files are present, GuideLLM's HTML/CSV. runFolders holds the folders
// with vLLM sweep run=N.json files.
func classify(key string, runFolders map[string]bool) objectKind {
	base := strings.ToLower(path.Base(key))
	switch base {
	case "labels.json", "labels.yaml", "labels.yml":
		return kindLabels
	case "config.yaml", "config.yml":
		return kindConfig
	case "inputs.json", "outputs.json", "checkpoint.json":
		return kindSkip
	case "summary.json":
		if runFolders[path.Dir(key)] {
			return kindSkip
		}
	}
	switch {
	case !isReportKey(key),
		strings.HasPrefix(base, "per_request_"),
		strings.HasPrefix(base, "adapter_"), // inference-perf multi-LoRA: per adapter, not a load level of the run
		strings.Contains(base, "_session_lifecycle_metrics"),
		strings.HasPrefix(base, "summary_lifecycle_metrics"),
		strings.HasSuffix(base, "_prometheus_metrics.json"),
		strings.HasPrefix(base, "server_metrics_export"),
		strings.HasPrefix(base, "profile_export_aiperf_sweep"):
		return kindSkip
	}
	return kindReport
}

// isSweepRunFile matches vllm bench sweep's run=N.json.
func isSweepRunFile(key string) bool {
	base := path.Base(key)
	return strings.HasPrefix(base, "run=") && strings.HasSuffix(base, ".json")
}

// part is one decoded report object on its way into a run.
type part struct {
	key      string
	run      *guidellm.Run     // shared with the decode cache: read only
	uploaded map[string]string // labels stored with the object by Put
	merged   bool              // uploaded is merged into run already (a whole run, merged when decoded)
}

// companion is a config.yaml or labels file, by key.
type companions map[string][]byte

// assembler builds the runs of one listing from its decoded parts and companions.
type assembler struct {
	prefix     string
	companions companions
	problems   []Problem
}

// assemble returns the runs, sorted by source. Standalone runs (GuideLLM reports) and single uploads stay
// one run per object; the other parts are merged per run folder, tool and model.
func (a *assembler) assemble(parts []part) []*guidellm.Run {
	type groupID struct{ folder, key string }
	groups := map[groupID][]part{}
	var order []groupID
	var runs []*guidellm.Run
	for _, p := range parts {
		gk, standalone := peers.GroupKey(p.run)
		if standalone || a.isSingleUpload(p.key) {
			runs = append(runs, a.whole(p))
			continue
		}
		id := groupID{a.runFolder(p.key, p.run.Tool), gk}
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], p)
	}
	for _, id := range order {
		ps := groups[id]
		slices.SortFunc(ps, func(x, y part) int { return strings.Compare(x.key, y.key) })
		members := make([]*guidellm.Run, len(ps))
		for i, p := range ps {
			members[i] = p.run
		}
		run := peers.Merge(id.folder+"/", members)
		if cfg, ok := a.companions[path.Join(path.Dir(ps[0].key), "config.yaml")]; ok {
			peers.ApplyConfig(run, cfg)
		} else if cfg, ok := a.companions[path.Join(path.Dir(ps[0].key), "config.yml")]; ok {
			peers.ApplyConfig(run, cfg)
		}
		// Labels, highest first: the report's own, the folder's labels file, the upload's.
		a.addFolderLabels(run, id.folder)
		for _, p := range ps {
			addMissing(run.Labels, p.uploaded)
		}
		runs = append(runs, run)
	}
	slices.SortFunc(runs, func(x, y *guidellm.Run) int { return strings.Compare(x.Source, y.Source) })
	return runs
}

// whole is the run of a part that is a run on its own. The decoded run is served as is (so a refresh
// reuses it) unless labels must be added: the upload's, which override the report's (documented for
// single uploads), then the folder's labels file below both.
func (a *assembler) whole(p part) *guidellm.Run {
	run := p.run
	clone := func() {
		if run == p.run {
			c := *p.run
			c.Labels = maps.Clone(p.run.Labels)
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			run = &c
		}
	}
	if !p.merged && len(p.uploaded) > 0 {
		clone()
		mergeLabels(run, p.uploaded)
	}
	if labels := a.folderLabels(path.Dir(p.key)); len(labels) > 0 {
		clone()
		addMissing(run.Labels, labels)
	}
	return run
}

// runFolder is the folder whose files form one run. AIPerf and GenAI-Perf write each level into its own
// artifact folder under the sweep's folder, so their exports group one level up. A run never reaches
// above the folder of a tar upload or the store's prefix.
func (a *assembler) runFolder(key, tool string) string {
	dir := path.Dir(key)
	if (tool == guidellm.ToolAIPerf || tool == guidellm.ToolGenAIPerf) && strings.HasPrefix(path.Base(key), "profile_export") {
		dir = path.Dir(dir)
	}
	floor := strings.TrimSuffix(a.prefix, "/")
	if up := a.uploadFolder(key); up != "" {
		floor = up
	}
	if floor != "" && len(dir) < len(floor) {
		dir = floor
	}
	return dir
}

// isSingleUpload: Put stores one report as <prefix>uploads/<model>/<stamp>.<ext>; such a report is a
// run of its own even when other uploads of the model sit next to it.
func (a *assembler) isSingleUpload(key string) bool {
	rest, ok := strings.CutPrefix(key, a.prefix+uploadsFolder)
	return ok && strings.Count(rest, "/") == 1
}

// uploadFolder is <prefix>uploads/<model>/<stamp> for an object of a folder upload (PutFolder), else "".
func (a *assembler) uploadFolder(key string) string {
	rest, ok := strings.CutPrefix(key, a.prefix+uploadsFolder)
	if !ok {
		return ""
	}
	segs := strings.SplitN(rest, "/", 3)
	if len(segs) < 3 {
		return ""
	}
	return a.prefix + uploadsFolder + segs[0] + "/" + segs[1]
}

// addFolderLabels adds the labels of the folder's labels file below the run's own.
func (a *assembler) addFolderLabels(run *guidellm.Run, folder string) {
	if labels := a.folderLabels(folder); len(labels) > 0 {
		if run.Labels == nil {
			run.Labels = map[string]string{}
		}
		addMissing(run.Labels, labels)
	}
}

// folderLabels reads the folder's labels.json / labels.yaml / labels.yml; an invalid one is a problem.
func (a *assembler) folderLabels(folder string) map[string]string {
	all := map[string]string{}
	for _, name := range []string{"labels.json", "labels.yaml", "labels.yml"} {
		key := path.Join(folder, name)
		raw, ok := a.companions[key]
		if !ok {
			continue
		}
		labels, err := peers.ParseLabels(raw)
		if err == nil {
			err = ValidateLabels(labels)
		}
		if err != nil {
			a.problem(key, fmt.Sprintf("labels file not applied: %v", err))
			continue
		}
		addMissing(all, labels)
	}
	return all
}

func (a *assembler) problem(key, reason string) {
	if !slices.ContainsFunc(a.problems, func(p Problem) bool { return p.Key == key }) {
		a.problems = append(a.problems, Problem{Key: key, Reason: reason})
	}
}

// addMissing adds the labels dst does not have yet.
func addMissing(dst, labels map[string]string) {
	for k, v := range labels {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
}
