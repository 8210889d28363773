package store

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

const benchReports = 1000

// seed1000 creates a bucket with 1,000 distinct small v0.2 reports (22 KB each) under "bench/",
// 20 model folders. With b.Loop a benchmark function runs once, so each seeds its own bucket.
func seed1000(b *testing.B) (c *minio.Client, bucket string, totalBytes int64) {
	b.Helper()
	c, bucket = newBucket(b, requireS3(b))
	template := reportVariant(b, "MODEL_PLACEHOLDER", `{"seq": "SEQ_PLACEHOLDER"}`)
	keys := make(chan int)
	errs := make(chan error, benchReports)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range keys {
				data := bytes.Replace(template, []byte("MODEL_PLACEHOLDER"), fmt.Appendf(nil, "model-%02d", i%20), 1)
				data = bytes.Replace(data, []byte("SEQ_PLACEHOLDER"), fmt.Appendf(nil, "%d", i), 1)
				key := fmt.Sprintf("bench/model-%02d/run-%04d.json", i%20, i)
				_, err := c.PutObject(context.Background(), bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
				errs <- err
			}
		})
	}
	for i := range benchReports {
		keys <- i
	}
	close(keys)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatalf("seeding: %v", err)
		}
	}
	for obj := range c.ListObjectsIter(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			b.Fatal(obj.Err)
		}
		totalBytes += obj.Size
	}
	return c, bucket, totalBytes
}

func checkFullSnapshot(b *testing.B, snap *Snapshot, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if len(snap.Runs) != benchReports || len(snap.Problems) != 0 {
		b.Fatalf("got %d runs and %d problems, want %d runs", len(snap.Runs), len(snap.Problems), benchReports)
	}
}

// BenchmarkColdIndex1000: a new store lists and decodes 1,000 reports (goal: ≤ 5 s).
func BenchmarkColdIndex1000(b *testing.B) {
	c, bucket, total := seed1000(b)
	ctx := context.Background()
	b.SetBytes(total) // MB/s: report bytes downloaded and decoded per second
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		s := New(c, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: guidellm.Decode})
		snap, err := s.Snapshot(ctx)
		checkFullSnapshot(b, snap, err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1e3/float64(b.N), "ms/op")
}

// BenchmarkRefreshUnchanged1000: the TTL expired, the store lists again, nothing changed, so no
// object is downloaded.
func BenchmarkRefreshUnchanged1000(b *testing.B) {
	c, bucket, _ := seed1000(b)
	ctx := context.Background()
	s := New(c, Config{Bucket: bucket, Prefix: "bench", CacheTTL: 0, Decode: guidellm.Decode})
	snap, err := s.Snapshot(ctx)
	checkFullSnapshot(b, snap, err)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		snap, err := s.Snapshot(ctx)
		checkFullSnapshot(b, snap, err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1e3/float64(b.N), "ms/op")
}

// BenchmarkWarmSnapshot1000: within the TTL a Snapshot touches no S3.
func BenchmarkWarmSnapshot1000(b *testing.B) {
	c, bucket, _ := seed1000(b)
	ctx := context.Background()
	s := New(c, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: guidellm.Decode})
	snap, err := s.Snapshot(ctx)
	checkFullSnapshot(b, snap, err)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Snapshot(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
