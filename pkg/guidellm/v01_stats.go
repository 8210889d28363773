package guidellm

import (
	"math"
	"slices"
)

// stageV01 computes a stage's statistics from v0.1's raw results, with v0.1's own definitions:
//   - the window runs from results[0].start_time to results[-1].end_time (results are in completion order);
//     rate = len(results)/window, output tok/s = Σ output tokens/window;
//   - TTFT = first_token_time; ITL = every decode gap (true per-gap samples, unlike v0.2+'s per-request means);
//   - percentiles interpolate linearly between samples (numpy's default, which v0.1 used);
//   - concurrency: successful = Σ request time inside the window / window (Little's law); total = the
//     time-weighted mean of the recorded in-flight count (`concurrencies[].processing`).
//
// v0.1 has no TPOT (Unknown) and no incomplete requests (0). A statistic without samples, or a rate without a
// time window, is Unknown.
func stageV01(index int, s *v01StageWire, strategy string) Stage {
	u := Unknown()
	st := Stage{
		Index:                index,
		Strategy:             strategy,
		OfferedRate:          positive(s.Rate),
		Successful:           len(s.Results),
		Errored:              len(s.Errors),
		Total:                len(s.Results) + len(s.Errors),
		ConcurrencyTotalMean: timeWeightedMean(s.Concurrencies),
		AchievedRPS:          u, OutputTPS: u, TotalTPS: u, ConcurrencyMean: u,
		PromptTokensMean: u, OutputTokensMean: u,
		TPOTms: unknownDistribution(),
	}
	var (
		ttft, itl, latency  []float64
		promptSum, outSum   float64
		windowStart, window float64
	)
	if n := len(s.Results); n > 0 && s.Results[0].StartTime != nil && s.Results[n-1].EndTime != nil {
		windowStart = *s.Results[0].StartTime
		window = *s.Results[n-1].EndTime - windowStart
		st.Start, st.End = epochTime(windowStart), epochTime(windowStart+window)
	}
	var busy float64 // request-seconds inside the window
	for i := range s.Results {
		r := &s.Results[i]
		promptSum += r.PromptTokenCount
		outSum += r.OutputTokenCount
		if r.FirstTokenTime != nil {
			t := *r.FirstTokenTime
			// Unreleased post-0.1 builds stored an absolute timestamp here.
			if t > 1e9 && r.StartTime != nil {
				t -= *r.StartTime
			}
			ttft = append(ttft, 1000*t)
		}
		for _, gap := range r.DecodeTimes.Data {
			itl = append(itl, 1000*gap)
		}
		if r.StartTime != nil && r.EndTime != nil {
			latency = append(latency, *r.EndTime-*r.StartTime)
			if window > 0 {
				busy += max(0, min(*r.EndTime, windowStart+window)-max(*r.StartTime, windowStart))
			}
		}
	}
	if n := float64(len(s.Results)); n > 0 {
		st.PromptTokensMean = promptSum / n
		st.OutputTokensMean = outSum / n
	}
	if window > 0 {
		st.AchievedRPS = float64(len(s.Results)) / window
		st.OutputTPS = outSum / window
		st.TotalTPS = (promptSum + outSum) / window
		st.ConcurrencyMean = busy / window
	}
	st.TTFTms = summarize(ttft)
	st.ITLms = summarize(itl)
	st.RequestLatencyS = summarize(latency)
	return st
}

// summarize sorts samples in place and returns their mean and percentiles; Unknown for no samples.
func summarize(samples []float64) Distribution {
	if len(samples) == 0 {
		return unknownDistribution()
	}
	slices.Sort(samples)
	var sum float64
	for _, v := range samples {
		sum += v
	}
	return Distribution{
		Mean: sum / float64(len(samples)),
		P50:  percentile(samples, 50),
		P90:  percentile(samples, 90),
		P95:  percentile(samples, 95),
		P99:  percentile(samples, 99),
	}
}

// percentile is numpy.percentile's default "linear" method on sorted samples.
func percentile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p / 100
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// timeWeightedMean averages the in-flight count over time: each measurement holds until the next one.
// Fewer than two measurements, or no time between them, give Unknown.
func timeWeightedMean(c []v01ConcurrencyWire) float64 {
	if len(c) < 2 {
		return Unknown()
	}
	span := c[len(c)-1].Time - c[0].Time
	if !(span > 0) {
		return Unknown()
	}
	var area float64
	for i := 0; i+1 < len(c); i++ {
		area += c[i].Processing * (c[i+1].Time - c[i].Time)
	}
	return area / span
}
