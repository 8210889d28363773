package live

import (
	"errors"
	"fmt"
)

// Every error returned by Service methods is either an *InputError or an *UpstreamError. Both
// are downstream errors in Grafana's sense: the cause is the user's query or the user's
// Prometheus/Thanos, never the plugin. IsDownstream tells the glue so without a type switch.

// InputError reports a query that cannot be answered as asked (unknown metric name, invalid
// namespace, empty time range, …). Nothing was sent to Prometheus.
type InputError struct {
	Msg string
}

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// UpstreamError reports a Prometheus/Thanos failure: no answer (connection refused, timeout,
// TLS, DNS), an HTTP error status, or an API error for the query.
type UpstreamError struct {
	Msg        string // complete, user-facing text: names the URL and the remedy where one is known
	StatusCode int    // HTTP status of the last answer; 0 when no answer arrived
	Timeout    bool   // the request ran out of time (client timeout or query deadline)
	Err        error  // the underlying error, for errors.Is/As
}

func (e *UpstreamError) Error() string { return e.Msg }

func (e *UpstreamError) Unwrap() error { return e.Err }

// IsDownstream reports whether err is one of this package's errors, i.e. caused by the query or
// the upstream rather than by the plugin.
func IsDownstream(err error) bool {
	var in *InputError
	var up *UpstreamError
	return errors.As(err, &in) || errors.As(err, &up)
}
