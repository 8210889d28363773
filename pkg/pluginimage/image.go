// Package pluginimage builds the plugin image: a multi-arch OCI image (linux/amd64, linux/arm64)
// whose init container copies the plugin into Grafana's plugin directory on Kubernetes. It is
// written as an OCI image layout with the standard library, without a container engine or a base
// image, so the release and CI build it anywhere; skopeo, crane or oras push the layout to a
// registry.
//
// Each architecture's image has two layers: the copier (InstallPlugin, a static Go program) and
// the plugin files with that architecture's backend executable only. Layers are reproducible: the
// same inputs and creation time give the same digests.
package pluginimage

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Paths inside the image, which the Grafana Deployment's init container names in its command.
const (
	// CopierPath is the copier's executable (cmd/install-plugin).
	CopierPath = "/usr/local/bin/install-plugin"
	// PluginsDir holds the plugin's directory, named after the plugin id.
	PluginsDir = "/plugins"
	// User is the image's default user; Kubernetes and OpenShift usually replace it.
	User = "65532"
)

// OCI media types and annotations used by the layout.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
	AnnotationRefName = "org.opencontainers.image.ref.name"
)

// Platform is one architecture's image: its backend executable and the copier built for it.
type Platform struct {
	Arch       string // GOARCH: amd64 or arm64
	Executable string // path of the plugin's backend executable for linux/Arch
	Copier     string // path of cmd/install-plugin built for linux/Arch
}

// Options describe one build.
type Options struct {
	Dist      string   // the plugin's dist/ directory
	Files     []string // files of Dist shared by every platform (relative, slash-separated)
	PluginID  string
	Version   string // the layout's tag
	Platforms []Platform
	Created   time.Time // creation time recorded in configs and layer files (reproducibility)
	Out       string    // the OCI image layout directory to create; must not exist
}

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *OCIPlatform      `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// OCIPlatform is the platform of an index entry.
type OCIPlatform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// Layer is one written layer: its compressed descriptor and its uncompressed digest and size.
type Layer struct {
	Descriptor
	DiffID           string
	UncompressedSize int64
}

// Image is one architecture's image as written.
type Image struct {
	Arch     string
	Manifest Descriptor
	Layers   []Layer
}

// Result describes the written layout.
type Result struct {
	Index  Descriptor // the multi-arch image index the tag points to
	Images []Image
}

// supportedArch lists the architectures Grafana's linux images run on.
var supportedArch = map[string]bool{"amd64": true, "arm64": true}

// Build writes the OCI image layout to o.Out.
func Build(o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	if err := os.Mkdir(o.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("image layout: %w", err)
	}
	w := &layoutWriter{dir: o.Out}
	if err := os.MkdirAll(filepath.Join(o.Out, "blobs", "sha256"), 0o755); err != nil {
		return Result{}, err
	}

	var res Result
	var entries []Descriptor
	for _, p := range o.Platforms {
		img, err := w.image(o, p)
		if err != nil {
			return Result{}, fmt.Errorf("linux/%s: %w", p.Arch, err)
		}
		res.Images = append(res.Images, img)
		entry := img.Manifest
		entry.Platform = &OCIPlatform{Architecture: p.Arch, OS: "linux"}
		entries = append(entries, entry)
	}
	index, err := w.json(MediaTypeIndex, map[string]any{
		"schemaVersion": 2,
		"mediaType":     MediaTypeIndex,
		"manifests":     entries,
		"annotations":   o.annotations(),
	})
	if err != nil {
		return Result{}, err
	}
	res.Index = index

	tagged := index
	tagged.Annotations = map[string]string{AnnotationRefName: o.Version}
	top, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": MediaTypeIndex, "manifests": []Descriptor{tagged}})
	if err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "index.json"), top, 0o644); err != nil {
		return Result{}, err
	}
	return res, os.WriteFile(filepath.Join(o.Out, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

func (o Options) validate() error {
	var problems []string
	if o.PluginID == "" || strings.ContainsAny(o.PluginID, "/\\") {
		problems = append(problems, fmt.Sprintf("plugin id %q is not a directory name", o.PluginID))
	}
	if o.Version == "" || strings.ContainsAny(o.Version, "/: ") {
		problems = append(problems, fmt.Sprintf("version %q is not a tag", o.Version))
	}
	if len(o.Platforms) == 0 {
		problems = append(problems, "no platform")
	}
	seen := map[string]bool{}
	for _, p := range o.Platforms {
		if !supportedArch[p.Arch] {
			problems = append(problems, fmt.Sprintf("architecture %q: Grafana's images run on linux/amd64 and linux/arm64", p.Arch))
		}
		if seen[p.Arch] {
			problems = append(problems, fmt.Sprintf("architecture %q twice", p.Arch))
		}
		seen[p.Arch] = true
	}
	for _, f := range o.Files {
		if f == "" || path.IsAbs(f) || path.Clean(f) != f || strings.HasPrefix(f, "../") {
			problems = append(problems, fmt.Sprintf("file %q is not a path inside dist", f))
		}
	}
	if len(problems) > 0 {
		return errors.New("plugin image: " + strings.Join(problems, "; "))
	}
	return nil
}

func (o Options) annotations() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":   o.PluginID,
		"org.opencontainers.image.version": o.Version,
		"org.opencontainers.image.created": o.Created.UTC().Format(time.RFC3339),
	}
}

// layoutWriter writes content-addressed blobs into an OCI image layout.
type layoutWriter struct{ dir string }

func (w *layoutWriter) image(o Options, p Platform) (Image, error) {
	pluginDir := strings.TrimPrefix(PluginsDir, "/") + "/" + o.PluginID
	copier := layerFiles{{src: p.Copier, name: strings.TrimPrefix(CopierPath, "/"), executable: true}}
	plugin := make(layerFiles, 0, len(o.Files)+1)
	for _, f := range o.Files {
		plugin = append(plugin, layerFile{src: filepath.Join(o.Dist, filepath.FromSlash(f)), name: pluginDir + "/" + f})
	}
	plugin = append(plugin, layerFile{src: p.Executable, name: pluginDir + "/" + filepath.Base(p.Executable), executable: true})

	img := Image{Arch: p.Arch}
	for _, files := range []layerFiles{copier, plugin} {
		l, err := w.layer(files, o.Created)
		if err != nil {
			return Image{}, err
		}
		img.Layers = append(img.Layers, l)
	}

	created := o.Created.UTC().Format(time.RFC3339)
	config, err := w.json(MediaTypeConfig, map[string]any{
		"created":      created,
		"architecture": p.Arch,
		"os":           "linux",
		"config": map[string]any{
			"User":       User,
			"Entrypoint": []string{CopierPath},
			"Cmd":        []string{PluginsDir + "/" + o.PluginID, "/var/lib/grafana/plugins"},
			"WorkingDir": "/",
			"Labels":     o.annotations(),
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{img.Layers[0].DiffID, img.Layers[1].DiffID}},
		"history": []map[string]string{
			{"created": created, "created_by": "install-plugin: copies the plugin directory into Grafana's plugin path"},
			{"created": created, "created_by": fmt.Sprintf("%s %s for linux/%s", o.PluginID, o.Version, p.Arch)},
		},
	})
	if err != nil {
		return Image{}, err
	}
	layers := make([]Descriptor, len(img.Layers))
	for i, l := range img.Layers {
		layers[i] = l.Descriptor
	}
	img.Manifest, err = w.json(MediaTypeManifest, map[string]any{
		"schemaVersion": 2,
		"mediaType":     MediaTypeManifest,
		"config":        config,
		"layers":        layers,
		"annotations":   o.annotations(),
	})
	return img, err
}

// json stores v as a blob of the given media type.
func (w *layoutWriter) json(mediaType string, v any) (Descriptor, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return Descriptor{}, err
	}
	sum := sha256.Sum256(raw)
	d := Descriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(raw))}
	return d, os.WriteFile(w.blobPath(d.Digest), raw, 0o644)
}

func (w *layoutWriter) blobPath(digest string) string {
	return filepath.Join(w.dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}

// layer writes files as one gzip-compressed tar layer, hashing the tar (diff id) and the
// compressed stream (digest) while writing.
func (w *layoutWriter) layer(files layerFiles, created time.Time) (Layer, error) {
	tmp, err := os.CreateTemp(filepath.Join(w.dir, "blobs", "sha256"), ".layer-*")
	if err != nil {
		return Layer{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	compressed := &countingHash{h: sha256.New()}
	gz, err := gzip.NewWriterLevel(io.MultiWriter(tmp, compressed), gzip.BestCompression)
	if err != nil {
		return Layer{}, err
	}
	uncompressed := &countingHash{h: sha256.New()}
	tw := tar.NewWriter(io.MultiWriter(gz, uncompressed))
	if err := files.write(tw, created); err != nil {
		return Layer{}, err
	}
	if err := tw.Close(); err != nil {
		return Layer{}, err
	}
	if err := gz.Close(); err != nil {
		return Layer{}, err
	}
	if err := tmp.Close(); err != nil {
		return Layer{}, err
	}
	l := Layer{
		Descriptor:       Descriptor{MediaType: MediaTypeLayer, Digest: compressed.digest(), Size: compressed.n},
		DiffID:           uncompressed.digest(),
		UncompressedSize: uncompressed.n,
	}
	return l, os.Rename(tmp.Name(), w.blobPath(l.Digest))
}

// layerFile is one regular file of a layer: where it is read from and its path in the image.
type layerFile struct {
	src, name  string
	executable bool
}

type layerFiles []layerFile

// write adds the files in path order, each preceded by its parent directories, all owned by root
// and readable by any user id (OpenShift runs the init container with a random one); modes are
// set here rather than copied so that a restrictive umask on the build machine changes nothing.
func (files layerFiles) write(tw *tar.Writer, created time.Time) error {
	sorted := append(layerFiles(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	dirs := map[string]bool{}
	for _, f := range sorted {
		var parents []string
		for d := path.Dir(f.name); d != "." && !dirs[d]; d = path.Dir(d) {
			parents = append(parents, d)
			dirs[d] = true
		}
		for i := len(parents) - 1; i >= 0; i-- {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: parents[i] + "/", Mode: 0o755, ModTime: created, Format: tar.FormatPAX}); err != nil {
				return err
			}
		}
		if err := f.writeTo(tw, created); err != nil {
			return err
		}
	}
	return nil
}

func (f layerFile) writeTo(tw *tar.Writer, created time.Time) error {
	in, err := os.Open(f.src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", f.src)
	}
	mode := int64(0o644)
	if f.executable {
		mode = 0o755
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Size: st.Size(), Mode: mode, ModTime: created, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err = io.Copy(tw, in)
	return err
}

// countingHash counts and hashes what is written through it.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *countingHash) digest() string { return "sha256:" + hex.EncodeToString(c.h.Sum(nil)) }
