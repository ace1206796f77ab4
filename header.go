package slogrotate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// header.go holds WithHeader: the lines every new live file starts with,
// and the creation of a live file that makes them its first bytes.

// maxHeaderSize is the largest header WithHeader accepts.
const maxHeaderSize = 64 << 10

// WithHeader makes every live file the writer creates start with header:
// the column names of a CSV or TSV log, or a line naming its format. A
// newline is added if header does not end in one; it may hold several
// lines. Open fails (with [ErrInvalidOption]) if header is empty, holds a
// NUL byte, is longer than 64 KiB, or is not shorter than [WithMaxSize].
//
// Whichever process creates the file, the header is its first bytes and is
// there exactly once, before any record: the file is made under a
// temporary name in the log's directory (.<base>.new-<random>.tmp), the header
// written into it, and only then is it renamed to the log's path, never
// replacing a file there. A file the writer did not create (one an outside
// tool put at the path, or an existing log that Open or a reopen finds)
// gets no header, and none is ever added to a file with records in it.
//
// The header counts toward the file's size (WithMaxSize) but is not a
// record: a file that holds nothing but the header is empty, so it is not
// archived at the end of an idle period, and a buffered log's archive that
// holds only the header is removed as an empty one (see [WithBuffer]).
// Every process sharing the log should give the same header.
func WithHeader(header []byte) Option {
	return func(c *config) {
		switch {
		case len(header) == 0:
			c.fail("WithHeader: the header is empty")
			return
		case bytes.IndexByte(header, 0) >= 0:
			c.fail("WithHeader: the header holds a NUL byte")
			return
		case len(header) > maxHeaderSize:
			c.fail("WithHeader: the header is %d bytes, more than %d", len(header), maxHeaderSize)
			return
		}
		h := bytes.Clone(header)
		if h[len(h)-1] != '\n' {
			h = append(h, '\n')
		}
		c.header = h
	}
}

// checkHeader reports a header that would make every file oversize.
func (c *config) checkHeader() error {
	if c.maxSize > 0 && int64(len(c.header)) >= c.maxSize {
		return invalidOption(fmt.Errorf("slogrotate: WithHeader: the header (%d bytes with its newline) is not shorter than WithMaxSize(%d)", len(c.header), c.maxSize))
	}
	return nil
}

// createLive opens the live file at path, creating it if there is none.
// With a header, a file it creates appears at path with the header already
// in it, so that no other process can append before it.
func createLive(path string, mode fs.FileMode, header []byte) (*os.File, error) {
	if len(header) == 0 {
		return openAppend(path, mode)
	}
	for range createTries {
		f, err := openExisting(path)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		f, err = createWithHeader(path, mode, header)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
		// Another process created the file meanwhile: open that one.
	}
	return nil, fmt.Errorf("open %s: the file kept appearing and vanishing", path)
}

// createTries bounds createLive's tries: each one that fails saw the file
// appear after it looked, and disappear before it looked again.
const createTries = 8

// createWithHeader makes a file holding header under a temporary name and
// renames it to path unless a file is there; then it fails with an error
// matching fs.ErrExist.
func createWithHeader(path string, mode fs.FileMode, header []byte) (*os.File, error) {
	var r [8]byte
	rand.Read(r[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new-"+hex.EncodeToString(r[:])+tmpSuffix)
	f, err := openAppend(tmp, mode)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	if _, err = f.Write(header); err == nil {
		err = renameNoReplace(tmp, path)
	}
	f.Close()
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	// Opened again by its name: the descriptor of the temporary name need
	// not describe the renamed file (under Wine it did not, and the state
	// recorded another file), and a file another writer put at the path
	// meanwhile was made by createLive too.
	return openExisting(path)
}

// headerOnly reports whether the file at path holds exactly the header
// and nothing else.
func headerOnly(path string, size int64, header []byte) bool {
	if len(header) == 0 || size != int64(len(header)) {
		return false
	}
	got, err := os.ReadFile(path)
	return err == nil && bytes.Equal(got, header)
}
