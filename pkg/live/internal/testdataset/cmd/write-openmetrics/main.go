// Command write-openmetrics writes the live integration-test dataset to stdout, for
// scripts/prometheus-server.sh start:
//
//	go run ./pkg/live/internal/testdataset/cmd/write-openmetrics > .cache/prom-test.om
package main

import (
	"fmt"
	"os"

	"github.com/inferenceroi/vllm-datasource/pkg/live/internal/testdataset"
)

func main() {
	if err := testdataset.Default().WriteOpenMetrics(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "write-openmetrics:", err)
		os.Exit(1)
	}
}
