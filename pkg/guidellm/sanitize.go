package guidellm

import (
	"bytes"
	"sort"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Python's json.dumps (allow_nan=True, GuideLLM's default) writes float('nan') and infinities as the bare
// tokens NaN, Infinity and -Infinity. They are read as null, i.e. "value absent" (0 in the model):
// a non-finite statistic carries no information and must not poison sums or JSON marshaling downstream.

var nonFiniteTokens = [...][]byte{[]byte("-Infinity"), []byte("Infinity"), []byte("NaN")}

var nullToken = []byte("null")

// nullNonFiniteJSON replaces the non-finite tokens found outside strings with null. It returns nil when
// there is none. shifts maps offsets in the result back to offsets in data, for error messages.
func nullNonFiniteJSON(data []byte) ([]byte, offsetShifts) {
	var (
		out      []byte
		shifts   offsetShifts
		copied   int // data[:copied] is already in out
		inString bool
	)
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++ // skip the escaped byte, which may be a quote
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			continue
		case '-', 'I', 'N':
		default:
			continue
		}
		for _, tok := range nonFiniteTokens {
			if !bytes.HasPrefix(data[i:], tok) {
				continue
			}
			out = append(out, data[copied:i]...)
			out = append(out, nullToken...)
			copied = i + len(tok)
			shifts.add(int64(len(out)), int64(len(nullToken)-len(tok)))
			i = copied - 1
			break
		}
	}
	if out == nil {
		return nil, nil
	}
	return append(out, data[copied:]...), shifts
}

// offsetShifts records, in increasing order, where a replacement ended in the rewritten bytes and the total
// growth (positive) or shrinkage of the bytes up to there.
type offsetShifts []struct{ end, delta int64 }

func (s *offsetShifts) add(end, delta int64) {
	if n := len(*s); n > 0 {
		delta += (*s)[n-1].delta
	}
	*s = append(*s, struct{ end, delta int64 }{end, delta})
}

// original maps an offset in the rewritten bytes to the offset in the original bytes.
func (s offsetShifts) original(offset int64) int64 {
	i := sort.Search(len(s), func(i int) bool { return s[i].end > offset })
	if i == 0 {
		return offset
	}
	return offset - s[i-1].delta
}

// nullNonFiniteYAML re-renders a YAML document with every .nan/.inf float scalar replaced by null, the same
// reading as for JSON. It reports false when there was nothing to replace (or the YAML does not parse).
func nullNonFiniteYAML(data []byte) ([]byte, bool) {
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		return nil, false
	}
	if !nullNonFiniteNodes(&doc, 0) {
		return nil, false
	}
	out, err := yamlv3.Marshal(&doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

// maxYAMLDepth bounds the recursion on hostile documents; GuideLLM reports nest fewer than 20 levels.
const maxYAMLDepth = 200

func nullNonFiniteNodes(n *yamlv3.Node, depth int) bool {
	if n == nil || depth > maxYAMLDepth {
		return false
	}
	changed := false
	if n.Kind == yamlv3.ScalarNode && n.ShortTag() == "!!float" {
		switch strings.ToLower(strings.TrimPrefix(n.Value, "+")) {
		case ".nan", ".inf", "-.inf":
			n.Tag, n.Value, n.Style = "!!null", "null", 0
			changed = true
		}
	}
	for _, child := range n.Content {
		if nullNonFiniteNodes(child, depth+1) {
			changed = true
		}
	}
	return changed
}
