package store

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// ErrInvalidArchive: an uploaded folder archive is not a gzip-compressed tar this store accepts.
var ErrInvalidArchive = errors.New("invalid folder archive")

const (
	// maxArchiveFiles bounds the files of one folder upload.
	maxArchiveFiles = 2000
	// maxArchivePath bounds one path inside the archive.
	maxArchivePath = 512
	// discardFactor bounds the bytes decompressed for files that are not stored (per-request data):
	// at most this many times the size limit, so a gzip bomb costs bounded time.
	discardFactor = 16
)

// archivePathRE: one path segment of an archived file. vLLM sweep folders use '=' and ',' appears in
// Benchmark Report names; nothing else outside [A-Za-z0-9._-] is needed.
var archivePathRE = regexp.MustCompile(`^[A-Za-z0-9._=,+-]{1,255}$`)

// FolderFile is one file of an uploaded folder: its slash-separated path relative to the folder.
type FolderFile struct {
	Path string
	Data []byte
}

// ReadTarGz reads a gzip-compressed tar of a folder. Only regular files are read (directories are
// skipped; links, devices and the like are refused); every path must be relative, without "..", of
// segments in [A-Za-z0-9._=,+-]. The files the store reads (reports, config.yaml, labels files) may hold
// limit bytes together; the others (per-request data, plots) are discarded unread up to 16 × limit.
// Errors wrap ErrInvalidArchive, or ErrReportTooLarge past the limits, and name the offending entry;
// skipped names those discarded files.
func ReadTarGz(r io.Reader, limit int64) (files []FolderFile, skipped []string, err error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: not gzip-compressed: %v", ErrInvalidArchive, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var kept, discarded int64
	for entries := 0; ; entries++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: not a readable tar: %v", ErrInvalidArchive, err)
		}
		if entries >= maxArchiveFiles {
			return nil, nil, fmt.Errorf("%w: more than %d entries", ErrInvalidArchive, maxArchiveFiles)
		}
		switch hdr.Typeflag {
		case tar.TypeDir, tar.TypeXGlobalHeader:
			continue
		case tar.TypeReg:
		default:
			return nil, nil, fmt.Errorf("%w: entry %q is not a regular file or folder (links are refused)", ErrInvalidArchive, hdr.Name)
		}
		name, err := archivePath(hdr.Name)
		if err != nil {
			return nil, nil, err
		}
		if path.Base(name) == ".DS_Store" || strings.HasPrefix(path.Base(name), "._") {
			if _, err := io.Copy(io.Discard, tr); err != nil {
				return nil, nil, fmt.Errorf("%w: %v", ErrInvalidArchive, err)
			}
			continue
		}
		if classify(name, nil) == kindSkip {
			n, err := io.Copy(io.Discard, io.LimitReader(tr, discardFactor*limit-discarded+1))
			discarded += n
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %v", ErrInvalidArchive, err)
			}
			if discarded > discardFactor*limit {
				return nil, nil, fmt.Errorf("%w: the archive unpacks to more than %s", ErrReportTooLarge, formatBytes(discardFactor*limit))
			}
			skipped = append(skipped, name)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, limit-kept+1))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: reading %q: %v", ErrInvalidArchive, name, err)
		}
		kept += int64(len(data))
		if kept > limit {
			return nil, nil, fmt.Errorf("%w: the reports in the archive take more than %s together", ErrReportTooLarge, formatBytes(limit))
		}
		files = append(files, FolderFile{Path: name, Data: data})
	}
	return files, skipped, nil
}

// archivePath checks and cleans one archived path ("./a/b.json" → "a/b.json").
func archivePath(name string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%w: entry %q: %s", ErrInvalidArchive, name, why)
	}
	if len(name) > maxArchivePath {
		return "", bad(fmt.Sprintf("path longer than %d characters", maxArchivePath))
	}
	if strings.HasPrefix(name, "/") || strings.Contains(name, `\`) {
		return "", bad("absolute paths and backslashes are refused")
	}
	p := strings.TrimPrefix(name, "./")
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "..":
			return "", bad(`".." is refused (path traversal)`)
		case seg == "." || seg == "":
			return "", bad("empty or '.' path segment")
		case !archivePathRE.MatchString(seg):
			return "", bad("path segments may hold only letters, digits and . _ = , + -")
		}
	}
	return p, nil
}
