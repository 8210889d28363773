package realserver

import (
	"runtime"
	"testing"
)

func TestInCI(t *testing.T) {
	for value, want := range map[string]bool{"": false, "0": false, "false": false, "true": true, "1": true, "yes": true} {
		t.Setenv("CI", value)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", value, got, want)
		}
	}
}

// recorder captures whether Env failed or skipped; like testing.T it stops the goroutine there.
type recorder struct {
	testing.TB
	fatal, skipped bool
	msg            string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal, r.msg = true, format
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, format
	runtime.Goexit()
}

// env runs Env on its own goroutine, as a test does, so Fatalf/Skipf end only that goroutine.
func (r *recorder) env(envVar string) (value string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		value = Env(r, envVar, "start it")
	}()
	<-done
	return value
}

func TestEnv(t *testing.T) {
	t.Setenv("REALSERVER_TEST_URL", "")
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	r.env("REALSERVER_TEST_URL")
	if !r.fatal || r.skipped {
		t.Errorf("CI=true and no server: fatal=%v skipped=%v, want a failure", r.fatal, r.skipped)
	}

	t.Setenv("CI", "")
	r = &recorder{TB: t}
	r.env("REALSERVER_TEST_URL")
	if r.fatal || !r.skipped {
		t.Errorf("outside CI and no server: fatal=%v skipped=%v, want a skip", r.fatal, r.skipped)
	}

	t.Setenv("CI", "true")
	t.Setenv("REALSERVER_TEST_URL", "http://127.0.0.1:1")
	r = &recorder{TB: t}
	if got := r.env("REALSERVER_TEST_URL"); got != "http://127.0.0.1:1" || r.fatal || r.skipped {
		t.Errorf("server set: got %q fatal=%v skipped=%v", got, r.fatal, r.skipped)
	}
}
