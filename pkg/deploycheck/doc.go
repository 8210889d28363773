// Package deploycheck holds the tests of the deployment manifests in deploy/: they build every
// kustomization with the kustomize API, check what the manifests promise (pinned images, the
// exact sweep Role, Viewer-only anonymous access, no secret values, a data source the plugin
// accepts, a CronJob identical to what the plugin launches) and dry-run every object against a
// real kube-apiserver.
package deploycheck
