package slogrotate

import "runtime"

const isWindows = runtime.GOOS == "windows"

// otherChildren holds the child roles of tests other than the multi-process
// ones, by the value of the child environment variable.
var otherChildren = map[string]func(role string) int{}

func runOtherChild(role string) int {
	if f := otherChildren[role]; f != nil {
		return f(role)
	}
	return 2
}
