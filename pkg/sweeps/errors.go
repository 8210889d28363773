package sweeps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Error kinds. Every error the Manager returns wraps exactly one of them; StatusCode maps them
// to HTTP statuses.
var (
	// ErrInvalid: the request breaks a rule (400). The message names the field.
	ErrInvalid = errors.New("invalid sweep request")
	// ErrNotConfigured: the data source has no usable kubernetes settings (400).
	ErrNotConfigured = errors.New("sweeps are not configured")
	// ErrForbidden: Kubernetes RBAC refused the plugin's service account (403); the error is a
	// *ForbiddenError carrying the Role that fixes it.
	ErrForbidden = errors.New("forbidden by Kubernetes RBAC")
	// ErrNotFound: no such sweep Job (404).
	ErrNotFound = errors.New("sweep not found")
	// ErrTooManySweeps: kubernetes.maxConcurrentSweeps sweeps are running already (429).
	ErrTooManySweeps = errors.New("too many sweeps running")
	// ErrUpstream: the Kubernetes API failed or timed out (502); the error is an *UpstreamError
	// carrying the apiserver's status.
	ErrUpstream = errors.New("kubernetes API request failed")
)

// StatusCode is the HTTP status for an error returned by this package (500 for anything else).
func StatusCode(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrNotConfigured):
		return http.StatusBadRequest
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrTooManySweeps):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrUpstream):
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ForbiddenError is an RBAC refusal with its remedy.
type ForbiddenError struct {
	Op      string // what the plugin tried, e.g. "creating Job x"
	Message string // the apiserver's message (names user, verb, resource)
	// RoleYAML is the Role + RoleBinding that grants what the plugin needs, ready for
	// `kubectl apply -f -`.
	RoleYAML string
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("%s: %s: %s; the plugin's service account needs the Role %q in that namespace (the data source health check prints it; see %s)",
		ErrForbidden, e.Op, e.Message, RoleName, RoleFile)
}

func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// UpstreamError is a failed Kubernetes API request: the apiserver is unreachable, timed out or
// answered an error status that is none of the kinds above. It matches ErrUpstream.
type UpstreamError struct {
	Op         string // what the plugin tried, e.g. "listing Jobs in namespace x"
	StatusCode int    // HTTP status of the apiserver's answer; 0 when none arrived
	Err        error  // the client-go error
}

func (e *UpstreamError) Error() string { return fmt.Sprintf("%s: %s: %v", ErrUpstream, e.Op, e.Err) }

func (e *UpstreamError) Is(target error) bool { return target == ErrUpstream }

func (e *UpstreamError) Unwrap() error { return e.Err }

// upstreamError wraps a failed API request of operation op.
func upstreamError(op string, err error) *UpstreamError {
	up := &UpstreamError{Op: op, Err: err}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		up.StatusCode = int(st.Status().Code)
	}
	return up
}

// serviceAccountRE reads the service account out of an apiserver Forbidden message.
var serviceAccountRE = regexp.MustCompile(`"system:serviceaccount:([a-z0-9.-]+):([a-z0-9.-]+)"`)

// apiError classifies a client-go error of operation op.
func (m *Manager) apiError(op string, err error) error {
	switch {
	case apierrors.IsForbidden(err):
		fe := &ForbiddenError{Op: op, Message: err.Error()}
		if st, ok := err.(apierrors.APIStatus); ok {
			fe.Message = st.Status().Message
		}
		saNamespace, saName := "<grafana-namespace>", "<grafana-service-account>"
		if sm := serviceAccountRE.FindStringSubmatch(fe.Message); sm != nil {
			saNamespace, saName = sm[1], sm[2]
		}
		fe.RoleYAML = RoleYAML(m.settings.Namespace, m.settings.CronJobName, saNamespace, saName)
		return fe
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w: %s: %v", ErrNotFound, op, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", op, err)
	}
	return upstreamError(op, err)
}
