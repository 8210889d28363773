package guidellm

import (
	"bytes"
	"regexp"
	"strconv"

	json "github.com/goccy/go-json"
)

// The scenario (configured synthetic prompt/output tokens) is stated in the data argument, in one of the
// forms GuideLLM accepted over the years:
//   - "prompt_tokens=256,output_tokens=128"             (CLI string, all versions; v0.1 says generated_tokens)
//   - "{\"prompt_tokens\": 512, \"output_tokens\": 128}" (JSON string, v0.2+)
//   - "{'prompt_tokens': 50, 'output_tokens': 50}"     (Python repr of a dict, v0.4+ args.data)
//   - {"kind": "synthetic_text", "prompt_tokens": 32}   (object: v0.7 config.spec.data, scenario files)
// A file path or dataset name states nothing, and the counts then stay 0: the measured means are in Stage.

// tokenSetting matches `key=value` / `"key": value` / `'key': value` for a whole key (not *_stdev, first_*).
var tokenSetting = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])["']?(prompt_tokens|output_tokens|generated_tokens)["']?\s*[:=]\s*["']?([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)`)

// scenarioField is decoded from a data value (a string, an object, or a list of those) into the configured
// token counts of the first item that states any. Unreadable values state nothing; they never fail a report.
type scenarioField struct {
	PromptTokens, OutputTokens float64
}

func (f *scenarioField) UnmarshalJSON(raw []byte) error {
	f.PromptTokens, f.OutputTokens = scenarioTokens(raw)
	return nil
}

// scenarioTokens reads a data value: one item or a list of items (not deeper: GuideLLM never nests them).
func scenarioTokens(raw []byte) (prompt, output float64) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return scenarioItemTokens(raw)
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return 0, 0
	}
	for _, item := range items {
		if p, o := scenarioItemTokens(bytes.TrimSpace(item)); p != 0 || o != 0 {
			return p, o
		}
	}
	return 0, 0
}

func scenarioItemTokens(raw []byte) (prompt, output float64) {
	if len(raw) == 0 {
		return 0, 0
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, 0
		}
		return tokensInString(s)
	case '{':
		var item struct {
			Kind         string  `json:"kind"`
			PromptTokens float64 `json:"prompt_tokens"`
			OutputTokens float64 `json:"output_tokens"`
		}
		if json.Unmarshal(raw, &item) != nil {
			return 0, 0
		}
		// v0.7 data specs name their kind; only synthetic data has configured lengths.
		if item.Kind != "" && item.Kind != "synthetic_text" {
			return 0, 0
		}
		return item.PromptTokens, item.OutputTokens
	}
	return 0, 0
}

func tokensInString(s string) (prompt, output float64) {
	for _, m := range tokenSetting.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		switch m[1] {
		case "prompt_tokens":
			if prompt == 0 {
				prompt = v
			}
		default: // output_tokens, or v0.1's generated_tokens
			if output == 0 {
				output = v
			}
		}
	}
	return prompt, output
}
