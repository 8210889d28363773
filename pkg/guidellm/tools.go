package guidellm

// Names of the benchmark tools whose reports decode into this package's model (Run.Tool).
const (
	ToolGuideLLM      = "GuideLLM"
	ToolInferencePerf = "inference-perf"
	ToolLLMDReport    = "llm-d Benchmark Report"
	ToolVLLMBench     = "vLLM bench"
	ToolAIPerf        = "AIPerf"
	ToolGenAIPerf     = "GenAI-Perf"
)

// ToolName is the tool that wrote the run's report.
func (r *Run) ToolName() string {
	if r.Tool == "" {
		return ToolGuideLLM
	}
	return r.Tool
}

// ToJSON returns a report as JSON: JSON input as is, YAML input converted (fromYAML), a UTF-8 BOM
// blanked, PyYAML's .nan/.inf read as null. Exported for the readers of other tools' reports
// (pkg/peers), whose files have the same quirks. Errors are *ReportError.
func ToJSON(source string, data []byte) (js []byte, fromYAML bool, err error) {
	return reportJSON(source, data)
}

// UnmarshalJSON decodes report JSON into v like Decode does: unknown keys ignored, the NaN/Infinity
// tokens of Python's json.dumps read as null, errors as *ReportError that quote no report content.
func UnmarshalJSON[T any](source string, js []byte, fromYAML bool, v *T) error {
	return unmarshalReport(source, js, fromYAML, v)
}

// Invalid returns the *ReportError (matching ErrInvalidReport) that says why source is not readable.
func Invalid(source, format string, args ...any) error {
	return invalid(source, format, args...)
}
