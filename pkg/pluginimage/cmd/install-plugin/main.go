// Command install-plugin is the plugin image's copier: the Grafana pod's init container runs it
// to copy the plugin directory into Grafana's plugin path (an emptyDir). The image has no shell
// and no other program.
//
//	install-plugin /plugins/inferenceroi-vllm-datasource /var/lib/grafana-plugins
package main

import (
	"fmt"
	"os"

	"github.com/inferenceroi/vllm-datasource/pkg/pluginimage"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: install-plugin <plugin directory> <Grafana plugin path>")
		os.Exit(2)
	}
	if err := pluginimage.InstallPlugin(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "install-plugin:", err)
		os.Exit(1)
	}
	fmt.Printf("installed %s into %s\n", os.Args[1], os.Args[2])
}
