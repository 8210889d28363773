package guidellm

import (
	"errors"
	"fmt"
)

// ErrInvalidReport is matched (errors.Is) by every error Decode returns: the object is not a report this
// package can read. Callers skip such an object, name it to the user and keep serving the other runs.
var ErrInvalidReport = errors.New("invalid GuideLLM report")

// ReportError says which object failed to decode and why. Its message never quotes report content
// beyond key names and single characters, so it is safe to log and to return to users.
type ReportError struct {
	Source string // object key of the report
	Reason string // what is wrong, e.g. "benchmark 3: metrics missing"
	Err    error  // underlying decoder error, if any
}

func (e *ReportError) Error() string {
	return fmt.Sprintf("report %q: %s", e.Source, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidReport) true for every ReportError.
func (e *ReportError) Is(target error) bool { return target == ErrInvalidReport }

func (e *ReportError) Unwrap() error { return e.Err }

func invalid(source, format string, args ...any) *ReportError {
	return &ReportError{Source: source, Reason: fmt.Sprintf(format, args...)}
}
