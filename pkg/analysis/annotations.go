package analysis

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Annotation is one run's time window.
type Annotation struct {
	Start, End time.Time
	Title      string
	Text       string
	Tags       []string
}

// AnnotationsResult is the annotations query: a region per run.
type AnnotationsResult struct {
	Annotations []Annotation
	notices     notices
}

// Annotations returns each filtered run's window (first stage start to last stage end) for
// time-series panels, oldest first.
func Annotations(runs []*guidellm.Run, cfg Config, f Filter) *AnnotationsResult {
	cfg = cfg.withDefaults()
	res := &AnnotationsResult{}
	views := prepare(runs, cfg, f, &res.notices)
	for i := range views {
		v := &views[i]
		if v.start.IsZero() {
			res.notices.addItem(data.NoticeSeverityWarning, "runs without stage times have no window to annotate", v.run.Source)
			continue
		}
		end := v.run.End()
		if end.Before(v.start) {
			end = v.start
		}
		res.Annotations = append(res.Annotations, Annotation{
			Start: v.start,
			End:   end,
			Title: fmt.Sprintf("GuideLLM %s · %s", v.model, v.scenario),
			Text: fmt.Sprintf("%s, %s, GuideLLM %s, %s",
				v.run.Profile, plural(len(v.run.Stages), "stage", "stages"), v.run.Version, v.run.Source),
			Tags: []string{"guidellm", v.model, v.scenario},
		})
	}
	return res
}

// Frames renders Grafana's annotation frame shape: time, timeEnd, title, text, tags.
func (r *AnnotationsResult) Frames() data.Frames {
	as := r.Annotations
	starts := make([]time.Time, len(as))
	ends := make([]time.Time, len(as))
	titles := make([]string, len(as))
	texts := make([]string, len(as))
	tags := make([]string, len(as))
	for i, a := range as {
		starts[i], ends[i], titles[i], texts[i] = a.Start, a.End, a.Title, a.Text
		// Grafana splits a string tags field on commas, so commas inside a tag are replaced.
		clean := make([]string, len(a.Tags))
		for j, t := range a.Tags {
			clean[j] = strings.ReplaceAll(t, ",", ";")
		}
		tags[i] = strings.Join(clean, ",")
	}
	return data.Frames{tableFrame("annotations", &r.notices,
		field("time", "Start", "", starts),
		field("timeEnd", "End", "", ends),
		field("title", "Title", "", titles),
		field("text", "Text", "", texts),
		field("tags", "Tags", "", tags),
	)}
}
