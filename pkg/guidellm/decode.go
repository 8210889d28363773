package guidellm

import (
	"fmt"
	"math"

	json "github.com/goccy/go-json"
)

// reportWire is the union of every published top-level layout, decoded in one pass; the schema is told
// apart afterwards from which parts are present (reference §5).
type reportWire struct {
	Metadata   *metadataWire   `json:"metadata"`   // v0.5+
	Args       *argsWire       `json:"args"`       // v0.4-v0.6
	Config     *scenarioWire   `json:"config"`     // v0.7+
	Benchmarks []benchmarkWire `json:"benchmarks"` // all versions; nil when the key is absent
}

type metadataWire struct {
	Version         *float64 `json:"version"`
	GuideLLMVersion string   `json:"guidellm_version"`
}

// benchmarkWire is one element of the top-level benchmarks list: a stage (v0.2+) or, in v0.1, a whole run
// holding its stages in a nested benchmarks list.
type benchmarkWire struct {
	Args *benchArgsWire `json:"args"` // v0.1 run args or v0.2-v0.3 stage args

	// v0.2-v0.3
	Worker        *workerWire        `json:"worker"`
	RequestLoader *requestLoaderWire `json:"request_loader"`
	Extras        labelsField        `json:"extras"`
	RequestTotals *totalsWire        `json:"request_totals"`

	// v0.4+
	Config         *benchConfigWire    `json:"config"`
	SchedulerState *schedulerStateWire `json:"scheduler_state"`

	// v0.2+
	Metrics   *metricsWire `json:"metrics"`
	StartTime float64      `json:"start_time"`
	EndTime   float64      `json:"end_time"`

	// v0.1: the stages of the run
	Benchmarks []v01StageWire `json:"benchmarks"`
}

// benchArgsWire unites v0.1's run args and v0.2-v0.3's per-benchmark args; their keys do not overlap.
type benchArgsWire struct {
	// v0.2-v0.3
	Profile  *profileWire  `json:"profile"`
	Strategy *strategyWire `json:"strategy"`

	// v0.1
	BackendType string        `json:"backend_type"`
	Target      string        `json:"target"`
	Model       string        `json:"model"`
	Data        scenarioField `json:"data"`
	Mode        string        `json:"mode"`
}

// Decode reads one GuideLLM report (JSON or YAML, any published layout) into the normalized model.
// source is the object key; it names the report in errors and is kept in Run.Source. Every error
// matches ErrInvalidReport. Decode does not panic, whatever the input.
func Decode(source string, data []byte) (run *Run, err error) {
	// The parsers are third-party code fed with arbitrary objects from a bucket: a defect there must cost
	// one report, not the plugin process. FuzzDecode calls decode directly so that such defects still show.
	defer func() {
		if r := recover(); r != nil {
			run, err = nil, invalid(source, "decoder failure: %v", r)
		}
	}()
	return decode(source, data)
}

func decode(source string, data []byte) (*Run, error) {
	js, fromYAML, err := reportJSON(source, data)
	if err != nil {
		return nil, err
	}
	var w reportWire
	if err := unmarshalReport(source, js, fromYAML, &w); err != nil {
		return nil, err
	}
	if w.Benchmarks == nil {
		return nil, invalid(source, "not a GuideLLM report (no benchmarks array)")
	}
	if len(w.Benchmarks) == 0 {
		return nil, invalid(source, "report holds no benchmarks")
	}
	schema, err := detectSchema(source, &w)
	if err != nil {
		return nil, err
	}
	run := &Run{Source: source, Schema: schema, Labels: map[string]string{}}
	switch schema {
	case SchemaV01:
		err = decodeV01(run, &w)
	case SchemaV02:
		err = decodeV02(run, &w)
	case SchemaV04, SchemaV05:
		err = decodeV04(run, &w)
	case SchemaV07:
		err = decodeV07(run, &w)
	}
	if err == nil {
		err = checkFinite(run.Stages)
	}
	if err != nil {
		return nil, &ReportError{Source: source, Reason: err.Error(), Err: err}
	}
	run.Target = redactTarget(run.Target)
	if len(run.Stages) == 0 {
		return nil, invalid(source, "report holds no benchmarks")
	}
	return run, nil
}

// detectSchema follows the reference's reader algorithm: metadata.version first, then which top-level
// blocks exist, then the shape of the first benchmark.
func detectSchema(source string, w *reportWire) (Schema, error) {
	if w.Metadata != nil && w.Metadata.Version != nil {
		switch v := *w.Metadata.Version; v {
		case 1:
			return SchemaV05, nil
		case 2:
			return SchemaV07, nil
		default:
			return "", invalid(source, "unsupported report schema metadata.version %g (known: 1, 2)", v)
		}
	}
	switch b0 := &w.Benchmarks[0]; {
	case w.Config != nil:
		return SchemaV07, nil
	case w.Args != nil || b0.Config != nil:
		return SchemaV04, nil
	case b0.Benchmarks != nil:
		return SchemaV01, nil
	case b0.Metrics != nil || (b0.Args != nil && b0.Args.Strategy != nil):
		return SchemaV02, nil
	}
	return "", invalid(source, "not a GuideLLM report (unrecognized benchmark layout)")
}

// checkFinite keeps the model's promise that every number is finite or Unknown (NaN). JSON numbers are finite
// (the sanitizer turns Infinity into null, i.e. Unknown), but v0.1 statistics computed from corrupt values can
// overflow, and an infinite value would pass for a measurement downstream.
func checkFinite(stages []Stage) error {
	for i := range stages {
		s := &stages[i]
		for _, m := range [...]struct {
			name   string
			values [5]float64
		}{
			{"request rate, concurrency or throughput", [5]float64{s.AchievedRPS, s.ConcurrencyMean, s.ConcurrencyTotalMean, s.OutputTPS, s.TotalTPS}},
			{"token counts", [5]float64{s.PromptTokensMean, s.OutputTokensMean}},
			{"TTFT", [5]float64{s.TTFTms.Mean, s.TTFTms.P50, s.TTFTms.P90, s.TTFTms.P95, s.TTFTms.P99}},
			{"ITL", [5]float64{s.ITLms.Mean, s.ITLms.P50, s.ITLms.P90, s.ITLms.P95, s.ITLms.P99}},
			{"TPOT", [5]float64{s.TPOTms.Mean, s.TPOTms.P50, s.TPOTms.P90, s.TPOTms.P95, s.TPOTms.P99}},
			{"request latency", [5]float64{s.RequestLatencyS.Mean, s.RequestLatencyS.P50, s.RequestLatencyS.P90, s.RequestLatencyS.P95, s.RequestLatencyS.P99}},
		} {
			for _, v := range m.values {
				if math.IsInf(v, 0) {
					return fmt.Errorf("benchmark %d: %s out of range", i, m.name)
				}
			}
		}
	}
	return nil
}

// metricsOf returns the benchmark's metric tree or the error every layout gives for its absence.
func metricsOf(i int, b *benchmarkWire) (*metricsWire, error) {
	if b.Metrics == nil {
		return nil, fmt.Errorf("benchmark %d: metrics missing", i)
	}
	return b.Metrics, nil
}

// labelsField keeps the string-valued entries of a JSON object (v0.7 labels, v0.2-v0.3 extras), minus any
// that hold credentials. Other values (numbers, nested objects) are not labels; a value that is not an
// object at all yields no labels rather than failing the report.
type labelsField map[string]string

func (l *labelsField) UnmarshalJSON(raw []byte) error {
	*l = nil
	var entries map[string]any
	if json.Unmarshal(raw, &entries) != nil {
		return nil
	}
	for k, v := range entries {
		if s, ok := v.(string); ok && !isSecretLabel(k, s) {
			if *l == nil {
				*l = labelsField{}
			}
			(*l)[k] = s
		}
	}
	return nil
}

// addLabels merges labels into dst; the first value seen for a key wins.
func addLabels(dst map[string]string, labels labelsField) {
	for k, v := range labels {
		if _, exists := dst[k]; !exists {
			dst[k] = v
		}
	}
}
