package analysis

import (
	"slices"
	"testing"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func TestNamesResolveLikeTheFilters(t *testing.T) {
	runs := []*guidellm.Run{
		chatRun("a.json", "mistral-3-int4", t0),
		mkRun(runSpec{source: "b.json", model: "ignored", labels: map[string]string{"model": "labelled", "scenario": "rag"}}),
		mkRun(runSpec{source: "c.json", model: "mistral-3-bf16", prompt: 512, outp: 128}),
		mkRun(runSpec{source: "d.json", model: "mistral-3-bf16", prompt: 300, outp: 20}),
		mkRun(runSpec{source: "e.json"}),
	}
	models, scenarios := Names(runs, testConfig())
	if want := []string{"labelled", "mistral-3-bf16", "mistral-3-int4", "unknown"}; !slices.Equal(models, want) {
		t.Errorf("models = %v, want %v", models, want)
	}
	if want := []string{"chat", "p300-o20", "rag", "summarization", "unknown"}; !slices.Equal(scenarios, want) {
		t.Errorf("scenarios = %v, want %v", scenarios, want)
	}
}
