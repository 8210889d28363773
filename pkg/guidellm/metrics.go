package guidellm

import (
	"math"
	"time"
)

// From v0.2 on every benchmark carries the same metric tree:
// metrics.<metric>.<status>.{mean, median, percentiles.{p50, p90, p95, p99, …}}. Only `successful` is read for
// latencies (v0.4+ puts 0.0 into incomplete/total for requests that never got a token) and `total` only for
// concurrency, where its gap to `successful` shows a queue. The per-request `requests` lists are not declared,
// so the decoder skips them.

type metricsWire struct {
	RequestTotals      *totalsWire   `json:"request_totals"` // v0.4+
	RequestsPerSecond  statusSummary `json:"requests_per_second"`
	RequestConcurrency struct {
		Successful, Total *summaryWire
	} `json:"request_concurrency"`
	RequestLatency   statusSummary `json:"request_latency"`
	PromptTokenCount statusSummary `json:"prompt_token_count"`
	OutputTokenCount statusSummary `json:"output_token_count"`
	TTFT             statusSummary `json:"time_to_first_token_ms"`
	TPOT             statusSummary `json:"time_per_output_token_ms"`
	ITL              statusSummary `json:"inter_token_latency_ms"`
	OutputTPS        statusSummary `json:"output_tokens_per_second"`
	TotalTPS         statusSummary `json:"tokens_per_second"`
}

type statusSummary struct {
	Successful *summaryWire `json:"successful"`
}

// summaryWire declares every statistic as a pointer: absent and null (and NaN, which the sanitizer turns into
// null) stay nil and become Unknown, so a statistic GuideLLM could not compute never reads as 0.
type summaryWire struct {
	Mean        *float64 `json:"mean"`
	Median      *float64 `json:"median"`
	Percentiles struct {
		P50 *float64 `json:"p50"` // from v0.3.0; v0.2 has only median
		P90 *float64 `json:"p90"`
		P95 *float64 `json:"p95"`
		P99 *float64 `json:"p99"`
	} `json:"percentiles"`
}

// totalsWire holds request counts; floats because some writers emit 25.0 for 25.
type totalsWire struct {
	Successful float64 `json:"successful"`
	Errored    float64 `json:"errored"`
	Incomplete float64 `json:"incomplete"`
	Total      float64 `json:"total"`
}

type strategyWire struct {
	Type    string   `json:"type_"`
	Rate    *float64 `json:"rate"`
	Streams *float64 `json:"streams"`
}

// profileWire is a profile object: `type_` up to v0.6, `kind` from v0.7.
type profileWire struct {
	Type string `json:"type_"`
	Kind string `json:"kind"`
}

func (p *profileWire) name() string {
	if p == nil {
		return ""
	}
	return firstNonEmpty(p.Kind, p.Type)
}

func (s *summaryWire) distribution() Distribution {
	if s == nil {
		return unknownDistribution()
	}
	p50 := s.Median
	if s.Percentiles.P50 != nil {
		p50 = s.Percentiles.P50
	}
	return Distribution{Mean: known(s.Mean), P50: known(p50), P90: known(s.Percentiles.P90), P95: known(s.Percentiles.P95), P99: known(s.Percentiles.P99)}
}

func (s *summaryWire) mean() float64 {
	if s == nil {
		return Unknown()
	}
	return known(s.Mean)
}

// known is a decoded statistic, Unknown when the report does not give it.
func known(v *float64) float64 {
	if v == nil {
		return Unknown()
	}
	return *v
}

func unknownDistribution() Distribution {
	u := Unknown()
	return Distribution{Mean: u, P50: u, P90: u, P95: u, P99: u}
}

// stageFromMetrics builds the Stage common to v0.2+ from a benchmark's parts.
func stageFromMetrics(index int, strategy *strategyWire, m *metricsWire, totals *totalsWire, start, end float64) Stage {
	st := Stage{
		Index:                index,
		AchievedRPS:          m.RequestsPerSecond.Successful.mean(),
		ConcurrencyMean:      m.RequestConcurrency.Successful.mean(),
		ConcurrencyTotalMean: m.RequestConcurrency.Total.mean(),
		TTFTms:               m.TTFT.Successful.distribution(),
		ITLms:                m.ITL.Successful.distribution(),
		TPOTms:               m.TPOT.Successful.distribution(),
		RequestLatencyS:      m.RequestLatency.Successful.distribution(),
		OutputTPS:            m.OutputTPS.Successful.mean(),
		TotalTPS:             m.TotalTPS.Successful.mean(),
		PromptTokensMean:     m.PromptTokenCount.Successful.mean(),
		OutputTokensMean:     m.OutputTokenCount.Successful.mean(),
		Start:                epochTime(start),
		End:                  epochTime(end),
	}
	if strategy != nil {
		st.Strategy = strategy.Type
		st.OfferedRate = positive(strategy.Rate)
		st.Streams = positive(strategy.Streams)
	}
	if totals != nil {
		st.Successful = count(totals.Successful)
		st.Errored = count(totals.Errored)
		st.Incomplete = count(totals.Incomplete)
		st.Total = count(totals.Total)
	}
	return st
}

// positive keeps a configured rate/stream count only when it is a usable number (GuideLLM writes -1 or
// null where a profile has none).
func positive(v *float64) *float64 {
	if v == nil || !(*v > 0) || math.IsInf(*v, 0) {
		return nil
	}
	c := *v
	return &c
}

// count converts a request count; values outside int range (only in corrupt input) become 0.
func count(v float64) int {
	if !(v >= 0 && v < 1<<53) {
		return 0
	}
	return int(v)
}

// epochTime converts GuideLLM's float Unix seconds; 0, negative or absurd values give the zero time.
func epochTime(sec float64) time.Time {
	if !(sec > 0 && sec < 1e11) {
		return time.Time{}
	}
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
