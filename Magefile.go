//go:build mage

package main

import (
	"archive/zip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	"github.com/inferenceroi/vllm-datasource/pkg/pluginimage"
)

// plugin.json lives at the top level of the repository, not in src/.
func init() {
	if err := build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.PluginJSONPath = "."
		return cfg, nil
	}); err != nil {
		panic(err)
	}
}

// Default builds the backend for every platform Grafana runs on.
var Default = build.BuildAll

// Linux builds the backend for linux/amd64 and linux/arm64: what Grafana runs in Docker (also on
// Apple Silicon) and on Kubernetes/OpenShift nodes of either architecture.
func Linux() {
	b := build.Build{}
	mg.Deps(b.Linux, b.LinuxARM64)
}

// Package builds the backend for every platform and writes the catalog archives to artifacts/:
// <id>-<version>.zip with every platform's executable, one <id>-<version>.<os>_<arch>.zip per
// platform, each with a top folder named after the plugin id, and a .sha256 and .md5 checksum next
// to each. The frontend (npm run build) must be in dist/ already.
func Package() error {
	id, version, executable, err := distPluginJSON()
	if err != nil {
		return err
	}
	mg.Deps(build.BuildAll)

	files, common, binaries, err := distFiles(executable)
	if err != nil {
		return err
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		return err
	}
	archives := map[string][]string{fmt.Sprintf("%s-%s.zip", id, version): files}
	for _, b := range binaries {
		platform := strings.TrimSuffix(strings.TrimPrefix(b, executable+"_"), ".exe")
		archives[fmt.Sprintf("%s-%s.%s.zip", id, version, platform)] = append(append([]string{}, common...), b)
	}
	names := make([]string, 0, len(archives))
	for name := range archives {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join("artifacts", name)
		if err := writeZip(path, id, archives[name]); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := writeChecksums(path); err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%.1f MB\n", path, float64(st.Size())/1e6)
	}
	return nil
}

// distPluginJSON reads the plugin.json webpack wrote to dist/ (version filled in).
func distPluginJSON() (id, version, executable string, err error) {
	raw, err := os.ReadFile("dist/plugin.json")
	if err != nil {
		return "", "", "", fmt.Errorf("%w: build the frontend first (npm run build)", err)
	}
	var meta struct {
		ID         string `json:"id"`
		Executable string `json:"executable"`
		Info       struct {
			Version string `json:"version"`
		} `json:"info"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		return "", "", "", fmt.Errorf("dist/plugin.json: %w", err)
	}
	if meta.ID == "" || meta.Executable == "" || meta.Info.Version == "" || strings.Contains(meta.Info.Version, "%") {
		return "", "", "", errors.New("dist/plugin.json lacks id, executable or a filled-in info.version: rebuild the frontend (npm run build)")
	}
	if _, err := os.Stat("dist/module.js"); err != nil {
		return "", "", "", fmt.Errorf("%w: build the frontend first (npm run build)", err)
	}
	return meta.ID, meta.Info.Version, meta.Executable, nil
}

// distFiles lists dist/ (relative, slash-separated): all files, those every platform shares, and
// the backend executables. Files of the SDK's standalone debug mode must never ship: Grafana
// would connect to a debugger instead of starting the binary.
func distFiles(executable string) (files, common, binaries []string, err error) {
	err = filepath.WalkDir("dist", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel("dist", path)
		if err != nil {
			return err
		}
		if rel == "standalone.txt" || rel == "pid.txt" {
			return fmt.Errorf("dist/%s is left from a standalone debug run: remove it (mage clean) before packaging", rel)
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		if strings.HasPrefix(f, executable+"_") {
			binaries = append(binaries, f)
		} else {
			common = append(common, f)
		}
	}
	if len(binaries) == 0 {
		return nil, nil, nil, fmt.Errorf("dist/ holds no %s_<os>_<arch> executable", executable)
	}
	return files, common, binaries, nil
}

// writeZip writes files from dist/ under the top folder top/, keeping each file's mode (the
// executables' run bit).
func writeZip(path, top string, files []string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	for _, f := range files {
		if err := addToZip(zw, filepath.Join("dist", filepath.FromSlash(f)), top+"/"+f); err != nil {
			_ = out.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func addToZip(zw *zip.Writer, src, name string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		return err
	}
	hdr.Name, hdr.Method = name, zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, in)
	return err
}

// writeChecksums writes <path>.sha256 and <path>.md5 in the format sha256sum/md5sum -c read.
func writeChecksums(path string) error {
	for ext, h := range map[string]hash.Hash{"sha256": sha256.New(), "md5": md5.New()} {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		_, err = io.Copy(h, f)
		_ = f.Close()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s  %s\n", hex.EncodeToString(h.Sum(nil)), filepath.Base(path))
		if err := os.WriteFile(path+"."+ext, []byte(line), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// imageLayout is where Image writes the plugin image (an OCI image layout).
const imageLayout = "artifacts/plugin-image"

// Image builds the plugin image for linux/amd64 and linux/arm64 as an OCI image layout in
// artifacts/plugin-image, tagged with the plugin's version: the Grafana Deployment's init
// container copies the plugin from it (deploy/README.md shows how to push it). No container
// engine is needed. The frontend (npm run build) must be in dist/ already; SOURCE_DATE_EPOCH sets
// the creation time (default: the last commit's), so a rebuild of a commit gives the same digests.
func Image() error {
	id, version, executable, err := distPluginJSON()
	if err != nil {
		return err
	}
	mg.Deps(Linux)
	_, common, _, err := distFiles(executable)
	if err != nil {
		return err
	}
	created, err := sourceDate()
	if err != nil {
		return err
	}
	copiers, err := os.MkdirTemp("", "install-plugin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(copiers)

	opts := pluginimage.Options{Dist: "dist", Files: common, PluginID: id, Version: version, Created: created, Out: imageLayout}
	for _, arch := range []string{"amd64", "arm64"} {
		copier := filepath.Join(copiers, "install-plugin_"+arch)
		env := map[string]string{"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": arch}
		if err := sh.RunWith(env, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", copier, "./pkg/pluginimage/cmd/install-plugin"); err != nil {
			return err
		}
		opts.Platforms = append(opts.Platforms, pluginimage.Platform{
			Arch:       arch,
			Executable: filepath.Join("dist", fmt.Sprintf("%s_linux_%s", executable, arch)),
			Copier:     copier,
		})
	}
	if err := os.RemoveAll(imageLayout); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(imageLayout), 0o755); err != nil {
		return err
	}
	res, err := pluginimage.Build(opts)
	if err != nil {
		return err
	}
	fmt.Printf("%s:%s\tindex %s\n", imageLayout, version, res.Index.Digest)
	for _, img := range res.Images {
		var compressed, uncompressed int64
		for _, l := range img.Layers {
			compressed += l.Size
			uncompressed += l.UncompressedSize
		}
		fmt.Printf("linux/%s\t%s\t%.1f MB compressed, %.1f MB unpacked (plugin files layer %.1f MB)\n", img.Arch, img.Manifest.Digest,
			float64(compressed)/1e6, float64(uncompressed)/1e6, float64(img.Layers[len(img.Layers)-1].UncompressedSize)/1e6)
	}
	return nil
}

// sourceDate is SOURCE_DATE_EPOCH, or the last commit's time.
func sourceDate() (time.Time, error) {
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		out, err := sh.Output("git", "log", "-1", "--format=%ct")
		if err != nil {
			return time.Time{}, fmt.Errorf("the last commit's time (set SOURCE_DATE_EPOCH outside a git checkout): %w", err)
		}
		epoch = out
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(epoch), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: %w", epoch, err)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// Fuzz runs the GuideLLM decoder fuzz target for FUZZTIME (default 5m); CI only replays its corpus.
func Fuzz() error {
	d := os.Getenv("FUZZTIME")
	if d == "" {
		d = "5m"
	}
	fmt.Println("fuzzing guidellm.Decode for", d)
	return sh.RunV("go", "test", "./pkg/guidellm/", "-run=^$", "-fuzz=^FuzzDecode$", "-fuzztime="+d)
}

// Bench runs every benchmark and prints MB/s, ms and allocations.
func Bench() error {
	return sh.RunV("go", "test", "./pkg/...", "-run=^$", "-bench=.", "-benchmem")
}
