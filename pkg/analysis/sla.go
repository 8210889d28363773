package analysis

import (
	"fmt"
	"math"
	"strings"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Status is a stage's SLA class.
type Status string

const (
	StatusExcellent  Status = "Excellent"
	StatusAcceptable Status = "Acceptable"
	StatusDegraded   Status = "Degraded"
	StatusBreaking   Status = "Breaking"
	// StatusUnknown marks a stage that cannot be judged: it has no requests, or a latency
	// percentile of its successful requests is unknown (absent, null or NaN in the report) and no
	// known metric fails. Unknown neither passes nor fails.
	StatusUnknown Status = "Unknown"
)

func (s Status) rank() int {
	switch s {
	case StatusExcellent:
		return 0
	case StatusAcceptable:
		return 1
	case StatusDegraded:
		return 2
	default:
		return 3
	}
}

// Constraint names a metric of the pass rule. The values are an API: they appear in the
// `sla_status` and `failed_constraint` columns.
type Constraint string

const (
	ConstraintTTFT         Constraint = "ttft_p95"
	ConstraintITL          Constraint = "itl_p95"
	ConstraintErrorRate    Constraint = "error_rate"
	ConstraintSaturation   Constraint = "saturation"
	ConstraintNoSuccessful Constraint = "no_successful_requests"
)

const (
	// saturationRateRatio: a rate stage whose achieved rate is below this share of the offered
	// rate has a growing queue.
	saturationRateRatio = 0.9
	// maxIncompleteShare: more incomplete requests than this share means requests were still
	// queued when the stage ended.
	maxIncompleteShare = 0.05
	// minSamplesP95 is the number of successful requests needed to claim "p95 ≤ bound" at 95 %
	// confidence with zero violations: n ≥ ln(0.05)/ln(0.95) = 58.4.
	minSamplesP95 = 59
)

// StageVerdict is the SLA judgement of one stage.
type StageVerdict struct {
	Status    Status
	DecidedBy Constraint // the metric that set Status; empty when Status is Unknown
	Unknown   string     // why Status is Unknown
	// Measured values; nil when the stage has no successful requests or the value is not a number.
	TTFTp95Ms *float64
	ITLp95Ms  *float64
	ErrorRate *float64 // errored / (successful + errored + incomplete)
	// Saturation lists why the queue builds ("the queue builds" rule); empty when it does not.
	Saturation []string
	// Failing lists the pass-rule constraints the stage fails, in the order ttft_p95, itl_p95,
	// error_rate, saturation, no_successful_requests.
	Failing []Constraint
}

// Pass reports whether the stage meets the pass rule: TTFT p95 ≤ acceptable, ITL p95 ≤
// acceptable, error rate ≤ maxErrorRate, not saturated, and at least one successful request.
func (v StageVerdict) Pass() bool { return v.Status != StatusUnknown && len(v.Failing) == 0 }

// Label renders Status with its deciding metric, e.g. "Degraded (ttft_p95)".
func (v StageVerdict) Label() string {
	return string(v.Status) + " (" + v.Reason() + ")"
}

// Reason is what decided the status: the deciding metric, or why the stage could not be graded.
func (v StageVerdict) Reason() string {
	if v.Status == StatusUnknown {
		return v.Unknown
	}
	return string(v.DecidedBy)
}

// grade places a latency on the SLA scale; every bound is inclusive (≤ acceptable passes).
func grade(v, excellent, acceptable, breaking float64) Status {
	switch {
	case v <= excellent:
		return StatusExcellent
	case v <= acceptable:
		return StatusAcceptable
	case v <= breaking:
		return StatusDegraded
	default:
		return StatusBreaking
	}
}

// margin is value/threshold, used only to pick the deciding metric among equal classes.
func margin(v, threshold float64) float64 {
	switch {
	case v <= 0:
		return 0
	case threshold <= 0:
		return math.Inf(1)
	default:
		return v / threshold
	}
}

// requestCount is successful + errored + incomplete, or the report's total when those are 0.
func requestCount(s *guidellm.Stage) int {
	if n := s.Successful + s.Errored + s.Incomplete; n > 0 {
		return n
	}
	return s.Total
}

// EvaluateStage classifies a stage against the SLA and applies the pass rule.
//
// Classes: each latency metric (TTFT p95, ITL p95 — never TPOT, whose meaning changed in
// GuideLLM v0.4) is Excellent ≤ excellent < Acceptable ≤ acceptable < Degraded ≤ breaking <
// Breaking; an error rate above maxErrorRate is Breaking. The stage takes the worst class; the
// deciding metric is the one with that class (ties: the largest value/acceptable ratio).
func EvaluateStage(s *guidellm.Stage, sla SLA) StageVerdict {
	var v StageVerdict
	requests := requestCount(s)
	if requests <= 0 {
		v.Status, v.Unknown = StatusUnknown, "no requests"
		return v
	}
	values := newFloatBlock(3) // one allocation for the three measured values
	v.ErrorRate = values.finite(float64(s.Errored) / float64(requests))
	errorsBreak := *v.ErrorRate > sla.MaxErrorRate
	if s.Successful > 0 {
		v.TTFTp95Ms = values.finite(s.TTFTms.P95)
		v.ITLp95Ms = values.finite(s.ITLms.P95)
	}
	v.Saturation = saturationReasons(s, requests)

	if v.TTFTp95Ms != nil && *v.TTFTp95Ms > sla.TTFTAcceptableMs {
		v.Failing = append(v.Failing, ConstraintTTFT)
	}
	if v.ITLp95Ms != nil && *v.ITLp95Ms > sla.ITLAcceptableMs {
		v.Failing = append(v.Failing, ConstraintITL)
	}
	if errorsBreak {
		v.Failing = append(v.Failing, ConstraintErrorRate)
	}
	if len(v.Saturation) > 0 {
		v.Failing = append(v.Failing, ConstraintSaturation)
	}
	if s.Successful <= 0 {
		v.Failing = append(v.Failing, ConstraintNoSuccessful)
	}

	type judged struct {
		c      Constraint
		status Status
		margin float64
	}
	worst := judged{c: ConstraintErrorRate, status: StatusExcellent, margin: margin(*v.ErrorRate, sla.MaxErrorRate)}
	if errorsBreak {
		worst.status = StatusBreaking
	}
	consider := func(j judged) {
		if j.status.rank() > worst.status.rank() || (j.status == worst.status && j.margin > worst.margin) {
			worst = j
		}
	}
	if v.TTFTp95Ms != nil {
		consider(judged{ConstraintTTFT, grade(*v.TTFTp95Ms, sla.TTFTExcellentMs, sla.TTFTAcceptableMs, sla.TTFTBreakingMs), margin(*v.TTFTp95Ms, sla.TTFTAcceptableMs)})
	}
	if v.ITLp95Ms != nil {
		consider(judged{ConstraintITL, grade(*v.ITLp95Ms, sla.ITLExcellentMs, sla.ITLAcceptableMs, sla.ITLBreakingMs), margin(*v.ITLp95Ms, sla.ITLAcceptableMs)})
	}
	switch {
	case s.Successful <= 0 && !errorsBreak:
		v.Status, v.DecidedBy = StatusBreaking, ConstraintNoSuccessful
	case worst.status == StatusBreaking || s.Successful <= 0 || len(v.Failing) > 0:
		// a known failure fails the stage whatever else is unknown
		v.Status, v.DecidedBy = worst.status, worst.c
	case v.TTFTp95Ms == nil:
		v.Status, v.Unknown = StatusUnknown, "ttft_p95 unknown"
	case v.ITLp95Ms == nil:
		v.Status, v.Unknown = StatusUnknown, "itl_p95 unknown"
	default:
		v.Status, v.DecidedBy = worst.status, worst.c
	}
	return v
}

// saturationReasons applies "the queue builds": achieved < 0.9 × offered rate (rate stages),
// more than 5 % of the requests incomplete, or GuideLLM's own over-saturation verdict.
func saturationReasons(s *guidellm.Stage, requests int) []string {
	var reasons []string
	if s.OfferedRate != nil && s.Strategy != "throughput" && s.Strategy != "synchronous" {
		offered, achieved := *s.OfferedRate, s.AchievedRPS
		if isFinite(offered) && offered > 0 && isFinite(achieved) && achieved < saturationRateRatio*offered {
			reasons = append(reasons, fmt.Sprintf("achieved %s req/s < 90 %% of offered %s req/s", num(achieved), num(offered)))
		}
	}
	if share := float64(s.Incomplete) / float64(requests); share > maxIncompleteShare {
		reasons = append(reasons, fmt.Sprintf("%d of %d requests incomplete (%s > 5 %%)", s.Incomplete, requests, pct(100*share)))
	}
	if s.OverSaturated != nil && *s.OverSaturated {
		reasons = append(reasons, "GuideLLM's over-saturation detector fired")
	}
	return reasons
}

// failureText says why a stage fails, with the measured values against the thresholds.
func failureText(v StageVerdict, sla SLA) string {
	if v.Status == StatusUnknown {
		return v.Unknown
	}
	parts := make([]string, 0, len(v.Failing))
	for _, c := range v.Failing {
		switch c {
		case ConstraintTTFT:
			parts = append(parts, fmt.Sprintf("ttft_p95 %s ms > %s ms", num(*v.TTFTp95Ms), num(sla.TTFTAcceptableMs)))
		case ConstraintITL:
			parts = append(parts, fmt.Sprintf("itl_p95 %s ms > %s ms", num(*v.ITLp95Ms), num(sla.ITLAcceptableMs)))
		case ConstraintErrorRate:
			parts = append(parts, fmt.Sprintf("error_rate %s > %s", pct(100**v.ErrorRate), pct(100*sla.MaxErrorRate)))
		case ConstraintSaturation:
			parts = append(parts, "saturated: "+strings.Join(v.Saturation, ", "))
		case ConstraintNoSuccessful:
			parts = append(parts, "no successful requests")
		}
	}
	return strings.Join(parts, ", ")
}
