package slogrotate

import "runtime"

const isWindows = runtime.GOOS == "windows"
