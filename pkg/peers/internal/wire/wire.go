// Package wire holds what the readers of the other tools' reports share: numbers that may be absent,
// and the normalized model's conventions for them.
package wire

import (
	"math"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// Num is a JSON number that may be absent, null, or written as a string ("inf", "NaN", "12.5"):
// tools write all of these. Set is false when the value is absent or not a number.
type Num struct {
	V   float64
	Set bool
}

func (n *Num) UnmarshalJSON(raw []byte) error {
	*n = Num{}
	s := strings.TrimSpace(string(raw))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return nil
		}
		s = strings.TrimSpace(str)
	}
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", ".inf":
		*n = Num{V: math.Inf(1), Set: true}
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return nil // not a number: unknown, not a failure of the whole report
	}
	*n = Num{V: v, Set: true}
	return nil
}

// F is the value, NaN when unknown: the model's convention for a metric the report does not give.
func (n Num) F() float64 {
	if !n.Set || math.IsInf(n.V, 0) {
		return math.NaN()
	}
	return n.V
}

// Scaled is F times k (unit conversion), NaN when unknown.
func (n Num) Scaled(k float64) float64 { return n.F() * k }

// Finite reports whether the value is known and finite.
func (n Num) Finite() bool { return n.Set && !math.IsInf(n.V, 0) }

// Positive returns a pointer to a known value > 0 (offered rates and stream counts), nil otherwise.
func (n Num) Positive() *float64 {
	if !n.Finite() || n.V <= 0 {
		return nil
	}
	v := n.V
	return &v
}

// Count is the value as a request count; unknown, negative or absurd values give 0.
func (n Num) Count() int {
	if !n.Finite() || n.V < 0 || n.V >= 1<<53 {
		return 0
	}
	return int(math.Round(n.V))
}

// NaNDist is a distribution of which nothing is known.
func NaNDist() guidellm.Distribution {
	nan := math.NaN()
	return guidellm.Distribution{Mean: nan, P50: nan, P90: nan, P95: nan, P99: nan}
}

// UnknownStage is a stage whose every metric is unknown (NaN), to be filled by a reader.
func UnknownStage(index int) guidellm.Stage {
	nan := math.NaN()
	return guidellm.Stage{
		Index: index, AchievedRPS: nan, ConcurrencyMean: nan, ConcurrencyTotalMean: nan,
		TTFTms: NaNDist(), ITLms: NaNDist(), TPOTms: NaNDist(), RequestLatencyS: NaNDist(),
		OutputTPS: nan, TotalTPS: nan, PromptTokensMean: nan, OutputTokensMean: nan,
	}
}

// FirstKnown is the first known value of vs, NaN when none is.
func FirstKnown(vs ...Num) float64 {
	for _, v := range vs {
		if v.Finite() {
			return v.V
		}
	}
	return math.NaN()
}

// Known reports whether v is not NaN.
func Known(v float64) bool { return !math.IsNaN(v) }

// EpochTime converts Unix seconds; unknown, 0 or absurd values give the zero time.
func EpochTime(sec float64) time.Time {
	if !(sec > 0 && sec < 1e11) {
		return time.Time{}
	}
	whole, frac := math.Modf(sec)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}
