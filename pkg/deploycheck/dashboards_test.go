package deploycheck

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// TestManifestsProvisionDashboardsAndAlerts: in every build, Grafana's pod finds a dashboard provider
// whose path holds exactly the dashboards of provisioning/dashboards/, and the alert rules of
// provisioning/alerting/, byte for byte.
func TestManifestsProvisionDashboardsAndAlerts(t *testing.T) {
	root := repoRoot(t)
	want := func(dir, glob string) map[string]string {
		files, err := filepath.Glob(filepath.Join(root, dir, glob))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		out := map[string]string{}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			require.NoError(t, err)
			out[filepath.Base(f)] = string(raw)
		}
		return out
	}
	dashboards := want("provisioning/dashboards", "*.json")
	alerts := want("provisioning/alerting", "*.yaml")

	for _, dir := range []string{baseDir, openshiftDir, siteDir} {
		pod := newGrafanaPod(t, build(t, dir), "ca")
		providerFile, ok := pod.files["/etc/grafana/provisioning/dashboards/inferenceroi.yaml"]
		require.True(t, ok, "%s: no dashboard provider in Grafana's provisioning folder", dir)
		var provider struct {
			Providers []struct {
				Type    string `json:"type"`
				Options struct {
					Path string `json:"path"`
				} `json:"options"`
			} `json:"providers"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(providerFile), &provider))
		require.Len(t, provider.Providers, 1)
		require.Equal(t, "file", provider.Providers[0].Type)
		for name, body := range dashboards {
			assert.Equal(t, body, pod.files[path.Join(provider.Providers[0].Options.Path, name)], "%s: dashboard %s", dir, name)
		}
		for name, body := range alerts {
			assert.Equal(t, body, pod.files[path.Join("/etc/grafana/provisioning/alerting", name)], "%s: alert rules %s", dir, name)
		}
	}
}
