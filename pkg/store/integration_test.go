package store

// Integration tests against a real S3 server: scripts/s3-server.sh start, then the variables of
// .cache/s3-test/env in the environment.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"iter"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
)

type s3Env struct{ endpoint, accessKey, secretKey, region string }

// requireS3 returns the test server's settings; without them it fails in CI and skips elsewhere.
func requireS3(tb testing.TB) s3Env {
	tb.Helper()
	endpoint := realserver.Env(tb, "S3_ENDPOINT", "run scripts/s3-server.sh start && set -a && . .cache/s3-test/env && set +a")
	e := s3Env{endpoint, os.Getenv("S3_ACCESS_KEY"), os.Getenv("S3_SECRET_KEY"), os.Getenv("S3_REGION")}
	if e.region == "" {
		e.region = "us-east-1"
	}
	return e
}

// newBucket creates a bucket only this test uses and removes it with its objects afterwards.
func newBucket(tb testing.TB, e s3Env) (*minio.Client, string) {
	tb.Helper()
	c, err := NewMinioClient(e.endpoint, e.accessKey, e.secretKey, e.region, false)
	require.NoError(tb, err)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(tb.Name(), "-"))
	bucket := fmt.Sprintf("t-%s-%s", hex.EncodeToString(suffix), strings.Trim(name[:min(len(name), 40)], "-"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(tb, c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: e.region}))
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		objects := c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
		for rerr := range c.RemoveObjects(ctx, bucket, objects, minio.RemoveObjectsOptions{}) {
			tb.Errorf("cleanup: removing %s: %v", rerr.ObjectName, rerr.Err)
		}
		if err := c.RemoveBucket(ctx, bucket); err != nil {
			tb.Errorf("cleanup: removing bucket %s: %v", bucket, err)
		}
	})
	return c, bucket
}

// countingClient is the real client with call counters (instrumentation, not a fake).
type countingClient struct {
	*minio.Client
	mu    sync.Mutex
	lists int
	gets  map[string]int
}

func newCountingClient(c *minio.Client) *countingClient {
	return &countingClient{Client: c, gets: map[string]int{}}
}

func (c *countingClient) ListObjectsIter(ctx context.Context, bucket string, opts minio.ListObjectsOptions) iter.Seq[minio.ObjectInfo] {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.Client.ListObjectsIter(ctx, bucket, opts)
}

func (c *countingClient) GetObject(ctx context.Context, bucket, key string, opts minio.GetObjectOptions) (*minio.Object, error) {
	c.mu.Lock()
	c.gets[key]++
	c.mu.Unlock()
	return c.Client.GetObject(ctx, bucket, key, opts)
}

func (c *countingClient) counts() (lists int, gets map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gets = make(map[string]int, len(c.gets))
	for k, v := range c.gets {
		gets[k] = v
	}
	return c.lists, gets
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(tb, err)
	return data
}

// reportVariant is the v0.2 sample with another model and extras, so each variant has its own
// content and ETag.
func reportVariant(tb testing.TB, model string, extras string) []byte {
	tb.Helper()
	data := readTestdata(tb, "report-v0.2.json")
	for old, repl := range map[string]string{
		`"backend_model": "example_model"`: fmt.Sprintf(`"backend_model": %q`, model),
		`"extras": {}`:                     `"extras": ` + extras,
	} {
		require.Equal(tb, 1, bytes.Count(data, []byte(old)), "sample holds %s once", old)
		data = bytes.Replace(data, []byte(old), []byte(repl), 1)
	}
	return data
}

func putObject(tb testing.TB, c *minio.Client, bucket, key string, data []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	require.NoError(tb, err, key)
}

func snapshot(tb testing.TB, s *Store) *Snapshot {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := s.Snapshot(ctx)
	require.NoError(tb, err)
	return snap
}

func runKeys(snap *Snapshot) []string {
	keys := make([]string, len(snap.Runs))
	for i, r := range snap.Runs {
		keys[i] = r.Source
	}
	return keys
}

func runByKey(tb testing.TB, snap *Snapshot, key string) *guidellm.Run {
	tb.Helper()
	for _, r := range snap.Runs {
		if r.Source == key {
			return r
		}
	}
	tb.Fatalf("no run %s in %v", key, runKeys(snap))
	return nil
}

func TestSnapshotListsReportsRecursivelyUnderPrefix(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	report := reportVariant(t, "m", "{}")
	for _, key := range []string{
		"bench/a.json", "bench/sub/b.yaml", "bench/sub/deeper/c.yml",
		"bench/a.csv", "bench/sub/a.html", "bench/sub/plot.png", // GuideLLM's other outputs
		"other/d.json", "benchmarks-old/e.json", "top.json", // outside the prefix
	} {
		data := report
		if strings.HasSuffix(key, ".yaml") || strings.HasSuffix(key, ".yml") {
			data = readTestdata(t, "report-v0.2.yaml")
		}
		putObject(t, c, bucket, key, data)
	}
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: guidellm.Decode})

	snap := snapshot(t, s)
	require.Equal(t, []string{"bench/a.json", "bench/sub/b.yaml", "bench/sub/deeper/c.yml"}, runKeys(snap))
	require.Empty(t, snap.Problems)
	require.Equal(t, 3, snap.Objects)
	require.Equal(t, "llama-3-2-3b", runByKey(t, snap, "bench/sub/b.yaml").Model)
	_, gets := cc.counts()
	require.Equal(t, map[string]int{"bench/a.json": 1, "bench/sub/b.yaml": 1, "bench/sub/deeper/c.yml": 1}, gets,
		"only report objects are downloaded")
}

func TestSnapshotCachesByETag(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	for _, k := range []string{"a", "b", "c"} {
		putObject(t, c, bucket, "r/"+k+".json", reportVariant(t, "model-"+k, "{}"))
	}
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, Prefix: "r/", CacheTTL: 0, Decode: guidellm.Decode}) // TTL 0: list every time

	first := snapshot(t, s)
	require.Equal(t, []string{"r/a.json", "r/b.json", "r/c.json"}, runKeys(first))

	second := snapshot(t, s)
	lists, gets := cc.counts()
	require.Equal(t, 2, lists)
	require.Equal(t, map[string]int{"r/a.json": 1, "r/b.json": 1, "r/c.json": 1}, gets, "unchanged objects are not downloaded again")
	require.Same(t, first.Runs[0], second.Runs[0], "decoded once, reused")

	putObject(t, c, bucket, "r/b.json", reportVariant(t, "model-b2", "{}")) // changed
	require.NoError(t, c.RemoveObject(context.Background(), bucket, "r/c.json", minio.RemoveObjectOptions{}))
	putObject(t, c, bucket, "r/d.json", reportVariant(t, "model-d", "{}")) // new

	third := snapshot(t, s)
	require.Equal(t, []string{"r/a.json", "r/b.json", "r/d.json"}, runKeys(third), "deleted object dropped")
	require.Equal(t, "model-b2", runByKey(t, third, "r/b.json").Model, "changed object re-read")
	_, gets = cc.counts()
	require.Equal(t, map[string]int{"r/a.json": 1, "r/b.json": 2, "r/c.json": 1, "r/d.json": 1}, gets)
	require.Same(t, first.Runs[0], third.Runs[0])
}

func TestSnapshotReusesListingWithinTTLAndSharesOneRefresh(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	for i := range 20 {
		putObject(t, c, bucket, fmt.Sprintf("r/%02d.json", i), reportVariant(t, fmt.Sprintf("model-%d", i), "{}"))
	}
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, Prefix: "r/", CacheTTL: time.Hour, Decode: guidellm.Decode})

	const callers = 16
	snaps := make([]*Snapshot, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { snaps[i], errs[i] = s.Snapshot(context.Background()) })
	}
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		require.Same(t, snaps[0], snaps[i], "all concurrent callers got the one refresh")
	}
	require.Len(t, snaps[0].Runs, 20)
	lists, gets := cc.counts()
	require.Equal(t, 1, lists)
	require.Len(t, gets, 20)
	for key, n := range gets {
		require.Equal(t, 1, n, key)
	}

	require.Same(t, snaps[0], snapshot(t, s))
	lists, gets = cc.counts()
	require.Equal(t, 1, lists, "no S3 request within the TTL")
	require.Len(t, gets, 20)
}

func TestSnapshotReportsOversizeObjectWithoutDownloadingIt(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	small := readTestdata(t, "report-v0.2.json") // 22 KB
	big := readTestdata(t, "report-v0.2.yaml")   // 89 KB
	putObject(t, c, bucket, "small.json", small)
	putObject(t, c, bucket, "big.yaml", big)
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, MaxObjectBytes: 32 << 10, CacheTTL: time.Hour, Decode: guidellm.Decode})

	snap := snapshot(t, s)
	require.Equal(t, []string{"small.json"}, runKeys(snap))
	require.Len(t, snap.Problems, 1)
	p := snap.Problems[0]
	require.Equal(t, "big.yaml", p.Key)
	require.Contains(t, p.Reason, "object is 88.6 KiB, above the 32.0 KiB limit, so it was not downloaded")
	require.Contains(t, p.Reason, "store.maxObjectSizeMB")
	_, gets := cc.counts()
	require.Equal(t, map[string]int{"small.json": 1}, gets)
	require.Equal(t, 2, snap.Objects)
}

func TestSnapshotReportsBrokenReportsAndServesTheOthers(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	good := reportVariant(t, "good", "{}")
	putObject(t, c, bucket, "r/1-good.json", good)
	putObject(t, c, bucket, "r/2-truncated.json", good[:len(good)/2])
	putObject(t, c, bucket, "r/3-empty.json", []byte("{}"))
	putObject(t, c, bucket, "r/4-good.yaml", readTestdata(t, "report-v0.2.yaml"))
	putObject(t, c, bucket, "r/5-notes.yml", []byte("just: [notes"))
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, Prefix: "r/", Decode: guidellm.Decode})

	snap := snapshot(t, s)
	require.Equal(t, []string{"r/1-good.json", "r/4-good.yaml"}, runKeys(snap))
	require.Equal(t, 5, snap.Objects)
	require.Len(t, snap.Problems, 3)
	for i, want := range []struct{ key, reason string }{
		{"r/2-truncated.json", "not a readable benchmark report: invalid JSON at offset 11338: unexpected end of JSON input"},
		{"r/3-empty.json", "not a readable benchmark report: not a GuideLLM report (no benchmarks array)"},
		{"r/5-notes.yml", "not a readable benchmark report: neither JSON nor valid YAML"},
	} {
		require.Equal(t, want.key, snap.Problems[i].Key)
		require.Contains(t, snap.Problems[i].Reason, want.reason)
	}

	// A decode failure is remembered per object version, like a run.
	snapshot(t, s)
	_, gets := cc.counts()
	for key, n := range gets {
		require.Equal(t, 1, n, key)
	}
}

func TestPutRoundTripWithLabels(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	cc := newCountingClient(c)
	s := New(cc, Config{Bucket: bucket, Prefix: "bench", CacheTTL: time.Hour, Decode: guidellm.Decode})
	ctx := context.Background()
	require.Empty(t, snapshot(t, s).Runs) // warm the listing cache: Put must invalidate it

	report := reportVariant(t, "llama-8b", `{"scenario": "chat", "team": "perf", "n": 3}`)
	labels := map[string]string{"model": "meta-llama/Llama-3.1-8B-Instruct", "gpus": "4", "gpuType": "H100",
		"quantization": "w4a16", "scenario": "rag"}
	key, run, err := s.Put(ctx, report, labels)
	require.NoError(t, err)
	require.Regexp(t, `^bench/uploads/meta-llama-Llama-3.1-8B-Instruct/\d{8}T\d{6}Z-[0-9a-f]{12}\.json$`, key)
	wantLabels := map[string]string{"model": "meta-llama/Llama-3.1-8B-Instruct", "gpus": "4", "gpuType": "H100",
		"quantization": "w4a16", "scenario": "rag", "team": "perf"} // uploaded labels override the report's
	require.Equal(t, key, run.Source)
	require.Equal(t, wantLabels, run.Labels)

	snap := snapshot(t, s)
	require.Equal(t, []string{key}, runKeys(snap), "the next Snapshot sees the upload")
	got := snap.Runs[0]
	require.Equal(t, wantLabels, got.Labels)
	require.Equal(t, "llama-8b", got.Model)

	info, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "application/json", info.ContentType)
	require.Equal(t, `{"gpuType":"H100","gpus":"4","model":"meta-llama/Llama-3.1-8B-Instruct","quantization":"w4a16","scenario":"rag"}`,
		info.UserMetadata["Inference-Roi-Labels"], "labels stored with the object")
	require.Equal(t, report, mustGet(t, c, bucket, key), "stored byte for byte")

	// Without a model label the report's model names the folder; YAML stays YAML.
	key, run, err = s.Put(ctx, readTestdata(t, "report-v0.2.yaml"), nil)
	require.NoError(t, err)
	require.Regexp(t, `^bench/uploads/llama-3-2-3b/\d{8}T\d{6}Z-[0-9a-f]{12}\.yaml$`, key)
	require.Empty(t, run.Labels)
	require.Len(t, snapshot(t, s).Runs, 2)
}

func mustGet(tb testing.TB, c *minio.Client, bucket, key string) []byte {
	tb.Helper()
	o, err := c.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	require.NoError(tb, err)
	defer o.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(o)
	require.NoError(tb, err)
	return b.Bytes()
}

func TestPutInvalidReportStoresNothing(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	s := New(c, Config{Bucket: bucket, Decode: guidellm.Decode})
	ctx := context.Background()

	_, _, err := s.Put(ctx, []byte(`{"benchmarks": []}`), map[string]string{"model": "m"})
	require.ErrorIs(t, err, ErrInvalidReport)
	require.ErrorContains(t, err, "report holds no benchmarks")
	_, _, err = s.Put(ctx, reportVariant(t, "m", "{}"), map[string]string{"bad label": "x"})
	require.ErrorIs(t, err, ErrInvalidLabels)

	n := 0
	for obj := range c.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		require.NoError(t, obj.Err)
		n++
	}
	require.Zero(t, n, "nothing stored")
}

func TestPingAndSnapshotExplainWhatIsWrong(t *testing.T) {
	e := requireS3(t)
	_, bucket := newBucket(t, e)
	ctx := context.Background()
	store := func(secret, bucket string) *Store {
		c, err := NewMinioClient(e.endpoint, e.accessKey, secret, e.region, false)
		require.NoError(t, err)
		return New(c, Config{Bucket: bucket, Prefix: "bench", Decode: guidellm.Decode})
	}

	require.NoError(t, store(e.secretKey, bucket).Ping(ctx))

	const wrongSecret = "wrong-secret-0123456789abcdef"
	wrong := store(wrongSecret, bucket)
	err := wrong.Ping(ctx)
	require.ErrorContains(t, err, "the S3 credentials are wrong")
	require.ErrorContains(t, err, "secret key")
	_, err = wrong.Snapshot(ctx)
	require.ErrorContains(t, err, "the S3 credentials are wrong")
	for _, secret := range []string{wrongSecret, e.secretKey} {
		require.NotContains(t, err.Error(), secret)
	}

	err = store(e.secretKey, bucket+"-missing").Ping(ctx)
	require.ErrorContains(t, err, fmt.Sprintf("bucket %q does not exist", bucket+"-missing"))
}

// TestWithGuideLLMDecode wires the production decoder: samples of both v0.2 encodings are served
// with the golden values of samples/guidellm/SOURCES.md, a broken one is reported by key.
func TestWithGuideLLMDecode(t *testing.T) {
	e := requireS3(t)
	c, bucket := newBucket(t, e)
	putObject(t, c, bucket, "bench/a.json", readTestdata(t, "report-v0.2.json"))
	putObject(t, c, bucket, "bench/b.yaml", readTestdata(t, "report-v0.2.yaml"))
	putObject(t, c, bucket, "bench/c.json", []byte(`{"benchmarks": 7}`))
	s := New(c, Config{Bucket: bucket, Prefix: "bench/", CacheTTL: time.Hour, Decode: guidellm.Decode})

	key, run, err := s.Put(context.Background(), reportVariant(t, "llama-8b", `{"scenario": "chat"}`),
		map[string]string{"gpus": "1", "quantization": "w4a16"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"scenario": "chat", "gpus": "1", "quantization": "w4a16"}, run.Labels)

	snap := snapshot(t, s)
	require.Equal(t, []string{"bench/a.json", "bench/b.yaml", key}, runKeys(snap))
	for k, want := range map[string]struct {
		model      string
		successful int
	}{"bench/a.json": {"example_model", 46}, "bench/b.yaml": {"llama-3-2-3b", 14}, key: {"llama-8b", 46}} {
		r := runByKey(t, snap, k)
		require.Equal(t, guidellm.SchemaV02, r.Schema, k)
		require.Equal(t, want.model, r.Model, k)
		require.Len(t, r.Stages, 1, k)
		require.Equal(t, want.successful, r.Stages[0].Successful, k)
	}
	require.Equal(t, "w4a16", runByKey(t, snap, key).Labels["quantization"])
	require.Len(t, snap.Problems, 1)
	require.Equal(t, "bench/c.json", snap.Problems[0].Key)
	require.Contains(t, snap.Problems[0].Reason, "not a readable benchmark report")

	_, _, err = s.Put(context.Background(), []byte("- just\n- a list\n"), nil)
	require.ErrorIs(t, err, ErrInvalidReport)
	require.ErrorIs(t, err, guidellm.ErrInvalidReport)
}
