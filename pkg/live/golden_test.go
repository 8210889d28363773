package live

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"
)

var (
	update = flag.Bool("update", false, "rewrite the golden frame files")
	record = flag.Bool("record", false, "re-record testdata/golden/*/upstream.json from the Prometheus at PROM_URL (the test dataset)")
)

// goldenCase is testdata/golden/<case>/request.json: one query against a canned upstream
// answer (upstream.json, recorded from the test Prometheus), with optional Thanos warnings and
// infos spliced into the answer.
type goldenCase struct {
	Type  string `json:"type"` // metrics, efficiency or status
	Query struct {
		Metric       string   `json:"metric"`
		Namespace    string   `json:"namespace"`
		Models       []string `json:"models"`
		LegendFormat string   `json:"legendFormat"`
		Instant      bool     `json:"instant"`
	} `json:"query"`
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	IntervalMs    int64     `json:"intervalMs"`
	MaxDataPoints int64     `json:"maxDataPoints"`
	Warnings      []string  `json:"upstreamWarnings"`
	Infos         []string  `json:"upstreamInfos"`
}

func (gc goldenCase) run(s *Service) (data.Frames, error) {
	q := Query{Metric: gc.Query.Metric, Namespace: gc.Query.Namespace, Models: gc.Query.Models, LegendFormat: gc.Query.LegendFormat, Instant: gc.Query.Instant}
	tr := TimeRange{From: gc.From, To: gc.To, Interval: time.Duration(gc.IntervalMs) * time.Millisecond, MaxDataPoints: gc.MaxDataPoints}
	ctx := context.Background()
	switch gc.Type {
	case "metrics":
		return s.Metrics(ctx, q, tr)
	case "efficiency":
		return s.Efficiency(ctx, q, tr)
	case "status":
		return s.Status(ctx, q, tr)
	}
	panic("unknown query type " + gc.Type)
}

func TestGoldenFrames(t *testing.T) {
	dirs, err := filepath.Glob("testdata/golden/*/request.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, requestFile := range dirs {
		dir := filepath.Dir(requestFile)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			var gc goldenCase
			readJSON(t, requestFile, &gc)
			upstreamFile := filepath.Join(dir, "upstream.json")
			if *record {
				recordUpstream(t, gc, upstreamFile)
			}
			answer := cannedAnswer(t, upstreamFile, gc)
			fp := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(answer)
			})
			frames, err := gc.run(NewService(newTestAPI(t, fp.URL, 5*time.Second, ""), testOptions()))
			if err != nil {
				t.Fatal(err)
			}
			if n := fp.count(); n != 1 {
				t.Errorf("%d upstream requests, want 1", n)
			}
			checkLoadColours(t, frames)
			experimental.CheckGoldenJSONResponse(t, "testdata/golden", name, &backend.DataResponse{Frames: frames}, *update)
		})
	}
}

func readJSON(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// cannedAnswer is the recorded answer with the case's warnings and infos added.
func cannedAnswer(t *testing.T, path string, gc goldenCase) []byte {
	var envelope map[string]any
	readJSON(t, path, &envelope)
	if len(gc.Warnings) > 0 {
		envelope["warnings"] = gc.Warnings
	}
	if len(gc.Infos) > 0 {
		envelope["infos"] = gc.Infos
	}
	return mustJSON(envelope)
}

// recordUpstream runs the case against the real test Prometheus through a recording proxy.
func recordUpstream(t *testing.T, gc goldenCase, path string) {
	target := os.Getenv("PROM_URL")
	if target == "" {
		t.Fatal("-record needs PROM_URL (the test dataset's Prometheus)")
	}
	var body []byte
	proxy := newFakePrometheus(t, func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.PostForm(target+r.URL.Path, r.Form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
	})
	if _, err := gc.run(NewService(newTestAPI(t, proxy.URL, 30*time.Second, ""), testOptions())); err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", " "); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(pretty.Bytes(), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
