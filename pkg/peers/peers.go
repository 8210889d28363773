// Package peers reads the result files of every supported LLM-serving benchmark tool — GuideLLM,
// inference-perf, the llm-d Benchmark Report, vLLM bench, AIPerf and GenAI-Perf — into the one
// normalized model of pkg/guidellm, telling the tool from the content, never from the file name.
// Unknown metrics are NaN there, never 0. Several files of one tool in one folder form one run: Merge.
package peers

import (
	"bytes"
	"errors"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/aiperf"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/inferenceperf"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/llmdreport"
	"github.com/inferenceroi/vllm-datasource/pkg/peers/vllmbench"
)

// Decode tells the tool from the content and decodes one report file into a run (for the tools that
// write one file per load level, a run of one stage: see Merge). Every error matches
// guidellm.ErrInvalidReport and quotes no report content. It does not panic, whatever the input.
func Decode(source string, data []byte) (run *guidellm.Run, err error) {
	defer func() {
		if r := recover(); r != nil {
			run, err = nil, guidellm.Invalid(source, "decoder failure: %v", r)
		}
	}()
	return decode(source, data)
}

// GroupKey says which runs decoded from the files of one folder are one run: those with equal keys.
// Standalone is true for a run that is whole in its file (a GuideLLM report). Files of one tool and
// one model are grouped (an llm-d experiment, a vLLM or AIPerf sweep, inference-perf stages, whose
// model only config.yaml names).
func GroupKey(run *guidellm.Run) (key string, standalone bool) {
	if run.ToolName() == guidellm.ToolGuideLLM {
		return "", true
	}
	return run.Tool + "\x00" + run.Model, false
}

// presence records that a key exists without building its value.
type presence bool

func (p *presence) UnmarshalJSON([]byte) error { *p = true; return nil }

// probe holds the keys that tell the formats apart (reference: benchmark-formats.md).
type probe struct {
	Benchmarks        presence `json:"benchmarks"`         // GuideLLM
	LoadSummary       presence `json:"load_summary"`       // inference-perf
	Successes         presence `json:"successes"`          // inference-perf
	Version           presence `json:"version"`            // Benchmark Report
	Scenario          presence `json:"scenario"`           // Benchmark Report
	Records           presence `json:"records"`            // AIPerf 0.1
	SchemaVersion     presence `json:"schema_version"`     // AIPerf 0.4+
	InputConfig       presence `json:"input_config"`       // AIPerf, GenAI-Perf
	RequestThroughput presence `json:"request_throughput"` // vLLM bench, AIPerf 0.2+, GenAI-Perf
	Completed         presence `json:"completed"`          // vLLM bench
}

func decode(source string, data []byte) (*guidellm.Run, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return decodeVLLM(source, trimmed, false) // only vLLM bench sweep summaries are arrays
	}
	if isJSONLines(trimmed) {
		return decodeVLLMLines(source, trimmed)
	}
	js, fromYAML, err := guidellm.ToJSON(source, data)
	if err != nil {
		return nil, err
	}
	var p probe
	if err := guidellm.UnmarshalJSON(source, js, fromYAML, &p); err != nil {
		return nil, err
	}
	has := func(k presence) bool { return bool(k) }
	switch {
	case has(p.Benchmarks):
		run, err := guidellm.Decode(source, data)
		if err != nil {
			return nil, err
		}
		run.Tool = guidellm.ToolGuideLLM
		return run, nil
	case has(p.LoadSummary) && has(p.Successes):
		var r inferenceperf.Report
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return nil, err
		}
		return inferenceperf.Decode(source, &r)
	case has(p.Version) && has(p.Scenario):
		var r llmdreport.Report
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return nil, err
		}
		return llmdreport.Decode(source, &r)
	case has(p.Records) || has(p.SchemaVersion) || (has(p.InputConfig) && has(p.RequestThroughput) && !has(p.Completed)):
		var e aiperf.Export
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &e); err != nil {
			return nil, err
		}
		return aiperf.Decode(source, &e)
	case has(p.RequestThroughput) && has(p.Completed):
		return decodeVLLM(source, js, fromYAML)
	}
	return nil, guidellm.Invalid(source, "not a report of a supported tool (GuideLLM, inference-perf, llm-d Benchmark Report, vLLM bench, AIPerf, GenAI-Perf)")
}

// decodeVLLM reads one bench-serve object or a sweep summary array.
func decodeVLLM(source string, js []byte, fromYAML bool) (*guidellm.Run, error) {
	var results []vllmbench.Result
	if t := bytes.TrimLeft(js, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := guidellm.UnmarshalJSON(source, t, fromYAML, &results); err != nil {
			return nil, err
		}
	} else {
		var r vllmbench.Result
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return nil, err
		}
		results = []vllmbench.Result{r}
	}
	return vllmbench.Decode(source, results)
}

// isJSONLines tells `--append-result` files (one JSON object per line) from one object: only JSONL has a
// second line that starts with '{' in its first column.
func isJSONLines(data []byte) bool {
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	return bytes.Contains(data, []byte("\n{"))
}

func decodeVLLMLines(source string, data []byte) (*guidellm.Run, error) {
	var results []vllmbench.Result
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r vllmbench.Result
		if err := guidellm.UnmarshalJSON(source, line, false, &r); err != nil {
			return nil, guidellm.Invalid(source, "line %d of a JSON-lines file: %v", i+1, reason(err))
		}
		results = append(results, r)
	}
	return vllmbench.Decode(source, results)
}

func reason(err error) string {
	if re, ok := errors.AsType[*guidellm.ReportError](err); ok {
		return re.Reason
	}
	return err.Error()
}
