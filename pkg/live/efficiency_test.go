package live

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// TestEfficiencySeriesWarnOnlyWithoutAnyOutputRate: over a range, a model whose output-token rate is
// missing at some steps (the first 20 s after Prometheus starts) gets no warning; a model without
// the rate at any step does, and only that model is named.
func TestEfficiencySeriesWarnOnlyWithoutAnyOutputRate(t *testing.T) {
	partial := modelKey{Namespace: "demo", Model: "rate-from-second-step"}
	absent := modelKey{Namespace: "demo", Model: "never-a-rate"}
	fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		series := func(k modelKey, branch string, skipFirst bool) map[string]any {
			var values [][2]any
			for ts := start; ts <= end; ts += step {
				if skipFirst && ts == start {
					continue
				}
				values = append(values, [2]any{ts, "12.5"})
			}
			return map[string]any{"metric": map[string]string{seriesLabel: branch, "namespace": k.Namespace, "model_name": k.Model}, "values": values}
		}
		result := []map[string]any{
			series(partial, branchOutputTPS, true),
			series(partial, branchKVCache, false),
			series(absent, branchKVCache, false),
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(mustJSON(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}}))
	})
	s := NewService(newTestAPI(t, fp.URL, 0, ""), testOptions())
	frames, err := s.Efficiency(context.Background(), Query{}, anyRange)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	for _, n := range frames[0].Meta.Notices {
		if n.Severity == data.NoticeSeverityWarning && strings.Contains(n.Text, "no output-token rate") {
			warnings = append(warnings, n.Text)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], absent.Model) || strings.Contains(warnings[0], partial.Model) {
		t.Fatalf("output-rate warnings %q: want one naming only %s", warnings, absent.Model)
	}
	tps := seriesValues(framesNamed(frames, "output_tps"))[partial.Model+"|"+partial.Namespace]
	if tps == nil || tps.Len() < 2 || floatAt(tps, 0) != nil || floatAt(tps, 1) == nil {
		t.Fatalf("output_tps of %s: want an empty first step and values after it", partial.Model)
	}
}

func framesNamed(frames data.Frames, name string) data.Frames {
	var out data.Frames
	for _, f := range frames {
		if f.Name == name {
			out = append(out, f)
		}
	}
	return out
}
