package inferenceperf

import (
	"sigs.k8s.io/yaml"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/internal/wire"
)

// Config is the part of inference-perf's config.yaml (written next to the reports since #219, Sept 2025)
// that describes the run: the served model, the load type and the synthetic token shape. Its
// credentials (tokenizer.token, server.api_key) are never declared, so never read.
type Config struct {
	Server struct {
		ModelName string `json:"model_name"`
		Type      string `json:"type"`
	} `json:"server"`
	Load struct {
		Type string `json:"type"` // constant | poisson | concurrent
	} `json:"load"`
	Data struct {
		Type         string `json:"type"`
		SharedPrefix *struct {
			SystemPromptLen wire.Num `json:"system_prompt_len"`
			QuestionLen     wire.Num `json:"question_len"`
			OutputLen       wire.Num `json:"output_len"`
		} `json:"shared_prefix"`
		InputDistribution *struct {
			Mean wire.Num `json:"mean"`
		} `json:"input_distribution"`
		OutputDistribution *struct {
			Mean wire.Num `json:"mean"`
		} `json:"output_distribution"`
	} `json:"data"`
}

// ParseConfig reads a config.yaml; ok is false when it is not an inference-perf config.
func ParseConfig(data []byte) (cfg *Config, ok bool) {
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, false
	}
	if c.Server.ModelName == "" && c.Load.Type == "" {
		return nil, false
	}
	return &c, true
}

// Apply gives a run decoded from the stage files what only the config knows: model, load type
// and the configured prompt/output tokens (the scenario).
func (c *Config) Apply(run *guidellm.Run) {
	if run.Model == "" {
		run.Model = c.Server.ModelName
	}
	if run.Backend == "" {
		run.Backend = c.Server.Type
	}
	if t := c.Load.Type; t == "constant" || t == "poisson" {
		run.Profile = t
		for i := range run.Stages {
			if run.Stages[i].Strategy == "constant" {
				run.Stages[i].Strategy = t
			}
		}
	}
	prompt, output := unknown, unknown
	switch d := &c.Data; {
	case d.SharedPrefix != nil:
		prompt = d.SharedPrefix.SystemPromptLen.F() + d.SharedPrefix.QuestionLen.F()
		output = d.SharedPrefix.OutputLen.F()
	case d.InputDistribution != nil && d.OutputDistribution != nil:
		prompt, output = d.InputDistribution.Mean.F(), d.OutputDistribution.Mean.F()
	}
	if wire.Known(prompt) && wire.Known(output) && run.PromptTokens == 0 && run.OutputTokens == 0 {
		run.PromptTokens, run.OutputTokens = prompt, output
	}
}
