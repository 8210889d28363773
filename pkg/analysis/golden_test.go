package analysis

import (
	"flag"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenRuns is a small fleet exercising every frame: the seed's INT4/BF16 pair, an FP8 deployment
// with a cold start, a concurrency sweep, a model missing from the catalog, a GPU type without
// a price and a Little's-law violation.
func goldenRuns() []*guidellm.Run {
	runs := seedRuns()
	return append(runs,
		chatRun("fp8.json", "mistral-3-fp8", t0.Add(2*time.Hour),
			sync(1400), throughput(5.2, 520),
			rate(1, 1300, 20, 100), rate(3, 900, 25, 300), rate(5, 1100, 30, 500, concurrencyMean(16))),
		mkRun(runSpec{source: "int4-conc.json", model: "mistral-3-int4", start: t0.Add(3 * time.Hour), prompt: 64, outp: 64, profile: "concurrent"},
			conc(2, 500, 20, 100), conc(4, 1500, 30, 200, counts(50, 0, 2))),
		mkRun(runSpec{source: "llama.json", model: "llama-3-8b", start: t0.Add(4 * time.Hour), prompt: 512, outp: 128,
			labels: map[string]string{"gpus": "1", "gpuType": "A10G"}},
			rate(1, 400, 20, 100), rate(2, 700, 40, 190), rate(4, 1900, 70, 260, achieved(3.1))),
	)
}

func checkGolden(t *testing.T, name string, r interface{ Frames() data.Frames }) {
	t.Helper()
	dr := backend.DataResponse{Frames: r.Frames()}
	experimental.CheckGoldenJSONResponse(t, "testdata", name, &dr, *update)
}

func TestGoldenFrames(t *testing.T) {
	cfg := testConfig()
	runs := goldenRuns()
	t.Run("runs", func(t *testing.T) { checkGolden(t, "runs", RunsTable(runs, cfg, Filter{})) })
	t.Run("curves", func(t *testing.T) { checkGolden(t, "curves", Curves(runs, cfg, Filter{})) })
	t.Run("breakingPoints", func(t *testing.T) { checkGolden(t, "breaking_points", BreakingPoints(runs, cfg, Filter{})) })
	t.Run("roi", func(t *testing.T) {
		checkGolden(t, "roi", ROI(runs, cfg, Filter{Scenarios: []string{"chat"}}, ptr(6.0)))
	})
	t.Run("roi without target load", func(t *testing.T) {
		checkGolden(t, "roi_no_target", ROI(runs, cfg, Filter{Scenarios: []string{"chat"}}, nil))
	})
	t.Run("annotations", func(t *testing.T) { checkGolden(t, "annotations", Annotations(runs, cfg, Filter{})) })
	t.Run("empty", func(t *testing.T) {
		checkGolden(t, "breaking_points_empty", BreakingPoints(runs, cfg, Filter{Models: []string{"gpt-oss-20b"}}))
	})
}
