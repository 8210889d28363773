package sweeps

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Generation is a GuideLLM command-line generation: the argument syntax changed completely in
// v0.7.0 (and v0.7.2 removed the old `guidellm benchmark` group).
type Generation string

const (
	// GenerationV05 is `guidellm benchmark run --target … --profile … --rate …` (v0.5.x, v0.6.x).
	GenerationV05 Generation = "v0.5-v0.6"
	// GenerationV07 is the registry CLI `guidellm run --backend kind=… --profile kind=…` (v0.7.x).
	GenerationV07 Generation = "v0.7"
)

// ParseGeneration maps a GuideLLM version ("0.7.3", "v0.6.1") to its command-line generation.
func ParseGeneration(version string) (Generation, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "", fmt.Errorf("kubernetes.guidellmVersion %q is not a version like 0.7.3", version)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("kubernetes.guidellmVersion %q is not a version like 0.7.3", version)
	}
	switch {
	case major == 0 && (minor == 5 || minor == 6):
		return GenerationV05, nil
	case major == 0 && minor == 7:
		return GenerationV07, nil
	}
	return "", fmt.Errorf("GuideLLM %s is not supported for sweeps: supported are 0.5.x and 0.6.x (`guidellm benchmark run`) and 0.7.x (`guidellm run`)", version)
}

// WarmupSeconds is the start of each stage GuideLLM leaves out of its measurement: a tenth of
// the stage, 2 to 30 s. GuideLLM schedules arrivals from the stage start; workers that start
// late send the overdue requests at once, a burst that would otherwise be measured as load the
// server was offered (a 1 req/s Poisson stage measured at 5.9 req/s).
func (p Plan) WarmupSeconds() int {
	return min(30, max(2, p.SecondsPerStage/10))
}

// DefaultOutputPath is where the built-in Job has GuideLLM write its JSON report (an emptyDir).
const DefaultOutputPath = "/results/benchmarks.json"

// BuildArgs is the GuideLLM argv (starting with "guidellm") for a validated plan, writing the
// JSON report to outputPath. Every value is its own argv element: nothing is ever parsed by a
// shell. GuideLLM reads JSON for the v0.7 registry options (`--backend`, `--profile`, …) before
// trying key=value, so values are JSON-encoded there: a comma, '=' or a YAML-looking model name
// cannot change their meaning.
func BuildArgs(p Plan, outputPath string) []string {
	if p.Generation == GenerationV05 {
		return argsV05(p, outputPath)
	}
	return argsV07(p, outputPath)
}

func argsV07(p Plan, outputPath string) []string {
	profile := map[string]any{"kind": p.Profile}
	// v0.7 takes the warm-up as a profile attribute (a number >= 1: seconds).
	profile["warmup"] = p.WarmupSeconds()
	switch p.Profile {
	case ProfileConstant, ProfilePoisson:
		profile["rate"] = p.Rates
	case ProfileConcurrent:
		profile["streams"] = p.Streams
	case ProfileSweep:
		profile["sweep_size"] = p.SweepSize
	}
	args := []string{"guidellm", "run",
		"--backend", jsonArg(map[string]any{"kind": "openai_http", "target": p.Target, "model": p.Model}),
		"--profile", jsonArg(profile),
		"--constraint", jsonArg(map[string]any{"kind": "max_duration", "seconds": p.SecondsPerStage}),
		"--data", jsonArg(map[string]any{"kind": "synthetic_text", "prompt_tokens": p.ScenarioDef.PromptTokens, "output_tokens": p.ScenarioDef.OutputTokens}),
	}
	if p.Processor != "" {
		args = append(args, "--tokenizer", jsonArg(map[string]any{"kind": "huggingface_auto", "model": p.Processor}))
	}
	args = append(args,
		// The plugin reads only the aggregates; per-request samples would multiply the report
		// size (and the pod log carrying it).
		"--metrics", jsonArg(map[string]any{"kind": "generative", "sample_size": 0}),
		"--output", jsonArg(map[string]any{"kind": "json", "path": outputPath}),
	)
	// --label k=v is split at the first '=' and kept as a string (config.metadata.labels).
	for _, l := range p.reportLabels() {
		args = append(args, "--label", l.name+"="+l.value)
	}
	// Without a terminal the interactive display prints nothing until the end anyway.
	return append(args, "--disable-console-interactive")
}

func argsV05(p Plan, outputPath string) []string {
	args := []string{"guidellm", "benchmark", "run",
		"--target", p.Target,
		"--model", p.Model,
	}
	if p.Processor != "" {
		args = append(args, "--processor", p.Processor)
	}
	args = append(args, "--profile", p.Profile)
	switch p.Profile {
	case ProfileConstant, ProfilePoisson:
		rates := make([]string, len(p.Rates))
		for i, r := range p.Rates {
			rates[i] = strconv.FormatFloat(r, 'f', -1, 64)
		}
		args = append(args, "--rate", strings.Join(rates, ","))
	case ProfileConcurrent:
		streams := make([]string, len(p.Streams))
		for i, s := range p.Streams {
			streams[i] = strconv.Itoa(s)
		}
		args = append(args, "--rate", strings.Join(streams, ","))
	case ProfileSweep:
		// For the sweep profile --rate is the number of benchmarks.
		args = append(args, "--rate", strconv.Itoa(p.SweepSize))
	}
	return append(args,
		"--max-seconds", strconv.Itoa(p.SecondsPerStage),
		// v0.4-v0.6: a number >= 1 is the warm-up in seconds.
		"--warmup", strconv.Itoa(p.WarmupSeconds()),
		"--data", fmt.Sprintf("prompt_tokens=%d,output_tokens=%d", p.ScenarioDef.PromptTokens, p.ScenarioDef.OutputTokens),
		"--output-dir", path.Dir(outputPath),
		"--outputs", path.Base(outputPath),
		"--sample-requests", "0",
		"--disable-progress",
	)
}

// jsonArg encodes v compactly with sorted keys and without HTML escaping.
func jsonArg(v map[string]any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}
