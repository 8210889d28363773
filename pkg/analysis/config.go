// Package analysis holds the ROI mathematics as pure functions: SLA classification, saturation,
// breaking points, capacity and cost, and the N-small-vs-one-big comparison. It never performs
// I/O; the data-source glue feeds it decoded runs and the user's catalog.
package analysis

// Deployment is one entry of the user's deployments catalog (jsonData.deployments).
type Deployment struct {
	Model        string
	GPUs         int
	GPUType      string
	Quantization string
}

// SLA holds the latency/error thresholds (jsonData.sla). Latencies in ms; MaxErrorRate is a
// fraction (0.01 = 1 %).
type SLA struct {
	TTFTExcellentMs  float64
	TTFTAcceptableMs float64
	TTFTBreakingMs   float64
	ITLExcellentMs   float64
	ITLAcceptableMs  float64
	ITLBreakingMs    float64
	MaxErrorRate     float64
}

// DefaultSLA is the seed's SLA table: TTFT < 500 ms excellent, < 1 s acceptable, > 2 s breaking;
// ITL < 20 / 50 / 100 ms (TPOT > 20 tok/s ⇔ ITL < 50 ms); errors ≤ 1 %.
func DefaultSLA() SLA {
	return SLA{
		TTFTExcellentMs:  500,
		TTFTAcceptableMs: 1000,
		TTFTBreakingMs:   2000,
		ITLExcellentMs:   20,
		ITLAcceptableMs:  50,
		ITLBreakingMs:    100,
		MaxErrorRate:     0.01,
	}
}

// ScenarioDef names a prompt/output token shape (jsonData.scenarios extends the defaults).
type ScenarioDef struct {
	Name         string
	PromptTokens int
	OutputTokens int
}

// DefaultScenarios are the seed's workload shapes.
func DefaultScenarios() []ScenarioDef {
	return []ScenarioDef{
		{Name: "chat", PromptTokens: 64, OutputTokens: 64},
		{Name: "summarization", PromptTokens: 512, OutputTokens: 128},
		{Name: "code-gen", PromptTokens: 128, OutputTokens: 256},
		{Name: "stress", PromptTokens: 256, OutputTokens: 256},
	}
}

// Config is everything the analysis needs from the data-source settings.
type Config struct {
	Deployments []Deployment
	GPUPrices   map[string]float64 // GPU type → USD per GPU-hour
	SLA         SLA
	Scenarios   []ScenarioDef // defaults merged with the user's, user's win on equal names
	// TargetUtilization u (0 < u ≤ 1) is the share of a replica's capacity a fleet may use:
	// replicas = ceil(L / (u × capacity)). 0 means 1 (no headroom).
	TargetUtilization float64
}

// withDefaults fills what a zero Config leaves out, so a caller that skipped the settings'
// defaults still gets the seed's SLA and scenarios instead of thresholds of 0.
func (c Config) withDefaults() Config {
	if c.SLA == (SLA{}) {
		c.SLA = DefaultSLA()
	}
	if c.Scenarios == nil {
		c.Scenarios = DefaultScenarios()
	}
	if !(c.TargetUtilization > 0 && c.TargetUtilization <= 1) {
		c.TargetUtilization = 1
	}
	return c
}
