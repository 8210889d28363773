package analysis

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Grafana units used by the frames.
const (
	unitReqPerSec = "reqps"
	unitMs        = "ms"
	unitUSD       = "currencyUSD"
	unitShort     = "short"
	unitPercent   = "percent"
)

// maxNoticeItems bounds how many subjects one notice lists, so 1,000 runs with the same gap
// produce one readable line instead of a wall of text.
const maxNoticeItems = 5

// notices collects frame notices. Notices with the same text are merged and list their subjects
// (runs, models, stages), so a gap shared by many runs is said once.
type notices struct {
	entries []*noticeEntry
	byText  map[string]*noticeEntry
}

type noticeEntry struct {
	severity data.NoticeSeverity
	text     string
	items    []string
	seen     map[string]bool
}

// add records a notice without subjects.
func (n *notices) add(sev data.NoticeSeverity, text string) {
	n.addItem(sev, text, "")
}

// addItem records subject item under text; repeated subjects are listed once.
func (n *notices) addItem(sev data.NoticeSeverity, text, item string) {
	if n.byText == nil {
		n.byText = map[string]*noticeEntry{}
	}
	e := n.byText[text]
	if e == nil {
		e = &noticeEntry{severity: sev, text: text, seen: map[string]bool{}}
		n.byText[text] = e
		n.entries = append(n.entries, e)
	}
	if item != "" && !e.seen[item] {
		e.seen[item] = true
		e.items = append(e.items, item)
	}
}

func (n *notices) empty() bool { return len(n.entries) == 0 }

// list renders the notices in the order they were first raised.
func (n *notices) list() []data.Notice {
	if len(n.entries) == 0 {
		return nil
	}
	out := make([]data.Notice, 0, len(n.entries))
	for _, e := range n.entries {
		text := e.text
		if len(e.items) > 0 {
			shown := e.items
			if len(shown) > maxNoticeItems {
				shown = shown[:maxNoticeItems]
			}
			text += ": " + strings.Join(shown, "; ")
			if more := len(e.items) - len(shown); more > 0 {
				text += fmt.Sprintf(" (and %d more)", more)
			}
		}
		out = append(out, data.Notice{Severity: e.severity, Text: text})
	}
	return out
}

// tableFrame builds a dataplane table frame carrying the notices.
func tableFrame(name string, n *notices, fields ...*data.Field) *data.Frame {
	f := data.NewFrame(name, fields...)
	f.Meta = &data.FrameMeta{
		Type:        data.FrameTypeTable,
		TypeVersion: data.FrameTypeVersion{0, 1},
	}
	if n != nil {
		f.Meta.Notices = n.list()
	}
	return f
}

// field builds a field with a display name and a unit (empty unit: none).
func field(name, display, unit string, values any) *data.Field {
	f := data.NewField(name, nil, values)
	f.Config = &data.FieldConfig{DisplayNameFromDS: display, Unit: unit}
	return f
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// finite returns a pointer to v, or nil when v is NaN or ±Inf: frames carry null, never NaN.
func finite(v float64) *float64 {
	if !isFinite(v) {
		return nil
	}
	return &v
}

// floatBlock hands out pointers into one preallocated block, so n nullable numbers cost one
// allocation instead of n (the runs table has a dozen per stage).
type floatBlock []float64

func newFloatBlock(n int) *floatBlock {
	b := make(floatBlock, 0, n)
	return &b
}

// finite is the package finite, stored in the block. Past the block's capacity append moves on
// to a new array; the pointers already handed out stay valid.
func (b *floatBlock) finite(v float64) *float64 {
	if !isFinite(v) {
		return nil
	}
	*b = append(*b, v)
	return &(*b)[len(*b)-1]
}

func intPtr(v int) *int64 {
	i := int64(v)
	return &i
}

func optInt(v *int) *int64 {
	if v == nil {
		return nil
	}
	return intPtr(*v)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// num formats a number for notes and notices: 4 significant digits, no exponent below 10,000.
func num(v float64) string {
	if math.Abs(v) >= 1e4 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func usd(v float64) string { return "$" + strconv.FormatFloat(v, 'f', 2, 64) }

func pct(v float64) string { return num(v) + " %" }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
