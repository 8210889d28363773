// Package e2e drives the compiled plugin binary exactly as Grafana does: it starts the executable
// with hashicorp/go-plugin and the SDK's handshake, then calls QueryData, CheckHealth and
// CallResource over gRPC against real upstream servers.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// plugin is the one plugin process shared by the package's tests.
var plugin *pluginProcess

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	bin := os.Getenv("PLUGIN_BINARY")
	if bin == "" {
		dir, err := os.MkdirTemp("", "gpx-e2e")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "gpx_inferenceroi")
		build := exec.Command("go", "build", "-ldflags", "-s -w", "-o", bin, "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building the plugin binary:", err)
			return 1
		}
	}
	p, err := startPlugin(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the plugin:", err)
		return 1
	}
	defer p.client.Kill()
	plugin = p
	return m.Run()
}

type pluginProcess struct {
	client      *goplugin.Client
	data        grpcplugin.DataClient
	diagnostics grpcplugin.DiagnosticsClient
	resource    grpcplugin.ResourceClient
}

// startPlugin launches the binary the way Grafana's plugin loader does (handshake, gRPC only).
func startPlugin(bin string) (*pluginProcess, error) {
	client := goplugin.NewClient(&goplugin.ClientConfig{
		Cmd: exec.Command(bin),
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"data":        &grpcplugin.DataGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		// The plugin's own logs are noise here unless something goes wrong.
		Logger: hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Error, Output: os.Stderr}),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, err
	}
	p := &pluginProcess{client: client}
	for name, dst := range map[string]any{"data": &p.data, "diagnostics": &p.diagnostics, "resource": &p.resource} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s: %w", name, err)
		}
		switch d := dst.(type) {
		case *grpcplugin.DataClient:
			*d = raw.(grpcplugin.DataClient)
		case *grpcplugin.DiagnosticsClient:
			*d = raw.(grpcplugin.DiagnosticsClient)
		case *grpcplugin.ResourceClient:
			*d = raw.(grpcplugin.ResourceClient)
		}
	}
	return p, nil
}

// instance describes one configured data source, as Grafana sends it with every call.
type instance struct {
	UID      string
	URL      string
	JSONData map[string]any
	Secure   map[string]string
	Role     string // org role of the calling user
}

func (in instance) pluginContext(t *testing.T) backend.PluginContext {
	t.Helper()
	raw, err := json.Marshal(in.JSONData)
	if err != nil {
		t.Fatal(err)
	}
	role := in.Role
	if role == "" {
		role = "Viewer"
	}
	return backend.PluginContext{
		OrgID:    1,
		PluginID: "inferenceroi-vllm-datasource",
		User:     &backend.User{Login: "e2e-" + role, Role: role},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID:                      int64(len(in.UID)),
			UID:                     in.UID,
			Name:                    "Inference ROI " + in.UID,
			Type:                    "inferenceroi-vllm-datasource",
			URL:                     in.URL,
			JSONData:                raw,
			DecryptedSecureJSONData: in.Secure,
			Updated:                 time.Unix(1700000000, 0),
		},
	}
}

func (in instance) as(role string) instance {
	in.Role = role
	return in
}

func (p *pluginProcess) queryData(t *testing.T, in instance, queries []backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := &backend.QueryDataRequest{PluginContext: in.pluginContext(t), Queries: queries}
	pr, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		t.Fatalf("QueryData over gRPC: %v", err)
	}
	resp, err := backend.FromProto().QueryDataResponse(pr)
	if err != nil {
		t.Fatalf("decoding QueryData response: %v", err)
	}
	return resp
}

func (p *pluginProcess) checkHealth(t *testing.T, in instance) *backend.CheckHealthResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(in.pluginContext(t))})
	if err != nil {
		t.Fatalf("CheckHealth over gRPC: %v", err)
	}
	return backend.FromProto().CheckHealthResponse(res)
}

// callResource sends one resource call and returns the status and the whole body.
func (p *pluginProcess) callResource(t *testing.T, in instance, method, pathAndQuery string, body []byte) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	path := pathAndQuery
	for i, c := range pathAndQuery {
		if c == '?' {
			path = pathAndQuery[:i]
			break
		}
	}
	req := &backend.CallResourceRequest{
		PluginContext: in.pluginContext(t),
		Path:          path,
		Method:        method,
		URL:           pathAndQuery,
		Body:          body,
		Headers:       map[string][]string{"Content-Type": {"application/json"}},
	}
	stream, err := p.resource.CallResource(ctx, backend.ToProto().CallResourceRequest(req))
	if err != nil {
		t.Fatalf("CallResource over gRPC: %v", err)
	}
	var (
		status int
		out    []byte
	)
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("CallResource stream: %v", err)
		}
		if msg.Code != 0 {
			status = int(msg.Code)
		}
		out = append(out, msg.Body...)
	}
	return status, out
}
