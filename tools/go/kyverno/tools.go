//go:build tools

// Package kyverno pins the Kyverno CLI (kyverno test / kyverno apply) of Kyverno v1.19.0, the
// application version of the kyverno chart 3.9.0 the platform installs.
package kyverno

import (
	_ "github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno"
)
