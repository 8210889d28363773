package guidellm

import (
	"bytes"

	json "github.com/goccy/go-json"
)

// v0.4 onwards (schema "v0.4", "v0.5-v0.6" and "v0.7+") share the benchmark layout: the stage's strategy and
// backend under benchmarks[i].config, totals inside metrics, scheduler state with the constraints' verdicts.
// They differ in the run-level block: top-level args (v0.4-v0.6, this file) or config (v0.7+, v07.go).

type benchConfigWire struct {
	Strategy *strategyWire `json:"strategy"`
	Profile  *profileWire  `json:"profile"`
	Backend  *backendWire  `json:"backend"`
}

// backendWire declares no api_key: it is skipped by the decoder (see secrets.go).
type backendWire struct {
	Kind   string `json:"kind"` // v0.7+
	Target string `json:"target"`
	Model  string `json:"model"`
}

type schedulerStateWire struct {
	SchedulerConstraints map[string]struct {
		Metadata *struct {
			IsOverSaturated *bool `json:"is_over_saturated"`
		} `json:"metadata"`
	} `json:"scheduler_constraints"`
}

// overSaturated is GuideLLM's verdict when an over-saturation constraint ran (v0.5+), nil otherwise.
// Any constraint saying true wins.
func (s *schedulerStateWire) overSaturated() *bool {
	if s == nil {
		return nil
	}
	var verdict *bool
	for _, c := range s.SchedulerConstraints {
		if c.Metadata == nil || c.Metadata.IsOverSaturated == nil {
			continue
		}
		v := *c.Metadata.IsOverSaturated
		if verdict == nil || v {
			verdict = &v
		}
	}
	return verdict
}

// argsWire is the top-level args of v0.4-v0.6 (BenchmarkGenerativeTextArgs). Neither backend_kwargs.api_key
// nor data_request_formatter (which may carry an Authorization header) is declared.
type argsWire struct {
	Target        string        `json:"target"` // up to early 0.6 dev builds
	Model         string        `json:"model"`
	Backend       nameField     `json:"backend"` // "openai_http" or a backend object
	BackendKwargs *backendWire  `json:"backend_kwargs"`
	Profile       nameField     `json:"profile"` // "sweep" or a profile object
	Data          scenarioField `json:"data"`
}

// decodeStagesV04 builds the stages of a v0.4+ report and fills the run fields that only benchmarks state.
func decodeStagesV04(run *Run, w *reportWire) error {
	for i := range w.Benchmarks {
		b := &w.Benchmarks[i]
		m, err := metricsOf(i, b)
		if err != nil {
			return err
		}
		var strategy *strategyWire
		if c := b.Config; c != nil {
			strategy = c.Strategy
			if c.Backend != nil {
				run.Model = firstNonEmpty(run.Model, c.Backend.Model)
				run.Target = firstNonEmpty(run.Target, c.Backend.Target)
				run.Backend = firstNonEmpty(run.Backend, c.Backend.Kind)
			}
			run.Profile = firstNonEmpty(run.Profile, c.Profile.name())
		}
		totals := m.RequestTotals
		if totals == nil {
			totals = b.RequestTotals
		}
		st := stageFromMetrics(i, strategy, m, totals, b.StartTime, b.EndTime)
		st.OverSaturated = b.SchedulerState.overSaturated()
		run.Stages = append(run.Stages, st)
	}
	return nil
}

func decodeV04(run *Run, w *reportWire) error {
	run.Version = "0.4.x"
	if run.Schema == SchemaV05 {
		run.Version = "0.5.x-0.6.x"
	}
	if w.Metadata != nil && w.Metadata.GuideLLMVersion != "" {
		run.Version = w.Metadata.GuideLLMVersion
	}
	if a := w.Args; a != nil {
		// 0.6.0 moved target/model into backend_kwargs; older builds have them at args level.
		if a.BackendKwargs != nil {
			run.Model = a.BackendKwargs.Model
			run.Target = a.BackendKwargs.Target
		}
		run.Model = firstNonEmpty(run.Model, a.Model)
		run.Target = firstNonEmpty(run.Target, a.Target)
		run.Backend = string(a.Backend)
		run.Profile = string(a.Profile)
		run.PromptTokens, run.OutputTokens = a.Data.PromptTokens, a.Data.OutputTokens
	}
	return decodeStagesV04(run, w)
}

// nameField reads a value that is either a plain string or an object naming itself by type_ or kind.
// Anything else reads as "" rather than failing the report: the name is informative, not essential.
type nameField string

func (n *nameField) UnmarshalJSON(raw []byte) error {
	*n = ""
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			*n = nameField(s)
		}
	case '{':
		var p profileWire
		if json.Unmarshal(raw, &p) == nil {
			*n = nameField(p.name())
		}
	}
	return nil
}
