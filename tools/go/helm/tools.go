//go:build tools

// Package helm pins the helm command that the offline check and the tests run: helm.sh/helm/v3,
// the library the pinned @pulumi/kubernetes provider renders helm.v4.Chart with (Chart v4 is
// Pulumi's resource version; the provider embeds Helm 3), with the Kubernetes libraries the
// provider builds it with (k8s.io/* v0.36.2).
//
// Version source: provider/go.mod of pulumi/pulumi-kubernetes requires helm.sh/helm/v3 v3.20.2
// on every branch of the newest readable snapshot (master of 2026-07-01, after v4.32.0). The
// go.mod of tag v4.34.2 itself could not be read here: the snapshot ends before it, and the Go
// module proxy does not serve the provider module at that tag. Re-check when it can be read.
package helm

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
