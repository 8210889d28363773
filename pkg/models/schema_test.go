package models

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/live"
)

func TestSchemaFileIsCurrent(t *testing.T) {
	want, err := SettingsSchema()
	require.NoError(t, err)
	got, err := os.ReadFile("../../" + SchemaFile)
	require.NoError(t, err)
	if string(got) != string(want) {
		t.Fatalf("%s is stale: regenerate it with `go generate ./pkg/models` (or `go run ./pkg/models/cmd/gen-schema` from the repository root) and commit it", SchemaFile)
	}
}

func TestSchemaRefusesRulesForUnknownPaths(t *testing.T) {
	_, err := schemaOf(reflect.TypeFor[SettingsJSON](), "", map[string]schemaNode{"store.endpoint": {}}, map[string]bool{})
	require.NoError(t, err)
	rules := settingsRules()
	rules["store.endpiont"] = schemaNode{Pattern: "x"}
	used := map[string]bool{}
	_, err = schemaOf(reflect.TypeFor[SettingsJSON](), "", rules, used)
	require.NoError(t, err)
	assert.False(t, used["store.endpiont"], "a misspelt path matches no field")
}

func TestSchemaListsSecureFieldNamesAndLiveMetrics(t *testing.T) {
	doc := loadSchema(t)
	defs := doc["$defs"].(map[string]any)
	secure := defs["secureJsonData"].(map[string]any)["properties"].(map[string]any)
	assert.ElementsMatch(t, []string{SecureStoreSecretKey, SecureKubernetesTokenKey, SecureModelAPIKeyKey}, slices.Collect(maps.Keys(secure)))
	for name, p := range secure {
		assert.Equal(t, map[string]any{"type": "string", "writeOnly": true, "description": p.(map[string]any)["description"]}, p, name)
	}
	var names []string
	for _, m := range defs["liveMetric"].(map[string]any)["oneOf"].([]any) {
		names = append(names, m.(map[string]any)["const"].(string))
	}
	var want []string
	for _, m := range live.Metrics() {
		want = append(want, m.Name)
	}
	assert.Equal(t, want, names)
}

// baseSettings is a jsonData where every rule of the schema is in force: store, SLA, sweeps and
// an API server configured, one row in every list and map.
func baseSettings() map[string]any {
	var m map[string]any
	err := json.Unmarshal([]byte(`{
		"store": {"endpoint": "minio:9000", "bucket": "guidellm", "accessKey": "AK"},
		"deployments": [{"model": "m", "gpus": 1}],
		"gpuPrices": {"L4": 0.8},
		"sla": {"ttftExcellentMs": 500, "ttftAcceptableMs": 1000, "ttftBreakingMs": 2000,
			"itlExcellentMs": 20, "itlAcceptableMs": 50, "itlBreakingMs": 100, "maxErrorRate": 0.01},
		"scenarios": [{"name": "rag", "promptTokens": 10, "outputTokens": 10}],
		"sizing": {},
		"prometheus": {},
		"kubernetes": {"namespace": "bench", "models": {"m": {"processor": "org/m"}}, "resources": {},
			"apiServer": "https://api.example:6443"}
	}`), &m)
	if err != nil {
		panic(err)
	}
	return m
}

func load(doc map[string]any) (Settings, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return Settings{}, err
	}
	return LoadSettings(backend.DataSourceInstanceSettings{JSONData: raw, DecryptedSecureJSONData: map[string]string{
		SecureStoreSecretKey: "SK", SecureKubernetesTokenKey: "token"}})
}

// leaf is one setting of the schema with the path to it in baseSettings.
type leaf struct {
	path   []string // object keys; "0" for the first item, "<key>" for a map key itself
	schema map[string]any
	parent map[string]any
}

func (l leaf) String() string { return strings.Join(l.path, ".") }

// leaves walks the schema; arrays and maps are entered at their first row in baseSettings.
func leaves(node map[string]any, path []string, parent map[string]any, base any, out *[]leaf) {
	switch node["type"] {
	case "object":
		obj, _ := base.(map[string]any)
		if props, ok := node["properties"].(map[string]any); ok {
			for _, name := range slices.Sorted(maps.Keys(props)) {
				leaves(props[name].(map[string]any), append(slices.Clip(path), name), node, obj[name], out)
			}
		}
		if values, ok := node["additionalProperties"].(map[string]any); ok && len(obj) > 0 {
			key := slices.Sorted(maps.Keys(obj))[0]
			leaves(values, append(slices.Clip(path), key), node, obj[key], out)
			if names, ok := node["propertyNames"].(map[string]any); ok {
				*out = append(*out, leaf{append(slices.Clip(path), "<key>"), names, node})
			}
		}
	case "array":
		if arr, _ := base.([]any); len(arr) > 0 {
			leaves(node["items"].(map[string]any), append(slices.Clip(path), "0"), node, arr[0], out)
		}
	default:
		*out = append(*out, leaf{path, node, parent})
	}
}

// with returns a copy of doc with the setting at path set to v (for "<key>": the first map key
// renamed to v). Members of an x-ordered group of the parent are set together, so a value tests
// its own bounds rather than the order.
func with(doc map[string]any, l leaf, v any) map[string]any {
	var cp map[string]any
	raw, _ := json.Marshal(doc)
	_ = json.Unmarshal(raw, &cp)
	var container any = cp
	for _, k := range l.path[:len(l.path)-1] {
		switch c := container.(type) {
		case map[string]any:
			container = c[k]
		case []any:
			i, _ := strconv.Atoi(k)
			container = c[i]
		}
	}
	obj := container.(map[string]any)
	last := l.path[len(l.path)-1]
	if last == "<key>" {
		key := slices.Sorted(maps.Keys(obj))[0]
		obj[v.(string)] = obj[key]
		if v.(string) != key {
			delete(obj, key)
		}
		return cp
	}
	keys := []string{last}
	if groups, ok := l.parent["x-ordered"].([]any); ok {
		for _, g := range groups {
			var group []string
			for _, k := range g.([]any) {
				group = append(group, k.(string))
			}
			if slices.Contains(group, last) {
				keys = group
			}
		}
	}
	for _, k := range keys {
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	return cp
}

func loadSchema(t *testing.T) map[string]any {
	raw, err := SettingsSchema()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	return doc
}

// probes are the strings every pattern is tried with.
var probes = []string{
	"", "a", "bench", "my-ns", "-bad", "bad-", "Bad", "a.b", "a..b", ".a", "a_b", "with space", "tab\tx", "a\x7f", "é",
	"ab", "abc", "guidellm", "bucket.name", "1.2.3",
	strings.Repeat("a", 52), strings.Repeat("a", 53), strings.Repeat("a", 63), strings.Repeat("a", 64),
	strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "ab",
	strings.Repeat("a", 200), strings.Repeat("a", 201), strings.Repeat("a", 256), strings.Repeat("a", 257),
	"/hf-cache", "/tmp/x", "/a//b", "relative",
	"https://api.example:6443", "https://api.example:6443/", "http://api.example", "https://u@api.example", "https://api.example/p",
	"https://", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "not a certificate",
	"ghcr.io/vllm-project/guidellm:v0.7.3", "quay.io/me/guidellm:v0.6.1", "org/Model_7B", "model@rev", "model+x", "m:1",
}

// The schema states the backend's rules: every bound, enum, pattern and default in it is what
// LoadSettings enforces. Fields whose schema carries x-checkedInCode have further rules, so for
// them only "LoadSettings accepts ⇒ the schema accepts" must hold.
func TestSchemaAgreesWithLoadSettings(t *testing.T) {
	doc := loadSchema(t)
	base := baseSettings()
	_, err := load(base)
	require.NoError(t, err, "the base settings are valid")

	var all []leaf
	leaves(doc, nil, nil, base, &all)
	require.Greater(t, len(all), 50)
	checked := map[string]int{}

	for _, l := range all {
		s := l.schema
		accepts := func(v any) bool { _, err := load(with(base, l, v)); return err == nil }
		integer := s["type"] == "integer"
		step := 0.001
		if integer {
			step = 1
		}
		zeroDefault := s["x-zeroMeansDefault"] == true
		below := func(v float64) float64 {
			if v-step == 0 && zeroDefault {
				return -1
			}
			return v - step
		}
		if v, ok := s["minimum"].(float64); ok {
			assert.True(t, accepts(v), "%s = minimum %v", l, v)
			assert.False(t, accepts(below(v)), "%s = %v, below the minimum", l, below(v))
			checked["minimum"]++
		}
		if v, ok := s["exclusiveMinimum"].(float64); ok {
			assert.True(t, accepts(v+step), "%s = %v, above the exclusive minimum", l, v+step)
			if v == 0 && zeroDefault {
				assert.False(t, accepts(-step), "%s = %v", l, -step)
			} else {
				assert.False(t, accepts(v), "%s = exclusive minimum %v", l, v)
			}
			checked["exclusiveMinimum"]++
		}
		if v, ok := s["maximum"].(float64); ok {
			assert.True(t, accepts(v), "%s = maximum %v", l, v)
			assert.False(t, accepts(v+step), "%s = %v, above the maximum", l, v+step)
			checked["maximum"]++
		}
		if zeroDefault {
			assert.True(t, accepts(0.0), "%s = 0 means the default", l)
		}
		if enum, ok := s["enum"].([]any); ok {
			for _, v := range enum {
				assert.True(t, accepts(v), "%s = %v", l, v)
			}
			assert.False(t, accepts("not-in-the-enum:"), "%s outside its enum", l)
			checked["enum"]++
		}
		if def, ok := s["default"]; ok {
			checkDefault(t, base, l, def)
			checked["default"]++
		}
		if pattern, ok := s["pattern"].(string); ok {
			re := regexp.MustCompile(pattern)
			maxLen, hasMax := s["maxLength"].(float64)
			partial := s["x-checkedInCode"] != nil
			for _, p := range probes {
				schemaOK := re.MatchString(p) && (!hasMax || len(p) <= int(maxLen))
				goOK := accepts(p)
				if partial {
					assert.False(t, goOK && !schemaOK, "%s = %q: the backend accepts what the schema refuses", l, p)
				} else {
					assert.Equal(t, goOK, schemaOK, "%s = %q: backend accepts %v, schema accepts %v", l, p, goOK, schemaOK)
				}
			}
			checked["pattern"]++
		}
	}
	t.Logf("checked: %v", checked)
	for _, kw := range []string{"minimum", "exclusiveMinimum", "maximum", "enum", "default", "pattern"} {
		assert.Positive(t, checked[kw], "no %s was checked", kw)
	}
}

// checkDefault: the setting set to its default parses like the setting left out. Inside an
// object whose keys are all required (sla), the object of all defaults parses like no object.
func checkDefault(t *testing.T, base map[string]any, l leaf, def any) {
	t.Helper()
	absent, present := with(base, l, nil), with(base, l, def)
	if req, ok := l.parent["required"].([]any); ok && len(req) == len(l.parent["properties"].(map[string]any)) {
		parentPath := l.path[:len(l.path)-1]
		defaults := map[string]any{}
		for name, p := range l.parent["properties"].(map[string]any) {
			defaults[name] = p.(map[string]any)["default"]
		}
		parent := leaf{path: parentPath}
		absent, present = with(base, parent, nil), with(base, parent, defaults)
	}
	a, errA := load(absent)
	p, errP := load(present)
	require.NoError(t, errA, "%s left out", l)
	require.NoError(t, errP, "%s = its default %v", l, def)
	assert.Equal(t, a.AnalysisConfig(), p.AnalysisConfig(), "%s: default %v", l, def)
	a.SLA, p.SLA = nil, nil
	assert.Equal(t, a, p, "%s: default %v is what the backend applies", l, def)
}

// The README's settings tables show the defaults of the schema: documentation, checked, not a
// second definition. Rows list keys and defaults in the same order ("a, b | 1, 2"); keys
// without a schema default (—, "in-cluster", …) are not compared.
func TestREADMEShowsTheSchemaDefaults(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	prefix, inTable := "", false
	compared := 0
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "| key (`jsonData.kubernetes.…`) | default |"):
			prefix, inTable = "kubernetes.", true
			continue
		case strings.HasPrefix(line, "| key | default |"):
			prefix, inTable = "", true
			continue
		case !strings.HasPrefix(line, "|"):
			inTable = false
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if !inTable || len(cells) < 3 || strings.HasPrefix(cells[0], " ---") {
			continue
		}
		keys, defaults := splitCell(cells[0]), splitCell(cells[1])
		for i, key := range keys {
			path := prefix + strings.TrimPrefix(key, "jsonData.")
			node := schemaAt(t, path)
			if node == nil || node.Default == nil {
				continue
			}
			require.Len(t, defaults, len(keys), "README row %q: one default per key", line)
			want, err := json.Marshal(node.Default)
			require.NoError(t, err)
			assert.Equal(t, strings.Trim(string(want), `"`), defaults[i], "README's default of %s", path)
			compared++
		}
	}
	assert.GreaterOrEqual(t, compared, 14, "the README's settings tables were not found")
}

func splitCell(cell string) []string {
	var out []string
	for _, part := range regexp.MustCompile(`, | / `).Split(strings.TrimSpace(cell), -1) {
		out = append(out, strings.Trim(part, "`"))
	}
	return out
}

// schemaAt is the rule-applied schema node of a dotted settings path, nil when there is none.
func schemaAt(t *testing.T, path string) *schemaNode {
	node, err := schemaOf(reflect.TypeFor[SettingsJSON](), "", settingsRules(), map[string]bool{})
	require.NoError(t, err)
	for _, name := range strings.Split(path, ".") {
		var next *schemaNode
		for _, p := range node.Properties {
			if p.name == name {
				next = p.node
			}
		}
		if next == nil {
			return nil
		}
		node = next
	}
	return node
}
