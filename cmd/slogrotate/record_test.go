package main

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzAppendJSONString: what appendJSONString makes is a JSON string that
// decodes to the input, invalid UTF-8 as U+FFFD, as encoding/json's does.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{
		"", "plain ascii text of more than eight bytes", `quote " and \ backslash`,
		"tab\tnewline\ncr\r nul\x00 del\x7f", "é€𝄞 \u2028\u2029", "bad \xff\xfe utf-8 \xe2\x82",
		strings.Repeat("abcdefg\"", 9), "12345678\x1f2345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, []byte(s))
		var dec string
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatalf("%q: not a JSON string: %s (%v)", s, got, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); dec != want && !sameReplacement(s, dec) {
			t.Fatalf("%q encodes to %s, which decodes to %q", s, got, dec)
		}
		if !utf8.Valid(got) {
			t.Fatalf("%q encodes to invalid UTF-8 %q", s, got)
		}
	})
}

// sameReplacement reports whether dec is s with each invalid byte (not
// each run of them, as strings.ToValidUTF8 does) replaced by U+FFFD.
func sameReplacement(s, dec string) bool {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // an invalid byte ranges as U+FFFD, one by one
	}
	return b.String() == dec
}
