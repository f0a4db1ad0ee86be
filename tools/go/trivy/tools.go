//go:build tools

// Package trivy pins trivy v0.74.0, whose Kubernetes misconfiguration scan (its built-in checks,
// embedded in the binary, no download) bench:peers runs beside the check.
package trivy

import (
	_ "github.com/aquasecurity/trivy/cmd/trivy"
)
