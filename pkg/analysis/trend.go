package analysis

import (
	"fmt"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Trend metrics: the values a `trend` series can carry, one point per run at the run's end. The names
// are an API: dashboards and alert rules select them.
const (
	TrendBreakingPoint = "breaking_point"
	TrendCapacity      = "capacity_output_tps"
	TrendPerGPU        = "output_tps_per_gpu"
	TrendCost          = "cost_per_mtok_usd"
	TrendChange        = "change_pct" // vs the run before; what the capacity-regression alert watches
)

// TrendMetrics lists every trend metric in frame order.
func TrendMetrics() []string {
	return []string{TrendBreakingPoint, TrendCapacity, TrendPerGPU, TrendCost, TrendChange}
}

// TrendSeries is the history of one deployment, scenario, load axis and request shape.
type TrendSeries struct {
	Points []BreakingPoint // oldest first, each with RunTime inside the filter's range
}

// TrendResult is the `trend` query.
type TrendResult struct {
	Series  []TrendSeries
	metrics []string
	notices notices
}

// Trend returns capacity over time: for each history, a point per run (with its refinements) whose
// end lies in [f.From, f.To] (zero bounds: open). metrics selects the series (nil: all). The change
// against the previous run is computed from the whole history, also when that run is out of range.
func Trend(runs []*guidellm.Run, cfg Config, f Filter, metrics []string) *TrendResult {
	cfg = cfg.withDefaults()
	res := &TrendResult{metrics: metrics}
	if len(res.metrics) == 0 {
		res.metrics = TrendMetrics()
	}
	views := prepare(runs, cfg, f.perRun(), &res.notices)
	for _, h := range computeHistory(views, cfg, &res.notices) {
		var s TrendSeries
		for _, bp := range h {
			switch {
			case bp.RunTime == nil:
				res.notices.addItem(data.NoticeSeverityWarning, "runs without stage times have no place on the time axis", bp.key())
			case (!f.From.IsZero() && bp.RunTime.Before(f.From)) || (!f.To.IsZero() && bp.RunTime.After(f.To)):
			default:
				s.Points = append(s.Points, bp)
			}
		}
		if len(s.Points) > 0 {
			res.Series = append(res.Series, s)
		}
	}
	if len(res.Series) == 0 && len(views) > 0 {
		res.notices.add(data.NoticeSeverityInfo, "no run of the matching deployments ended in the time range")
	}
	return res
}

// Frames renders a dataplane multi time series: a frame per (history, metric) with a time field and
// a value field labelled model, scenario, load_axis, gpu_type, quantization, gpus and request_shape.
// An unknown value (e.g. the breaking point of a run that did not break) is null.
func (r *TrendResult) Frames() data.Frames {
	var frames data.Frames
	for _, s := range r.Series {
		last := s.Points[len(s.Points)-1]
		d := last.Deployment
		labels := data.Labels{
			"model": last.Model, "scenario": last.Scenario, "load_axis": string(last.Axis),
			"gpu_type": d.GPUType, "quantization": d.Quantization, "gpus": fmt.Sprint(d.GPUs), "request_shape": last.shape,
		}
		times := make([]time.Time, len(s.Points))
		for i, p := range s.Points {
			times[i] = *p.RunTime
		}
		for _, m := range r.metrics {
			values := make([]*float64, len(s.Points))
			for i := range s.Points {
				values[i] = trendValue(&s.Points[i], m)
			}
			display, unit := trendDisplay(m, last.Axis)
			v := data.NewField(m, labels, values)
			v.Config = &data.FieldConfig{DisplayNameFromDS: fmt.Sprintf("%s %s · %s", display, last.Model, last.Scenario), Unit: unit}
			frames = append(frames, trendFrame(m, data.NewField("time", nil, times), v))
		}
	}
	if len(frames) == 0 {
		frames = data.Frames{trendFrame("trend")}
	}
	if frames[0].Meta != nil {
		frames[0].Meta.Notices = r.notices.list()
	}
	return frames
}

func trendFrame(name string, fields ...*data.Field) *data.Frame {
	f := data.NewFrame(name, fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
	return f
}

func trendValue(b *BreakingPoint, metric string) *float64 {
	switch metric {
	case TrendBreakingPoint:
		return b.Value
	case TrendCapacity:
		return b.CapacityOutputTPS
	case TrendPerGPU:
		return b.OutputTPSPerGPU
	case TrendCost:
		return b.CostPerMTokUSD
	case TrendChange:
		return b.ChangePct
	}
	return nil
}

func trendDisplay(metric string, axis LoadAxis) (display, unit string) {
	switch metric {
	case TrendBreakingPoint:
		return "Breaking point", axis.grafanaUnit()
	case TrendCapacity:
		return "Output tok/s at break", unitShort
	case TrendPerGPU:
		return "Output tok/s per GPU", unitShort
	case TrendCost:
		return "Cost per 1M output tokens", unitUSD
	default:
		return "Change vs previous run", unitPercent
	}
}

// ValidTrendMetric reports whether name is a trend metric.
func ValidTrendMetric(name string) bool { return slices.Contains(TrendMetrics(), name) }
