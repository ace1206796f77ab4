package slogrotate

import (
	"os"
	"testing"
)

func TestZZStraceOpen(t *testing.T) {
	path := os.Getenv("ZZ_PATH")
	if path == "" {
		t.Skip()
	}
	for i := 0; i < 2; i++ {
		os.Stdout.WriteString("=====OPEN\n")
		w, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("=====CLOSE\n")
		w.Close()
		os.Stdout.WriteString("=====DONE\n")
	}
}
