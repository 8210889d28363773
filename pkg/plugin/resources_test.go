package plugin

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// resourceInstance is a data source with sweeps configured (an apiserver that is never reached:
// the sweep manager is a fake), a fake results store and a 1 MiB object limit.
func resourceInstance(t *testing.T) (*Datasource, *fakeStore, *fakeSweeps) {
	t.Helper()
	apiserver := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the apiserver must not be called: %s %s", r.Method, r.URL.Path)
	}))
	t.Cleanup(apiserver.Close)
	settings := apiServerSettings(t, apiserver)
	// no store settings but the size limit: with a store configured, the real ingestion loop would start
	settings.JSONData = bytes.Replace(settings.JSONData, []byte(`{"kubernetes"`), []byte(`{"store": {"maxObjectSizeMB": 1}, "kubernetes"`), 1)
	ds := newInstance(t, settings)
	runs := &fakeStore{}
	sw := sweeps.Settings{Namespace: "bench"}
	sw.ApplyDefaults()
	fs := &fakeSweeps{settings: sw, catalog: ds.analysis,
		list: sweeps.SweepList{{Name: "guidellm-mistral-3-int4-1", Model: "mistral-3-int4", Status: sweeps.StatusRunning}}}
	ds.runs, ds.sweeps = runs, fs
	return ds, runs, fs
}

func sweepReport(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "reports", "mistral-3-int4_chat_sweep.json"))
	require.NoError(t, err)
	return raw
}

// The calls that change data or spend GPU time refuse Viewers and anonymous callers before doing
// anything, and let Editors and Admins through.
func TestMutatingCallsNeedEditor(t *testing.T) {
	calls := []struct {
		method, path string
		body         string
	}{
		{http.MethodPost, "/runs?model=mistral-3-int4", string(sweepReport(t))},
		{http.MethodPost, "/sweeps", `{"model": "mistral-3-int4", "scenario": "chat", "profile": "constant", "rates": [1, 2]}`},
		{http.MethodDelete, "/sweeps/guidellm-mistral-3-int4-1", ""},
		{http.MethodPost, "/probe", `{"models": [], "prompt": "hi"}`},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			ds, runs, fs := resourceInstance(t)
			for user, role := range map[*backend.User]string{viewer: "Viewer", nil: "anonymous", {Login: "nobody"}: "anonymous"} {
				status, body := callResource(t, ds, user, c.method, c.path, []byte(c.body))
				assert.Equal(t, http.StatusForbidden, status, role)
				assert.Equal(t, "this call changes data and needs the Editor or Admin role; you are "+role, body["error"])
			}
			assert.Zero(t, runs.uploadCount(), "nothing stored for a refused caller")
			assert.Empty(t, fs.launches(), "nothing launched for a refused caller")
			assert.Empty(t, fs.cancels(), "nothing cancelled for a refused caller")

			for _, user := range []*backend.User{editor, admin} {
				status, body := callResource(t, ds, user, c.method, c.path, []byte(c.body))
				assert.NotEqual(t, http.StatusForbidden, status, "%s: %v", user.Role, body)
			}
		})
	}
}

// What an Editor's allowed call does: the upload is stored, the sweep launched under their login,
// the Job cancelled.
func TestEditorCallsReachTheDomain(t *testing.T) {
	ds, runs, fs := resourceInstance(t)

	status, body := callResource(t, ds, editor, http.MethodPost, "/runs?model=mistral-3-int4&gpus=1", sweepReport(t))
	require.Equal(t, http.StatusCreated, status, "%v", body)
	assert.Equal(t, "mistral-3-int4", body["model"])
	assert.Equal(t, []map[string]string{{"model": "mistral-3-int4", "gpus": "1"}}, runs.uploads)

	status, body = callResource(t, ds, admin, http.MethodPost, "/sweeps", []byte(`{"model": "mistral-3-int4", "scenario": "chat", "profile": "constant", "rates": [1, 2]}`))
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	require.Len(t, fs.launches(), 1)
	assert.Equal(t, "ada", fs.launches()[0].RequestedBy, "the launcher is the Grafana login, never the body")

	status, body = callResource(t, ds, editor, http.MethodDelete, "/sweeps/guidellm-mistral-3-int4-1", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, []string{"guidellm-mistral-3-int4-1"}, fs.cancels())

	// reading is open to Viewers
	status, body = callResource(t, ds, viewer, http.MethodGet, "/sweeps/guidellm-mistral-3-int4-1", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	status, body = callResource(t, ds, viewer, http.MethodGet, "/sweeps/guidellm-other", nil)
	assert.Equal(t, http.StatusNotFound, status, "%v", body)
}

// Every bad field of a resource call's body or labels is refused with 4xx and a message naming it,
// and nothing is stored or launched.
func TestResourceRequestValidation(t *testing.T) {
	report := sweepReport(t)
	for _, c := range []struct {
		name, method, path string
		body               []byte
		status             int
		message            string
	}{
		{"repeated label", http.MethodPost, "/runs?model=a&model=b", report, http.StatusBadRequest, `label "model" is given 2 times; give each label once`},
		{"gpus not a number", http.MethodPost, "/runs?gpus=four", report, http.StatusBadRequest, `label gpus="four" must be a whole number of GPUs between 1 and 1024`},
		{"gpus zero", http.MethodPost, "/runs?gpus=0", report, http.StatusBadRequest, `label gpus="0" must be a whole number of GPUs between 1 and 1024`},
		{"label name", http.MethodPost, "/runs?gpu%20type=L4", report, http.StatusBadRequest, `invalid labels: label name "gpu type" must start with a letter`},
		{"empty body", http.MethodPost, "/runs", nil, http.StatusBadRequest, "empty body: send the report (JSON or YAML), or a tar.gz of a folder of reports"},
		{"not a report", http.MethodPost, "/runs", []byte(`{"hello": "world"}`), http.StatusBadRequest, "not a readable benchmark report: "},
		{"too large", http.MethodPost, "/runs", bytes.Repeat([]byte(" "), 1<<20+1), http.StatusRequestEntityTooLarge, "report is larger than 1 MiB (store.maxObjectSizeMB)"},
		{"broken tar.gz", http.MethodPost, "/runs", []byte{0x1f, 0x8b, 0, 1, 2}, http.StatusBadRequest, "invalid folder archive"},
		{"sweep unknown field", http.MethodPost, "/sweeps", []byte(`{"modle": "mistral-3-int4"}`), http.StatusBadRequest, `invalid JSON body: json: unknown field "modle"`},
		{"sweep wrong type", http.MethodPost, "/sweeps", []byte(`{"model": "mistral-3-int4", "rates": "fast"}`), http.StatusBadRequest, "invalid JSON body: json: cannot unmarshal string into Go struct field Request.rates"},
		{"sweep body too large", http.MethodPost, "/sweeps", []byte(`{"model": "` + strings.Repeat("m", 65<<10) + `"}`), http.StatusBadRequest, "invalid JSON body: http: request body too large"},
		{"sweep model empty", http.MethodPost, "/sweeps", []byte(`{"scenario": "chat", "profile": "constant", "rates": [1]}`), http.StatusBadRequest, "invalid sweep request: model is empty"},
		{"sweep scenario", http.MethodPost, "/sweeps", []byte(`{"model": "mistral-3-int4", "scenario": "poetry", "profile": "constant", "rates": [1]}`), http.StatusBadRequest, `invalid sweep request: scenario "poetry" is not defined`},
		{"sweep stage length", http.MethodPost, "/sweeps", []byte(`{"model": "mistral-3-int4", "scenario": "chat", "profile": "constant", "rates": [1], "secondsPerStage": 1}`), http.StatusBadRequest, "invalid sweep request: secondsPerStage 1 is out of range"},
		{"probe no models", http.MethodPost, "/probe", []byte(`{"models": [], "prompt": "hi"}`), http.StatusBadRequest, "models is empty: name at least one model"},
		{"probe empty prompt", http.MethodPost, "/probe", []byte(`{"models": ["mistral-3-int4"]}`), http.StatusBadRequest, "prompt is empty"},
		{"probe max tokens", http.MethodPost, "/probe", []byte(`{"models": ["mistral-3-int4"], "prompt": "hi", "maxTokens": 999999}`), http.StatusBadRequest, "maxTokens 999999 is out of range 1.."},
		{"probe unknown field", http.MethodPost, "/probe", []byte(`{"models": ["mistral-3-int4"], "prompt": "hi", "temperature": 2}`), http.StatusBadRequest, `invalid JSON body: json: unknown field "temperature"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ds, runs, fs := resourceInstance(t)
			status, body := callResource(t, ds, editor, c.method, c.path, c.body)
			assert.Equal(t, c.status, status, "%v", body)
			assert.Contains(t, body["error"], c.message)
			assert.Zero(t, runs.uploadCount())
			assert.Empty(t, fs.launches())
		})
	}
}

// A failed upload says whose fault it is: the S3 server's (502) or the plugin's (500).
func TestUploadFailuresAreAttributed(t *testing.T) {
	for name, c := range map[string]struct {
		err     error
		status  int
		message string
	}{
		"S3 refused": {&store.UpstreamError{Msg: `access denied to bucket "reports"`, StatusCode: http.StatusForbidden}, http.StatusBadGateway, `results store: access denied to bucket "reports"`},
		"plugin bug": {errors.New("nil run from the decoder"), http.StatusInternalServerError, "internal error while storing the upload: nil run from the decoder"},
	} {
		t.Run(name, func(t *testing.T) {
			ds, runs, _ := resourceInstance(t)
			runs.err = c.err
			status, body := callResource(t, ds, editor, http.MethodPost, "/runs", sweepReport(t))
			assert.Equal(t, c.status, status)
			assert.Equal(t, c.message, body["error"])
		})
	}
}
