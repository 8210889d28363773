package analysis

import (
	"math"
	"slices"
	"testing"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func TestEvaluateStage(t *testing.T) {
	sla := DefaultSLA()
	cases := []struct {
		name      string
		stage     guidellm.Stage
		status    Status
		decidedBy Constraint
		failing   []Constraint
	}{
		{"excellent", rate(1, 300, 10, 100), StatusExcellent, ConstraintTTFT, nil},
		{"excellent decided by the closest metric (itl 18/50 > ttft 100/1000)", rate(1, 100, 18, 100), StatusExcellent, ConstraintITL, nil},
		{"acceptable on ttft", rate(1, 800, 10, 100), StatusAcceptable, ConstraintTTFT, nil},
		{"ttft exactly at acceptable passes", rate(1, 1000, 10, 100), StatusAcceptable, ConstraintTTFT, nil},
		{"degraded on ttft", rate(1, 1500, 10, 100), StatusDegraded, ConstraintTTFT, []Constraint{ConstraintTTFT}},
		{"breaking on ttft", rate(1, 2500, 10, 100), StatusBreaking, ConstraintTTFT, []Constraint{ConstraintTTFT}},
		{"degraded on itl", rate(1, 300, 70, 100), StatusDegraded, ConstraintITL, []Constraint{ConstraintITL}},
		{"breaking on itl beats degraded ttft", rate(1, 1500, 120, 100), StatusBreaking, ConstraintITL, []Constraint{ConstraintTTFT, ConstraintITL}},
		{"itl decides, not tpot (tpot p95 is 3× itl here)", rate(1, 300, 30, 100), StatusAcceptable, ConstraintITL, nil},
		{"errors exactly 1 % pass", rate(1, 300, 10, 100, counts(99, 1, 0)), StatusExcellent, ConstraintErrorRate, nil},
		{"errors above 1 % break", rate(1, 300, 10, 100, counts(98, 2, 0)), StatusBreaking, ConstraintErrorRate, []Constraint{ConstraintErrorRate}},
		{"error rate counts incomplete requests in the denominator", rate(1, 300, 10, 100, counts(194, 2, 4)), StatusExcellent, ConstraintErrorRate, nil},
		{"all errored", rate(1, 0, 0, 0, counts(0, 50, 0)), StatusBreaking, ConstraintErrorRate, []Constraint{ConstraintErrorRate, ConstraintNoSuccessful}},
		{"nothing succeeded, nothing errored", rate(1, 0, 0, 0, counts(0, 0, 10)), StatusBreaking, ConstraintNoSuccessful, []Constraint{ConstraintSaturation, ConstraintNoSuccessful}},
		{"saturated by rate but latency excellent", rate(4, 300, 10, 100, achieved(3.5)), StatusExcellent, ConstraintTTFT, []Constraint{ConstraintSaturation}},
		{"achieved exactly 90 % is not saturated", rate(4, 300, 10, 100, achieved(3.6)), StatusExcellent, ConstraintTTFT, nil},
		{"6 % incomplete is saturated", rate(1, 300, 10, 100, counts(94, 0, 6)), StatusExcellent, ConstraintTTFT, []Constraint{ConstraintSaturation}},
		{"5 % incomplete is not", rate(1, 300, 10, 100, counts(95, 0, 5)), StatusExcellent, ConstraintTTFT, nil},
		{"guidellm over-saturation flag", rate(1, 300, 10, 100, overSaturated), StatusExcellent, ConstraintTTFT, []Constraint{ConstraintSaturation}},
		{"throughput stage is never rate-saturated", stage("throughput", 9, 300, 10, 100), StatusExcellent, ConstraintTTFT, nil},
		{"concurrent stage has no offered rate", conc(8, 300, 10, 100, achieved(0.1)), StatusExcellent, ConstraintTTFT, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := EvaluateStage(&c.stage, sla)
			if v.Status != c.status || v.DecidedBy != c.decidedBy {
				t.Errorf("got %s, want %s (%s)", v.Label(), c.status, c.decidedBy)
			}
			if !slices.Equal(v.Failing, c.failing) {
				t.Errorf("failing = %v, want %v (saturation: %v)", v.Failing, c.failing, v.Saturation)
			}
			if v.Pass() != (len(c.failing) == 0) {
				t.Errorf("Pass() = %v with failing %v", v.Pass(), v.Failing)
			}
		})
	}
}

func TestEvaluateStageUnknown(t *testing.T) {
	sla := DefaultSLA()
	empty := rate(1, 300, 10, 100, counts(0, 0, 0))
	if v := EvaluateStage(&empty, sla); v.Status != StatusUnknown || v.Unknown != "no requests" || v.Pass() {
		t.Errorf("stage without requests: %+v", v)
	}
	nan := rate(1, math.NaN(), 10, 100)
	if v := EvaluateStage(&nan, sla); v.Status != StatusUnknown || v.TTFTp95Ms != nil || v.Pass() {
		t.Errorf("NaN ttft: %+v", v)
	}
	// a NaN latency does not hide errors that already break the SLA
	nanErr := rate(1, math.NaN(), 10, 100, counts(90, 10, 0))
	if v := EvaluateStage(&nanErr, sla); v.Status != StatusBreaking || v.DecidedBy != ConstraintErrorRate {
		t.Errorf("NaN ttft with 10 %% errors: %s", v.Label())
	}
}

func TestEvaluateStageCustomSLA(t *testing.T) {
	sla := SLA{TTFTExcellentMs: 100, TTFTAcceptableMs: 200, TTFTBreakingMs: 400, ITLExcellentMs: 5, ITLAcceptableMs: 10, ITLBreakingMs: 20, MaxErrorRate: 0}
	s := rate(1, 300, 4, 100)
	if v := EvaluateStage(&s, sla); v.Status != StatusDegraded || v.DecidedBy != ConstraintTTFT {
		t.Errorf("got %s, want Degraded (ttft_p95)", v.Label())
	}
	s = rate(1, 50, 4, 100, counts(119, 1, 0))
	if v := EvaluateStage(&s, sla); v.Status != StatusBreaking || v.DecidedBy != ConstraintErrorRate {
		t.Errorf("maxErrorRate 0 with one error: got %s", v.Label())
	}
}
