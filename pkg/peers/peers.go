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

// File is one decoded report file.
type File struct {
	Run *guidellm.Run
	// Group says which files of one folder belong to the same run: files of one tool with equal Group
	// are merged. Standalone is true for a file that is a whole run (a GuideLLM report).
	Group      string
	Standalone bool
}

// Decode reads one report file of any supported tool; see DecodeFile.
func Decode(source string, data []byte) (*guidellm.Run, error) {
	f, err := DecodeFile(source, data)
	if err != nil {
		return nil, err
	}
	return f.Run, nil
}

// DecodeFile tells the tool from the content and decodes the file. Every error matches
// guidellm.ErrInvalidReport and quotes no report content. It does not panic, whatever the input.
func DecodeFile(source string, data []byte) (f File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = File{}, guidellm.Invalid(source, "decoder failure: %v", r)
		}
	}()
	return decodeFile(source, data)
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

func decodeFile(source string, data []byte) (File, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return decodeVLLM(source, trimmed, false) // only vLLM bench sweep summaries are arrays
	}
	if isJSONLines(trimmed) {
		return decodeVLLMLines(source, trimmed)
	}
	js, fromYAML, err := guidellm.ToJSON(source, data)
	if err != nil {
		return File{}, err
	}
	var p probe
	if err := guidellm.UnmarshalJSON(source, js, fromYAML, &p); err != nil {
		return File{}, err
	}
	has := func(k presence) bool { return bool(k) }
	switch {
	case has(p.Benchmarks):
		run, err := guidellm.Decode(source, data)
		if err != nil {
			return File{}, err
		}
		run.Tool = guidellm.ToolGuideLLM
		return File{Run: run, Standalone: true}, nil
	case has(p.LoadSummary) && has(p.Successes):
		var r inferenceperf.Report
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return File{}, err
		}
		run, err := inferenceperf.Decode(source, &r)
		return File{Run: run}, err
	case has(p.Version) && has(p.Scenario):
		var r llmdreport.Report
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return File{}, err
		}
		run, err := llmdreport.Decode(source, &r)
		if err != nil {
			return File{}, err
		}
		return File{Run: run, Group: firstNonEmpty(r.Group(), run.Model)}, nil
	case has(p.Records) || has(p.SchemaVersion) || (has(p.InputConfig) && has(p.RequestThroughput) && !has(p.Completed)):
		var e aiperf.Export
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &e); err != nil {
			return File{}, err
		}
		run, err := aiperf.Decode(source, &e)
		if err != nil {
			return File{}, err
		}
		return File{Run: run, Group: run.Model}, nil
	case has(p.RequestThroughput) && has(p.Completed):
		return decodeVLLM(source, js, fromYAML)
	}
	return File{}, guidellm.Invalid(source, "not a report of a supported tool (GuideLLM, inference-perf, llm-d Benchmark Report, vLLM bench, AIPerf, GenAI-Perf)")
}

// decodeVLLM reads one bench-serve object or a sweep summary array.
func decodeVLLM(source string, js []byte, fromYAML bool) (File, error) {
	var results []vllmbench.Result
	if t := bytes.TrimLeft(js, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		if err := guidellm.UnmarshalJSON(source, t, fromYAML, &results); err != nil {
			return File{}, err
		}
	} else {
		var r vllmbench.Result
		if err := guidellm.UnmarshalJSON(source, js, fromYAML, &r); err != nil {
			return File{}, err
		}
		results = []vllmbench.Result{r}
	}
	run, err := vllmbench.Decode(source, results)
	if err != nil {
		return File{}, err
	}
	return File{Run: run, Group: run.Model}, nil
}

// isJSONLines tells `--append-result` files (one JSON object per line) from one object: only JSONL has a
// second line that starts with '{' in its first column.
func isJSONLines(data []byte) bool {
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	return bytes.Contains(data, []byte("\n{"))
}

func decodeVLLMLines(source string, data []byte) (File, error) {
	var results []vllmbench.Result
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r vllmbench.Result
		if err := guidellm.UnmarshalJSON(source, line, false, &r); err != nil {
			return File{}, guidellm.Invalid(source, "line %d of a JSON-lines file: %v", i+1, reason(err))
		}
		results = append(results, r)
	}
	run, err := vllmbench.Decode(source, results)
	if err != nil {
		return File{}, err
	}
	return File{Run: run, Group: run.Model}, nil
}

func reason(err error) string {
	if re, ok := errors.AsType[*guidellm.ReportError](err); ok {
		return re.Reason
	}
	return err.Error()
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
