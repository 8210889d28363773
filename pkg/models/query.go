package models

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

// Query types. The names are an API: dashboards and alert rules depend on them.
const (
	QueryTypeRuns           = "runs"
	QueryTypeCurves         = "curves"
	QueryTypeBreakingPoints = "breakingPoints"
	QueryTypeROI            = "roi"
	QueryTypeAnnotations    = "annotations"
	QueryTypeTrend          = "trend"
	QueryTypeMetrics        = "metrics"
	QueryTypeEfficiency     = "efficiency"
	QueryTypeStatus         = "status"
	QueryTypeSweeps         = "sweeps"
)

// Query is the JSON a panel sends. Fields unused by a query type are ignored.
type Query struct {
	QueryType  string   `json:"queryType"`
	Models     []string `json:"models"`
	Scenarios  []string `json:"scenarios"`
	LatestOnly bool     `json:"latestOnly"`
	// TargetLoad is the roi load in the load axis' unit (req/s, or concurrent users for concurrency sweeps).
	TargetLoad *float64 `json:"targetLoad"`
	// TrendMetrics selects the trend series (empty: all of analysis.TrendMetrics).
	TrendMetrics []string `json:"trendMetrics"`

	Metric       string `json:"metric"`
	Namespace    string `json:"namespace"`
	LegendFormat string `json:"legendFormat"`
	Instant      bool   `json:"instant"`
}

// ParseQuery decodes and validates one query. queryType comes from the DataQuery when set there.
func ParseQuery(queryType string, raw json.RawMessage) (Query, error) {
	var q Query
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &q); err != nil {
			return Query{}, fmt.Errorf("invalid query JSON: %w", err)
		}
	}
	if queryType != "" {
		q.QueryType = queryType
	}
	if q.QueryType == "" {
		q.QueryType = QueryTypeBreakingPoints
	}
	q.Models = cleanList(q.Models)
	q.Scenarios = cleanList(q.Scenarios)
	q.TrendMetrics = cleanList(q.TrendMetrics)
	for _, m := range q.TrendMetrics {
		if !analysis.ValidTrendMetric(m) {
			return Query{}, fmt.Errorf("trendMetrics: unknown metric %q (known: %s)", m, strings.Join(analysis.TrendMetrics(), ", "))
		}
	}
	if q.TargetLoad != nil && (math.IsNaN(*q.TargetLoad) || math.IsInf(*q.TargetLoad, 0) || *q.TargetLoad <= 0) {
		return Query{}, fmt.Errorf("targetLoad must be a positive number, got %v", *q.TargetLoad)
	}
	return q, nil
}

// cleanList drops blanks and duplicates, so "" from an empty variable means "all".
func cleanList(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
