//go:build mage

package main

import (
	"fmt"
	"os"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/sh"
)

// plugin.json lives at the top level of the repository, not in src/.
func init() {
	if err := build.SetBeforeBuildCallback(func(cfg build.Config) (build.Config, error) {
		cfg.PluginJSONPath = "."
		return cfg, nil
	}); err != nil {
		panic(err)
	}
}

// Default builds the backend for every platform Grafana runs on.
var Default = build.BuildAll

// Fuzz runs the GuideLLM decoder fuzz target for FUZZTIME (default 5m); CI only replays its corpus.
func Fuzz() error {
	d := os.Getenv("FUZZTIME")
	if d == "" {
		d = "5m"
	}
	fmt.Println("fuzzing guidellm.Decode for", d)
	return sh.RunV("go", "test", "./pkg/guidellm/", "-run=^$", "-fuzz=^FuzzDecode$", "-fuzztime="+d)
}

// Bench runs every benchmark and prints MB/s, ms and allocations.
func Bench() error {
	return sh.RunV("go", "test", "./pkg/...", "-run=^$", "-bench=.", "-benchmem")
}
