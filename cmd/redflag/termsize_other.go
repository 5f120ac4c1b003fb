//go:build !linux && !darwin

package main

import "os"

// terminalWidth returns 0: on this system ask does not ask the terminal
// its width, and wraps to COLUMNS or the default width.
func terminalWidth(*os.File) int { return 0 }
