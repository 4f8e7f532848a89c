//go:build race

package main

// raceEnabled: this test binary, and so every portsift it starts, runs
// under the race detector, whose shadow memory multiplies a process's
// resident size and whose checks slow it about tenfold.
const raceEnabled = true
