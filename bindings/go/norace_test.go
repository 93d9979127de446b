//go:build !race

package tokenkit_test

const raceEnabled = false
