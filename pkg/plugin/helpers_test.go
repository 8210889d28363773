package plugin

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/peers"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// newInstance runs the factory on settings as Grafana sends them and disposes the instance after the test.
func newInstance(t *testing.T, s backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	inst, err := NewDatasource(context.Background(), s)
	require.NoError(t, err)
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

// instanceSettings is a data source with jsonData (a JSON object) and the Prometheus URL.
func instanceSettings(url, jsonData string) backend.DataSourceInstanceSettings {
	return backend.DataSourceInstanceSettings{UID: "test", URL: url, JSONData: json.RawMessage(jsonData)}
}

// apiServerSettings is a data source whose sweeps run through the kube-apiserver srv (a TLS
// httptest server), in namespace bench.
func apiServerSettings(t *testing.T, srv *httptest.Server) backend.DataSourceInstanceSettings {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	k8s, err := json.Marshal(map[string]any{"kubernetes": map[string]any{"namespace": "bench", "apiServer": srv.URL, "caCert": string(ca)}})
	require.NoError(t, err)
	s := instanceSettings("", string(k8s))
	s.DecryptedSecureJSONData = map[string]string{"kubernetesToken": "test-token"}
	return s
}

// sweepRun decodes the INT4 chat sweep of testdata, as the results store would serve it.
func sweepRun(t *testing.T) *guidellm.Run {
	t.Helper()
	const name = "mistral-3-int4_chat_sweep.json"
	raw, err := os.ReadFile(filepath.Join("testdata", "reports", name))
	require.NoError(t, err)
	run, err := peers.Decode(name, raw)
	require.NoError(t, err)
	return run
}

// fakeStore is the runStore a test controls: it serves snap or fails with err, and records uploads.
type fakeStore struct {
	snap *store.Snapshot
	err  error

	mu      sync.Mutex
	uploads []map[string]string // labels of each Put and PutFolder
}

func (f *fakeStore) Snapshot(context.Context) (*store.Snapshot, error) { return f.snap, f.err }

func (f *fakeStore) Ping(context.Context) error { return f.err }

// Put keeps the store's contract: invalid labels and undecodable reports are refused with the
// store's own errors, nothing else is checked.
func (f *fakeStore) Put(_ context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error) {
	if f.err != nil {
		return "", nil, f.err
	}
	if err := store.ValidateLabels(labels); err != nil {
		return "", nil, err
	}
	run, err := peers.Decode("upload.json", report)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", store.ErrInvalidReport, err)
	}
	f.record(labels)
	return "uploads/" + run.Model + "/report.json", run, nil
}

func (f *fakeStore) PutFolder(_ context.Context, files []store.FolderFile, labels map[string]string) (*store.FolderUpload, error) {
	if f.err != nil {
		return nil, f.err
	}
	if err := store.ValidateLabels(labels); err != nil {
		return nil, err
	}
	up := &store.FolderUpload{Folder: "uploads/folder/"}
	for _, file := range files {
		run, err := peers.Decode(file.Path, file.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", store.ErrInvalidReport, err)
		}
		up.Runs = append(up.Runs, run)
	}
	f.record(labels)
	return up, nil
}

func (f *fakeStore) record(labels map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, labels)
}

func (f *fakeStore) uploadCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.uploads)
}

// fakeLive is the liveMetrics a test controls: each query method answers one frame named after it,
// or fails with err, or panics with panicWith.
type fakeLive struct {
	err       error
	panicWith any

	mu    sync.Mutex
	calls []string
	query live.Query
}

func (f *fakeLive) answer(method string, q live.Query) (data.Frames, error) {
	f.mu.Lock()
	f.calls = append(f.calls, method)
	f.query = q
	f.mu.Unlock()
	if f.panicWith != nil {
		panic(f.panicWith)
	}
	if f.err != nil {
		return nil, f.err
	}
	return data.Frames{data.NewFrame(method)}, nil
}

func (f *fakeLive) Metrics(_ context.Context, q live.Query, _ live.TimeRange) (data.Frames, error) {
	return f.answer("metrics", q)
}

func (f *fakeLive) Efficiency(_ context.Context, q live.Query, _ live.TimeRange) (data.Frames, error) {
	return f.answer("efficiency", q)
}

func (f *fakeLive) Status(_ context.Context, q live.Query, _ live.TimeRange) (data.Frames, error) {
	return f.answer("status", q)
}

func (f *fakeLive) Health(context.Context) []live.HealthCheck { return nil }

func (f *fakeLive) Models(context.Context, string) ([]string, error) { return nil, f.err }

func (f *fakeLive) Namespaces(context.Context) ([]string, error) { return nil, f.err }

// fakeSweeps is the sweepManager a test controls. Launch validates with the real sweeps rules
// (settings.Plan), so a bad field gets the message users see.
type fakeSweeps struct {
	settings sweeps.Settings
	catalog  analysis.Config
	list     sweeps.SweepList
	err      error

	mu        sync.Mutex
	launched  []sweeps.Request
	cancelled []string
}

func (f *fakeSweeps) Launch(_ context.Context, req sweeps.Request) (sweeps.Sweep, bool, error) {
	if f.err != nil {
		return sweeps.Sweep{}, false, f.err
	}
	if _, err := f.settings.Plan(req, f.catalog); err != nil {
		return sweeps.Sweep{}, false, err
	}
	f.mu.Lock()
	f.launched = append(f.launched, req)
	f.mu.Unlock()
	return sweeps.Sweep{Name: "guidellm-" + req.Model, Model: req.Model, Scenario: req.Scenario, RequestedBy: req.RequestedBy}, true, nil
}

func (f *fakeSweeps) launches() []sweeps.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sweeps.Request(nil), f.launched...)
}

func (f *fakeSweeps) cancels() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cancelled...)
}

func (f *fakeSweeps) List(context.Context) (sweeps.SweepList, error) { return f.list, f.err }

func (f *fakeSweeps) Get(_ context.Context, name string) (sweeps.Sweep, error) {
	if f.err != nil {
		return sweeps.Sweep{}, f.err
	}
	for _, s := range f.list {
		if s.Name == name {
			return s, nil
		}
	}
	return sweeps.Sweep{}, sweeps.ErrNotFound
}

func (f *fakeSweeps) Cancel(_ context.Context, name string) error {
	if f.err != nil {
		return f.err
	}
	f.mu.Lock()
	f.cancelled = append(f.cancelled, name)
	f.mu.Unlock()
	return nil
}

func (f *fakeSweeps) CheckAccess(context.Context) (sweeps.AccessReport, error) {
	return sweeps.AccessReport{}, f.err
}

// callResource sends one resource call through the instance's CallResource handler as user (nil:
// anonymous) and returns the status and the decoded JSON body.
func callResource(t *testing.T, ds *Datasource, user *backend.User, method, path string, body []byte) (int, map[string]any) {
	t.Helper()
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{User: user},
		Method:        method,
		Path:          strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/"), // as Grafana sends it
		URL:           path,
		Body:          body,
		Headers:       map[string][]string{},
	}
	var resp *backend.CallResourceResponse
	err := ds.CallResource(context.Background(), req, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		resp = r
		return nil
	}))
	require.NoError(t, err)
	require.NotNil(t, resp)
	var out map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &out), "body %s", resp.Body)
	return resp.Status, out
}

var (
	viewer = &backend.User{Login: "vera", Role: "Viewer"}
	editor = &backend.User{Login: "eddie", Role: "Editor"}
	admin  = &backend.User{Login: "ada", Role: "Admin"}
)
