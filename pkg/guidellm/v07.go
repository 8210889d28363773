package guidellm

// v0.7+ (metadata.version 2): the run's scenario is the top-level config (BenchmarkScenario); benchmarks keep
// the v0.4 layout (v04.go).

type scenarioWire struct {
	Metadata *struct {
		Labels labelsField `json:"labels"` // --label k=v
	} `json:"metadata"`
	Spec *struct {
		Backend *backendWire  `json:"backend"` // api_key (a SecretStr) is not declared
		Profile *profileWire  `json:"profile"`
		Data    scenarioField `json:"data"` // [{"kind": "synthetic_text", "prompt_tokens": …}]
	} `json:"spec"`
}

func decodeV07(run *Run, w *reportWire) error {
	run.Version = "0.7.x+"
	if w.Metadata != nil && w.Metadata.GuideLLMVersion != "" {
		run.Version = w.Metadata.GuideLLMVersion
	}
	if c := w.Config; c != nil {
		if c.Metadata != nil {
			addLabels(run.Labels, c.Metadata.Labels)
		}
		if s := c.Spec; s != nil {
			if s.Backend != nil {
				run.Model = s.Backend.Model
				run.Target = s.Backend.Target
				run.Backend = s.Backend.Kind
			}
			run.Profile = s.Profile.name()
			run.PromptTokens, run.OutputTokens = s.Data.PromptTokens, s.Data.OutputTokens
		}
	}
	return decodeStagesV04(run, w)
}
