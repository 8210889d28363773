package sweeps

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Frames renders the sweeps as the `sweeps` table: one row per Job, newest first.
func (l SweepList) Frames() data.Frames {
	n := len(l)
	names := make([]string, n)
	models := make([]string, n)
	scenarios := make([]string, n)
	loads := make([]string, n)
	statuses := make([]string, n)
	phases := make([]string, n)
	stages := make([]string, n)
	progress := make([]*float64, n)
	created := make([]time.Time, n)
	started := make([]*time.Time, n)
	finishedAt := make([]*time.Time, n)
	durations := make([]*float64, n)
	reasons := make([]string, n)
	ingests := make([]string, n)
	keys := make([]string, n)
	requestedBy := make([]string, n)
	for i, s := range l {
		names[i], models[i], scenarios[i], loads[i] = s.Name, s.Model, s.Scenario, s.load()
		statuses[i], phases[i] = string(s.Status), s.Progress.Phase
		if t := s.Progress.StagesTotal; t > 0 {
			stages[i] = fmt.Sprintf("%d/%d", s.Progress.StagesDone, t)
			if s.Progress.Estimated {
				stages[i] += " (est.)"
			}
			pct := 100 * float64(s.Progress.StagesDone) / float64(t)
			progress[i] = &pct
		}
		created[i], started[i], finishedAt[i] = s.Created, s.Started, s.Finished
		if s.Started != nil && s.Finished != nil {
			d := s.Finished.Sub(*s.Started).Seconds()
			durations[i] = &d
		}
		reasons[i] = s.FailureReason
		if reasons[i] == "" {
			reasons[i] = s.IngestError
		}
		ingests[i], keys[i], requestedBy[i] = s.Ingest, s.ReportKey, s.RequestedBy
	}
	f := data.NewFrame("sweeps",
		field("name", "Job", "", names),
		field("model", "Model", "", models),
		field("scenario", "Scenario", "", scenarios),
		field("load", "Load", "", loads),
		field("status", "Status", "", statuses),
		field("phase", "Phase", "", phases),
		field("stages", "Stages", "", stages),
		field("progress", "Progress", "percent", progress),
		field("created", "Created", "", created),
		field("started", "Started", "", started),
		field("finished", "Finished", "", finishedAt),
		field("duration", "Duration", "s", durations),
		field("reason", "Failure / ingest problem", "", reasons),
		field("ingest", "Ingested", "", ingests),
		field("reportKey", "Report", "", keys),
		field("requestedBy", "Requested by", "", requestedBy),
	)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, TypeVersion: data.FrameTypeVersion{0, 1}}
	return data.Frames{f}
}

func field(name, display, unit string, values any) *data.Field {
	f := data.NewField(name, nil, values)
	f.Config = &data.FieldConfig{DisplayNameFromDS: display, Unit: unit}
	return f
}

// load describes the sweep's stages: "1, 2, 4 req/s (constant)", "8, 16 streams", "sweep of 10".
func (s Sweep) load() string {
	switch {
	case len(s.Rates) > 0:
		r := make([]string, len(s.Rates))
		for i, v := range s.Rates {
			r[i] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		return strings.Join(r, ", ") + " req/s (" + s.Profile + ")"
	case len(s.Streams) > 0:
		r := make([]string, len(s.Streams))
		for i, v := range s.Streams {
			r[i] = strconv.Itoa(v)
		}
		return strings.Join(r, ", ") + " streams"
	case s.SweepSize > 0:
		return "sweep of " + strconv.Itoa(s.SweepSize)
	case s.CronJob != "":
		return "scheduled (CronJob " + s.CronJob + ")"
	}
	return s.Profile
}
