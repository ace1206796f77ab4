package slogrotate

import (
	"os"
	"runtime"
	"testing"
)

const isWindows = runtime.GOOS == "windows"

// wineVersion is the version of Wine the Windows test binary runs under,
// and empty everywhere else. windows_test.go sets it: from the ntdll.dll
// export wine_get_version, which only Wine has, or else from
// SLOGROTATE_UNDER_WINE, which .ci/wine/run-windows-tests.sh sets.
var wineVersion string

// wineSerialized is set in the processes of TestWindowsMultiProcessUnderWine,
// which serializes appends so that the multi-process tests can run under
// Wine at all.
var wineSerialized bool

// Points where Wine 8.0 does not behave as Windows does. A test that
// depends on one of them is skipped under Wine with skipUnderWine and the
// point, never passed silently. docs/platforms.md lists them.
const (
	// wineAppend: the multi-process tests write from many processes at
	// once and require every record whole and present.
	wineAppend = "does not append atomically across handles: concurrent WriteFile calls on FILE_APPEND_DATA handles " +
		"from several processes overwrite each other (4 processes x 2000 lines lose 20-30%, and records are torn); " +
		"real Windows appends each call whole, as Unix does with O_APPEND. " +
		"TestWindowsProcessesTakeTurns checks the protocol with real processes that do not append at the same time"

	// wineLocks: the state lives from byte 1 of the lock file because
	// Windows forbids other handles to touch byte 0 while it is locked.
	wineLocks = "does not make LockFileEx locks mandatory: another handle, in this process or another, " +
		"reads and writes a locked byte; real Windows fails with ERROR_LOCK_VIOLATION"

	// wineSymlink: the symlink tests need a link to exist.
	wineSymlink = "does not create symbolic links: CreateSymbolicLinkW reports success and creates nothing"
)

// skipUnderWine skips t under Wine, naming the point where Wine differs
// from Windows. SLOGROTATE_WINE_NOSKIP=1 runs the test anyway, to see how
// it fails.
func skipUnderWine(t *testing.T, point string) {
	t.Helper()
	if point == wineAppend && wineSerialized {
		return // TestWindowsMultiProcessUnderWine runs it with appends serialized
	}
	if wineVersion != "" && os.Getenv("SLOGROTATE_WINE_NOSKIP") != "1" {
		t.Skipf("Wine %s %s", wineVersion, point)
	}
}
