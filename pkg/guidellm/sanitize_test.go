package guidellm

import (
	"strings"
	"testing"
)

func TestNullNonFiniteJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a": 1.5, "b": -2}`, ""}, // nothing to replace: nil
		{`{"a": NaN}`, `{"a": null}`},
		{`[Infinity,-Infinity,NaN]`, `[null,null,null]`},
		{`{"s": "NaN Infinity \"NaN\" -Infinity", "v": NaN}`, `{"s": "NaN Infinity \"NaN\" -Infinity", "v": null}`},
		{`{"s": "ends in a backslash\\", "v": -Infinity}`, `{"s": "ends in a backslash\\", "v": null}`},
		{`{"NaN": "key", "x": [1, NaN, 2]}`, `{"NaN": "key", "x": [1, null, 2]}`},
	} {
		got, _ := nullNonFiniteJSON([]byte(tc.in))
		if string(got) != tc.want || (tc.want == "") != (got == nil) {
			t.Errorf("nullNonFiniteJSON(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Offsets in the rewritten bytes map back to the same byte of the original.
func TestOffsetShiftsMapBack(t *testing.T) {
	in := `[NaN, -Infinity, 1, NaN, "x", Infinity, 7]`
	out, shifts := nullNonFiniteJSON([]byte(in))
	for _, marker := range []string{"[", "1", `"x"`, "7", "]"} {
		o := strings.Index(string(out), marker)
		if got, want := shifts.original(int64(o)), int64(strings.Index(in, marker)); got != want {
			t.Errorf("offset of %s: mapped %d, want %d", marker, got, want)
		}
	}
}

func TestYAMLNonFiniteFloatsBecomeNull(t *testing.T) {
	in := "a: .nan\nb: [1, -.inf]\nc: '.nan'\nd: .Inf\ne: +.inf\nf: 2.5\n"
	got, err := yamlToJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":null,"b":[1,null],"c":".nan","d":null,"e":null,"f":2.5}`; string(got) != want {
		t.Errorf("yamlToJSON = %s, want %s", got, want)
	}
}
