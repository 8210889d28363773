package sweeps

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// tailLines is how many log lines a sweep shows (Get, failed Jobs).
	tailLines = 40
	// maxTailLine bounds one shown log line.
	maxTailLine = 400
	// maxLogTailAnnotation bounds the log tail Ingest records on a failed Job.
	maxLogTailAnnotation = 4096
	// progressLogBytes bounds what List reads of a running sweep's log: the lines it looks for
	// come before the report.
	progressLogBytes = 1 << 20
	// followLogBytes bounds the first read of Get (from the log's start up to the report):
	// GuideLLM prints ~10 KB before its report without a terminal.
	followLogBytes = 256 << 10
	// followTailLines/followTailBytes bound Get's second read, made only when the first one
	// ended at its limit without reaching the report: the log's last lines.
	followTailLines = tailLines
	followTailBytes = 64 << 10
	// MaxFollowBytes is the most log Get reads per call (per poll of the editor): the progress
	// of a running sweep and the tail.
	MaxFollowBytes = 2*followLogBytes + followTailBytes
)

// jobPod is the newest pod of job, nil when it has none (not created yet, or deleted with a
// finished Job's TTL).
func (m *Manager) jobPod(ctx context.Context, job *batchv1.Job) (*corev1.Pod, error) {
	pods, err := m.client.CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{
		LabelSelector: batchv1.JobNameLabel + "=" + job.Name,
	})
	if err != nil {
		return nil, m.apiError("listing the pods of Job "+job.Name, err)
	}
	var newest *corev1.Pod
	for i := range pods.Items {
		p := &pods.Items[i]
		if !metav1.IsControlledBy(p, job) {
			continue // a pod of an older Job that had the same name
		}
		if newest == nil || newest.CreationTimestamp.Before(&p.CreationTimestamp) {
			newest = p
		}
	}
	return newest, nil
}

// logContainer is the GuideLLM container of pod.
func logContainer(pod *corev1.Pod) string {
	for _, c := range pod.Spec.Containers {
		if c.Name == ContainerName {
			return c.Name
		}
	}
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Name
	}
	return ContainerName
}

// openLog streams the GuideLLM container's log of pod through the apiserver.
func (m *Manager) openLog(ctx context.Context, pod *corev1.Pod, timestamps bool, limit int64) (io.ReadCloser, error) {
	return m.openLogTail(ctx, pod, timestamps, limit, 0)
}

// openLogTail is openLog of the last tail lines (all lines when tail is 0).
func (m *Manager) openLogTail(ctx context.Context, pod *corev1.Pod, timestamps bool, limit, tail int64) (io.ReadCloser, error) {
	opts := &corev1.PodLogOptions{Container: logContainer(pod), Timestamps: timestamps, LimitBytes: &limit}
	if tail > 0 {
		opts.TailLines = &tail
	}
	rc, err := m.client.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, opts).Stream(ctx)
	if err != nil {
		return nil, m.apiError("reading the log of pod "+pod.Name, err)
	}
	return rc, nil
}

// errLineTooLong ends a scan whose current line exceeds the limit.
var errLineTooLong = errors.New("log line too long")

// errReportTooLarge: the printed report is above the report size bound.
var errReportTooLarge = errors.New("the report in the log is too large")

// lineReader yields the lines of a log without a length limit beyond max (a report printed
// on one line is one line of several MB).
type lineReader struct {
	r   *bufio.Reader
	buf []byte
	max int
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its newline; the slice is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) > l.max {
			return nil, errLineTooLong
		}
		l.buf = append(l.buf, chunk...)
		switch {
		case err == nil:
			return bytes.TrimRight(l.buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(l.buf) > 0:
			return bytes.TrimRight(l.buf, "\r\n"), nil
		default:
			return nil, err
		}
	}
}

// logScan is what a full log holds: the report printed by the wrapper, and the other lines'
// tail.
type logScan struct {
	report     []byte
	foundBegin bool
	foundEnd   bool
	// packed describes a packed report (nil for a plain one); truncated says why a report that
	// began is not complete ("" when it is).
	packed     *packedHeader
	truncated  string
	exitStatus string // GuideLLM's exit status from the wrapper's FailureMarker line, if any
	tail       []string
}

// packedHeader is what the header line of a packed report announces.
type packedHeader struct {
	RawBytes, JSONBytes, GzipBytes, Lines, DroppedRequests int
}

var (
	packedBeginRE = regexp.MustCompile(`^` + regexp.QuoteMeta(PackedBeginPrefix) + `raw=(\d+) json=(\d+) gzip=(\d+) lines=(\d+) dropped=(\d+) ===$`)
	packedEndRE   = regexp.MustCompile(`^` + regexp.QuoteMeta(PackedEndPrefix) + `sha256=([0-9a-f]{64}) ===$`)
)

// scanLog reads a wrapper log: the report (packed, or plain between the markers, at most
// maxReport bytes of JSON) and the last tailLines other lines, cleaned for display. A report
// that began but is not complete is never returned: truncated says what is missing.
func scanLog(r io.Reader, maxReport int) (logScan, error) {
	var s logScan
	// A packed line is short; a plain report may be one line of maxReport bytes.
	lr := newLineReader(r, maxReport+1)
	var report bytes.Buffer
	inPlain := false
	var packed *packedReader
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errLineTooLong) {
			return s, fmt.Errorf("%w: larger than %s; raise store.maxObjectSizeMB", errReportTooLarge, formatSize(maxReport))
		}
		if err != nil {
			return s, err
		}
		switch {
		case packed != nil:
			if m := packedEndRE.FindSubmatch(line); m != nil {
				s.foundEnd = true
				s.report, s.truncated, err = packed.finish(string(m[1]), maxReport)
				if err != nil {
					return s, err
				}
				packed = nil
				continue
			}
			if err := packed.line(line); err != nil {
				return s, err
			}
		case inPlain && string(line) == ReportEndMarker: // a conversion in a comparison does not allocate
			inPlain, s.foundEnd = false, true
			s.report = bytes.TrimSpace(report.Bytes())
		case inPlain:
			if report.Len()+len(line)+1 > maxReport {
				return s, fmt.Errorf("%w: larger than %s; raise store.maxObjectSizeMB", errReportTooLarge, formatSize(maxReport))
			}
			report.Write(line)
			report.WriteByte('\n')
		case string(line) == ReportBeginMarker:
			inPlain, s.foundBegin, s.foundEnd, s.report, s.packed = true, true, false, nil, nil
			report = bytes.Buffer{} // a finished report keeps its bytes
		case bytes.HasPrefix(line, []byte(PackedBeginPrefix)):
			h, err := parsePackedHeader(line, maxReport)
			if err != nil {
				return s, err
			}
			s.foundBegin, s.foundEnd, s.report, s.truncated, s.packed = true, false, nil, "", &h
			packed = &packedReader{header: h}
		default:
			text := string(line)
			if m := failureMarkerRE.FindStringSubmatch(text); m != nil {
				s.exitStatus = m[1]
			}
			s.tail = appendTail(s.tail, text)
		}
	}
	switch {
	case packed != nil:
		s.truncated = fmt.Sprintf("the packed report is truncated: %d of %d lines, and no end line (the log was cut: rotated by the kubelet, or read with a byte limit)",
			packed.got, packed.header.Lines)
	case inPlain:
		s.truncated = "the report in the log is cut off (no " + strconv.Quote(ReportEndMarker) + " line)"
	}
	return s, nil
}

func parsePackedHeader(line []byte, maxReport int) (packedHeader, error) {
	m := packedBeginRE.FindSubmatch(line)
	if m == nil {
		return packedHeader{}, fmt.Errorf("%w: malformed header line %q", errReportMalformed, cleanLogLine(string(line)))
	}
	var n [5]int
	for i := range n {
		v, err := strconv.Atoi(string(m[i+1]))
		if err != nil {
			return packedHeader{}, fmt.Errorf("%w: header number %q: %v", errReportMalformed, m[i+1], err)
		}
		n[i] = v
	}
	h := packedHeader{RawBytes: n[0], JSONBytes: n[1], GzipBytes: n[2], Lines: n[3], DroppedRequests: n[4]}
	if h.JSONBytes > maxReport {
		return h, fmt.Errorf("%w: %s of JSON after dropping %d per-request records (GuideLLM wrote %s), larger than %s; raise store.maxObjectSizeMB",
			errReportTooLarge, formatSize(h.JSONBytes), h.DroppedRequests, formatSize(h.RawBytes), formatSize(maxReport))
	}
	if want := (base64.StdEncoding.EncodedLen(h.GzipBytes) + PackedLineChars - 1) / PackedLineChars; h.Lines != want {
		return h, fmt.Errorf("%w: header announces %d lines for %d gzip bytes (expected %d)", errReportMalformed, h.Lines, h.GzipBytes, want)
	}
	return h, nil
}

// errReportMalformed: a packed report whose framing is not what PackReportPy prints.
var errReportMalformed = errors.New("the packed report in the log is malformed")

// packedReader collects the numbered base64 lines of a packed report.
type packedReader struct {
	header packedHeader
	text   bytes.Buffer
	got    int
}

func (p *packedReader) line(line []byte) error {
	num, data, ok := bytes.Cut(line, []byte(" "))
	n, err := strconv.Atoi(string(num))
	if !ok || err != nil {
		return fmt.Errorf("%w: line %d of %d is not \"<number> <base64>\"", errReportMalformed, p.got+1, p.header.Lines)
	}
	if n != p.got+1 || n > p.header.Lines {
		return fmt.Errorf("%w: line %d follows line %d of %d (lines lost or repeated in the log)", errReportMalformed, n, p.got, p.header.Lines)
	}
	if len(data) > PackedLineChars {
		return fmt.Errorf("%w: line %d has %d characters, more than %d", errReportMalformed, n, len(data), PackedLineChars)
	}
	p.got = n
	p.text.Write(data)
	return nil
}

// finish checks the collected report against the header and the trailer's SHA-256 and returns
// its JSON. truncated is set (and the report nil) when lines are missing; an error when what
// arrived is complete but wrong.
func (p *packedReader) finish(sha string, maxReport int) (report []byte, truncated string, err error) {
	if p.got != p.header.Lines {
		return nil, fmt.Sprintf("the packed report is truncated: %d of %d lines before the end line", p.got, p.header.Lines), nil
	}
	gz := make([]byte, base64.StdEncoding.DecodedLen(p.text.Len()))
	n, err := base64.StdEncoding.Decode(gz, p.text.Bytes())
	if err != nil {
		return nil, "", fmt.Errorf("%w: base64: %v", errReportMalformed, err)
	}
	gz = gz[:n]
	if len(gz) != p.header.GzipBytes {
		return nil, fmt.Sprintf("the packed report is truncated: %d of %d gzip bytes", len(gz), p.header.GzipBytes), nil
	}
	if sum := sha256.Sum256(gz); hex.EncodeToString(sum[:]) != sha {
		return nil, "", fmt.Errorf("%w: SHA-256 %x does not match the trailer's %s", errReportMalformed, sum, sha)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, "", fmt.Errorf("%w: gzip: %v", errReportMalformed, err)
	}
	report, err = io.ReadAll(io.LimitReader(zr, int64(maxReport)+1))
	if err != nil {
		return nil, "", fmt.Errorf("%w: gzip: %v", errReportMalformed, err)
	}
	if len(report) != p.header.JSONBytes {
		return nil, "", fmt.Errorf("%w: %d bytes of JSON unpacked, the header announced %d", errReportMalformed, len(report), p.header.JSONBytes)
	}
	return report, "", nil
}

// failureMarkerRE reads the wrapper's FailureMarker line.
var failureMarkerRE = regexp.MustCompile(`^` + regexp.QuoteMeta(FailureMarker) + ` (\d+) ===$`)

// appendTail keeps the last tailLines cleaned lines.
func appendTail(tail []string, line string) []string {
	if len(tail) == tailLines {
		tail = slices.Delete(tail, 0, 1)
	}
	return append(tail, cleanLogLine(line))
}

// ansiRE matches terminal escape sequences (colour codes, cursor movement).
var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07`)

// secretPatterns find credentials a log line may show and what replaces them.
var secretPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',}]+`), "${1}***"},
	{regexp.MustCompile(`(?i)((?:api[_-]?key|token|secret|password|passwd|credentials?)["']?\s*[:=]\s*["']?)[^\s"',}]+`), "${1}***"},
	{regexp.MustCompile(`\b(?:hf|sk|ghp|glpat)[_-][A-Za-z0-9_-]{8,}`), "***"},
	{regexp.MustCompile(`(://)[^/\s:@]+:[^/\s@]+@`), "${1}***@"}, // user:password@ in URLs
}

// cleanLogLine strips terminal codes, redacts secrets and bounds the length.
func cleanLogLine(line string) string {
	line = ansiRE.ReplaceAllString(line, "")
	line = strings.Map(func(r rune) rune {
		if r < ' ' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, line)
	for _, p := range secretPatterns {
		line = p.re.ReplaceAllString(line, p.repl)
	}
	if len(line) > maxTailLine {
		cut := maxTailLine
		for cut > 0 && !utf8Start(line[cut]) {
			cut--
		}
		line = line[:cut] + " …"
	}
	return line
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// readProgress follows a running sweep's log up to the report.
func (m *Manager) readProgress(ctx context.Context, pod *corev1.Pod, total, secondsPerStage int) (Progress, error) {
	rc, err := m.openLog(ctx, pod, true, followLogBytes)
	if err != nil {
		return Progress{}, err
	}
	defer rc.Close()
	t := newProgressTracker(total, secondsPerStage)
	lr := newLineReader(rc, followLogBytes)
	for {
		line, err := lr.next()
		if err != nil {
			// EOF, the byte limit inside a long line, or a broken stream: what was read counts.
			break
		}
		stamp, text, _ := strings.Cut(string(line), " ")
		ts, perr := time.Parse(time.RFC3339Nano, stamp)
		if perr != nil {
			continue
		}
		t.line(ts, text)
		if t.p.Phase == PhaseWriting && (strings.HasPrefix(text, ReportBeginMarker) || strings.HasPrefix(text, PackedBeginPrefix)) {
			break // the rest is the report
		}
	}
	return t.result(m.now()), nil
}

func formatSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// followTail is the last tailLines lines of pod's log other than the report, reading at most
// MaxFollowBytes: the log up to the report (at most followLogBytes), and only when that read
// stopped at its limit, the last followTailLines lines (at most followTailBytes).
func (m *Manager) followTail(ctx context.Context, pod *corev1.Pod) ([]string, error) {
	rc, err := m.openLog(ctx, pod, false, followLogBytes)
	if err != nil {
		return nil, err
	}
	counted := &countingReader{r: rc}
	tail, reachedReport, err := tailBeforeReport(counted, followLogBytes)
	rc.Close()
	if err != nil || reachedReport || counted.n < followLogBytes {
		return tail, err
	}
	rc, err = m.openLogTail(ctx, pod, false, followTailBytes, followTailLines)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	last, _, err := tailBeforeReport(rc, followTailBytes)
	if len(last) == 0 {
		return tail, err
	}
	return last, err
}

// tailBeforeReport keeps the last tailLines lines up to a report's first line; a line cut by the
// byte limit is dropped.
func tailBeforeReport(r io.Reader, limit int) (tail []string, reachedReport bool, err error) {
	lr := newLineReader(r, limit)
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) || errors.Is(err, errLineTooLong) {
			return tail, false, nil
		}
		if err != nil {
			return tail, false, err
		}
		if string(line) == ReportBeginMarker || bytes.HasPrefix(line, []byte(PackedBeginPrefix)) {
			return tail, true, nil
		}
		tail = appendTail(tail, string(line))
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
