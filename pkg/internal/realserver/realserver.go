// Package realserver holds the one rule for tests that need a real server started by the test
// script (scripts/s3-server.sh, scripts/prometheus-server.sh, scripts/k8s-server.sh): in CI a
// missing server fails the test, elsewhere the test is skipped with how to start it.
package realserver

import (
	"os"
	"testing"
)

// InCI reports whether the tests run in CI: env CI set to anything but "", "0" or "false"
// (CI systems set CI=true; a value we do not recognise counts as CI, so a server is never
// silently skipped there).
func InCI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false", "FALSE", "False":
		return false
	}
	return true
}

// Env returns the value of envVar, which names a server the test script started. Without it the
// test fails in CI and is skipped elsewhere; how says how to start the server.
func Env(tb testing.TB, envVar, how string) string {
	tb.Helper()
	v := os.Getenv(envVar)
	if v == "" {
		if InCI() {
			tb.Fatalf("%s is not set, and CI=%s requires the real server: %s", envVar, os.Getenv("CI"), how)
		}
		tb.Skipf("%s is not set: %s", envVar, how)
	}
	return v
}
