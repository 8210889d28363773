package models

import (
	"encoding/json"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
)

func instanceSettings(jsonData string, secret string) backend.DataSourceInstanceSettings {
	s := backend.DataSourceInstanceSettings{JSONData: json.RawMessage(jsonData), URL: " http://thanos:9091 "}
	if secret != "" {
		s.DecryptedSecureJSONData = map[string]string{SecureStoreSecretKey: secret}
	}
	return s
}

func TestLoadSettingsDefaultsAndMerge(t *testing.T) {
	cfg, err := LoadSettings(instanceSettings(`{
		"store": {"endpoint": "minio.storage.svc:9000", "bucket": "guidellm", "prefix": "/reports/", "accessKey": "AK"},
		"deployments": [{"model": "mistral-3-int4", "gpus": 1, "gpuType": "L4", "quantization": "int4"}],
		"gpuPrices": {"L4": 0.8},
		"scenarios": [{"name": "chat", "promptTokens": 100, "outputTokens": 50}, {"name": "rag", "promptTokens": 4096, "outputTokens": 512}]
	}`, "SK"))
	require.NoError(t, err)
	assert.Equal(t, "http://thanos:9091", cfg.URL)
	assert.Equal(t, "reports/", cfg.Store.Prefix)
	assert.Equal(t, "us-east-1", cfg.Store.Region)
	assert.Equal(t, int64(64<<20), cfg.Store.MaxObjectBytes())
	assert.Equal(t, 30, cfg.Store.CacheSeconds)
	assert.Equal(t, "SK", cfg.Store.SecretKey)
	assert.Equal(t, "vllm:", cfg.Prometheus.MetricPrefix)

	a := cfg.AnalysisConfig()
	assert.Equal(t, analysis.DefaultSLA(), a.SLA)
	// The user's "chat" replaces the built-in one; "rag" is added after the built-ins.
	assert.Equal(t, analysis.ScenarioDef{Name: "chat", PromptTokens: 100, OutputTokens: 50}, a.Scenarios[0])
	assert.Equal(t, "rag", a.Scenarios[len(a.Scenarios)-1].Name)
	assert.Len(t, a.Scenarios, 5)
	assert.Equal(t, 1.0, a.TargetUtilization, "no headroom by default")

	cfg, err = LoadSettings(instanceSettings(`{"sizing": {"targetUtilization": 0.8}}`, ""))
	require.NoError(t, err)
	assert.Equal(t, 0.8, cfg.AnalysisConfig().TargetUtilization)
}

func TestLoadSettingsEmptyIsValid(t *testing.T) {
	cfg, err := LoadSettings(backend.DataSourceInstanceSettings{})
	require.NoError(t, err)
	assert.False(t, cfg.Store.Configured())
}

func TestLoadSettingsRejects(t *testing.T) {
	store := `"store": {"endpoint": "minio:9000", "bucket": "guidellm", "accessKey": "AK"}`
	cases := map[string]struct {
		json, secret, want string
	}{
		"scheme in endpoint":   {`{"store": {"endpoint": "https://minio:9000", "bucket": "guidellm", "accessKey": "AK"}}`, "SK", "without a scheme"},
		"utilization above 1":  {`{"sizing": {"targetUtilization": 1.2}}`, "", "sizing.targetUtilization 1.2 must be in (0, 1]"},
		"negative utilization": {`{"sizing": {"targetUtilization": -0.5}}`, "", "sizing.targetUtilization"},
		"bad bucket":           {`{"store": {"endpoint": "minio:9000", "bucket": "Guide_LLM", "accessKey": "AK"}}`, "SK", "store.bucket"},
		"no access key":        {`{"store": {"endpoint": "minio:9000", "bucket": "guidellm"}}`, "SK", "store.accessKey"},
		"no secret":            {`{` + store + `}`, "", "storeSecretKey"},
		"zero gpus":            {`{"deployments": [{"model": "m", "gpus": 0}]}`, "", "gpus 0"},
		"duplicate model":      {`{"deployments": [{"model": "m", "gpus": 1}, {"model": "m", "gpus": 2}]}`, "", "listed twice"},
		"negative price":       {`{"gpuPrices": {"L4": -1}}`, "", "gpuPrices"},
		"sla order":            {`{"sla": {"ttftExcellentMs": 900, "ttftAcceptableMs": 500, "ttftBreakingMs": 2000, "itlExcellentMs": 20, "itlAcceptableMs": 50, "itlBreakingMs": 100, "maxErrorRate": 0.01}}`, "", "ttft thresholds"},
		"error rate percent":   {`{"sla": {"ttftExcellentMs": 500, "ttftAcceptableMs": 1000, "ttftBreakingMs": 2000, "itlExcellentMs": 20, "itlAcceptableMs": 50, "itlBreakingMs": 100, "maxErrorRate": 5}}`, "", "maxErrorRate"},
		"scenario tokens":      {`{"scenarios": [{"name": "x", "promptTokens": 0, "outputTokens": 5}]}`, "", "promptTokens"},
		"metric prefix":        {`{"prometheus": {"metricPrefix": "foo_"}}`, "", "metricPrefix"},
		"namespace":            {`{"prometheus": {"namespace": "Not_A_Namespace"}}`, "", "prometheus.namespace"},
		"object size":          {`{"store": {"maxObjectSizeMB": -3}}`, "", "maxObjectSizeMB"},
		"broken json":          {`{"store": `, "", "invalid jsonData"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := LoadSettings(instanceSettings(c.json, c.secret))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("", json.RawMessage(`{"queryType": "roi", "models": ["a", " ", "a", "b"], "targetLoad": 12.5}`))
	require.NoError(t, err)
	assert.Equal(t, QueryTypeROI, q.QueryType)
	assert.Equal(t, []string{"a", "b"}, q.Models)
	assert.Equal(t, 12.5, *q.TargetLoad)

	q, err = ParseQuery("runs", json.RawMessage(`{"queryType": "roi"}`))
	require.NoError(t, err)
	assert.Equal(t, QueryTypeRuns, q.QueryType, "the DataQuery's queryType wins")

	_, err = ParseQuery("roi", json.RawMessage(`{"targetLoad": -2}`))
	assert.ErrorContains(t, err, "targetLoad")
	_, err = ParseQuery("roi", json.RawMessage(`{"models": 3}`))
	assert.ErrorContains(t, err, "invalid query JSON")

	q, err = ParseQuery("trend", json.RawMessage(`{"trendMetrics": ["change_pct", "change_pct", "breaking_point"]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"change_pct", "breaking_point"}, q.TrendMetrics)
	_, err = ParseQuery("trend", json.RawMessage(`{"trendMetrics": ["tokens"]}`))
	assert.ErrorContains(t, err, `trendMetrics: unknown metric "tokens"`)
}
