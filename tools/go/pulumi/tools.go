//go:build tools

// Package pulumi pins the Pulumi CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) at the version of
// the @pulumi/pulumi SDK in package.json, for the real-engine test tier (test/pulumi). Built by
// tools/go/build.sh pulumi into the git-ignored tool cache.
package pulumi

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
