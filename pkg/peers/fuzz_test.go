package peers

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/inferenceroi/vllm-datasource/pkg/guidellm"
)

// FuzzDecode calls decode, not Decode, so that a panic in any reader is a failure instead of being
// recovered. `go test` runs the seed corpus: every sample and fixture of every tool.
func FuzzDecode(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "golden" {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`[{"request_throughput": "inf", "completed": 1e400, "duration": -1}]`))
	f.Add([]byte("{\"records\": {\"ttft\": null}}\n{\"completed\": 1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := decode("fuzz", data)
		if err != nil {
			if run != nil || !errors.Is(err, guidellm.ErrInvalidReport) {
				t.Fatalf("error %v (run %v): want a nil run and an ErrInvalidReport", err, run)
			}
			return
		}
		if run == nil || len(run.Stages) == 0 || run.Tool == "" {
			t.Fatalf("nil error with run %+v: want a tool and at least one stage", run)
		}
		for i := range run.Stages {
			if bad := infinite(reflect.ValueOf(run.Stages[i])); bad != "" {
				t.Fatalf("stage %d: %s is infinite: unknown must be NaN, known finite", i, bad)
			}
		}
		_ = toJSON(Merge("fuzz/", []*guidellm.Run{run, run}))
	})
}

// infinite names the first infinite float64 field of a stage, "" when there is none.
func infinite(v reflect.Value) string {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Float64:
			if math.IsInf(f.Float(), 0) {
				return v.Type().Field(i).Name
			}
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(guidellm.Distribution{}) {
				if bad := infinite(f); bad != "" {
					return v.Type().Field(i).Name + "." + bad
				}
			}
		case reflect.Pointer:
			if !f.IsNil() && f.Elem().Kind() == reflect.Float64 && math.IsInf(f.Elem().Float(), 0) {
				return v.Type().Field(i).Name
			}
		}
	}
	return ""
}
