package live

import (
	"math"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// activeStep is the step Grafana colours v with: the highest one at or below it.
func activeStep(t *testing.T, th *data.ThresholdsConfig, v float64) string {
	t.Helper()
	state := ""
	for _, s := range th.Steps {
		if v >= float64(s.Value) {
			state = s.State
		}
	}
	return state
}

// checkLoadColours fails when a KV-cache or queue cell of frames would be coloured otherwise than
// the status table grades the value.
func checkLoadColours(t *testing.T, frames data.Frames) {
	t.Helper()
	bounds := map[string][3]float64{"kv_cache_usage": kvCacheGrades, "requests_waiting": queueGrades}
	for _, fr := range frames {
		for _, f := range fr.Fields {
			b, graded := bounds[f.Name]
			if !graded {
				continue
			}
			if f.Config == nil || f.Config.Thresholds == nil {
				t.Fatalf("%s/%s: no thresholds", fr.Name, f.Name)
			}
			for i := 0; i < f.Len(); i++ {
				v, ok := f.ConcreteAt(i)
				if !ok {
					continue
				}
				x := v.(float64)
				if got, want := activeStep(t, f.Config.Thresholds, x), levelNames[grade(x, b)]; got != want {
					t.Errorf("%s/%s = %g: coloured %s, graded %s", fr.Name, f.Name, x, got, want)
				}
			}
		}
	}
}

// Values on a grade's bound keep the better grade in colour too: an empty queue is green, one
// waiting request yellow, 0.70 of the KV cache green.
func TestLoadCellsColouredAsGraded(t *testing.T) {
	ptrs := func(vs ...float64) []*float64 {
		out := make([]*float64, len(vs))
		for i := range vs {
			out[i] = &vs[i]
		}
		return out
	}
	frames := applyLoadGrades(data.Frames{data.NewFrame("status",
		data.NewField("requests_waiting", nil, ptrs(0, 0.5, 1, 1.5, 2, 5, 5.5, 6, 40)),
		data.NewField("kv_cache_usage", nil, ptrs(0, 0.5, 0.70, math.Nextafter(0.70, 1), 0.85, 0.9, 0.95, 0.96, 1)),
	)})
	checkLoadColours(t, frames)
	for _, c := range []struct {
		field string
		v     float64
		want  string
	}{{"requests_waiting", 0, "Excellent"}, {"requests_waiting", 1, "Acceptable"}, {"requests_waiting", 6, "Breaking"}, {"kv_cache_usage", 0.70, "Excellent"}, {"kv_cache_usage", 0.96, "Breaking"}} {
		f, _ := frames[0].FieldByName(c.field)
		if got := activeStep(t, f.Config.Thresholds, c.v); got != c.want {
			t.Errorf("%s = %g: coloured %s, want %s", c.field, c.v, got, c.want)
		}
	}
}
