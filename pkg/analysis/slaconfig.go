package analysis

import (
	"math"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Dashboards follow the settings: every frame with a latency or SLA status column carries the
// configured SLA in its field config (thresholds on latencies, colours on statuses), so panels
// need no hard-coded threshold overrides that contradict sla_status when the SLA changes.

// ApplySLA sets the SLA on the fields of frames that hold a TTFT or ITL latency in ms (name
// ttft_*_ms, itl_*_ms) or an SLA status (name status or sla_status), and returns frames.
// Tables colour those cells (cellOptions); charts draw the thresholds as lines (thresholdsStyle).
func ApplySLA(frames data.Frames, sla SLA) data.Frames {
	colourText := map[string]any{"type": "color-text"}
	for _, fr := range frames {
		for _, f := range fr.Fields {
			var t *data.ThresholdsConfig
			switch name := f.Name; {
			case strings.HasPrefix(name, "ttft_") && strings.HasSuffix(name, "_ms"):
				t = GradeThresholds(sla.TTFTExcellentMs, sla.TTFTAcceptableMs, sla.TTFTBreakingMs)
			case strings.HasPrefix(name, "itl_") && strings.HasSuffix(name, "_ms"):
				t = GradeThresholds(sla.ITLExcellentMs, sla.ITLAcceptableMs, sla.ITLBreakingMs)
			case name == "status" || name == "sla_status":
				config(f).Mappings = statusMappings()
				config(f).Custom = map[string]any{"cellOptions": colourText}
				continue
			default:
				continue
			}
			c := config(f)
			c.Thresholds = t
			c.Custom = map[string]any{"cellOptions": colourText, "thresholdsStyle": map[string]any{"mode": "line"}}
		}
	}
	return frames
}

func config(f *data.Field) *data.FieldConfig {
	if f.Config == nil {
		f.Config = &data.FieldConfig{}
	}
	return f.Config
}

// GradeThresholds colours a value by grade: green ≤ excellent < yellow ≤ acceptable < orange ≤
// breaking < red. Grafana colours a value by the highest step at or below it, so each step sits
// just above its bound: a value on a bound keeps the better grade, as the grading gives it.
func GradeThresholds(excellent, acceptable, breaking float64) *data.ThresholdsConfig {
	above := func(bound float64) float64 { return math.Nextafter(bound, math.Inf(1)) }
	return &data.ThresholdsConfig{
		Mode: data.ThresholdsModeAbsolute,
		Steps: []data.Threshold{
			data.NewThreshold(math.Inf(-1), "green", string(StatusExcellent)),
			data.NewThreshold(above(excellent), "yellow", string(StatusAcceptable)),
			data.NewThreshold(above(acceptable), "orange", string(StatusDegraded)),
			data.NewThreshold(above(breaking), "red", string(StatusBreaking)),
		},
	}
}

// statusMappings colour the status words of stages (runs) and live models (status, efficiency).
func statusMappings() data.ValueMappings {
	return data.ValueMappings{data.ValueMapper{
		string(StatusExcellent):  {Color: "green", Index: 0},
		string(StatusAcceptable): {Color: "yellow", Index: 1},
		string(StatusDegraded):   {Color: "orange", Index: 2},
		string(StatusBreaking):   {Color: "red", Index: 3},
		string(StatusUnknown):    {Color: "text", Index: 4},
		"Idle":                   {Color: "blue", Index: 5},
	}}
}
