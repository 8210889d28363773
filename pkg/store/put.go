package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"

	"github.com/inferenceroi/vllm-datasource/pkg/internal/slug"
)

var (
	// ErrInvalidReport: the uploaded body is not a report of a supported tool (the decoder error is wrapped).
	ErrInvalidReport = errors.New("not a readable benchmark report")
	// ErrInvalidLabels: the upload labels break the rules of ValidateLabels.
	ErrInvalidLabels = errors.New("invalid labels")
	// ErrReportTooLarge: the report is above Config.MaxObjectBytes.
	ErrReportTooLarge = errors.New("report is larger than store.maxObjectSizeMB")
)

// Label rules. S3 lower-cases user-metadata keys, so all labels travel as one JSON metadata value,
// which must fit the 2 KiB that AWS allows for all user metadata of an object.
const (
	maxLabels          = 32
	maxLabelValueLen   = 256
	maxLabelsJSONBytes = 2048 - len(labelsMetadataKey)
	// labelsMetadataKey is stored as the header x-amz-meta-inference-roi-labels.
	labelsMetadataKey = "inference-roi-labels"
)

// uploadsFolder is where uploads go under the prefix: <model>/<stamp>.<ext> for one report,
// <model>/<stamp>/<the folder's files> for a folder (PutFolder).
const uploadsFolder = "uploads/"

var labelNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,62}$`)

// ValidateLabels checks upload labels: at most 32; names match ^[A-Za-z][A-Za-z0-9_.-]{0,62}$;
// values are 1 to 256 printable ASCII characters; all together fit S3's 2 KiB of user metadata.
// Errors wrap ErrInvalidLabels and name the offending label.
func ValidateLabels(labels map[string]string) error {
	if len(labels) > maxLabels {
		return fmt.Errorf("%w: %d labels, at most %d are allowed", ErrInvalidLabels, len(labels), maxLabels)
	}
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names) // report the first bad label deterministically
	for _, name := range names {
		if !labelNameRE.MatchString(name) {
			return fmt.Errorf("%w: label name %q must start with a letter and have at most 63 letters, digits, '_', '.' or '-'",
				ErrInvalidLabels, name)
		}
		if err := ValidateLabelValue(name, labels[name]); err != nil {
			return err
		}
	}
	if enc := encodeLabels(labels); len(enc) > maxLabelsJSONBytes {
		return fmt.Errorf("%w: the labels take %d bytes as JSON; S3 stores at most %d bytes of object metadata, shorten or drop some",
			ErrInvalidLabels, len(enc), maxLabelsJSONBytes)
	}
	return nil
}

// ValidateLabelValue checks the value of label name: 1 to 256 printable ASCII characters (S3
// metadata is ASCII). Callers that drop what the store could not keep use it too, so the rule
// lives here once.
func ValidateLabelValue(name, v string) error {
	if v == "" {
		return fmt.Errorf("%w: label %q has an empty value", ErrInvalidLabels, name)
	}
	if len(v) > maxLabelValueLen {
		return fmt.Errorf("%w: label %q has a value of %d characters, at most %d are allowed", ErrInvalidLabels, name, len(v), maxLabelValueLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return fmt.Errorf("%w: label %q has a character at position %d that is not printable ASCII", ErrInvalidLabels, name, i+1)
		}
	}
	return nil
}

// encodeLabels is the metadata value: JSON with sorted keys, "" when there are no labels.
func encodeLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(labels); err != nil {
		panic(err) // a map[string]string always encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// labelsFromMetadata reads the labels stored by Put; a malformed value becomes a Problem reason.
func labelsFromMetadata(meta map[string]string) (map[string]string, error) {
	for k, v := range meta {
		if !strings.EqualFold(k, labelsMetadataKey) {
			continue
		}
		var labels map[string]string
		if err := json.Unmarshal([]byte(v), &labels); err != nil {
			return nil, fmt.Errorf("the upload labels (metadata x-amz-meta-%s) are not a JSON object of strings (%v); "+
				"upload the report again or remove that metadata", labelsMetadataKey, err)
		}
		return labels, nil
	}
	return nil, nil
}

// Put validates and stores one report with its labels, and returns the key and the run as Snapshot
// will serve it. The next Snapshot lists the bucket again and contains the run.
func (s *Store) Put(ctx context.Context, report []byte, labels map[string]string) (string, *guidellm.Run, error) {
	if err := ValidateLabels(labels); err != nil {
		return "", nil, err
	}
	if int64(len(report)) > s.cfg.MaxObjectBytes {
		return "", nil, fmt.Errorf("%w: the report is %s, the limit is %s", ErrReportTooLarge, formatBytes(int64(len(report))), formatBytes(s.cfg.MaxObjectBytes))
	}
	ext, contentType := reportFormat(report)
	run, err := s.cfg.Decode("upload"+ext, report)
	if err == nil && run == nil {
		err = errors.New("the decoder returned no run")
	}
	if err != nil {
		return "", nil, fmt.Errorf("%w: %w", ErrInvalidReport, err)
	}
	meta := encodeLabels(labels)
	model := labels["model"]
	if model == "" {
		model = run.Model
	}
	key := uploadKey(s.cfg.Prefix, model, time.Now(), report, meta, ext)
	opts := minio.PutObjectOptions{ContentType: contentType}
	if meta != "" {
		opts.UserMetadata = map[string]string{labelsMetadataKey: meta}
	}
	if _, err := s.client.PutObject(ctx, s.cfg.Bucket, key, bytes.NewReader(report), int64(len(report)), opts); err != nil {
		return "", nil, fmt.Errorf("storing the report as s3://%s/%s: %w", s.cfg.Bucket, key, describeS3Error(err, s.cfg.Bucket))
	}
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
	run.Source = key
	mergeLabels(run, labels)
	return key, run, nil
}

// reportFormat tells JSON from YAML: GuideLLM JSON reports are one object.
func reportFormat(report []byte) (ext, contentType string) {
	if t := bytes.TrimLeft(report, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return ".json", "application/json"
	}
	return ".yaml", "application/yaml"
}

// uploadKey is <prefix>uploads/<model or "unknown">/<UTC time>-<hash>.<ext>. The hash covers the
// report and its labels, so the same report uploaded again with other labels gets its own object.
func uploadKey(prefix, model string, now time.Time, report []byte, labelsJSON, ext string) string {
	h := sha256.New()
	h.Write(report)
	h.Write([]byte{0})
	h.Write([]byte(labelsJSON))
	return fmt.Sprintf("%s%s%s/%s-%s%s", prefix, uploadsFolder, modelSegment(model), now.UTC().Format("20060102T150405Z"),
		hex.EncodeToString(h.Sum(nil))[:12], ext)
}

// modelSegment turns a model name into one safe key segment: runs of characters outside
// [A-Za-z0-9._-] become "-" ("meta-llama/Llama-3.1-8B" → "meta-llama-Llama-3.1-8B"), at most
// 100 characters, "unknown" when nothing is left.
func modelSegment(model string) string {
	keyRune := func(r rune) bool {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-'
	}
	return slug.Make(model, keyRune, "-.", 100, "unknown")
}

// FolderUpload is the outcome of PutFolder.
type FolderUpload struct {
	Folder  string          // <prefix>uploads/<model>/<stamp>/
	Runs    []*guidellm.Run // as Snapshot will serve them
	Ignored []string        // archived files that are not read (side files of the tools), not stored
}

// PutFolder validates and stores the files of one folder (a tar.gz upload) under one new folder, with the
// labels on every object, and returns the runs the folder makes: the same grouping as Snapshot. Nothing is
// stored when a report does not decode, a label is invalid or no file is a report.
func (s *Store) PutFolder(ctx context.Context, files []FolderFile, labels map[string]string) (*FolderUpload, error) {
	if err := ValidateLabels(labels); err != nil {
		return nil, err
	}
	up := &FolderUpload{}
	runFolders := map[string]bool{}
	for _, f := range files {
		if isSweepRunFile(f.Path) {
			runFolders[path.Dir(f.Path)] = true
		}
	}
	type stored struct {
		FolderFile
		kind objectKind
		run  *guidellm.Run
	}
	var keep []stored
	var bad []string
	h := sha256.New()
	for _, f := range files {
		kind := classify(f.Path, runFolders)
		if kind == kindSkip {
			up.Ignored = append(up.Ignored, f.Path)
			continue
		}
		if int64(len(f.Data)) > s.cfg.MaxObjectBytes {
			return nil, fmt.Errorf("%w: %s is %s, the limit is %s", ErrReportTooLarge, f.Path, formatBytes(int64(len(f.Data))), formatBytes(s.cfg.MaxObjectBytes))
		}
		st := stored{FolderFile: f, kind: kind}
		if kind == kindReport {
			run, err := s.cfg.Decode(f.Path, f.Data)
			switch {
			case err != nil:
				reason := err.Error()
				if re, ok := errors.AsType[*guidellm.ReportError](err); ok {
					reason = re.Reason
				}
				bad = append(bad, fmt.Sprintf("%s (%s)", f.Path, reason))
				continue
			case run == nil:
				bad = append(bad, f.Path+" (the decoder returned no run)")
				continue
			}
			st.run = run
		}
		h.Write([]byte(f.Path))
		h.Write([]byte{0})
		h.Write(f.Data)
		keep = append(keep, st)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidReport, strings.Join(bad, "; "))
	}
	model := labels["model"]
	for _, st := range keep {
		if model == "" && st.run != nil {
			model = st.run.Model
		}
	}
	meta := encodeLabels(labels)
	h.Write([]byte(meta))
	up.Folder = fmt.Sprintf("%s%s%s/%s-%s/", s.cfg.Prefix, uploadsFolder, modelSegment(model), time.Now().UTC().Format("20060102T150405Z"),
		hex.EncodeToString(h.Sum(nil))[:12])

	asm := &assembler{prefix: s.cfg.Prefix, companions: companions{}}
	var parts []part
	for _, st := range keep {
		key := up.Folder + st.Path
		if st.kind == kindReport {
			run := *st.run
			run.Source = key
			parts = append(parts, part{key: key, run: &run, uploaded: labels})
		} else {
			asm.companions[key] = st.Data
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: the archive holds no report (only %d companion or side files)", ErrInvalidReport, len(files))
	}
	up.Runs = asm.assemble(parts)
	if len(asm.problems) > 0 {
		return nil, fmt.Errorf("%w: %s: %s", ErrInvalidLabels, strings.TrimPrefix(asm.problems[0].Key, up.Folder), asm.problems[0].Reason)
	}

	for i, st := range keep {
		key := up.Folder + st.Path
		_, contentType := reportFormat(st.Data)
		opts := minio.PutObjectOptions{ContentType: contentType}
		if meta != "" {
			opts.UserMetadata = map[string]string{labelsMetadataKey: meta}
		}
		if _, err := s.client.PutObject(ctx, s.cfg.Bucket, key, bytes.NewReader(st.Data), int64(len(st.Data)), opts); err != nil {
			return nil, fmt.Errorf("storing s3://%s/%s (%d of %d files were stored before it): %w", s.cfg.Bucket, key, i, len(keep), describeS3Error(err, s.cfg.Bucket))
		}
	}
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
	return up, nil
}
