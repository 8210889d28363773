package live

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

func TestEvaluateRange(t *testing.T) {
	to := time.Date(2026, 11, 29, 12, 0, 7, 0, time.UTC)
	cases := []struct {
		name         string
		span         time.Duration
		interval     time.Duration
		maxPoints    int64
		wantStep     time.Duration
		wantWindow   time.Duration
		scrape       time.Duration
		wantMaxPoint int64
	}{
		{"panel interval", time.Hour, 15 * time.Second, 2000, 15 * time.Second, time.Minute, 15 * time.Second, 241},
		{"max data points win", 24 * time.Hour, 15 * time.Second, 1000, 87 * time.Second, 87 * time.Second, 15 * time.Second, 1001},
		{"window follows a long step", 7 * 24 * time.Hour, time.Minute, 1000, 605 * time.Second, 605 * time.Second, 30 * time.Second, 1001},
		{"sub-second interval", 5 * time.Minute, 200 * time.Millisecond, 0, time.Second, 2 * time.Minute, 30 * time.Second, 301},
		{"a year at 1 s", 365 * 24 * time.Hour, time.Second, 0, 2868 * time.Second, 2868 * time.Second, 30 * time.Second, 11000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := evaluate(TimeRange{From: to.Add(-tc.span), To: to, Interval: tc.interval, MaxDataPoints: tc.maxPoints}, false, tc.scrape)
			if err != nil {
				t.Fatal(err)
			}
			r := ev.rng
			if r.Step != tc.wantStep || ev.window != tc.wantWindow {
				t.Errorf("step %s window %s, want %s %s", r.Step, ev.window, tc.wantStep, tc.wantWindow)
			}
			if r.Start.UnixMilli()%r.Step.Milliseconds() != 0 || r.End.UnixMilli()%r.Step.Milliseconds() != 0 {
				t.Errorf("range %s … %s not aligned to %s", r.Start, r.End, r.Step)
			}
			if r.Start.After(to.Add(-tc.span)) || r.End.After(to) || to.Sub(r.End) >= r.Step {
				t.Errorf("range %s … %s does not cover the panel range", r.Start, r.End)
			}
			points := int64(r.End.Sub(r.Start)/r.Step) + 1
			if points > tc.wantMaxPoint || points > maxPointsPerSeries {
				t.Errorf("%d points, want at most %d", points, tc.wantMaxPoint)
			}
		})
	}
}

func TestEvaluateInstant(t *testing.T) {
	to := time.Date(2026, 11, 29, 12, 0, 7, 0, time.UTC)
	ev, err := evaluate(TimeRange{To: to, Interval: 5 * time.Minute}, true, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.instant || !ev.at.Equal(to) || ev.windowString() != "5m" {
		t.Errorf("%+v", ev)
	}
	if _, err := evaluate(TimeRange{}, true, time.Second); err == nil {
		t.Error("no time range accepted")
	}
}

func TestScopeQuotesModelNames(t *testing.T) {
	sc := scope{prefix: "vllm:", namespace: "ns-1", models: []string{`/mnt/models`, `Qwen/Qwen2.5-7B+"x"`}}
	got := sc.vllm("num_requests_running")
	want := `vllm:num_requests_running{namespace="ns-1",model_name=~"/mnt/models|Qwen/Qwen2\\.5-7B\\+\"x\""}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	one := scope{prefix: "kserve_vllm:", models: []string{`a"b`}}
	if got := one.vllm("x"); got != `kserve_vllm:x{model_name="a\"b"}` {
		t.Errorf("got %s", got)
	}
}

func TestLegendFormat(t *testing.T) {
	k := modelKey{Namespace: "team-a", Model: "llama"}
	for format, want := range map[string]string{
		"":                                  "llama (team-a)",
		"{{model_name}} in {{ namespace }}": "llama in team-a",
		"{{model}}/{{pod}}":                 "llama/",
	} {
		if got := legendFor(format, k); got != want {
			t.Errorf("%q: got %q, want %q", format, got, want)
		}
	}
}

func f(v float64) *float64 { return &v }

// buckets builds cumulative bucket rates: le strings with their cumulative rates, +Inf last.
func buckets(pairs ...any) []bucket {
	var out []bucket
	for i := 0; i < len(pairs); i += 2 {
		b, _ := parseBucketString(pairs[i].(string), pairs[i+1].(float64))
		out = append(out, b)
	}
	return out
}

func parseBucketString(le string, rate float64) (bucket, bool) {
	return parseBucket(model.Metric{model.BucketLabel: model.LabelValue(le)}, rate)
}

func TestJudge(t *testing.T) {
	sla := analysis.DefaultSLA()
	cases := []struct {
		name   string
		in     slaInput
		status string
		reason string
		method string
		share  *float64
		p95    *float64
	}{
		{
			name:   "edge written as 1 and 5e-01",
			in:     slaInput{outputTPS: f(10), ttftP95: f(0.4), ttftBuckets: buckets("5e-01", 0.96, "1", 0.99, "+Inf", 1.0)},
			status: "Excellent", reason: "TTFT p95 ≤ 0.5 s (96 % of requests ≤ 0.5 s)", method: "bucket share at le=1", share: f(0.99), p95: f(0.4),
		},
		{
			name:   "no edge at the thresholds: interpolated",
			in:     slaInput{outputTPS: f(10), ttftP95: f(0.8), ttftBuckets: buckets("0.3", 0.5, "0.9", 0.97, "+Inf", 1.0)},
			status: "Acceptable", reason: "TTFT p95 in (0.5 s, 1 s] (interpolated p95 0.8 s)", method: "interpolated p95", p95: f(0.8),
		},
		{
			name:   "p95 beyond the highest bucket (V0 TTFT stops at 10 s)",
			in:     slaInput{outputTPS: f(10), ttftP95: f(10), ttftBuckets: buckets("0.5", 0.1, "1.0", 0.5, "10.0", 0.9, "+Inf", 1.0)},
			status: "Breaking", reason: "TTFT p95 > 2 s (10 % of requests ≤ 0.5 s; 50 % of requests ≤ 1 s; p95 ≥ 10 s, beyond the highest bucket)", method: "bucket share at le=1.0", share: f(0.5), p95: f(10),
		},
		{
			name:   "ITL decides",
			in:     slaInput{outputTPS: f(10), ttftP95: f(0.1), itlP95: f(0.120), waiting: f(0), kvCache: f(0.5)},
			status: "Breaking", reason: "ITL p95 120 ms (> 100 ms)", method: "interpolated p95", p95: f(0.1),
		},
		{
			name:   "KV cache and queue tie",
			in:     slaInput{outputTPS: f(10), waiting: f(3), kvCache: f(0.9)},
			status: "Degraded", reason: "requests waiting 3 (2–5); KV cache usage 90 % (in (85 %, 95 %])",
		},
		{
			name:   "queued but no tokens is not idle",
			in:     slaInput{outputTPS: f(0), waiting: f(12), window: "2m"},
			status: "Breaking", reason: "requests waiting 12 (> 5)",
		},
		{
			name:   "idle",
			in:     slaInput{outputTPS: f(0), waiting: f(0), ttftBuckets: buckets("1.0", 0.0, "+Inf", 0.0), window: "2m"},
			status: "Idle", reason: "no output tokens in the last 2m",
		},
		{
			name:   "nothing known",
			in:     slaInput{outputTPS: f(3), window: "1m"},
			status: "Unknown", reason: "no TTFT, ITL, queue or KV cache data in the last 1m",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := judge(tc.in, sla)
			if v.status != tc.status || v.reason != tc.reason || v.ttftMethod != tc.method {
				t.Errorf("got  %s | %s | %s\nwant %s | %s | %s", v.status, v.reason, v.ttftMethod, tc.status, tc.reason, tc.method)
			}
			if !samePtr(v.ttftShare, tc.share) || !samePtr(v.ttftP95, tc.p95) {
				t.Errorf("share %v p95 %v, want %v %v", deref(v.ttftShare), deref(v.ttftP95), deref(tc.share), deref(tc.p95))
			}
		})
	}
}

func samePtr(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && math.Abs(*a-*b) < 1e-12)
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFmtNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 0.875: "0.875", 1.8333: "1.83", 96.6667: "96.7", 1: "1", 1500: "1500", 123456: "123000", 0.0098958: "0.0099"} {
		if got := fmtNum(v); got != want {
			t.Errorf("fmtNum(%v) = %s, want %s", v, got, want)
		}
	}
	if !strings.HasPrefix(relation(levelAcceptable, [3]float64{20, 50, 100}, " ms"), "in (20 ms, 50 ms]") {
		t.Error(relation(levelAcceptable, [3]float64{20, 50, 100}, " ms"))
	}
}

// Metrics() is what the query editor offers (through src/settings.schema.json): every listed
// metric has a definition with a title, unit and description, and every definition is listed.
func TestMetricsListsEveryDefinition(t *testing.T) {
	listed := map[string]bool{}
	for _, m := range Metrics() {
		assert.NotEmpty(t, m.Title, m.Name)
		assert.NotEmpty(t, m.Unit, m.Name)
		assert.NotEmpty(t, m.About, m.Name)
		assert.False(t, listed[m.Name], "%s listed twice", m.Name)
		listed[m.Name] = true
	}
	for name := range metricDefs {
		assert.True(t, listed[name], "metric %s is defined but not listed in metricNames", name)
	}
}
