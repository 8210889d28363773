package guidellm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	json "github.com/goccy/go-json"
	"sigs.k8s.io/yaml"
)

// Reports are decoded with goccy/go-json into typed structs that declare only the fields the model needs:
// the per-request arrays (`requests[]`, most of a report's bytes) are then skipped by a byte scanner
// instead of being built, which is what makes decoding several times faster than a generic parser
// (see BenchmarkDecode). goccy follows encoding/json semantics: unknown keys are ignored, null leaves
// the zero value.

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// reportJSON returns the report as JSON: JSON input as is, YAML input converted (fromYAML).
// GuideLLM writes YAML (v0.1, v0.2-v0.3 `--output-path *.yaml`, v0.7 `kind=yaml`) with the same tree as JSON.
func reportJSON(source string, data []byte) (js []byte, fromYAML bool, err error) {
	if bytes.HasPrefix(data, utf8BOM) {
		// Blank the BOM instead of cutting it, so that error offsets still count the caller's bytes.
		data = append([]byte("   "), data[len(utf8BOM):]...)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, false, invalid(source, "empty object")
	}
	if trimmed[0] == '{' {
		return data, false, nil
	}
	converted, err := yamlToJSON(trimmed)
	if err != nil {
		return nil, true, &ReportError{Source: source, Reason: "neither JSON nor valid YAML: " + oneLine(err.Error()), Err: err}
	}
	if t := bytes.TrimLeft(converted, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, true, invalid(source, "not a GuideLLM report (top level is not an object)")
	}
	return converted, true, nil
}

// yamlToJSON converts via sigs.k8s.io/yaml. PyYAML writes non-finite floats as .nan/.inf, which JSON cannot
// hold; only when the conversion fails on them are they turned into nulls and the conversion retried.
func yamlToJSON(data []byte) ([]byte, error) {
	converted, err := yaml.YAMLToJSON(data)
	if err == nil {
		return converted, nil
	}
	fixed, changed := nullNonFiniteYAML(data)
	if !changed {
		return nil, err
	}
	return yaml.YAMLToJSON(fixed)
}

// unmarshalReport decodes the report JSON. Python's json.dumps writes NaN/Infinity/-Infinity, which are not
// JSON; the fast path decodes the bytes as they are and only a failed decode pays for a sanitizing pass.
// fromYAML says the JSON was converted from YAML, so byte offsets would mean nothing to the user.
func unmarshalReport[T any](source string, data []byte, fromYAML bool, w *T) error {
	err := json.Unmarshal(data, w)
	if err == nil {
		return nil
	}
	clean, shifts := nullNonFiniteJSON(data)
	if clean == nil {
		return jsonError(source, err, nil, fromYAML)
	}
	var zero T
	*w = zero
	if err := json.Unmarshal(clean, w); err != nil {
		return jsonError(source, err, shifts, fromYAML)
	}
	return nil
}

// jsonError turns a decoder error into a ReportError that locates the problem in the caller's bytes. It
// builds its own text from the error's fields so that no value from the report ends up in the message.
func jsonError(source string, err error, shifts offsetShifts, fromYAML bool) error {
	at := func(offset int64) string {
		if fromYAML {
			return ""
		}
		return fmt.Sprintf(" at offset %d", shifts.original(offset))
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return &ReportError{Source: source, Err: err, Reason: fmt.Sprintf("invalid JSON%s: %s",
			at(syntaxErr.Offset), strings.TrimPrefix(syntaxErr.Error(), "json: "))}
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		kind, _, _ := strings.Cut(typeErr.Value, " ")
		field := typeErr.Field
		if field == "" {
			field = "top level"
		}
		return &ReportError{Source: source, Err: err, Reason: fmt.Sprintf(
			"unexpected value%s: %s is %s, want %s", at(typeErr.Offset), field, kind, goKind(typeErr))}
	}
	return &ReportError{Source: source, Err: err, Reason: "invalid JSON: " + oneLine(err.Error())}
}

func goKind(e *json.UnmarshalTypeError) string {
	if e.Type == nil {
		return "another type"
	}
	return e.Type.Kind().String()
}

// oneLine keeps an error message to its first line (YAML errors can span several).
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
