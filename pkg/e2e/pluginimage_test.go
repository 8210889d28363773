package e2e

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/realserver"
	"github.com/inferenceroi/vllm-datasource/pkg/pluginimage"
)

// elfMachines are the machines each architecture's executables must be built for.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// TestPluginImageInstallsAPluginGrafanaStarts takes the image `mage image` built through the tools
// a registry push and a container runtime use: skopeo reads the multi-arch index and copies out
// each architecture's image, umoci unpacks it into a root filesystem. Each holds the copier and
// the plugin with that architecture's executables only. On this machine's architecture the
// image's copier then installs the plugin as the Grafana pod's init container does, and the
// installed executable answers CheckHealth over gRPC as Grafana starts it.
func TestPluginImageInstallsAPluginGrafanaStarts(t *testing.T) {
	layout := realserver.Env(t, "PLUGIN_IMAGE_LAYOUT", "mage image, then PLUGIN_IMAGE_LAYOUT=<repository>/artifacts/plugin-image")
	skopeo, umoci := requireTool(t, "skopeo"), requireTool(t, "umoci")
	tag := layoutTag(t, layout)

	run := func(name string, args ...string) []byte {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
		return out
	}
	// No signature policy applies to a local layout; skopeo would otherwise need /etc/containers/policy.json.
	var index struct {
		MediaType string `json:"mediaType"`
		Manifests []struct {
			Platform struct{ Architecture, OS string } `json:"platform"`
		} `json:"manifests"`
	}
	require.NoError(t, json.Unmarshal(run(skopeo, "--insecure-policy", "inspect", "--raw", "oci:"+layout+":"+tag), &index))
	assert.Equal(t, pluginimage.MediaTypeIndex, index.MediaType)
	var platforms []string
	for _, m := range index.Manifests {
		platforms = append(platforms, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	require.Equal(t, []string{"linux/amd64", "linux/arm64"}, platforms)

	work := t.TempDir()
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			single := filepath.Join(work, arch)
			run(skopeo, "--insecure-policy", "copy", "--quiet", "--override-os", "linux", "--override-arch", arch, "oci:"+layout+":"+tag, "oci:"+single+":"+tag)
			bundle := filepath.Join(work, "bundle-"+arch)
			run(umoci, "unpack", "--rootless", "--image", single+":"+tag, bundle)
			rootfs := filepath.Join(bundle, "rootfs")

			var spec struct {
				Process struct {
					Args []string `json:"args"`
				} `json:"process"`
			}
			raw, err := os.ReadFile(filepath.Join(bundle, "config.json"))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &spec))
			require.NotEmpty(t, spec.Process.Args)
			assert.Equal(t, pluginimage.CopierPath, spec.Process.Args[0], "the image runs its copier")

			copier := filepath.Join(rootfs, pluginimage.CopierPath)
			pluginDir := filepath.Join(rootfs, pluginimage.PluginsDir, pluginType)
			executables, err := filepath.Glob(filepath.Join(pluginDir, "gpx_*"))
			require.NoError(t, err)
			require.Len(t, executables, 1, "one backend executable per image")
			assert.Equal(t, "gpx_inferenceroi_linux_"+arch, filepath.Base(executables[0]), "named as Grafana looks it up: <executable>_linux_<arch>")
			for _, bin := range []string{copier, executables[0]} {
				f, err := elf.Open(bin)
				require.NoError(t, err, bin)
				assert.Equal(t, elfMachines[arch], f.Machine, "%s is built for %s", filepath.Base(bin), arch)
				require.NoError(t, f.Close())
			}
			for _, f := range []string{"plugin.json", "module.js", "img/logo.svg"} {
				assert.FileExists(t, filepath.Join(pluginDir, f))
			}

			if arch != runtime.GOARCH {
				return
			}
			// The init container's command (deploy/base/grafana/deployment.yaml, checked by deploycheck).
			grafanaPlugins := filepath.Join(work, "grafana-plugins")
			require.NoError(t, os.Mkdir(grafanaPlugins, 0o755))
			run(copier, pluginDir, grafanaPlugins)
			installed := filepath.Join(grafanaPlugins, pluginType, "gpx_inferenceroi_linux_"+arch)
			st, err := os.Stat(installed)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())

			p, err := startPlugin(installed)
			require.NoError(t, err, "Grafana starts the installed executable")
			defer p.client.Kill()
			env := requireS3(t)
			bucket := fmt.Sprintf("e2e-image-%d", time.Now().UnixNano())
			seedBucket(t, env, bucket, "guidellm/", historyReports...)
			res := p.checkHealth(t, historyInstance(env, "image-"+bucket, bucket))
			assert.Equal(t, backend.HealthStatusOk, res.Status, res.Message)
			assert.Contains(t, res.Message, "4 GuideLLM runs decoded")
		})
	}
}

// layoutTag is the one tag of an OCI image layout.
func layoutTag(t *testing.T, layout string) string {
	t.Helper()
	var top struct {
		Manifests []struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	raw, err := os.ReadFile(filepath.Join(layout, "index.json"))
	require.NoError(t, err, "build the image with mage image")
	require.NoError(t, json.Unmarshal(raw, &top))
	require.Len(t, top.Manifests, 1, "one tagged image")
	tag := top.Manifests[0].Annotations[pluginimage.AnnotationRefName]
	require.NotEmpty(t, tag)
	return tag
}

// requireTool finds a program the test script installs: missing, it fails the test in CI and skips it elsewhere.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if realserver.InCI() {
			t.Fatalf("%s is not installed, and CI requires it: scripts/test.sh installs it (apt-get install %s)", name, name)
		}
		t.Skipf("%s is not installed: apt-get install %s", name, name)
	}
	return path
}
