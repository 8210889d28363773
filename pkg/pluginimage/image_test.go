package pluginimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPluginID = "inferenceroi-vllm-datasource"

var testCreated = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// testDist writes a dist/ like the build's, with files unreadable by others (as a restrictive
// umask leaves them), and returns build options for both architectures.
func testDist(t *testing.T) Options {
	t.Helper()
	dist := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dist, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o700))
		require.NoError(t, os.WriteFile(p, []byte(body), mode))
		return p
	}
	files := []string{"plugin.json", "module.js", "img/logo.svg", "dashboards/roi-of-quantization.json", "go_plugin_build_manifest"}
	for _, f := range files {
		write(f, "content of "+f, 0o600)
	}
	o := Options{Dist: dist, Files: files, PluginID: testPluginID, Version: "1.0.0", Created: testCreated, Out: filepath.Join(t.TempDir(), "layout")}
	for _, arch := range []string{"amd64", "arm64"} {
		o.Platforms = append(o.Platforms, Platform{
			Arch:       arch,
			Executable: write("gpx_inferenceroi_linux_"+arch, "backend for "+arch, 0o700),
			Copier:     write("copiers/install-plugin_"+arch, "copier for "+arch, 0o700),
		})
	}
	return o
}

func readBlob(t *testing.T, layout string, d Descriptor) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d.Digest, "sha256:")))
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.Equal(t, d.Digest, "sha256:"+hex.EncodeToString(sum[:]), "blob matches its digest")
	require.Equal(t, d.Size, int64(len(raw)), "blob matches its size")
	return raw
}

func readJSON(t *testing.T, layout string, d Descriptor, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(readBlob(t, layout, d), v))
}

type tarEntry struct {
	mode int64
	dir  bool
	body string
}

// untar reads a gzip-compressed layer and checks its diff id.
func untar(t *testing.T, raw []byte, diffID string) (map[string]tarEntry, []string) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	plain, err := io.ReadAll(gz)
	require.NoError(t, err)
	sum := sha256.Sum256(plain)
	require.Equal(t, diffID, "sha256:"+hex.EncodeToString(sum[:]), "diff id is the uncompressed layer's digest")

	entries := map[string]tarEntry{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(plain))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		assert.Equal(t, 0, h.Uid, h.Name)
		assert.Equal(t, 0, h.Gid, h.Name)
		assert.True(t, h.ModTime.Equal(testCreated), h.Name)
		entries[h.Name] = tarEntry{mode: h.Mode, dir: h.Typeflag == tar.TypeDir, body: string(body)}
		order = append(order, h.Name)
	}
	return entries, order
}

func TestBuildWritesAMultiArchLayoutWithOneLayerOfPluginFiles(t *testing.T) {
	o := testDist(t)
	res, err := Build(o)
	require.NoError(t, err)

	var layout struct {
		ImageLayoutVersion string `json:"imageLayoutVersion"`
	}
	raw, err := os.ReadFile(filepath.Join(o.Out, "oci-layout"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &layout))
	assert.Equal(t, "1.0.0", layout.ImageLayoutVersion)

	var top struct {
		Manifests []Descriptor `json:"manifests"`
	}
	raw, err = os.ReadFile(filepath.Join(o.Out, "index.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &top))
	require.Len(t, top.Manifests, 1, "one tag")
	assert.Equal(t, MediaTypeIndex, top.Manifests[0].MediaType)
	assert.Equal(t, "1.0.0", top.Manifests[0].Annotations[AnnotationRefName])
	assert.Equal(t, res.Index.Digest, top.Manifests[0].Digest)

	var index struct {
		MediaType string       `json:"mediaType"`
		Manifests []Descriptor `json:"manifests"`
	}
	readJSON(t, o.Out, res.Index, &index)
	assert.Equal(t, MediaTypeIndex, index.MediaType)
	require.Len(t, index.Manifests, 2)

	for i, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			entry := index.Manifests[i]
			require.Equal(t, &OCIPlatform{Architecture: arch, OS: "linux"}, entry.Platform)
			assert.Equal(t, MediaTypeManifest, entry.MediaType)

			var manifest struct {
				Config Descriptor   `json:"config"`
				Layers []Descriptor `json:"layers"`
			}
			readJSON(t, o.Out, entry, &manifest)
			var config struct {
				Architecture string `json:"architecture"`
				OS           string `json:"os"`
				Config       struct {
					User       string
					Entrypoint []string
				} `json:"config"`
				RootFS struct {
					DiffIDs []string `json:"diff_ids"`
				} `json:"rootfs"`
			}
			assert.Equal(t, MediaTypeConfig, manifest.Config.MediaType)
			readJSON(t, o.Out, manifest.Config, &config)
			assert.Equal(t, arch, config.Architecture)
			assert.Equal(t, "linux", config.OS)
			assert.Equal(t, User, config.Config.User)
			assert.Equal(t, []string{CopierPath}, config.Config.Entrypoint)
			require.Len(t, manifest.Layers, 2, "the copier and one layer of plugin files")
			require.Len(t, config.RootFS.DiffIDs, 2)

			copier, order := untar(t, readBlob(t, o.Out, manifest.Layers[0]), config.RootFS.DiffIDs[0])
			assert.Equal(t, []string{"usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/install-plugin"}, order, "parents before children")
			assert.Equal(t, tarEntry{mode: 0o755, body: "copier for " + arch}, copier["usr/local/bin/install-plugin"])

			plugin, _ := untar(t, readBlob(t, o.Out, manifest.Layers[1]), config.RootFS.DiffIDs[1])
			dir := "plugins/" + testPluginID + "/"
			want := map[string]tarEntry{
				"plugins/":                             {mode: 0o755, dir: true},
				dir:                                    {mode: 0o755, dir: true},
				dir + "img/":                           {mode: 0o755, dir: true},
				dir + "dashboards/":                    {mode: 0o755, dir: true},
				dir + "gpx_inferenceroi_linux_" + arch: {mode: 0o755, body: "backend for " + arch},
			}
			for _, f := range o.Files {
				want[dir+f] = tarEntry{mode: 0o644, body: "content of " + f}
			}
			assert.Equal(t, want, plugin, "the plugin files, readable by any user, and only this architecture's executable")

			assert.Equal(t, res.Images[i].Manifest.Digest, entry.Digest)
			assert.Equal(t, arch, res.Images[i].Arch)
			assert.Equal(t, manifest.Layers[1].Digest, res.Images[i].Layers[1].Digest)
		})
	}
}

func TestBuildIsReproducible(t *testing.T) {
	o := testDist(t)
	first, err := Build(o)
	require.NoError(t, err)
	o.Out = filepath.Join(t.TempDir(), "again")
	second, err := Build(o)
	require.NoError(t, err)
	assert.Equal(t, first, second, "same inputs, same digests")

	o.Out, o.Created = filepath.Join(t.TempDir(), "later"), testCreated.Add(time.Hour)
	later, err := Build(o)
	require.NoError(t, err)
	assert.NotEqual(t, first.Index.Digest, later.Index.Digest)
}

func TestBuildRefusesWhatItCannotBuild(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(*Options)
		want   string
	}{
		"architecture Grafana has no image for": {func(o *Options) { o.Platforms[1].Arch = "s390x" }, `architecture "s390x"`},
		"architecture twice":                    {func(o *Options) { o.Platforms[1].Arch = "amd64" }, `architecture "amd64" twice`},
		"no platform":                           {func(o *Options) { o.Platforms = nil }, "no platform"},
		"file outside dist":                     {func(o *Options) { o.Files = append(o.Files, "../secret") }, `file "../secret"`},
		"absolute file":                         {func(o *Options) { o.Files = append(o.Files, "/etc/passwd") }, `file "/etc/passwd"`},
		"plugin id with a slash":                {func(o *Options) { o.PluginID = "a/b" }, `plugin id "a/b"`},
		"version that is no tag":                {func(o *Options) { o.Version = "1.0:0" }, `version "1.0:0"`},
		"missing executable":                    {func(o *Options) { o.Platforms[0].Executable += ".gone" }, "linux/amd64:"},
	} {
		t.Run(name, func(t *testing.T) {
			o := testDist(t)
			tc.change(&o)
			_, err := Build(o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	t.Run("an existing layout is not overwritten", func(t *testing.T) {
		o := testDist(t)
		require.NoError(t, os.Mkdir(o.Out, 0o755))
		_, err := Build(o)
		require.ErrorIs(t, err, os.ErrExist)
	})
}
