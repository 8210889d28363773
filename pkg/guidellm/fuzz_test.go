package guidellm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode calls decode, not Decode, so that a panic is a failure instead of being recovered.
// `go test` runs the seed corpus: every file in testdata.
func FuzzDecode(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := decode("fuzz", data)
		if err != nil {
			if run != nil || !errors.Is(err, ErrInvalidReport) {
				t.Fatalf("error %v (run %v): want a nil run and an ErrInvalidReport", err, run)
			}
			return
		}
		if run == nil || len(run.Stages) == 0 {
			t.Fatalf("nil error with run %+v: want at least one stage", run)
		}
		if err := checkFinite(run.Stages); err != nil {
			t.Fatalf("run holds an infinite value: %v", err)
		}
	})
}
