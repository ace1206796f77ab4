//go:build !unix

package main

import "os"

// openInput returns standard input as it is: on systems without poll(2) a
// stop signal takes effect at the next record read.
func openInput(stdin *os.File) (input, func()) {
	return fileInput{stdin}, func() {}
}
