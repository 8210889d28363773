package pluginimage

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallPluginCopiesTheDirectoryReadableWithItsRunBits(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o077)) // a restrictive umask must not make the plugin unreadable

	src := filepath.Join(t.TempDir(), testPluginID)
	require.NoError(t, os.MkdirAll(filepath.Join(src, "img"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "plugin.json"), []byte(`{"id":"x"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "img", "logo.svg"), []byte("<svg/>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "gpx_inferenceroi_linux_amd64"), []byte("elf"), 0o755))

	parent := t.TempDir()
	// An earlier copy, from a previous start of the init container, with a file the new one lacks.
	require.NoError(t, os.MkdirAll(filepath.Join(parent, testPluginID), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(parent, testPluginID, "stale.js"), nil, 0o644))

	require.NoError(t, InstallPlugin(src, parent))

	got := map[string]os.FileMode{}
	require.NoError(t, filepath.WalkDir(parent, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		info, err := d.Info()
		require.NoError(t, err)
		rel, err := filepath.Rel(parent, path)
		require.NoError(t, err)
		if rel != "." {
			got[filepath.ToSlash(rel)] = info.Mode().Perm()
		}
		return nil
	}))
	assert.Equal(t, map[string]os.FileMode{
		testPluginID:                                   0o755,
		testPluginID + "/img":                          0o755,
		testPluginID + "/img/logo.svg":                 0o644,
		testPluginID + "/plugin.json":                  0o644,
		testPluginID + "/gpx_inferenceroi_linux_amd64": 0o755,
	}, got, "the earlier copy is replaced whole, no temporary directory is left")
	body, err := os.ReadFile(filepath.Join(parent, testPluginID, "plugin.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"id":"x"}`, string(body))
}

func TestInstallPluginRefusesWhatIsNoPluginDirectory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plugin.json")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	assert.ErrorContains(t, InstallPlugin(file, t.TempDir()), "is not a directory")
	assert.ErrorIs(t, InstallPlugin(filepath.Join(dir, "missing"), t.TempDir()), os.ErrNotExist)

	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "link")))
	parent := t.TempDir()
	assert.ErrorContains(t, InstallPlugin(dir, parent), "neither a file nor a directory")
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed copy leaves nothing behind")
}
