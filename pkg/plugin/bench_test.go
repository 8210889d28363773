package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
)

const benchRuns = 1000

// seededInstance uploads benchRuns copies of a real 8-stage sweep (50 models × 20 runs) to a fresh
// bucket on the S3 server of the test script and returns the settings of a data source reading it.
func seededInstance(b *testing.B) backend.DataSourceInstanceSettings {
	b.Helper()
	endpoint := realserver.Env(b, "S3_ENDPOINT", "run scripts/s3-server.sh start && set -a && . .cache/s3-test/env && set +a")
	ak, sk := os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY")
	report, err := os.ReadFile(filepath.Join("..", "e2e", "testdata", "reports", "mistral-3-int4_chat_sweep.json"))
	if err != nil {
		b.Fatal(err)
	}
	mc, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	bucket := fmt.Sprintf("bench-query-%d", time.Now().UnixNano())
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		b.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	jobs := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				body := bytes.ReplaceAll(report, []byte(`"mistral-3-int4"`), fmt.Appendf(nil, `"model-%02d"`, i%50))
				_, err := mc.PutObject(ctx, bucket, fmt.Sprintf("runs/%04d.json", i), bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
				if err != nil {
					errMu.Lock()
					first = err
					errMu.Unlock()
				}
			}
		})
	}
	for i := range benchRuns {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	jsonData, _ := json.Marshal(map[string]any{
		"store":     map[string]any{"endpoint": endpoint, "bucket": bucket, "prefix": "runs/", "accessKey": ak, "cacheSeconds": 3600},
		"gpuPrices": map[string]float64{"L4": 0.8},
	})
	return backend.DataSourceInstanceSettings{UID: bucket, JSONData: jsonData, DecryptedSecureJSONData: map[string]string{"storeSecretKey": sk}}
}

// BenchmarkWarmQueryData1000Runs measures the warm breakingPoints + roi QueryData path over 1,000
// stored reports (goal: p50 ≤ 20 ms). The first, cold query indexes the bucket outside the timer.
func BenchmarkWarmQueryData1000Runs(b *testing.B) {
	settings := seededInstance(b)
	inst, err := NewDatasource(context.Background(), settings)
	if err != nil {
		b.Fatal(err)
	}
	ds := inst.(*Datasource)
	load := 20.0
	roi, _ := json.Marshal(map[string]any{"targetLoad": load})
	req := &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: &settings},
		Queries: []backend.DataQuery{
			{RefID: "bp", QueryType: "breakingPoints", JSON: []byte(`{}`)},
			{RefID: "roi", QueryType: "roi", JSON: roi},
		},
	}
	cold := time.Now()
	if _, err := ds.QueryData(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	coldMs := float64(time.Since(cold).Milliseconds())

	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		resp, err := ds.QueryData(context.Background(), req)
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		for refID, dr := range resp.Responses {
			if dr.Error != nil || len(dr.Frames) == 0 || dr.Frames[0].Rows() == 0 {
				b.Fatalf("%s: %v", refID, dr.Error)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(coldMs, "cold-index-ms")
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}
