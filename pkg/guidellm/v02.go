package guidellm

// v0.2-v0.3 (GenerativeBenchmarksReport): only a benchmarks list; run-level facts are repeated in every
// benchmark (worker, request_loader, extras, args.profile), totals sit at benchmark level.

type workerWire struct {
	BackendType   string `json:"backend_type"`
	BackendTarget string `json:"backend_target"`
	BackendModel  string `json:"backend_model"`
}

type requestLoaderWire struct {
	Data scenarioField `json:"data"`
}

func decodeV02(run *Run, w *reportWire) error {
	run.Version = "0.2.x"
	for i := range w.Benchmarks {
		b := &w.Benchmarks[i]
		m, err := metricsOf(i, b)
		if err != nil {
			return err
		}
		var strategy *strategyWire
		if b.Args != nil {
			strategy = b.Args.Strategy
			if run.Profile == "" {
				run.Profile = b.Args.Profile.name()
			}
		}
		totals := b.RequestTotals
		if totals == nil {
			totals = m.RequestTotals
		}
		run.Stages = append(run.Stages, stageFromMetrics(i, strategy, m, totals, b.StartTime, b.EndTime))

		// percentiles.p50 was added in v0.3.0 (median only before).
		if s := m.TTFT.Successful; s != nil && s.Percentiles.P50 != nil {
			run.Version = "0.3.x"
		}
		if wk := b.Worker; wk != nil {
			run.Model = firstNonEmpty(run.Model, wk.BackendModel)
			run.Target = firstNonEmpty(run.Target, wk.BackendTarget)
			run.Backend = firstNonEmpty(run.Backend, wk.BackendType)
		}
		if run.PromptTokens == 0 && run.OutputTokens == 0 && b.RequestLoader != nil {
			run.PromptTokens, run.OutputTokens = b.RequestLoader.Data.PromptTokens, b.RequestLoader.Data.OutputTokens
		}
		addLabels(run.Labels, b.Extras)
	}
	return nil
}
