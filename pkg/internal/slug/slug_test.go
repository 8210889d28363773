package slug

import "testing"

func TestMake(t *testing.T) {
	lowerAlnum := func(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') }
	cases := []struct {
		in, trim string
		max      int
		want     string
	}{
		{"meta-llama/llama 3.1", "-", 40, "meta-llama-llama-3-1"},
		{"--a//b--", "-", 40, "a-b"},
		{"abcdef-ghi", "-", 7, "abcdef"},
		{"ÄÖÜ", "-", 40, "x"},
		{"", "-", 40, "x"},
	}
	for _, c := range cases {
		if got := Make(c.in, lowerAlnum, c.trim, c.max, "x"); got != c.want {
			t.Errorf("Make(%q, max %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
