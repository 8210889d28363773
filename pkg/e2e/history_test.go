package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// secretMarker is planted in testdata/reports/overloaded_with-credentials.json wherever GuideLLM
// writes credentials; no answer of the plugin may contain it.
const secretMarker = "sk-e2e-SECRET"

// s3Env is the real S3 server the test script started (scripts/s3-server.sh).
type s3Env struct{ endpoint, accessKey, secretKey, region string }

func requireS3(t *testing.T) s3Env {
	t.Helper()
	endpoint := realserver.Env(t, "S3_ENDPOINT", "scripts/s3-server.sh start, then load .cache/s3-test/env")
	env := s3Env{endpoint, os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY"), os.Getenv("S3_REGION")}
	if env.region == "" {
		env.region = "us-east-1"
	}
	return env
}

// seedBucket creates a fresh bucket and uploads every fixture report under prefix.
func seedBucket(t *testing.T, env s3Env, bucket, prefix string, files ...string) {
	t.Helper()
	mc, err := minio.New(env.endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(env.accessKey, env.secretKey, ""),
		Region:       env.region,
		BucketLookup: minio.BucketLookupPath,
	})
	require.NoError(t, err)
	ctx := context.Background()
	exists, err := mc.BucketExists(ctx, bucket)
	require.NoError(t, err)
	if !exists {
		require.NoError(t, mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: env.region}))
	}
	for _, name := range files {
		body, err := os.ReadFile(filepath.Join("testdata", "reports", name))
		require.NoError(t, err)
		_, err = mc.PutObject(ctx, bucket, prefix+name, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
		require.NoError(t, err)
	}
}

// historyInstance is a data source configured like a user would: store settings, the deployments
// catalog (BF16's GPUs come only from here) and GPU prices.
func historyInstance(env s3Env, uid, bucket string) instance {
	return instance{
		UID: uid,
		JSONData: map[string]any{
			"store": map[string]any{
				"endpoint":  env.endpoint,
				"bucket":    bucket,
				"prefix":    "guidellm/",
				"region":    env.region,
				"useTLS":    false,
				"accessKey": env.accessKey,
			},
			"deployments": []map[string]any{
				{"model": "mistral-3-int4", "gpus": 1, "gpuType": "L4", "quantization": "int4"},
				{"model": "mistral-3-bf16", "gpus": 4, "gpuType": "L4", "quantization": "bf16"},
			},
			"gpuPrices": map[string]float64{"L4": 0.8, "H100": 4.5},
		},
		Secure: map[string]string{"storeSecretKey": env.secretKey},
	}
}

var historyReports = []string{
	"mistral-3-int4_chat_sweep.json",
	"mistral-3-bf16_chat_poisson.json",
	"v0.5.0.dev0_concurrent4_qwen3-4b-thinking_fp8.json",
	"overloaded_with-credentials.json",
	"broken_truncated.json",
	"not-a-report.json",
	"ignored.csv",
}

type queryCase struct {
	RefID     string          `json:"refId"`
	QueryType string          `json:"queryType"`
	JSON      json.RawMessage `json:"json"`
}

func loadQueries(t *testing.T, name string) []backend.DataQuery {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "queries", name))
	require.NoError(t, err)
	var cases []queryCase
	require.NoError(t, json.Unmarshal(raw, &cases))
	from := time.Unix(1763990000, 0).UTC()
	queries := make([]backend.DataQuery, 0, len(cases))
	for _, c := range cases {
		queries = append(queries, backend.DataQuery{
			RefID:         c.RefID,
			QueryType:     c.QueryType,
			JSON:          c.JSON,
			TimeRange:     backend.TimeRange{From: from, To: from.Add(24 * time.Hour)},
			Interval:      time.Minute,
			MaxDataPoints: 1000,
		})
	}
	return queries
}

// TestHistoryQueriesGolden sends every history query type through the compiled plugin against a
// bucket on the real S3 server and compares the frames with the golden files.
func TestHistoryQueriesGolden(t *testing.T) {
	env := requireS3(t)
	bucket := fmt.Sprintf("e2e-history-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", historyReports...)
	in := historyInstance(env, "history-"+bucket, bucket)

	resp := plugin.queryData(t, in, loadQueries(t, "history.json"))
	for refID, dr := range resp.Responses {
		t.Run(refID, func(t *testing.T) {
			require.NoError(t, dr.Error)
			require.NotEmpty(t, dr.Frames)
			experimental.CheckGoldenJSONResponse(t, filepath.Join("testdata", "golden"), "history-"+refID, &dr, *update)
			raw, err := json.Marshal(dr)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), secretMarker)
		})
	}

	// The broken and foreign objects are named, by key, on the answer while every run is served.
	notices := ""
	for _, f := range resp.Responses["runs"].Frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				notices += n.Text + "\n"
			}
		}
	}
	assert.Contains(t, notices, "guidellm/broken_truncated.json")
	assert.Contains(t, notices, "guidellm/not-a-report.json")
	assert.NotContains(t, notices, "ignored.csv")
}

// TestPostRuns uploads a report through the resource call as an Editor, checks validation and the
// Viewer refusal, and sees the uploaded run in the next query.
func TestPostRuns(t *testing.T) {
	env := requireS3(t)
	bucket := fmt.Sprintf("e2e-upload-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/")
	in := historyInstance(env, "upload-"+bucket, bucket)
	report, err := os.ReadFile(filepath.Join("testdata", "reports", "mistral-3-int4_chat_sweep.json"))
	require.NoError(t, err)

	status, body := plugin.callResource(t, in.as("Viewer"), http.MethodPost, "runs?model=uploaded-int4&gpus=1", report)
	assert.Equal(t, http.StatusForbidden, status, string(body))
	assert.Contains(t, string(body), "Editor")

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "runs?model=uploaded-int4", []byte(`{"benchmarks": "nope"}`))
	assert.Equal(t, http.StatusBadRequest, status, string(body))

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "runs?model=uploaded-int4&gpus=zero", report)
	assert.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, string(body), "gpus")

	status, body = plugin.callResource(t, in.as("Editor"), http.MethodPost, "runs?model=uploaded-int4&gpus=2&gpuType=L4&scenario=chat", report)
	require.Equal(t, http.StatusCreated, status, string(body))
	var created struct {
		Key    string `json:"key"`
		Model  string `json:"model"`
		Stages int    `json:"stages"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	assert.True(t, strings.HasPrefix(created.Key, "guidellm/"), created.Key)
	assert.Equal(t, "uploaded-int4", created.Model)
	assert.Equal(t, 8, created.Stages)

	// Only the valid upload landed; its labels (model, gpus) override the report's own.
	resp := plugin.queryData(t, in.as("Viewer"), []backend.DataQuery{{
		RefID: "bp", QueryType: "breakingPoints", JSON: json.RawMessage(`{}`),
	}})
	dr := resp.Responses["bp"]
	require.NoError(t, dr.Error)
	require.Len(t, dr.Frames, 1)
	frame := dr.Frames[0]
	require.Equal(t, 1, frame.Rows())
	model, _ := frame.FieldByName("model")
	assert.Equal(t, "uploaded-int4", model.At(0))

	status, body = plugin.callResource(t, in.as("Viewer"), http.MethodGet, "models", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), "uploaded-int4")
}

// TestCheckHealthHistory: a good configuration reports the runs it decoded and names the unreadable
// objects; a wrong secret key says so.
func TestCheckHealthHistory(t *testing.T) {
	env := requireS3(t)
	bucket := fmt.Sprintf("e2e-health-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "guidellm/", historyReports...)

	res := plugin.checkHealth(t, historyInstance(env, "health-"+bucket, bucket))
	assert.Equal(t, backend.HealthStatusOk, res.Status, res.Message)
	assert.Contains(t, res.Message, "4 GuideLLM runs decoded")
	assert.Contains(t, res.Message, "2 unreadable objects")
	assert.Contains(t, res.Message, "broken_truncated.json")
	assert.NotContains(t, res.Message, secretMarker)

	wrong := historyInstance(env, "health-wrong-"+bucket, bucket)
	wrong.Secure = map[string]string{"storeSecretKey": "not-the-secret"}
	res = plugin.checkHealth(t, wrong)
	assert.Equal(t, backend.HealthStatusError, res.Status)
	assert.NotContains(t, res.Message, "not-the-secret")
	assert.NotContains(t, res.Message, env.secretKey)
}
