package plugin

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Settings that cannot work fail the factory with a downstream error naming the setting: Grafana
// shows it on "Save & test" and blames the configuration, not the plugin.
func TestFactoryRefusesBadSettings(t *testing.T) {
	for name, c := range map[string]struct {
		settings backend.DataSourceInstanceSettings
		message  string
	}{
		"jsonData not JSON": {instanceSettings("", `{"store": `), "settings: invalid jsonData"},
		"store without secret": {instanceSettings("", `{"store": {"endpoint": "127.0.0.1:9000", "bucket": "reports", "accessKey": "key"}}`),
			"storeSecretKey"},
		"apiServer over http": {func() backend.DataSourceInstanceSettings {
			s := instanceSettings("", `{"kubernetes": {"namespace": "bench", "apiServer": "http://127.0.0.1:6443"}}`)
			s.DecryptedSecureJSONData = map[string]string{"kubernetesToken": "t"}
			return s
		}(), "kubernetes.apiServer"},
		"URL not http": {instanceSettings("ftp://prometheus:9090", `{}`), `the data source URL "ftp://prometheus:9090" is not the http(s) URL of a Thanos Querier or Prometheus`},
		"CA not PEM": {func() backend.DataSourceInstanceSettings {
			s := instanceSettings("https://thanos-querier:9091", `{"tlsAuthWithCACert": true}`)
			s.DecryptedSecureJSONData = map[string]string{"tlsCACert": "not a certificate"}
			return s
		}(), "http client: failed to parse TLS CA PEM certificate"},
	} {
		t.Run(name, func(t *testing.T) {
			inst, err := NewDatasource(context.Background(), c.settings)
			require.Error(t, err)
			assert.Nil(t, inst)
			assert.True(t, backend.IsDownstreamError(err), "%q is the settings' fault", err)
			assert.Contains(t, err.Error(), c.message)
		})
	}
}

// Sweeps configured outside a cluster without kubernetes.apiServer: the instance still serves the
// rest, and every sweeps call says what to set, as the user's error.
func TestUnreachableClusterIsASettingsError(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	ds := newInstance(t, instanceSettings("", `{"kubernetes": {"namespace": "bench"}}`))
	const want = "kubernetes: Grafana does not run in a Kubernetes pod"

	resp := queryData(t, ds, dataQuery("A", "sweeps", `{}`))
	requireFailed(t, resp.Responses["A"], backend.ErrorSourceDownstream, backend.StatusBadRequest, want)

	status, body := callResource(t, ds, viewer, http.MethodGet, "/sweeps", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body["error"], want)

	health, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	require.NoError(t, err)
	assert.Equal(t, backend.HealthStatusError, health.Status)
	assert.True(t, strings.HasPrefix(health.Message, "FAILED kubernetes sweeps: "+want), health.Message)
}
