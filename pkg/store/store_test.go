package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

func TestValidateLabels(t *testing.T) {
	many := map[string]string{}
	for i := range 33 {
		many["l"+strings.Repeat("x", i)] = "v"
	}
	long := map[string]string{}
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		long[name] = strings.Repeat("v", 256) // each value is fine, together they exceed S3's 2 KiB
	}
	cases := []struct {
		name   string
		labels map[string]string
		errHas string // "" = valid
	}{
		{"none", nil, ""},
		{"typical", map[string]string{"model": "meta-llama/Llama-3.1-8B-Instruct", "gpus": "4", "gpuType": "H100",
			"quantization": "w4a16", "scenario": "chat", "x.y_z-1": "<&> \"quoted\" ~"}, ""},
		{"longest name", map[string]string{"a" + strings.Repeat("b", 62): "v"}, ""},
		{"longest value", map[string]string{"a": strings.Repeat("v", 256)}, ""},
		{"too many", many, "33 labels, at most 32"},
		{"name starts with digit", map[string]string{"1gpu": "v"}, `label name "1gpu"`},
		{"empty name", map[string]string{"": "v"}, `label name ""`},
		{"name with space", map[string]string{"gpu type": "v"}, `label name "gpu type"`},
		{"name too long", map[string]string{"a" + strings.Repeat("b", 63): "v"}, "at most 63"},
		{"non-ASCII name", map[string]string{"modèle": "v"}, `label name "modèle"`},
		{"empty value", map[string]string{"gpus": ""}, `label "gpus" has an empty value`},
		{"value too long", map[string]string{"a": strings.Repeat("v", 257)}, "257 characters, at most 256"},
		{"newline in value", map[string]string{"a": "x\ny"}, `label "a" has a character at position 2`},
		{"non-ASCII value", map[string]string{"a": "café"}, "not printable ASCII"},
		{"metadata too large", long, "bytes of object metadata"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateLabels(tc.labels)
			if tc.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidLabels)
			require.ErrorContains(t, err, tc.errHas)
		})
	}
}

func TestModelSegment(t *testing.T) {
	for in, want := range map[string]string{
		"meta-llama/Llama-3.1-8B-Instruct":  "meta-llama-Llama-3.1-8B-Instruct",
		"RedHatAI/Qwen3-8B-quantized.w4a16": "RedHatAI-Qwen3-8B-quantized.w4a16",
		"/models//llama 3 ":                 "models-llama-3",
		"..":                                "unknown",
		"../../etc/passwd":                  "etc-passwd",
		"":                                  "unknown",
		"模型":                                "unknown",
		strings.Repeat("m", 150):            strings.Repeat("m", 100),
	} {
		require.Equal(t, want, modelSegment(in), "modelSegment(%q)", in)
	}
}

func TestUploadKey(t *testing.T) {
	at := time.Date(2026, 3, 2, 19, 17, 5, 0, time.FixedZone("CET", 3600))
	report := []byte(`{"benchmarks":[]}`)
	key := uploadKey("bench/", "meta-llama/Llama-3.1-8B", at, report, `{"gpus":"4"}`, ".json")
	require.Regexp(t, `^bench/uploads/meta-llama-Llama-3.1-8B/20260302T181705Z-[0-9a-f]{12}\.json$`, key)

	require.Equal(t, key, uploadKey("bench/", "meta-llama/Llama-3.1-8B", at, report, `{"gpus":"4"}`, ".json"), "deterministic")
	require.NotEqual(t, key, uploadKey("bench/", "meta-llama/Llama-3.1-8B", at, report, `{"gpus":"8"}`, ".json"),
		"other labels, other object")
	require.Regexp(t, `^uploads/unknown/20260302T181705Z-[0-9a-f]{12}\.yaml$`, uploadKey("", "", at, report, "", ".yaml"))
}

func TestNewNormalizesPrefixAndDefaults(t *testing.T) {
	s := New(nil, Config{Prefix: "bench", Decode: guidellm.Decode})
	require.Equal(t, "bench/", s.cfg.Prefix)
	require.EqualValues(t, 64<<20, s.cfg.MaxObjectBytes)
	require.Equal(t, "", New(nil, Config{Decode: guidellm.Decode}).cfg.Prefix)
}

func TestReadBounded(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	for _, tc := range []struct {
		name     string
		sizeHint int64
		limit    int64
		tooLarge bool
	}{
		{"at the limit", 1000, 1000, false},
		{"listing size too small (lies)", 10, 999, true},
		{"no size hint", -1, 999, true},
		{"listed size above limit", 5000, 2000, false},
		{"one over", 1000, 999, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBounded(bytes.NewReader(body), tc.sizeHint, tc.limit)
			if tc.tooLarge {
				require.ErrorIs(t, err, ErrReportTooLarge)
				return
			}
			require.NoError(t, err)
			require.Equal(t, body, got)
		})
	}
}

func TestTooLargeReason(t *testing.T) {
	r := tooLargeReason(70<<20+1, 64<<20)
	require.Contains(t, r, "70.0 MiB")
	require.Contains(t, r, "64.0 MiB limit")
	require.Contains(t, r, "store.maxObjectSizeMB")
	require.Contains(t, r, "at least 71")
	require.Contains(t, tooLargeReason(-1, 32<<10), "32.0 KiB limit")
}

func TestIsReportKey(t *testing.T) {
	for key, want := range map[string]bool{
		"a/b.json": true, "a/b.JSON": true, "b.yaml": true, "b.yml": true,
		"b.csv": false, "b.html": false, "b.png": false, "dir/": false, "json": false, "b.json.gz": false,
	} {
		require.Equal(t, want, isReportKey(key), key)
	}
}

// unreachableEndpoint is a 127.0.0.1 port nothing listens on.
func unreachableEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestPingUnreachableEndpoint(t *testing.T) {
	const secret = "unreachable-secret-0123456789"
	c, err := NewMinioClient(unreachableEndpoint(t), "key", secret, "us-east-1", false)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = New(c, Config{Bucket: "reports", Decode: guidellm.Decode}).Ping(ctx)
	require.ErrorContains(t, err, "cannot reach the S3 endpoint (check store.endpoint and store.useTLS)")
	require.NotContains(t, err.Error(), secret)
	var up *UpstreamError
	require.ErrorAs(t, err, &up, "an unreachable endpoint is the user's S3, not a plugin failure")
	require.Zero(t, up.StatusCode, "no answer arrived")
}

// An S3 server that refuses the listing makes Snapshot fail with an *UpstreamError carrying the
// server's status, so the plugin can blame the upstream and trace its answer.
func TestSnapshotRefusedListingIsAnUpstreamError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message><BucketName>reports</BucketName><Resource>/reports</Resource><RequestId>1</RequestId></Error>`)
	}))
	defer srv.Close()
	c, err := NewMinioClient(strings.TrimPrefix(srv.URL, "http://"), "key", "secret", "us-east-1", false)
	require.NoError(t, err)

	_, err = New(c, Config{Bucket: "reports", Decode: guidellm.Decode}).Snapshot(context.Background())
	var up *UpstreamError
	require.ErrorAs(t, err, &up)
	require.Equal(t, http.StatusForbidden, up.StatusCode)
	require.ErrorContains(t, err, `access denied to bucket "reports"`)
}

// Put validates before it stores: with an unreachable endpoint any attempt to store would fail
// with "cannot reach" instead of the validation error.
func TestPutValidatesBeforeStoring(t *testing.T) {
	c, err := NewMinioClient(unreachableEndpoint(t), "key", "secret", "us-east-1", false)
	require.NoError(t, err)
	s := New(c, Config{Bucket: "reports", MaxObjectBytes: 1 << 20, Decode: guidellm.Decode})
	report, err := os.ReadFile("testdata/report-v0.2.json")
	require.NoError(t, err)
	ctx := context.Background()

	_, _, err = s.Put(ctx, []byte("not a report"), nil)
	require.ErrorIs(t, err, ErrInvalidReport)
	require.ErrorContains(t, err, "not a readable benchmark report: ")

	_, _, err = s.Put(ctx, report, map[string]string{"gpu type": "H100"})
	require.ErrorIs(t, err, ErrInvalidLabels)

	_, _, err = s.Put(ctx, bytes.Repeat([]byte(" "), 1<<20+1), nil)
	require.ErrorIs(t, err, ErrReportTooLarge)

	_, _, err = s.Put(ctx, report, nil)
	require.ErrorContains(t, err, "cannot reach")
	require.False(t, errors.Is(err, ErrInvalidReport))
}

func TestReportFormat(t *testing.T) {
	ext, ct := reportFormat([]byte("\ufeff \n{\"benchmarks\": []}"))
	require.Equal(t, ".json", ext)
	require.Equal(t, "application/json", ct)
	ext, _ = reportFormat([]byte("benchmarks:\n- args: {}\n"))
	require.Equal(t, ".yaml", ext)
}
