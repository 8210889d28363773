package peers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/inferenceperf"
)

// Merge joins the runs decoded from the files of one folder (one tool, one Group) into one run named
// source: stages ordered by offered load (rate, then streams), ties in file order, renumbered. Run-level
// fields come from the first file that has them; labels of earlier files win; notes are kept once each.
// The parts are not changed.
func Merge(source string, parts []*guidellm.Run) *guidellm.Run {
	if len(parts) == 0 {
		return nil
	}
	first := parts[0]
	run := &guidellm.Run{Source: source, Tool: first.Tool, Schema: first.Schema, Labels: map[string]string{}}
	type staged struct {
		stage guidellm.Stage
		order int
	}
	var stages []staged
	var versions []string
	for _, p := range parts {
		run.Model = cmp.Or(run.Model, p.Model)
		run.Target = cmp.Or(run.Target, p.Target)
		run.Backend = cmp.Or(run.Backend, p.Backend)
		run.Profile = cmp.Or(run.Profile, p.Profile)
		if run.PromptTokens == 0 && run.OutputTokens == 0 {
			run.PromptTokens, run.OutputTokens = p.PromptTokens, p.OutputTokens
		}
		if p.Version != "" && !slices.Contains(versions, p.Version) {
			versions = append(versions, p.Version)
		}
		for k, v := range p.Labels {
			if _, ok := run.Labels[k]; !ok {
				run.Labels[k] = v
			}
		}
		for _, n := range p.Notes {
			if !slices.Contains(run.Notes, n) {
				run.Notes = append(run.Notes, n)
			}
		}
		for _, s := range p.Stages {
			stages = append(stages, staged{s, len(stages)})
		}
	}
	run.Version = strings.Join(versions, ", ")
	slices.SortStableFunc(stages, func(a, b staged) int {
		return cmp.Or(cmp.Compare(load(&a.stage), load(&b.stage)), cmp.Compare(a.order, b.order))
	})
	run.Stages = make([]guidellm.Stage, len(stages))
	for i, s := range stages {
		run.Stages[i] = s.stage
		run.Stages[i].Index = i
	}
	if len(parts) > 1 && run.Profile != "" {
		run.Profile += " sweep"
	}
	return run
}

// load is a stage's offered rate, else its streams, else 0 (synchronous, throughput).
func load(s *guidellm.Stage) float64 {
	switch {
	case s.OfferedRate != nil:
		return *s.OfferedRate
	case s.Streams != nil:
		return *s.Streams
	}
	return 0
}

// ApplyConfig gives an inference-perf run what only the config.yaml next to its stage files knows
// (model, load type, configured tokens). It reports false, changing nothing, when data is not an
// inference-perf config or the run is not an inference-perf run.
func ApplyConfig(run *guidellm.Run, data []byte) bool {
	if run.Tool != guidellm.ToolInferencePerf {
		return false
	}
	cfg, ok := inferenceperf.ParseConfig(data)
	if ok {
		cfg.Apply(run)
	}
	return ok
}

// ParseLabels reads a labels.json or labels.yaml: one object of name → value; numbers and booleans
// are taken as their text. Validation of names and values is the caller's.
func ParseLabels(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON or YAML object of labels: %s", firstLine(err.Error()))
	}
	labels := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			labels[k] = v
		case float64, int64, bool:
			labels[k] = fmt.Sprint(v)
		default:
			return nil, fmt.Errorf("label %q is not a string, number or boolean", k)
		}
	}
	return labels, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
