package plugin

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/inferenceroi/vllm-datasource/pkg/analysis"
	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
	"github.com/inferenceroi/vllm-datasource/pkg/store"
)

// resourceMux routes the resource calls; it is built once per instance.
func (d *Datasource) resourceMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /runs", d.handlePostRun)
	mux.HandleFunc("GET /models", d.handleModels)
	mux.HandleFunc("GET /scenarios", d.handleScenarios)
	mux.HandleFunc("GET /namespaces", d.handleNamespaces)
	mux.HandleFunc("POST /sweeps", d.handleLaunchSweep)
	mux.HandleFunc("GET /sweeps", d.handleListSweeps)
	mux.HandleFunc("GET /sweeps/{name}", d.handleGetSweep)
	mux.HandleFunc("DELETE /sweeps/{name}", d.handleCancelSweep)
	mux.HandleFunc("POST /probe", d.handleProbe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The SDK's httpadapter leaves Body nil for a call without a body, where net/http's server
		// guarantees a non-nil one; the handlers read it like a server request.
		if r.Body == nil {
			r.Body = http.NoBody
		}
		mux.ServeHTTP(w, r)
	})
}

// requireEditor enforces Editor or above on mutating calls: Grafana itself only checks that the
// caller may query the data source, so a Viewer could otherwise write.
func requireEditor(w http.ResponseWriter, r *http.Request) bool {
	user := backend.UserFromContext(r.Context())
	if user != nil && (user.Role == "Editor" || user.Role == "Admin") {
		return true
	}
	role := "anonymous"
	if user != nil && user.Role != "" {
		role = user.Role
	}
	writeError(w, http.StatusForbidden, fmt.Errorf("this call changes data and needs the Editor or Admin role; you are %s", role))
	return false
}

// handlePostRun stores an uploaded report of any supported tool, or a tar.gz of a folder of them (one
// run per folder of load-level files). Labels come from the query string, e.g.
// POST /runs?model=mistral-3-int4&gpus=1&gpuType=L4&quantization=int4&scenario=chat
func (d *Datasource) handlePostRun(w http.ResponseWriter, r *http.Request) {
	if !requireEditor(w, r) {
		return
	}
	if d.runs == nil {
		writeError(w, http.StatusServiceUnavailable, errors.New("no results store is configured for this data source"))
		return
	}
	labels := map[string]string{}
	for key, values := range r.URL.Query() {
		if len(values) != 1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("label %q is given %d times; give each label once", key, len(values)))
			return
		}
		labels[key] = values[0]
	}
	if g, ok := labels["gpus"]; ok {
		if n, err := strconv.Atoi(g); err != nil || n < 1 || n > 1024 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("label gpus=%q must be a whole number of GPUs between 1 and 1024", g))
			return
		}
	}
	limit := d.settings.Store.MaxObjectBytes()
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("reading the request body: %w", err))
		return
	}
	if int64(len(body)) > limit {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("report is larger than %d MiB (store.maxObjectSizeMB)", d.settings.Store.MaxObjectSizeMB))
		return
	}
	if len(body) == 0 {
		writeError(w, http.StatusBadRequest, errors.New("empty body: send the report (JSON or YAML), or a tar.gz of a folder of reports, as the request body"))
		return
	}
	if bytes.HasPrefix(body, gzipMagic) {
		d.postFolder(w, r, body, labels)
		return
	}
	key, run, err := d.runs.Put(r.Context(), body, labels)
	if !storeOK(w, r, err) {
		return
	}
	models, scenarios := analysis.Names([]*guidellm.Run{run}, d.analysis)
	writeJSON(w, http.StatusCreated, map[string]any{
		"key":             key,
		"model":           models[0],
		"scenario":        scenarios[0],
		"tool":            run.ToolName(),
		"guidellmVersion": run.Version,
		"version":         run.Version,
		"schema":          run.Schema,
		"stages":          len(run.Stages),
	})
}

// gzipMagic starts every gzip stream: a tar.gz folder upload.
var gzipMagic = []byte{0x1f, 0x8b}

// postFolder stores the folder in a tar.gz upload and answers with the runs it makes.
func (d *Datasource) postFolder(w http.ResponseWriter, r *http.Request, body []byte, labels map[string]string) {
	files, skipped, err := store.ReadTarGz(bytes.NewReader(body), d.settings.Store.MaxObjectBytes())
	switch {
	case errors.Is(err, store.ErrReportTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err)
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
		return
	}
	up, err := d.runs.PutFolder(r.Context(), files, labels)
	if !storeOK(w, r, err) {
		return
	}
	models, scenarios := analysis.Names(up.Runs, d.analysis)
	runs := make([]map[string]any, 0, len(up.Runs))
	for _, run := range up.Runs {
		m, sc := analysis.Names([]*guidellm.Run{run}, d.analysis)
		runs = append(runs, map[string]any{
			"source": run.Source, "model": m[0], "scenario": sc[0], "tool": run.ToolName(),
			"version": run.Version, "stages": len(run.Stages),
		})
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"key":       up.Folder,
		"models":    models,
		"scenarios": scenarios,
		"runs":      runs,
		"ignored":   append(skipped, up.Ignored...),
	})
}

// storeOK answers a failed store call (bad input: 400; too large: 413; the S3 server failed: 502;
// anything else is a plugin bug: 500) and reports whether the call succeeded.
func storeOK(w http.ResponseWriter, r *http.Request, err error) bool {
	var up *store.UpstreamError
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrInvalidReport), errors.Is(err, store.ErrInvalidLabels):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, store.ErrReportTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, err)
	case errors.As(err, &up):
		backend.Logger.FromContext(r.Context()).Warn("storing an upload failed", "error", err)
		writeError(w, http.StatusBadGateway, fmt.Errorf("results store: %w", err))
	default:
		backend.Logger.FromContext(r.Context()).Error("storing an upload failed in the plugin", "error", err)
		writeError(w, http.StatusInternalServerError, fmt.Errorf("internal error while storing the upload: %w", err))
	}
	return false
}

// handleModels lists model names from the stored runs, the deployments catalog and, when
// configured, Prometheus — for the query editor's pickers and template variables.
func (d *Datasource) handleModels(w http.ResponseWriter, r *http.Request) {
	names := map[string]bool{}
	var warnings []string
	for _, dep := range d.analysis.Deployments {
		names[dep.Model] = true
	}
	if d.runs != nil {
		snap, err := d.runs.Snapshot(r.Context())
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("results store: %v", err))
		} else {
			models, _ := analysis.Names(snap.Runs, d.analysis)
			for _, m := range models {
				names[m] = true
			}
		}
	}
	if d.live != nil {
		models, err := d.live.Models(r.Context(), r.URL.Query().Get("namespace"))
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("prometheus: %v", err))
		}
		for _, m := range models {
			names[m] = true
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"models": sortedKeys(names), "warnings": warnings})
}

// handleScenarios lists the catalog's scenarios and the scenarios found in stored runs.
func (d *Datasource) handleScenarios(w http.ResponseWriter, r *http.Request) {
	names := map[string]bool{}
	var warnings []string
	for _, sc := range d.analysis.Scenarios {
		names[sc.Name] = true
	}
	if d.runs != nil {
		snap, err := d.runs.Snapshot(r.Context())
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("results store: %v", err))
		} else {
			_, scenarios := analysis.Names(snap.Runs, d.analysis)
			for _, sc := range scenarios {
				names[sc] = true
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"scenarios": sortedKeys(names), "warnings": warnings})
}

// handleNamespaces lists the namespaces with vLLM series, plus the configured default.
func (d *Datasource) handleNamespaces(w http.ResponseWriter, r *http.Request) {
	names := map[string]bool{}
	var warnings []string
	if ns := cmp.Or(d.settings.Prometheus.Namespace, d.settings.Prometheus.TenancyNamespace); ns != "" {
		names[ns] = true
	}
	if d.live != nil {
		namespaces, err := d.live.Namespaces(r.Context())
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("prometheus: %v", err))
		}
		for _, ns := range namespaces {
			names[ns] = true
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespaces": sortedKeys(names), "warnings": warnings})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		backend.Logger.Warn("writing a resource response failed", "error", err)
	}
}
