//go:build tools

// Package gator pins Gatekeeper's gator CLI (gator verify / gator test) of Gatekeeper v3.23.0,
// the version of the gatekeeper chart the platform installs.
package gator

import (
	_ "github.com/open-policy-agent/gatekeeper/v3/cmd/gator"
)
