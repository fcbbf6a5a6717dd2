//go:build race

package export

// raceEnabled shrinks the heaviest tests under the race detector.
const raceEnabled = true
