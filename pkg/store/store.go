// Package store reads benchmark reports (GuideLLM, and the tools pkg/peers reads) from an S3-compatible
// bucket (MinIO, Ceph/ODF, AWS S3) and stores uploaded ones. A folder of one-file-per-load-level reports
// is one run (group.go).
//
// A Store keeps every report it decoded, keyed by the object's listed version (ETag, size,
// last-modified), so a refresh only downloads new or changed objects. One bucket listing is reused
// for Config.CacheTTL, and concurrent callers share a single refresh.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/peers"
)

// DecodeFunc decodes one report; source is the object key (its extension tells JSON from YAML).
// Production code passes guidellm.Decode.
type DecodeFunc func(source string, data []byte) (*guidellm.Run, error)

// Client is the part of *minio.Client the store uses.
type Client interface {
	ListObjectsIter(ctx context.Context, bucket string, opts minio.ListObjectsOptions) iter.Seq[minio.ObjectInfo]
	GetObject(ctx context.Context, bucket, key string, opts minio.GetObjectOptions) (*minio.Object, error)
	PutObject(ctx context.Context, bucket, key string, r io.Reader, size int64, opts minio.PutObjectOptions) (minio.UploadInfo, error)
}

// DefaultMaxObjectBytes applies when Config.MaxObjectBytes is zero (settings default 64 MiB).
const DefaultMaxObjectBytes = 64 << 20

const (
	// fetchWorkers bounds the parallel GETs of one refresh.
	fetchWorkers = 8
	// refreshTimeout bounds one refresh. A refresh runs detached from the caller that started it,
	// because other callers wait for the same result.
	refreshTimeout = 2 * time.Minute
)

// Config says where the reports are and how they are read.
type Config struct {
	Bucket string
	// Prefix is the folder the reports live under; a missing trailing "/" is added, so "bench"
	// never matches "benchmarks-old/".
	Prefix string
	// MaxObjectBytes bounds the size of one report; larger objects are reported, not read.
	// 0 means DefaultMaxObjectBytes.
	MaxObjectBytes int64
	// CacheTTL is how long one bucket listing is reused. 0 lists on every Snapshot (decoded
	// reports are still reused by ETag).
	CacheTTL time.Duration
	Decode   DecodeFunc
}

// Problem is one report object that could not be read. Reason is meant for the user: it says what
// is wrong and what to do.
type Problem struct {
	Key    string
	Reason string
}

// Snapshot is the state of the bucket at one listing.
//
// A Snapshot and the runs it holds are shared between all callers and later snapshots: they are
// read-only. Copy a run before changing anything in it.
type Snapshot struct {
	Runs     []*guidellm.Run // sorted by source (object key, or folder for a multi-file run)
	Problems []Problem       // sorted by key
	Objects  int             // report objects (.json, .yaml, .yml, not companions or side files) listed under the prefix
	ListedAt time.Time       // when the listing began
}

// Store serves the reports under one bucket prefix. It is safe for concurrent use.
type Store struct {
	client Client
	cfg    Config

	mu sync.Mutex
	// gen is bumped by every Put; a snapshot listed in an older generation may miss an upload.
	gen        uint64
	current    *Snapshot
	currentGen uint64
	inflight   *refresh
	// decoded is touched only by the one running refresh (refreshes never overlap: see inflight).
	decoded map[string]decodedObject
}

// refresh is one listing in progress; callers arriving meanwhile wait for it.
type refresh struct {
	gen  uint64
	done chan struct{}
	snap *Snapshot
	err  error
}

// objectVersion identifies the content of one object as the listing shows it.
type objectVersion struct {
	etag     string
	size     int64
	modified time.Time
}

// decodedObject is the outcome of reading one object version: a run (with the labels stored with the
// upload), a companion's bytes, or a problem.
type decodedObject struct {
	version  objectVersion
	run      *guidellm.Run
	uploaded map[string]string
	merged   bool   // uploaded is merged into run (a whole run)
	raw      []byte // config.yaml, labels file
	problem  string
}

// New returns a store reading through c. It panics when cfg.Decode is nil (a wiring bug).
func New(c Client, cfg Config) *Store {
	if cfg.Decode == nil {
		panic("store: Config.Decode is nil")
	}
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	if cfg.MaxObjectBytes <= 0 {
		cfg.MaxObjectBytes = DefaultMaxObjectBytes
	}
	return &Store{client: c, cfg: cfg, decoded: map[string]decodedObject{}}
}

// Snapshot returns the runs under the prefix. It fails only when the bucket cannot be listed;
// every unreadable object becomes a Problem. The result is shared and read-only (see Snapshot).
func (s *Store) Snapshot(ctx context.Context) (*Snapshot, error) {
	s.mu.Lock()
	wantGen := s.gen
	for {
		if s.current != nil && s.currentGen == s.gen && time.Since(s.current.ListedAt) < s.cfg.CacheTTL {
			snap := s.current
			s.mu.Unlock()
			return snap, nil
		}
		r := s.inflight
		if r == nil {
			r = &refresh{gen: s.gen, done: make(chan struct{})}
			s.inflight = r
			go s.run(ctx, r)
		}
		s.mu.Unlock()
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("reading bucket %q: %w", s.cfg.Bucket, ctx.Err())
		}
		if r.gen >= wantGen {
			return r.snap, r.err
		}
		// That listing began before an upload this caller must see: list again.
		s.mu.Lock()
	}
}

func (s *Store) run(ctx context.Context, r *refresh) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	snap, err := s.refresh(ctx)
	s.mu.Lock()
	r.snap, r.err = snap, err
	if err == nil {
		s.current, s.currentGen = snap, r.gen
	}
	s.inflight = nil
	s.mu.Unlock()
	close(r.done)
}

func (s *Store) refresh(ctx context.Context) (*Snapshot, error) {
	listedAt := time.Now()
	var all []minio.ObjectInfo
	runFolders := map[string]bool{}
	for obj := range s.client.ListObjectsIter(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: s.cfg.Prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.location(), describeS3Error(obj.Err, s.cfg.Bucket))
		}
		all = append(all, obj)
		if isSweepRunFile(obj.Key) {
			runFolders[path.Dir(obj.Key)] = true
		}
	}
	var listed []minio.ObjectInfo
	var kinds []objectKind
	reports := 0
	for _, obj := range all {
		if k := classify(obj.Key, runFolders); k != kindSkip {
			listed, kinds = append(listed, obj), append(kinds, k)
			if k == kindReport {
				reports++
			}
		}
	}

	results := make([]decodedObject, len(listed))
	cacheable := make([]bool, len(listed))
	var toFetch []int
	for i, obj := range listed {
		v := objectVersion{etag: obj.ETag, size: obj.Size, modified: obj.LastModified}
		switch cached, ok := s.decoded[obj.Key]; {
		case obj.Size > s.cfg.MaxObjectBytes:
			results[i] = decodedObject{version: v, problem: tooLargeReason(obj.Size, s.cfg.MaxObjectBytes)}
			cacheable[i] = true
		case ok && cached.version == v:
			results[i], cacheable[i] = cached, true
		default:
			toFetch = append(toFetch, i)
		}
	}
	s.fetch(ctx, listed, kinds, toFetch, results, cacheable)

	decoded := make(map[string]decodedObject, len(listed))
	snap := &Snapshot{Objects: reports, ListedAt: listedAt}
	asm := &assembler{prefix: s.cfg.Prefix, companions: companions{}}
	var parts []part
	for i, obj := range listed {
		if cacheable[i] {
			decoded[obj.Key] = results[i]
		}
		switch r := &results[i]; {
		case r.problem != "":
			snap.Problems = append(snap.Problems, Problem{Key: obj.Key, Reason: r.problem})
		case kinds[i] == kindReport:
			parts = append(parts, part{key: obj.Key, run: r.run, uploaded: r.uploaded, merged: r.merged})
		default:
			asm.companions[obj.Key] = r.raw
		}
	}
	s.decoded = decoded // objects gone from the listing drop out here
	snap.Runs = asm.assemble(parts)
	snap.Problems = append(snap.Problems, asm.problems...)
	slices.SortFunc(snap.Problems, func(a, b Problem) int { return strings.Compare(a.Key, b.Key) })
	return snap, nil
}

// fetch reads listed[i] for every i in which, fetchWorkers at a time.
func (s *Store) fetch(ctx context.Context, listed []minio.ObjectInfo, kinds []objectKind, which []int, results []decodedObject, cacheable []bool) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(fetchWorkers, len(which)) {
		wg.Go(func() {
			for i := range next {
				results[i], cacheable[i] = s.load(ctx, listed[i], kinds[i])
			}
		})
	}
	for _, i := range which {
		next <- i
	}
	close(next)
	wg.Wait()
}

// load reads and decodes one object. It reports whether the outcome may be reused while the
// object is unchanged: decode failures may, failed reads are retried on the next refresh.
func (s *Store) load(ctx context.Context, obj minio.ObjectInfo, kind objectKind) (decodedObject, bool) {
	d := decodedObject{version: objectVersion{etag: obj.ETag, size: obj.Size, modified: obj.LastModified}}
	o, err := s.client.GetObject(ctx, s.cfg.Bucket, obj.Key, minio.GetObjectOptions{})
	if err != nil {
		d.problem = readFailedReason(err, s.cfg.Bucket)
		return d, false
	}
	defer o.Close()
	data, err := readBounded(o, obj.Size, s.cfg.MaxObjectBytes)
	if errors.Is(err, ErrReportTooLarge) {
		d.problem = tooLargeReason(-1, s.cfg.MaxObjectBytes)
		return d, true
	}
	if err != nil {
		d.problem = readFailedReason(err, s.cfg.Bucket)
		return d, false
	}
	if kind != kindReport {
		d.raw = data
		return d, true
	}
	info, err := o.Stat() // answered from the GET response already read
	if err != nil {
		d.problem = readFailedReason(err, s.cfg.Bucket)
		return d, false
	}
	uploaded, err := labelsFromMetadata(info.UserMetadata)
	if err != nil {
		d.problem = err.Error()
		return d, true
	}
	run, err := s.cfg.Decode(obj.Key, data)
	if err != nil {
		// The problem is listed under its key already; keep only the decoder's reason.
		reason := err.Error()
		if re, ok := errors.AsType[*guidellm.ReportError](err); ok {
			reason = re.Reason
		}
		d.problem = "not a readable benchmark report: " + reason
		return d, true
	}
	if run == nil {
		d.problem = "not a readable benchmark report: the decoder returned no run"
		return d, true
	}
	run.Source = obj.Key
	d.run, d.uploaded = run, uploaded
	if _, standalone := peers.GroupKey(run); standalone || (&assembler{prefix: s.cfg.Prefix}).isSingleUpload(obj.Key) {
		mergeLabels(run, uploaded) // a whole run is served as decoded: its labels are final here
		d.merged = true
	}
	return d, true
}

// readBounded reads r to the end, failing with ErrReportTooLarge past limit bytes. sizeHint (the
// listed size) only presizes the buffer: listings can be wrong.
func readBounded(r io.Reader, sizeHint, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= limit {
		buf.Grow(int(sizeHint) + bytes.MinRead) // + MinRead: ReadFrom needs room to see EOF
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ErrReportTooLarge
	}
	return buf.Bytes(), nil
}

// isReportKey tells report objects from the other files GuideLLM writes (.csv, .html, .png).
func isReportKey(key string) bool {
	switch strings.ToLower(path.Ext(key)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

func mergeLabels(run *guidellm.Run, uploaded map[string]string) {
	if len(uploaded) == 0 {
		return
	}
	merged := make(map[string]string, len(run.Labels)+len(uploaded))
	for k, v := range run.Labels {
		merged[k] = v
	}
	for k, v := range uploaded {
		merged[k] = v
	}
	run.Labels = merged
}

func (s *Store) location() string {
	return fmt.Sprintf("s3://%s/%s", s.cfg.Bucket, s.cfg.Prefix)
}

// tooLargeReason explains an object above the size limit; size < 0 when only reading found out.
func tooLargeReason(size, limit int64) string {
	if size < 0 {
		return fmt.Sprintf("object is larger than the %s limit (it grew past its listed size while being read); "+
			"it was not decoded. Raise store.maxObjectSizeMB in the data source settings to read it", formatBytes(limit))
	}
	return fmt.Sprintf("object is %s, above the %s limit, so it was not downloaded. Raise store.maxObjectSizeMB "+
		"in the data source settings to at least %d to read it", formatBytes(size), formatBytes(limit), (size+(1<<20)-1)>>20)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
