// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider (the upstream provider
// package github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider, pinned in go.mod) for the
// real-engine test tier (test/pulumi).
//
// Upstream's own main (cmd/pulumi-resource-kubernetes) embeds schema-embed.json, a file its
// `go generate` step writes and the module does not carry, so it cannot be built from the module.
// This main serves the same provider with a minimal schema document; the schema is read only by
// GetSchema (SDK generation) and by Read when a resource is imported without prior inputs
// (`pulumi import`), neither of which the tier runs.
package main

import (
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

func main() {
	// The version is stamped at link time (tools/go/tools.tsv): the upstream module's
	// pseudo-version, the only version of the provider module the Go module proxy serves here.
	v := version.Version
	if v == "" {
		v = "dev"
	}
	schema := []byte(`{"name":"kubernetes","version":"` + v + `"}`)
	provider.Serve("kubernetes", v, schema, []byte(`{}`))
}
