package plugin

import (
	"context"
	"errors"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/inferenceroi/vllm-datasource/pkg/live"
	"github.com/inferenceroi/vllm-datasource/pkg/models"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// settingsError says the data source settings lack what a query or call needs, or name a cluster
// that cannot be used from here: the user fixes it in the settings.
type settingsError struct{ err error }

func (e *settingsError) Error() string { return e.err.Error() }
func (e *settingsError) Unwrap() error { return e.err }

// classify says who caused a failed query and the status its response carries. The user's input
// (query JSON, fields, settings) and the user's upstreams (Prometheus/Thanos, S3, kube-apiserver)
// are downstream, as the domain packages' error types say; any other error is a plugin bug.
func classify(err error) (backend.ErrorSource, backend.Status) {
	var (
		settings *settingsError
		liveIn   *live.InputError
		liveUp   *live.UpstreamError
		s3Up     *store.UpstreamError
	)
	switch {
	case errors.As(err, &settings), errors.Is(err, models.ErrInvalidQuery), errors.As(err, &liveIn):
		return backend.ErrorSourceDownstream, backend.StatusBadRequest
	case errors.As(err, &liveUp) && liveUp.Timeout, errors.Is(err, context.DeadlineExceeded):
		return backend.ErrorSourceDownstream, backend.StatusTimeout
	case errors.As(err, &liveUp), errors.As(err, &s3Up):
		return backend.ErrorSourceDownstream, backend.StatusBadGateway
	case sweeps.StatusCode(err) != http.StatusInternalServerError:
		// every kind of sweeps error: invalid, forbidden by RBAC, not found, too many, apiserver failed
		return backend.ErrorSourceDownstream, backend.Status(sweeps.StatusCode(err))
	case backend.IsDownstreamError(err):
		// the caller went away (cancelled request)
		return backend.ErrorSourceDownstream, backend.StatusBadRequest
	}
	return backend.ErrorSourcePlugin, backend.StatusInternal
}

// errorResponse is the response of a failed query, attributed by classify.
func errorResponse(err error) backend.DataResponse {
	source, status := classify(err)
	return backend.DataResponse{Error: err, ErrorSource: source, Status: status}
}
