package live

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// API is the subset of client_golang's v1.API the service uses; a v1.API satisfies it.
type API interface {
	Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
	Buildinfo(ctx context.Context) (v1.BuildinfoResult, error)
	Targets(ctx context.Context) (v1.TargetsResult, error)
}

// NewAPI builds the Prometheus client over hc, so that the caller's authentication, TLS and
// timeout apply. With tenancyNamespace set (Thanos Querier tenancy port 9092) every request
// carries namespace=<tenancyNamespace> and is sent as GET: kube-rbac-proxy maps POST to the
// verb "create", which the namespace "view" role does not grant.
// Errors of the returned API are *UpstreamError values naming address.
func NewAPI(address string, hc *http.Client, tenancyNamespace string) (API, error) {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, inputErrorf("the data source URL %q is not the http(s) URL of a Thanos Querier or Prometheus", address)
	}
	client := http.Client{}
	if hc != nil {
		client = *hc
	}
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client.Transport = &transport{next: next, tenancyNamespace: tenancyNamespace}
	c, err := api.NewClient(api.Config{Address: u.String(), Client: &client})
	if err != nil {
		return nil, inputErrorf("the data source URL %q: %v", address, err)
	}
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}
	return &promClient{api: v1.NewAPI(c), target: shown.String(), timeout: client.Timeout}, nil
}

// promClient turns client_golang's errors into UpstreamErrors that say what happened.
type promClient struct {
	api     v1.API
	target  string // URL without credentials or query, for messages
	timeout time.Duration
}

func (c *promClient) Query(ctx context.Context, query string, ts time.Time, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	ctx, ans := withAnswer(ctx)
	v, w, i, err := c.api.Query(ctx, query, ts, opts...)
	return v, w, i, c.explain(err, ans)
}

func (c *promClient) QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	ctx, ans := withAnswer(ctx)
	v, w, i, err := c.api.QueryRange(ctx, query, r, opts...)
	return v, w, i, c.explain(err, ans)
}

func (c *promClient) Buildinfo(ctx context.Context) (v1.BuildinfoResult, error) {
	ctx, ans := withAnswer(ctx)
	b, err := c.api.Buildinfo(ctx)
	return b, c.explain(err, ans)
}

func (c *promClient) Targets(ctx context.Context) (v1.TargetsResult, error) {
	ctx, ans := withAnswer(ctx)
	t, err := c.api.Targets(ctx)
	return t, c.explain(err, ans)
}

// explain builds the UpstreamError for err; ans holds the HTTP status of the last answer.
func (c *promClient) explain(err error, ans *answer) error {
	if err == nil {
		return nil
	}
	code, status := ans.get()
	up := &UpstreamError{StatusCode: code, Err: err}
	var apiErr *v1.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled):
		up.Msg = fmt.Sprintf("the request to Prometheus at %s was canceled", c.target)
	case isTimeout(err):
		up.Timeout = true
		if c.timeout > 0 {
			up.Msg = fmt.Sprintf("Prometheus at %s did not answer: timed out after %s (the data source timeout)", c.target, c.timeout)
		} else {
			up.Msg = fmt.Sprintf("Prometheus at %s did not answer before the query deadline: timed out", c.target)
		}
	case isDialError(err):
		up.Msg = fmt.Sprintf("cannot connect (%v): is Prometheus running at %s?", dialCause(err), c.target)
	case errors.As(err, &dnsErr):
		up.Msg = fmt.Sprintf("cannot resolve the host of %s: %v", c.target, dnsErr)
	case isTLSError(err):
		up.Msg = fmt.Sprintf("TLS handshake with %s failed: %v; add the server's CA certificate (on OpenShift the service CA, service-ca.crt) or enable skip TLS verification", c.target, unwrapURLError(err))
	case errors.As(err, &apiErr):
		up.Timeout = apiErr.Type == v1.ErrTimeout
		up.Msg = c.describeAnswer(code, status, apiErr)
	default:
		up.Msg = fmt.Sprintf("the request to Prometheus at %s failed: %v", c.target, unwrapURLError(err))
	}
	return up
}

func (c *promClient) describeAnswer(code int, status string, apiErr *v1.Error) string {
	switch {
	case code == http.StatusBadRequest || code == http.StatusUnprocessableEntity:
		return fmt.Sprintf("Prometheus at %s rejected the query (%s): %s", c.target, apiErr.Type, apiErr.Msg)
	case code/100 == 2:
		if apiErr.Type == v1.ErrBadResponse {
			return fmt.Sprintf("Prometheus at %s answered %s, but not with a Prometheus API response (%s): is the URL the Thanos Querier or Prometheus base URL?", c.target, status, apiErr.Msg)
		}
		return fmt.Sprintf("Prometheus at %s answered %s with an error (%s): %s", c.target, status, apiErr.Type, apiErr.Msg)
	case code == 0:
		return fmt.Sprintf("Prometheus at %s: %v", c.target, apiErr)
	}
	msg := fmt.Sprintf("Prometheus at %s answered %s", c.target, status)
	if detail := bodyError(apiErr.Detail); detail != "" {
		msg += ": " + detail
	}
	switch code {
	case http.StatusUnauthorized:
		msg += " (check the bearer token in the data source's Authorization header)"
	case http.StatusForbidden:
		msg += " (the token lacks permission: port 9091 needs the cluster-monitoring-view cluster role; port 9092 needs the view role in the tenancy namespace)"
	case http.StatusNotFound:
		msg += " (the URL must be the Thanos Querier or Prometheus base URL, without /api/v1)"
	}
	return msg
}

// bodyError extracts the error text of an HTTP error body: the "error" member of a Prometheus
// API envelope, else the body's text, shortened.
func bodyError(body string) string {
	var env struct {
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &env) == nil && env.Error != "" {
		if env.ErrorType != "" {
			return env.ErrorType + ": " + env.Error
		}
		return env.Error
	}
	text := strings.Join(strings.Fields(body), " ")
	const maxLen = 300
	if len(text) > maxLen {
		text = text[:maxLen] + "…"
	}
	return text
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

func isTLSError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	var header tls.RecordHeaderError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verification) || errors.As(err, &header)
}

// unwrapURLError drops the "Post \"http://…?query=…\":" prefix of *url.Error: the URL is
// already named, and the query would repeat the whole PromQL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// answer records the HTTP status of the last response of one API call; the transport fills it.
type answer struct {
	mu     sync.Mutex
	code   int
	status string
}

type answerKey struct{}

func withAnswer(ctx context.Context) (context.Context, *answer) {
	a := &answer{}
	return context.WithValue(ctx, answerKey{}, a), a
}

func (a *answer) set(code int, status string) {
	a.mu.Lock()
	a.code, a.status = code, status
	a.mu.Unlock()
}

func (a *answer) get() (int, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.code, a.status
}

// transport records answer statuses and, in tenancy mode, rewrites every request into a GET
// carrying namespace=<tenancyNamespace>.
type transport struct {
	next             http.RoundTripper
	tenancyNamespace string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.tenancyNamespace != "" {
		var err error
		if req, err = t.tenancyRequest(req); err != nil {
			return nil, err
		}
	}
	resp, err := t.next.RoundTrip(req)
	if resp != nil {
		if a, ok := req.Context().Value(answerKey{}).(*answer); ok {
			a.set(resp.StatusCode, resp.Status)
		}
	}
	return resp, err
}

// tenancyRequest moves a form-encoded POST body into the URL of a GET and sets namespace=.
func (t *transport) tenancyRequest(req *http.Request) (*http.Request, error) {
	out := req.Clone(req.Context())
	q := out.URL.Query()
	if req.Method == http.MethodPost && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the request body: %w", err)
		}
		form, err := url.ParseQuery(string(bytes.TrimSpace(body)))
		if err != nil {
			return nil, fmt.Errorf("the request body is not form-encoded: %w", err)
		}
		for k, vs := range form {
			q[k] = vs
		}
		out.Method = http.MethodGet
		out.Body, out.GetBody, out.ContentLength = nil, nil, 0
		out.Header.Del("Content-Type")
	}
	q.Set("namespace", t.tenancyNamespace)
	out.URL.RawQuery = q.Encode()
	return out, nil
}

// isDialError reports a failure to open the connection (refused, unreachable); the plugin's own
// code must not use the syscall package (Grafana's plugin validator refuses it), so the net error
// is inspected instead of errno.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// dialCause is the innermost reason of a dial failure, e.g. "connection refused".
func dialCause(err error) error {
	var op *net.OpError
	if !errors.As(err, &op) {
		return err
	}
	inner := op.Err
	for {
		next := errors.Unwrap(inner)
		if next == nil {
			return inner
		}
		inner = next
	}
}
