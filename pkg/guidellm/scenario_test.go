package guidellm

import "testing"

func TestScenarioTokens(t *testing.T) {
	for _, tc := range []struct {
		raw            string
		prompt, output float64
	}{
		{`"prompt_tokens=256,output_tokens=128"`, 256, 128},
		{`"prompt_tokens=128,generated_tokens=64"`, 128, 64}, // v0.1
		{`"{\"type\": \"emulated\", \"prompt_tokens\": 512, \"output_tokens\": 128}"`, 512, 128},
		{`"{'prompt_tokens': 50, 'output_tokens': 50}"`, 50, 50}, // Python repr in v0.4+ args.data
		{`"prompt_tokens=256,prompt_tokens_stdev=16,output_tokens=128,output_tokens_min=1"`, 256, 128},
		{`"first_prompt_tokens=99,prompt_tokens=10"`, 10, 0},
		{`"prompt_tokens=1.5e3"`, 1500, 0},
		{`"/data/prompts.jsonl"`, 0, 0},
		{`"['/root/aime_2024_v2.jsonl']"`, 0, 0},
		{`["prompts.jsonl", "prompt_tokens=1,output_tokens=2"]`, 1, 2},
		{`[{"kind": "synthetic_text", "prompt_tokens": 32, "output_tokens": 8, "first_prompt_tokens": null}]`, 32, 8},
		{`[{"kind": "huggingface", "prompt_tokens": 32}]`, 0, 0},
		{`{"prompt_tokens": 64}`, 64, 0},
		{`{"prompt_tokens": "many"}`, 0, 0},
		{`[["prompt_tokens=1"]]`, 0, 0}, // items are not nested
		{`5`, 0, 0},
		{`null`, 0, 0},
		{``, 0, 0},
	} {
		p, o := scenarioTokens([]byte(tc.raw))
		if p != tc.prompt || o != tc.output {
			t.Errorf("scenarioTokens(%s) = %g, %g; want %g, %g", tc.raw, p, o, tc.prompt, tc.output)
		}
	}
}
