package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/inferenceroi/vllm-datasource/pkg/probe"
	"github.com/inferenceroi/vllm-datasource/pkg/sweeps"
)

// maxRequestBody bounds the JSON bodies of POST /sweeps and POST /probe.
const maxRequestBody = 64 << 10

// sweepsAvailable answers 503 with the reason when sweeps cannot be used.
func (d *Datasource) sweepsAvailable(w http.ResponseWriter) bool {
	switch {
	case d.sweepsErr != nil:
		writeError(w, http.StatusServiceUnavailable, d.sweepsErr)
	case d.sweeps == nil:
		writeError(w, http.StatusServiceUnavailable, errors.New("sweeps are not configured: set kubernetes.namespace (the namespace the GuideLLM Jobs run in) in the data source settings"))
	default:
		return true
	}
	return false
}

// decodeBody reads a bounded JSON body into v, refusing unknown fields so a typo is not ignored.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("invalid JSON body: %w", err))
		return false
	}
	return true
}

// writeSweepError maps the sweep manager's error kinds to HTTP statuses.
func writeSweepError(w http.ResponseWriter, r *http.Request, err error) {
	status := sweeps.StatusCode(err)
	if status >= 500 {
		backend.Logger.FromContext(r.Context()).Warn("sweep call failed", "error", err)
	}
	writeError(w, status, err)
}

// handleLaunchSweep starts a GuideLLM sweep as a Job (Editor or above). A sweep of the same model and
// scenario that is still active is returned instead of starting a second one.
func (d *Datasource) handleLaunchSweep(w http.ResponseWriter, r *http.Request) {
	if !requireEditor(w, r) || !d.sweepsAvailable(w) {
		return
	}
	var req sweeps.Request
	if !decodeBody(w, r, &req) {
		return
	}
	if user := backend.UserFromContext(r.Context()); user != nil {
		req.RequestedBy = user.Login
	}
	sweep, created, err := d.sweeps.Launch(r.Context(), req)
	if err != nil {
		writeSweepError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusAccepted
	}
	writeJSON(w, status, map[string]any{"sweep": sweep, "created": created})
}

func (d *Datasource) handleListSweeps(w http.ResponseWriter, r *http.Request) {
	if !d.sweepsAvailable(w) {
		return
	}
	list, err := d.sweeps.List(r.Context())
	if err != nil {
		writeSweepError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sweeps": list})
}

func (d *Datasource) handleGetSweep(w http.ResponseWriter, r *http.Request) {
	if !d.sweepsAvailable(w) {
		return
	}
	sweep, err := d.sweeps.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		writeSweepError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sweep": sweep})
}

// handleCancelSweep deletes a sweep's Job and its pod (Editor or above).
func (d *Datasource) handleCancelSweep(w http.ResponseWriter, r *http.Request) {
	if !requireEditor(w, r) || !d.sweepsAvailable(w) {
		return
	}
	name := r.PathValue("name")
	if err := d.sweeps.Cancel(r.Context(), name); err != nil {
		writeSweepError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"deleted": name})
}

// handleProbe streams one chat completion from each model side by side and returns what each
// user would have seen: TTFT, ITL, tokens and the text (Editor or above: it spends GPU time).
func (d *Datasource) handleProbe(w http.ResponseWriter, r *http.Request) {
	if !requireEditor(w, r) {
		return
	}
	if !d.settings.Kubernetes.Configured() {
		writeError(w, http.StatusServiceUnavailable, errors.New("the probe needs the model endpoints: set kubernetes.namespace (and kubernetes.endpointTemplate) in the data source settings"))
		return
	}
	var req probe.Request
	if !decodeBody(w, r, &req) {
		return
	}
	results, err := probe.Run(r.Context(), d.probeHTTP, d.settings.Kubernetes.ModelAPIKey, d.settings.Kubernetes.Endpoint, req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
