package tokenkit

// LiveWatchers is liveWatchers for the external tests (helpers_test.go's watchers).
func LiveWatchers() int64 { return liveWatchers.Load() }
