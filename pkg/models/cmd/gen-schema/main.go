// Command gen-schema writes the JSON Schema of the data source's settings (models.SettingsSchema)
// to the file the frontend imports. Run from the repository root:
//
//	go run ./pkg/models/cmd/gen-schema
//
// or `go generate ./pkg/models`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/inferenceroi/vllm-datasource/pkg/models"
)

func main() {
	out := flag.String("o", models.SchemaFile, "file to write")
	flag.Parse()
	schema, err := models.SettingsSchema()
	if err == nil {
		err = os.WriteFile(*out, schema, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-schema:", err)
		os.Exit(1)
	}
}
