package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
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

// QueryTypes lists every query type, in the order error messages name them.
var QueryTypes = []string{
	QueryTypeRuns, QueryTypeCurves, QueryTypeBreakingPoints, QueryTypeROI, QueryTypeTrend, QueryTypeAnnotations,
	QueryTypeMetrics, QueryTypeEfficiency, QueryTypeStatus, QueryTypeSweeps,
}

// ErrInvalidQuery is matched (errors.Is) by every error ParseQuery returns: the panel's query is
// malformed or a field is out of range, so the user's input is at fault, not the plugin.
var ErrInvalidQuery = errors.New("invalid query")

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
			return Query{}, fmt.Errorf("%w JSON: %w", ErrInvalidQuery, err)
		}
	}
	if queryType != "" {
		q.QueryType = queryType
	}
	if q.QueryType == "" {
		q.QueryType = QueryTypeBreakingPoints
	}
	if !slices.Contains(QueryTypes, q.QueryType) {
		return Query{}, fmt.Errorf("%w: unknown queryType %q: use one of %s", ErrInvalidQuery, q.QueryType, strings.Join(QueryTypes, ", "))
	}
	q.Models = cleanList(q.Models)
	q.Scenarios = cleanList(q.Scenarios)
	q.TrendMetrics = cleanList(q.TrendMetrics)
	for _, m := range q.TrendMetrics {
		if !analysis.ValidTrendMetric(m) {
			return Query{}, fmt.Errorf("%w: trendMetrics: unknown metric %q (known: %s)", ErrInvalidQuery, m, strings.Join(analysis.TrendMetrics(), ", "))
		}
	}
	if q.TargetLoad != nil && (math.IsNaN(*q.TargetLoad) || math.IsInf(*q.TargetLoad, 0) || *q.TargetLoad <= 0) {
		return Query{}, fmt.Errorf("%w: targetLoad must be a positive number, got %v", ErrInvalidQuery, *q.TargetLoad)
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
