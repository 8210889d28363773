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
	"strings"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
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

	files, err := distFiles()
	if err != nil {
		return err
	}
	if err := os.MkdirAll("artifacts", 0o755); err != nil {
		return err
	}
	var common, binaries []string
	for _, f := range files {
		if strings.HasPrefix(f, executable+"_") {
			binaries = append(binaries, f)
		} else {
			common = append(common, f)
		}
	}
	if len(binaries) == 0 {
		return fmt.Errorf("dist/ holds no %s_<os>_<arch> executable", executable)
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

// distFiles lists dist/ (relative, slash-separated). Files of the SDK's standalone debug mode
// must never ship: Grafana would connect to a debugger instead of starting the binary.
func distFiles() ([]string, error) {
	var files []string
	err := filepath.WalkDir("dist", func(path string, d os.DirEntry, err error) error {
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
	sort.Strings(files)
	return files, err
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
