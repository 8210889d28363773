package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

const (
	pluginType       = "inferenceroi-vllm-datasource"
	provisionedUID   = "inferenceroi"
	dashboardsFolder = "../../provisioning/dashboards"
)

// dashboard is the part of a dashboard JSON the smoke test reads.
type dashboard struct {
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []annotation `json:"list"`
	} `json:"annotations"`
}

type panel struct {
	Title      string            `json:"title"`
	Type       string            `json:"type"`
	Datasource *dsRef            `json:"datasource"`
	Targets    []json.RawMessage `json:"targets"`
	Panels     []panel           `json:"panels"` // collapsed rows
}

type annotation struct {
	Name       string          `json:"name"`
	Datasource *dsRef          `json:"datasource"`
	Target     json.RawMessage `json:"target"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func (d *dsRef) ours() bool {
	return d != nil && (d.UID == provisionedUID || d.Type == pluginType)
}

type variable struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Query   any    `json:"query"`
	Current struct {
		Value any `json:"value"`
	} `json:"current"`
}

// defaults returns a variable's default values; "All" means no filter (an empty list).
func (v variable) defaults() []string {
	var values []string
	switch cur := v.Current.Value.(type) {
	case string:
		values = []string{cur}
	case []any:
		for _, x := range cur {
			values = append(values, fmt.Sprint(x))
		}
	}
	if len(values) == 0 && v.Type == "textbox" {
		if q, ok := v.Query.(string); ok {
			values = []string{q}
		}
	}
	var out []string
	for _, val := range values {
		if val != "$__all" && val != "All" && val != "" {
			out = append(out, val)
		}
	}
	return out
}

var varRef = regexp.MustCompile(`^\$\{?(\w+)(?::\w+)?\}?$|^\[\[(\w+)\]\]$`)

// interpolate replaces dashboard variables the way the frontend's applyTemplateVariables does: a list
// element that is a variable expands to the variable's values; a string becomes its first value;
// targetLoad becomes a number.
func interpolate(t *testing.T, node any, vars map[string][]string) any {
	t.Helper()
	switch n := node.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, v := range n {
			out[k] = interpolate(t, v, vars)
			if k == "targetLoad" {
				if s, ok := out[k].(string); ok {
					f, err := strconv.ParseFloat(s, 64)
					require.NoError(t, err, "targetLoad %q", s)
					out[k] = f
				}
			}
		}
		return out
	case []any:
		var out []any
		for _, el := range n {
			if s, ok := el.(string); ok {
				if name := varName(s); name != "" {
					for _, v := range vars[name] {
						out = append(out, v)
					}
					continue
				}
			}
			out = append(out, interpolate(t, el, vars))
		}
		if out == nil {
			out = []any{}
		}
		return out
	case string:
		for name, values := range vars {
			first := ""
			if len(values) > 0 {
				first = values[0]
			}
			n = strings.ReplaceAll(n, "${"+name+"}", first)
			n = strings.ReplaceAll(n, "$"+name, first)
		}
		return n
	default:
		return node
	}
}

func varName(s string) string {
	m := varRef.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

// provisionedInstance is the provisioned data source of the demo with its store and URL pointed at
// the test servers.
func provisionedInstance(t *testing.T, env s3Env, promURL, bucket string) instance {
	t.Helper()
	raw, err := os.ReadFile("../../provisioning/datasources/datasources.yml")
	require.NoError(t, err)
	var prov struct {
		Datasources []struct {
			UID      string         `json:"uid"`
			JSONData map[string]any `json:"jsonData"`
		} `json:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &prov))
	for _, ds := range prov.Datasources {
		if ds.UID != provisionedUID {
			continue
		}
		store, _ := ds.JSONData["store"].(map[string]any)
		require.NotNil(t, store, "provisioned data source has a store section")
		store["endpoint"], store["bucket"], store["accessKey"], store["region"] = env.endpoint, bucket, env.accessKey, env.region
		return instance{UID: "smoke-" + bucket, URL: promURL, JSONData: ds.JSONData, Secure: map[string]string{"storeSecretKey": env.secretKey}}
	}
	t.Fatalf("no data source with uid %q in provisioning/datasources/datasources.yml", provisionedUID)
	return instance{}
}

// TestProvisionedDashboardsAnswer sends every target of every panel (and annotation) of every
// provisioned dashboard that uses this data source through the compiled plugin, with the dashboard
// variables at their defaults, and fails on any error or empty answer.
func TestProvisionedDashboardsAnswer(t *testing.T) {
	env := requireS3(t)
	promURL := requirePrometheus(t)
	files, err := filepath.Glob(filepath.Join(dashboardsFolder, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no provisioned dashboards")

	bucket := fmt.Sprintf("smoke-%d", time.Now().UnixNano())
	seedBucket(t, env, bucket, "reports/",
		"mistral-3-int4_chat_sweep.json", "mistral-3-bf16_chat_poisson.json", "v0.5.0.dev0_concurrent4_qwen3-4b-thinking_fp8.json")
	in := provisionedInstance(t, env, promURL, bucket)

	for _, file := range files {
		queries, titles := dashboardQueries(t, file, backend.TimeRange{From: datasetFrom, To: datasetEval}, time.Minute)
		for i := range queries {
			if queries[i].QueryType == "trend" {
				// trend points are runs that ended in the range: the range of the seeded reports
				queries[i].TimeRange = backend.TimeRange{From: time.Unix(1763990000, 0), To: time.Unix(1763990000, 0).Add(48 * time.Hour)}
			}
		}
		resp := plugin.queryData(t, in, queries)
		for _, q := range queries {
			dr := resp.Responses[q.RefID]
			what := fmt.Sprintf("%s: %s", filepath.Base(file), titles[q.RefID])
			if dr.Error != nil {
				t.Errorf("%s: %v", what, dr.Error)
				continue
			}
			if rows := frameRows(dr.Frames); rows == 0 {
				t.Errorf("%s: empty result (%d frames, no rows)", what, len(dr.Frames))
			}
		}
	}
}

// TestDashboardsWorkForAnyInstallation fails on anything in a provisioned dashboard that ties it to the
// demo: a data source uid other than the data source variable, a custom (hard-coded) model, scenario or
// namespace list, or a threshold written into the dashboard instead of taken from the frames (which
// carry the configured SLA). It also checks that the ROI dashboard opens with the verdict and the ROI
// table, then capacity over time.
func TestDashboardsWorkForAnyInstallation(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dashboardsFolder, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		var doc any
		require.NoError(t, json.Unmarshal(raw, &doc))
		name := filepath.Base(file)
		for _, problem := range dashboardProblems(doc, "") {
			t.Errorf("%s: %s", name, problem)
		}

		var d dashboard
		require.NoError(t, json.Unmarshal(raw, &d))
		vars := map[string]variable{}
		for _, v := range d.Templating.List {
			vars[v.Name] = v
		}
		ds, ok := vars["datasource"]
		if assert.True(t, ok, "%s: no data source variable", name) {
			assert.Equal(t, "datasource", ds.Type)
			assert.Equal(t, pluginType, ds.Query, "%s: the data source variable lists this plugin's data sources", name)
		}
		for _, n := range []string{"model", "scenario", "namespace"} {
			if v, ok := vars[n]; ok {
				assert.Equal(t, "query", v.Type, "%s: variable %s must be a query variable of the data source", name, n)
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(dashboardsFolder, "roi-of-quantization.json"))
	require.NoError(t, err)
	var roi struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			GridPos struct {
				Y int `json:"y"`
			} `json:"gridPos"`
			Targets []struct {
				QueryType string `json:"queryType"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &roi))
	firstY := map[string]int{}
	for _, p := range roi.Panels {
		for _, tg := range p.Targets {
			if y, seen := firstY[tg.QueryType]; !seen || p.GridPos.Y < y {
				firstY[tg.QueryType] = p.GridPos.Y
			}
		}
	}
	const aboveTheFold = 14 // grid rows a 1080p screen shows
	assert.Less(t, firstY["roi"], aboveTheFold, "the verdict and ROI table open the ROI dashboard")
	assert.Contains(t, firstY, "trend", "a capacity over time panel")
	assert.Less(t, firstY["roi"], firstY["trend"])
	assert.Less(t, firstY["trend"], firstY["breakingPoints"], "capacity over time comes right after the verdict")
}

// dashboardProblems walks a dashboard document and names every hard-coded data source uid, custom
// variable list and threshold.
func dashboardProblems(node any, path string) []string {
	var out []string
	switch n := node.(type) {
	case map[string]any:
		if uid, ok := n["uid"].(string); ok && (n["type"] == pluginType || uid == provisionedUID) && uid != "${datasource}" {
			out = append(out, fmt.Sprintf("%s: data source uid %q (use ${datasource})", path, uid))
		}
		if n["type"] == "custom" && n["name"] != nil {
			out = append(out, fmt.Sprintf("%s: custom variable %v with a hard-coded list %q", path, n["name"], n["query"]))
		}
		if n["id"] == "thresholds" && n["value"] != nil {
			out = append(out, fmt.Sprintf("%s: threshold override (the frames carry the configured SLA)", path))
		}
		if th, ok := n["thresholds"].(map[string]any); ok {
			if steps, _ := th["steps"].([]any); len(steps) > 1 {
				out = append(out, fmt.Sprintf("%s: hard-coded thresholds %v (the frames carry the configured SLA)", path, steps))
			}
		}
		for k, v := range n {
			out = append(out, dashboardProblems(v, path+"."+k)...)
		}
	case []any:
		for i, v := range n {
			out = append(out, dashboardProblems(v, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

func frameRows(frames data.Frames) int {
	rows := 0
	for _, f := range frames {
		rows += f.Rows()
	}
	return rows
}

// dashboardQueries returns every target of every panel (and annotation) of a provisioned dashboard
// that uses this data source, with the dashboard variables at their defaults, over tr; titles maps
// each refID to "panel title / query type". interval is the panels' $__interval.
func dashboardQueries(t *testing.T, file string, tr backend.TimeRange, interval time.Duration) ([]backend.DataQuery, map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	var d dashboard
	require.NoError(t, json.Unmarshal(raw, &d), file)
	vars := map[string][]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.defaults()
	}
	var queries []backend.DataQuery
	titles := map[string]string{}
	add := func(title string, target json.RawMessage) {
		var body map[string]any
		require.NoError(t, json.Unmarshal(target, &body), title)
		body = interpolate(t, body, vars).(map[string]any)
		refID := fmt.Sprintf("q%d", len(queries))
		qt, _ := body["queryType"].(string)
		require.NotEmpty(t, qt, "%s: target without queryType", title)
		enc, err := json.Marshal(body)
		require.NoError(t, err)
		titles[refID] = fmt.Sprintf("%s / %s", title, qt)
		queries = append(queries, backend.DataQuery{
			RefID: refID, QueryType: qt, JSON: enc,
			TimeRange:     tr,
			Interval:      interval,
			MaxDataPoints: 600,
		})
	}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if len(p.Targets) == 0 {
				continue
			}
			for _, target := range p.Targets {
				var ref struct {
					Datasource *dsRef `json:"datasource"`
				}
				require.NoError(t, json.Unmarshal(target, &ref))
				if ref.Datasource.ours() || (ref.Datasource == nil && p.Datasource.ours()) {
					add(p.Title, target)
				}
			}
		}
	}
	walk(d.Panels)
	for _, a := range d.Annotations.List {
		if a.Datasource.ours() && len(a.Target) > 0 {
			add("annotation "+a.Name, a.Target)
		}
	}
	require.NotEmpty(t, queries, "%s: no panel uses the data source", file)
	return queries, titles
}
