package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// nightlyReports are two runs of the INT4 deployment a day apart (the second regressed: 2.1 → 1.75
// req/s, see testdata/reports/README.md) and the BF16 deployment.
var nightlyReports = []string{
	"mistral-3-int4_chat_sweep.json",
	"mistral-3-int4_chat_sweep_next-day_regressed.json",
	"mistral-3-bf16_chat_poisson.json",
}

// afterNightlyRuns is a moment just after the regressed run ended (its last stage ends at
// 1764000995 + 86400 s): "now" for the queries and the alert rule.
var afterNightlyRuns = time.Unix(1764000995+86400+3600, 0).UTC()

func column(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	field, _ := f.FieldByName(name)
	require.NotNil(t, field, "frame %s has no column %s", f.Name, name)
	return field
}

func rowOf(t *testing.T, f *data.Frame, model string) int {
	t.Helper()
	models := column(t, f, "model")
	for i := 0; i < models.Len(); i++ {
		if models.At(i) == model {
			return i
		}
	}
	t.Fatalf("frame %s has no row for %s", f.Name, model)
	return -1
}

func floatAt(t *testing.T, f *data.Frame, name string, row int) *float64 {
	t.Helper()
	v, ok := column(t, f, name).ConcreteAt(row)
	if !ok {
		return nil
	}
	x := v.(float64)
	return &x
}

// TestOneRunDecidesOverGRPC: the newest run decides, the change against the run before is reported
// and warned about, roi says what each row is sized on and whether the verdict is decided, and the
// trend query answers a point per run (golden) — through the compiled plugin against the real S3 server.
func TestOneRunDecidesOverGRPC(t *testing.T) {
	env := requireS3(t)
	bucket := fmt.Sprintf("e2e-nightly-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", nightlyReports...)
	in := historyInstance(env, "nightly-"+bucket, bucket)
	tr := backend.TimeRange{From: afterNightlyRuns.Add(-30 * 24 * time.Hour), To: afterNightlyRuns}
	resp := plugin.queryData(t, in, []backend.DataQuery{
		{RefID: "bp", QueryType: "breakingPoints", JSON: json.RawMessage(`{"scenarios": ["chat"]}`), TimeRange: tr},
		{RefID: "roi", QueryType: "roi", JSON: json.RawMessage(`{"scenarios": ["chat"], "targetLoad": 20}`), TimeRange: tr},
		{RefID: "trend", QueryType: "trend", JSON: json.RawMessage(`{"models": ["mistral-3-int4", "mistral-3-bf16"]}`), TimeRange: tr},
	})

	bp := resp.Responses["bp"]
	require.NoError(t, bp.Error)
	f := bp.Frames[0]
	i := rowOf(t, f, "mistral-3-int4")
	// day 2: 1.5 + (1000 − 700)/(1300 − 700) × 0.5 = 1.75; day 1: 2 + (1000 − 850)/(1600 − 850) × 0.5 = 2.1
	assert.InDelta(t, 1.75, *floatAt(t, f, "breaking_point", i), 1e-9)
	assert.InDelta(t, 2.1, *floatAt(t, f, "previous_breaking_point", i), 1e-9)
	assert.InDelta(t, (1.75-2.1)/2.1*100, *floatAt(t, f, "change_pct", i), 1e-9)
	runTime, _ := column(t, f, "run_time").ConcreteAt(i)
	assert.Equal(t, time.Unix(1764000995+86400, 0).UTC(), runTime.(time.Time).UTC(), "the end of the deciding (newest) run")
	notices := ""
	for _, n := range f.Meta.Notices {
		notices += n.Text + "\n"
	}
	assert.Contains(t, notices, "capacity regression: mistral-3-int4 · chat 2.1 → 1.75 req/s (−16.67 %) between 2025-11-24 16:16 UTC and 2025-11-25 16:16 UTC")

	roi := resp.Responses["roi"]
	require.NoError(t, roi.Error)
	require.Len(t, roi.Frames, 2)
	rf := roi.Frames[0]
	basis, _ := column(t, rf, "basis").ConcreteAt(rowOf(t, rf, "mistral-3-int4"))
	assert.Equal(t, "measured", basis)
	// 20 req/s on the newest run's 1.75 req/s: ceil(20 / 1.75) = 12 replicas (the merged answer was 10)
	replicas, _ := column(t, rf, "replicas").ConcreteAt(rowOf(t, rf, "mistral-3-int4"))
	assert.Equal(t, int64(12), replicas)
	vf := roi.Frames[1]
	require.Equal(t, 1, vf.Rows(), "one verdict: bf16 against int4")
	decided, _ := column(t, vf, "decided").ConcreteAt(0)
	assert.IsType(t, true, decided)

	trend := resp.Responses["trend"]
	require.NoError(t, trend.Error)
	experimental.CheckGoldenJSONResponse(t, filepath.Join("testdata", "golden"), "nightly-trend", &trend, *update)
}

// alertRuleFile is the provisioned alert rule, read the way Grafana's file provisioning reads it.
type alertRuleFile struct {
	Groups []struct {
		Rules []struct {
			UID       string `json:"uid"`
			Condition string `json:"condition"`
			Data      []struct {
				RefID             string `json:"refId"`
				DatasourceUID     string `json:"datasourceUid"`
				RelativeTimeRange struct {
					From int64 `json:"from"`
					To   int64 `json:"to"`
				} `json:"relativeTimeRange"`
				Model map[string]any `json:"model"`
			} `json:"data"`
		} `json:"rules"`
	} `json:"groups"`
}

// TestCapacityRegressionAlertRule sends the provisioned alert rule's data-source query through the
// compiled plugin, evaluated "now" just after the regressed run, and applies the rule's own
// expressions (reduce last with non-numbers as 0, threshold < −10): it fires for INT4 only.
func TestCapacityRegressionAlertRule(t *testing.T) {
	env := requireS3(t)
	raw, err := os.ReadFile("../../provisioning/alerting/capacity-regression.yaml")
	require.NoError(t, err)
	var file alertRuleFile
	require.NoError(t, yaml.Unmarshal(raw, &file))
	require.Len(t, file.Groups, 1)
	rule := file.Groups[0].Rules[0]
	require.Equal(t, "inferenceroi-capacity-regression", rule.UID)

	bucket := fmt.Sprintf("e2e-alert-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", nightlyReports...)
	in := historyInstance(env, "alert-"+bucket, bucket)

	var query *backend.DataQuery
	expr := map[string]map[string]any{}
	for _, d := range rule.Data {
		if d.DatasourceUID == "__expr__" {
			expr[d.RefID] = d.Model
			continue
		}
		require.Equal(t, provisionedUID, d.DatasourceUID, "the rule queries the provisioned data source")
		body, err := json.Marshal(d.Model)
		require.NoError(t, err)
		qt, _ := d.Model["queryType"].(string)
		query = &backend.DataQuery{RefID: d.RefID, QueryType: qt, JSON: body, TimeRange: backend.TimeRange{
			From: afterNightlyRuns.Add(-time.Duration(d.RelativeTimeRange.From) * time.Second),
			To:   afterNightlyRuns.Add(-time.Duration(d.RelativeTimeRange.To) * time.Second),
		}}
	}
	require.NotNil(t, query)
	reduce, threshold := expr["B"], expr["C"]
	require.Equal(t, "reduce", reduce["type"])
	require.Equal(t, "last", reduce["reducer"])
	require.Equal(t, map[string]any{"mode": "replaceNN", "replaceWithValue": float64(0)}, reduce["settings"])
	require.Equal(t, "threshold", threshold["type"])
	require.Equal(t, rule.Condition, "C")
	evaluator := threshold["conditions"].([]any)[0].(map[string]any)["evaluator"].(map[string]any)
	require.Equal(t, "lt", evaluator["type"])
	limit := evaluator["params"].([]any)[0].(float64)

	dr := plugin.queryData(t, in, []backend.DataQuery{*query}).Responses[query.RefID]
	require.NoError(t, dr.Error)
	firing := map[string]bool{}
	for _, f := range dr.Frames {
		require.Equal(t, data.FrameTypeTimeSeriesMulti, f.Meta.Type, "alerting reads dataplane time series")
		require.Len(t, f.Fields, 2)
		value := f.Fields[1]
		last := 0.0 // replaceNN: an unknown change counts as none
		if v, ok := value.ConcreteAt(value.Len() - 1); ok {
			last = v.(float64)
		}
		firing[value.Labels["model"]] = last < limit
	}
	assert.Equal(t, map[string]bool{"mistral-3-int4": true, "mistral-3-bf16": false}, firing)
}
