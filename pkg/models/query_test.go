package models

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every ParseQuery error is an input error (ErrInvalidQuery) whose message names the bad field.
func TestParseQueryErrorsAreInvalidQuery(t *testing.T) {
	for _, c := range []struct {
		queryType, raw, want string
	}{
		{"roi", `{"models": 3}`, "invalid query JSON: "},
		{"", `{"queryType": "tokens"}`, `invalid query: unknown queryType "tokens": use one of runs, curves, breakingPoints, roi, trend, annotations, metrics, efficiency, status, sweeps`},
		{"roi", `{"targetLoad": 0}`, "invalid query: targetLoad must be a positive number, got 0"},
		{"trend", `{"trendMetrics": ["tokens"]}`, `invalid query: trendMetrics: unknown metric "tokens"`},
	} {
		_, err := ParseQuery(c.queryType, json.RawMessage(c.raw))
		require.ErrorIs(t, err, ErrInvalidQuery, c.raw)
		require.ErrorContains(t, err, c.want)
	}
	for _, qt := range QueryTypes {
		_, err := ParseQuery(qt, nil)
		require.NoError(t, err, "query type %s", qt)
	}
}
