package main

import (
	"bytes"
	"testing"
)

// FuzzEndRecords: endRecords, which ends NUL-terminated raw records in
// place, writes what the general path writes for them, record by record
// (text, then appendRecord), whichever records in a run lose a byte.
func FuzzEndRecords(f *testing.F) {
	for _, s := range []string{
		"one\ntwo\x00\x00three\n\x00four\x00five\n\n\x00six", "", "\n", "\x00\x00",
		"a\n\x00b\n\x00c\x00d\n\x00", "line one\nline two\n\x00next",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		run := []byte(s + "\x00") // a run ends with the separator
		c := &copier{sep: 0, enc: &encoder{format: formatRaw}}
		var want []byte
		for rec := range bytes.SplitAfterSeq(run, []byte{0}) {
			if len(rec) == 0 { // after the last separator
				break
			}
			want = c.enc.appendRecord(want, piece{text: c.text(rec)})
		}
		if got := endRecords(run, 0); !bytes.Equal(got, want) {
			t.Fatalf("%q: endRecords makes\n%q\nthe records one by one\n%q", s, got, want)
		}
	})
}
