package guidellm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// secretMark is in every planted credential; it must appear nowhere in a decoded Run.
const secretMark = "S3CR3T"

// TestSecretsNeverReachTheRun plants credentials, derived from the real samples, in every place GuideLLM
// writes them (reference §6, §10) and in the target URL, then checks the Run carries none of them.
func TestSecretsNeverReachTheRun(t *testing.T) {
	bearer := map[string]any{"kind": "chat_completions", "extras": map[string]any{"headers": map[string]any{
		"Authorization": "Bearer " + secretMark + "-formatter-bearer"}}}
	requestArgs := "{'method': None, 'stream': True, 'headers': {'Authorization': 'Bearer " + secretMark + "-request-args'}, 'params': None}"
	secretLabels := map[string]any{"team": "ml", "api_token": secretMark + "-label-token", "auth": "Bearer " + secretMark + "-label-bearer",
		"OPENAI_API_KEY": secretMark + "-label-key", "db_password": secretMark + "-label-password"}

	for _, tc := range []struct {
		name, file string
		plant      map[string]any // dotted path → value
		wantTarget string
		wantModel  string
	}{
		{
			name: "v0.4-v0.5 Authorization header in the request formatter", file: "samples/v0.5.0.dev0_concurrent4_qwen3-4b-thinking_fp8.json",
			plant: map[string]any{
				"args.target":                                     "http://svc:" + secretMark + "-pass@0.0.0.0:8000?token=" + secretMark + "-query",
				"args.data_request_formatter":                     bearer,
				"args.request_formatter_kwargs":                   bearer,
				"benchmarks.0.config.backend.target":              "http://svc:" + secretMark + "-pass2@0.0.0.0:8000",
				"benchmarks.0.requests.successful.0.request_args": requestArgs,
			},
			wantTarget: "http://0.0.0.0:8000",
		},
		{
			name: "v0.6 api_key in backend_kwargs", file: "samples/v0.6.0.dev25_constant5_overloaded.json",
			plant: map[string]any{
				"args.target": nil,
				"args.backend_kwargs": map[string]any{"target": "https://alice:" + secretMark + "-userinfo@vllm.example.com:8443/v1?api_key=" + secretMark + "-query#" + secretMark,
					"model": "llama-3.1-8b", "api_key": secretMark + "-v06-api-key", "headers": map[string]any{"Authorization": "Bearer " + secretMark + "-kwargs"}},
				"benchmarks.0.config.backend.api_key":             secretMark + "-bench-api-key",
				"benchmarks.0.requests.successful.0.request_args": requestArgs,
			},
			wantTarget: "https://vllm.example.com:8443/v1", wantModel: "llama-3.1-8b", // the 0.6.0 release layout
		},
		{
			name: "v0.7 api_key in config.spec.backend, secret labels", file: "samples/v0.8.0.dev18_schema-v2_constant-2-and-4rps_multiturn_mockserver_stripped.json",
			plant: map[string]any{
				"config.spec.backend.api_key":         secretMark + "-v07-api-key",
				"config.spec.backend.target":          "http://" + secretMark + "-user:" + secretMark + "-pass@127.0.0.1:8765/",
				"config.metadata.labels":              secretLabels,
				"benchmarks.1.config.backend.api_key": secretMark + "-bench-api-key",
			},
			wantTarget: "http://127.0.0.1:8765/",
		},
		{
			name: "v0.2 YAML target user-info and extras", file: "samples/v0.2.x_synchronous_llama-3-2-3b.yaml",
			plant: map[string]any{
				"benchmarks.0.worker.backend_target": "https://maas:" + secretMark + "/pw@llama.example.com:443",
				"benchmarks.0.extras":                secretLabels,
			},
			wantTarget: "https://llama.example.com:443",
		},
		{
			name: "v0.1 target user-info", file: "fixtures/v0.1.0_sweep_4stages.json",
			plant:      map[string]any{"benchmarks.0.args.target": "http://u:" + secretMark + "@localhost:8000/v1?key=" + secretMark},
			wantTarget: "http://localhost:8000/v1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			input := plantSecrets(t, tc.file, tc.plant)
			run, err := Decode(tc.file, input)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if run.Target != tc.wantTarget {
				t.Errorf("target = %q, want %q", run.Target, tc.wantTarget)
			}
			if tc.wantModel != "" && run.Model != tc.wantModel {
				t.Errorf("model = %q, want %q", run.Model, tc.wantModel)
			}
			for form, text := range map[string]string{"%#v": fmt.Sprintf("%#v", run), "%+v": fmt.Sprintf("%+v", run)} {
				if i := strings.Index(text, secretMark); i >= 0 {
					t.Errorf("secret in %s of the Run: …%s…", form, text[max(0, i-60):min(len(text), i+40)])
				}
			}
			if tc.plant["config.metadata.labels"] != nil || tc.plant["benchmarks.0.extras"] != nil {
				if run.Labels["team"] != "ml" || len(run.Labels) != 1 {
					t.Errorf("labels = %v, want only team=ml", run.Labels)
				}
			}
		})
	}
}

// Errors name fields, never values: a credential next to a broken value stays out of the message.
func TestErrorsCarryNoReportValues(t *testing.T) {
	for _, input := range []string{
		`{"args": {"target": "http://x"}, "benchmarks": [{"config": {"backend": {"model": {"key": "` + secretMark + `"}}}}]}`,
		`{"benchmarks": [{"metrics": {"request_totals": {"successful": "` + secretMark + `"}}}]}`,
		`{"benchmarks": [{"metrics": {"x": "` + secretMark + `\q"}}]}`,
		"benchmarks:\n  - args: {target: " + secretMark + "\n   - bad: [",
	} {
		_, err := Decode("x", []byte(input))
		if err == nil {
			t.Fatalf("Decode(%q) succeeded, want an error", input)
		}
		if strings.Contains(err.Error(), secretMark) {
			t.Errorf("error %q quotes a report value", err)
		}
	}
}

func TestRedactTarget(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://vllm:8000", "http://vllm:8000"},
		{"https://host/v1", "https://host/v1"},
		{"http://user:pass@host:8000/v1?api_key=k#frag", "http://host:8000/v1"},
		{"user:pass@host:8000", "host:8000"},
		{"http://user:pa/ss@host/v1", "http://host/v1"},
		{"http://user:pa?ss@host/v1", "http://host/v1"},
		{"http://user:pa#ss@host", "http://host"},
		{"http://host:8000/v1?token=abc", "http://host:8000/v1"},
		{"example_target", "example_target"},
		{"  http://host:8000 \n", "http://host:8000"},
		{"", ""},
	} {
		if got := redactTarget(tc.in); got != tc.want {
			t.Errorf("redactTarget(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// plantSecrets decodes a testdata report generically, sets the values at the dotted paths (creating objects
// on the way) and encodes it again in its own format.
func plantSecrets(t *testing.T, file string, plant map[string]any) []byte {
	t.Helper()
	data := readTestdata(t, file)
	isYAML := strings.HasSuffix(file, ".yaml")
	if isYAML {
		var err error
		if data, err = yaml.YAMLToJSON(data); err != nil {
			t.Fatal(err)
		}
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for path, value := range plant {
		setPath(t, doc, strings.Split(path, "."), value)
	}
	if isYAML {
		out, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func setPath(t *testing.T, node any, path []string, value any) {
	t.Helper()
	key, rest := path[0], path[1:]
	switch n := node.(type) {
	case map[string]any:
		if len(rest) == 0 {
			n[key] = value
			return
		}
		if _, ok := n[key].(map[string]any); !ok {
			if _, isList := n[key].([]any); !isList {
				n[key] = map[string]any{}
			}
		}
		setPath(t, n[key], rest, value)
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i >= len(n) {
			t.Fatalf("no element %q in a list of %d", key, len(n))
		}
		if len(rest) == 0 {
			n[i] = value
			return
		}
		setPath(t, n[i], rest, value)
	default:
		t.Fatalf("cannot descend into %T at %q", node, key)
	}
}
