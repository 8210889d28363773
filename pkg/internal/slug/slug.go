// Package slug turns free-form names (served model names, scenarios, host names) into safe object
// key segments and Kubernetes name parts.
package slug

import "strings"

// Make keeps the runes keep accepts and turns every run of other runes into one "-", trims the
// characters of trim from both ends, cuts the result to max bytes (trimming again) and returns
// fallback when nothing is left.
func Make(s string, keep func(rune) bool, trim string, max int, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case keep(r):
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	seg := strings.Trim(b.String(), trim)
	if len(seg) > max {
		seg = strings.TrimRight(seg[:max], trim)
	}
	if seg == "" {
		return fallback
	}
	return seg
}
