package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// healthCheck is one line of the "Save & test" answer; all of them go into JSONDetails.
type healthCheck struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// CheckHealth reports, part by part, what works and what to do about what does not.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if d.runs == nil && d.live == nil && !d.settings.Kubernetes.Configured() {
		return &backend.CheckHealthResult{
			Status:  backend.HealthStatusError,
			Message: "Nothing to read: configure the results store (bucket with GuideLLM reports) and/or the Prometheus/Thanos URL.",
		}, nil
	}
	var checks []healthCheck
	if d.runs != nil {
		checks = append(checks, d.storeHealth(ctx)...)
	}
	if d.live != nil {
		for _, c := range d.live.Health(ctx) {
			checks = append(checks, healthCheck{Name: c.Name, OK: c.OK, Message: c.Message})
		}
	}
	if d.settings.Kubernetes.Configured() {
		checks = append(checks, d.sweepsHealth(ctx))
	}
	status := backend.HealthStatusOk
	lines := make([]string, 0, len(checks))
	for _, c := range checks {
		mark := "OK"
		if !c.OK {
			mark, status = "FAILED", backend.HealthStatusError
		}
		lines = append(lines, fmt.Sprintf("%s %s: %s", mark, c.Name, c.Message))
	}
	details, err := json.Marshal(map[string]any{"checks": checks})

	if err != nil {
		return nil, err
	}
	return &backend.CheckHealthResult{Status: status, Message: strings.Join(lines, "\n"), JSONDetails: details}, nil
}

// storeHealth checks the bucket and counts what it holds. Unreadable reports do not fail the check
// (the rest is served) but each is named with the action to take.
func (d *Datasource) storeHealth(ctx context.Context) []healthCheck {
	st := d.settings.Store
	where := fmt.Sprintf("bucket %q at %s", st.Bucket, st.Endpoint)
	if err := d.runs.Ping(ctx); err != nil {
		return []healthCheck{{Name: "results store", Message: fmt.Sprintf("%s: %v", where, err)}}
	}
	snap, err := d.runs.Snapshot(ctx)
	if err != nil {
		return []healthCheck{{Name: "results store", Message: fmt.Sprintf("%s: listing failed: %v", where, err)}}
	}
	checks := []healthCheck{{
		Name:    "results store",
		OK:      true,
		Message: fmt.Sprintf("%s reachable; %d GuideLLM runs decoded under prefix %q", where, len(snap.Runs), st.Prefix),
	}}
	if n := len(snap.Problems); n > 0 {
		var first []string
		for i, p := range snap.Problems {
			if i == 5 {
				break
			}
			first = append(first, fmt.Sprintf("%q: %s", p.Key, p.Reason))
		}
		checks[0].Message += fmt.Sprintf("; %d unreadable objects (served without them): %s", n, strings.Join(first, "; "))
	}
	if len(snap.Runs) == 0 {
		checks[0].Message += "; no reports yet: upload one with POST /api/datasources/uid/<uid>/resources/runs or point store.prefix at the folder GuideLLM writes to"
	}
	return checks
}

// sweepsHealth asks the API server whether the plugin may launch, follow and ingest sweeps; when
// not, the message carries the exact Role to apply.
func (d *Datasource) sweepsHealth(ctx context.Context) healthCheck {
	check := healthCheck{Name: "kubernetes sweeps"}
	if d.sweepsErr != nil {
		check.Message = d.sweepsErr.Error()
		return check
	}
	report, err := d.sweeps.CheckAccess(ctx)
	if err != nil {
		check.Message = err.Error()
		return check
	}
	check.OK = report.OK()
	check.Message = report.Summary()
	if !check.OK {
		check.Message += "\n" + report.RoleYAML
	}
	if d.runs == nil {
		check.Message += "; no results store is configured, so finished sweeps are not ingested"
	}
	return check
}
