package analysis

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// littleTolerance: Little's law (L = X × W) is flagged when mean concurrency and achieved rate ×
// mean request latency are more than 25 % apart.
const littleTolerance = 0.25

// StageRow is one row of the `runs` table.
type StageRow struct {
	Time            *time.Time
	Model           string
	Scenario        string
	Profile         string
	Stage           *guidellm.Stage // shared with the run: read only
	Verdict         StageVerdict
	GuideLLMVersion string // the GuideLLM version; for another tool's run, the tool and its version
	Source          string
}

// RunsResult is the `runs` query: a row per stage of the filtered runs.
type RunsResult struct {
	Rows    []StageRow
	sla     SLA
	notices notices
}

// RunsTable lists every stage of the filtered runs (oldest run first, stages in report order)
// with its SLA class, and checks Little's law on each stage.
func RunsTable(runs []*guidellm.Run, cfg Config, f Filter) *RunsResult {
	cfg = cfg.withDefaults()
	res := &RunsResult{sla: cfg.SLA}
	views := prepare(runs, cfg, f, &res.notices)
	total := 0
	for i := range views {
		total += len(views[i].run.Stages)
	}
	res.Rows = make([]StageRow, 0, total)
	for i := range views {
		v := &views[i]
		if len(v.run.Stages) == 0 {
			res.notices.addItem(data.NoticeSeverityWarning, "runs without stages", v.run.Source)
		}
		for j := range v.run.Stages {
			s := &v.run.Stages[j]
			row := StageRow{
				Model: v.model, Scenario: v.scenario, Profile: v.run.Profile, Stage: s,
				Verdict: EvaluateStage(s, cfg.SLA), GuideLLMVersion: toolVersion(v.run), Source: v.run.Source,
			}
			if !s.Start.IsZero() {
				t := s.Start
				row.Time = &t
			}
			checkLittlesLaw(v.run.Source, s, &res.notices)
			res.Rows = append(res.Rows, row)
		}
	}
	return res
}

// checkLittlesLaw compares the stage's mean concurrency L with X × W (achieved req/s × mean
// request latency): |L − X·W| / max(L, X·W) > 25 % means the stage had no steady state (a
// growing queue) or requests were dropped or mistimed.
func checkLittlesLaw(source string, s *guidellm.Stage, n *notices) {
	l, x, w := s.ConcurrencyMean, s.AchievedRPS, s.RequestLatencyS.Mean
	if !isFinite(l) || !isFinite(x) || !isFinite(w) || l <= 0 || x <= 0 || w <= 0 {
		return
	}
	xw := x * w
	if apart := math.Abs(l-xw) / math.Max(l, xw); apart > littleTolerance {
		n.addItem(data.NoticeSeverityWarning,
			"Little's law check failed (mean concurrency vs achieved rate × mean latency more than 25 % apart: no steady state, or dropped or mistimed requests)",
			fmt.Sprintf("%s stage %d (%s): %s vs %s (%s apart)", source, s.Index, s.Strategy, num(l), num(xw), pct(100*apart)))
	}
}

// Frames renders the result as the `runs` table frame.
func (r *RunsResult) Frames() data.Frames {
	rows := r.Rows
	times := make([]*time.Time, len(rows))
	models := make([]string, len(rows))
	scenarios := make([]string, len(rows))
	profiles := make([]string, len(rows))
	strategies := make([]string, len(rows))
	offered := make([]*float64, len(rows))
	achieved := make([]*float64, len(rows))
	concurrency := make([]*float64, len(rows))
	ttft50 := make([]*float64, len(rows))
	ttft95 := make([]*float64, len(rows))
	ttft99 := make([]*float64, len(rows))
	itl50 := make([]*float64, len(rows))
	itl95 := make([]*float64, len(rows))
	outTPS := make([]*float64, len(rows))
	ok := make([]int64, len(rows))
	errored := make([]int64, len(rows))
	incomplete := make([]int64, len(rows))
	status := make([]string, len(rows))
	decidedBy := make([]string, len(rows))
	versions := make([]string, len(rows))
	sources := make([]string, len(rows))
	block := newFloatBlock(10 * len(rows))
	for i, row := range rows {
		s := row.Stage
		times[i], models[i], scenarios[i], profiles[i], strategies[i] = row.Time, row.Model, row.Scenario, row.Profile, s.Strategy
		if s.OfferedRate != nil {
			offered[i] = block.finite(*s.OfferedRate)
		}
		achieved[i], concurrency[i], outTPS[i] = block.finite(s.AchievedRPS), block.finite(s.ConcurrencyMean), block.finite(s.OutputTPS)
		if s.Successful > 0 {
			// latency distributions describe successful requests; without any they are not measured
			ttft50[i], ttft95[i], ttft99[i] = block.finite(s.TTFTms.P50), block.finite(s.TTFTms.P95), block.finite(s.TTFTms.P99)
			itl50[i], itl95[i] = block.finite(s.ITLms.P50), block.finite(s.ITLms.P95)
		}
		ok[i], errored[i], incomplete[i] = int64(s.Successful), int64(s.Errored), int64(s.Incomplete)
		status[i], decidedBy[i] = string(row.Verdict.Status), row.Verdict.Reason()
		versions[i], sources[i] = row.GuideLLMVersion, row.Source
	}
	return ApplySLA(data.Frames{tableFrame("runs", &r.notices,
		field("time", "Start", "", times),
		field("model", "Model", "", models),
		field("scenario", "Scenario", "", scenarios),
		field("profile", "Profile", "", profiles),
		field("strategy", "Strategy", "", strategies),
		field("offered_rate", "Offered rate", unitReqPerSec, offered),
		field("achieved_rps", "Achieved rate", unitReqPerSec, achieved),
		field("concurrency", "Mean concurrency", unitShort, concurrency),
		field("ttft_p50_ms", "TTFT p50", unitMs, ttft50),
		field("ttft_p95_ms", "TTFT p95", unitMs, ttft95),
		field("ttft_p99_ms", "TTFT p99", unitMs, ttft99),
		field("itl_p50_ms", "ITL p50", unitMs, itl50),
		field("itl_p95_ms", "ITL p95", unitMs, itl95),
		field("output_tps", "Output tok/s", unitShort, outTPS),
		field("requests_ok", "Successful", unitShort, ok),
		field("requests_errored", "Errored", unitShort, errored),
		field("requests_incomplete", "Incomplete", unitShort, incomplete),
		field("sla_status", "SLA status", "", status),
		field("sla_decided_by", "Decided by", "", decidedBy),
		field("guidellm_version", "GuideLLM version", "", versions),
		field("source", "Source", "", sources),
	)}, r.sla)
}

// toolVersion is a GuideLLM run's version, or "<tool> <version>" for a run another tool wrote.
func toolVersion(r *guidellm.Run) string {
	if r.ToolName() == guidellm.ToolGuideLLM {
		return r.Version
	}
	return strings.TrimSpace(r.ToolName() + " " + r.Version)
}
