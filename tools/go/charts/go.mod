// The upstream chart sources the API-server tier's day-one group renders (tools/charts/fetch.sh),
// pinned by exact version; go.sum holds the hash every download is verified against. No package
// is built from this module: tools/charts/fetch.sh only downloads the modules and reads their
// chart folders. The kyverno/api version is the one github.com/kyverno/kyverno v1.19.0 requires:
// its charts/kyverno-api is the Kyverno chart's kyverno-api dependency (the CRDs of the Go types
// the v1.19.0 binaries are built with).
module sovereign-contour/tools/go/charts

go 1.26.0

require (
	github.com/cert-manager/cert-manager v1.21.1
	github.com/kyverno/api v0.0.1-alpha.3.0.20260723090831-fb2785727f98
	github.com/kyverno/kyverno v1.19.0
	github.com/open-policy-agent/gatekeeper/v3 v3.23.0
)
