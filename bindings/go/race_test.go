//go:build race

package tokenkit_test

const raceEnabled = true
