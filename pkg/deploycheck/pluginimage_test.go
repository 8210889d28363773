package deploycheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// finalCopyRE is the final stage's one COPY: the plugin directory laid out by the first stage.
var finalCopyRE = regexp.MustCompile(`(?m)^COPY --from=files (\S+) (\S+?)/?$`)

// The image cannot be built here (no container engine); these tests check what a build would do:
// the Containerfile's stages and the script that lays out each architecture's plugin directory.
func TestPluginImageIsMultiArchWithOneLayerOfPluginFiles(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy/plugin-image/Containerfile"))
	require.NoError(t, err)
	stages := containerfileStages(string(raw))
	require.Len(t, stages, 2, "a files stage and the final image")

	files, final := stages[0], stages[1]
	assert.Regexp(t, `^FROM --platform=\$BUILDPLATFORM \S+:\S+ AS files$`, files[0], "the files stage runs natively, without emulation")
	assert.Contains(t, files, "ARG TARGETARCH")
	assert.Contains(t, strings.Join(files, "\n"), `install-plugin-files.sh /dist /plugins/inferenceroi-vllm-datasource "$TARGETARCH"`)

	assert.Regexp(t, `^FROM docker\.io/library/busybox:\d+\.\d+\.\d+$`, final[0], "the final image is pinned by tag, for the target platform")
	var layers []string
	for _, in := range final[1:] {
		switch strings.Fields(in)[0] {
		case "COPY", "ADD", "RUN":
			layers = append(layers, in)
		}
	}
	assert.Equal(t, []string{"COPY --from=files /plugins/inferenceroi-vllm-datasource /plugins/inferenceroi-vllm-datasource"}, layers,
		"one layer of plugin files; a RUN (chmod) after it would store every file twice")
	assert.Equal(t, "USER 65532", final[len(final)-1])
}

func TestPluginFilesScriptKeepsOnlyTheTargetArchitecture(t *testing.T) {
	script := filepath.Join(repoRoot(t), "deploy/plugin-image/install-plugin-files.sh")
	dist := t.TempDir()
	writeFile := func(name string, mode os.FileMode) {
		p := filepath.Join(dist, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(name), mode))
	}
	for _, f := range []string{"plugin.json", "module.js", "module.js.map", "README.md", "LICENSE", "CHANGELOG.md", "go_plugin_build_manifest", "img/logo.svg", "dashboards/roi-of-quantization.json"} {
		writeFile(f, 0o600) // unreadable for other users, as a restrictive umask leaves them
	}
	for _, p := range []string{"linux_amd64", "linux_arm64", "linux_arm", "darwin_amd64", "darwin_arm64", "windows_amd64.exe"} {
		writeFile("gpx_inferenceroi_"+p, 0o700)
	}
	writeFile("standalone.txt", 0o600)

	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "plugins", "inferenceroi-vllm-datasource")
			out, err := exec.Command("sh", script, dist, dest, arch).CombinedOutput()
			require.NoError(t, err, string(out))

			modes := map[string]os.FileMode{}
			require.NoError(t, filepath.WalkDir(dest, func(path string, d os.DirEntry, err error) error {
				require.NoError(t, err)
				info, err := d.Info()
				require.NoError(t, err)
				rel, err := filepath.Rel(dest, path)
				require.NoError(t, err)
				modes[filepath.ToSlash(rel)] = info.Mode().Perm()
				return nil
			}))
			var binaries []string
			for name, mode := range modes {
				switch {
				case strings.HasPrefix(name, "gpx_"):
					binaries = append(binaries, name)
					assert.Equal(t, os.FileMode(0o755), mode, name)
				case name == "." || name == "img" || name == "dashboards":
					assert.Equal(t, os.FileMode(0o755), mode, name)
				default:
					assert.Equal(t, os.FileMode(0o644), mode, name)
				}
			}
			sort.Strings(binaries)
			assert.Equal(t, []string{"gpx_inferenceroi_linux_" + arch}, binaries)
			assert.NotContains(t, modes, "standalone.txt", "a debug run's file never ships")
			for _, f := range []string{"plugin.json", "module.js", "img/logo.svg", "dashboards/roi-of-quantization.json", "go_plugin_build_manifest"} {
				assert.Contains(t, modes, f)
			}
		})
	}

	t.Run("an architecture Grafana does not run on", func(t *testing.T) {
		out, err := exec.Command("sh", script, dist, filepath.Join(t.TempDir(), "p"), "s390x").CombinedOutput()
		require.Error(t, err)
		assert.Contains(t, string(out), "unsupported architecture 's390x'")
	})
	t.Run("no executable for the architecture", func(t *testing.T) {
		require.NoError(t, os.Remove(filepath.Join(dist, "gpx_inferenceroi_linux_arm64")))
		out, err := exec.Command("sh", script, dist, filepath.Join(t.TempDir(), "p"), "arm64").CombinedOutput()
		require.Error(t, err)
		assert.Contains(t, string(out), "has no gpx_inferenceroi_linux_arm64: build it with mage linux")
	})
}

// containerfileStages splits a Containerfile into stages of instructions (continuation lines
// joined, comments and parser directives dropped).
func containerfileStages(text string) [][]string {
	var stages [][]string
	var current strings.Builder
	flush := func() {
		in := strings.TrimSpace(current.String())
		current.Reset()
		if in == "" {
			return
		}
		if strings.HasPrefix(in, "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			current.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		current.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}
