package linediff

import "testing"

func TestFirst(t *testing.T) {
	for _, tt := range []struct{ want, got, diff string }{
		{"a\nb\nc", "a\nb\nc", "(equal)"},
		{"a\nb\nc", "a\nx\nc", "line 2:\n  want b\n  got  x"},
		{"a\nb", "a\nb\n", "line 3:\n  want \n  got  "},
		{"a", "", "line 1:\n  want a\n  got  "},
	} {
		if d := First(tt.want, tt.got); d != tt.diff {
			t.Errorf("First(%q, %q) = %q, want %q", tt.want, tt.got, d, tt.diff)
		}
	}
}
