#!/usr/bin/env bash
# Downloads the upstream sources of the platform's charts from the Go module proxy (the chart
# folders inside the Go modules pinned by tools/go/charts/go.mod, each zip verified against the
# hash in tools/go/charts/go.sum) into .cache/charts/ (git-ignored), once, and prints one line per
# chart: "<chart name><TAB><absolute chart folder>". The API-server tier's day-one group renders
# the stacks with charts.overrides.<name>.localPath pointing at these folders.
#
# What is assembled in the cache (nothing of it is ever copied into the repository):
# - gatekeeper: charts/gatekeeper of github.com/open-policy-agent/gatekeeper/v3, as it is;
# - cert-manager: deploy/charts/cert-manager of github.com/cert-manager/cert-manager, with the
#   release's version stamped into Chart.yaml's version and appVersion (v0.0.0 in the source;
#   the release tool stamps them, and the templates tag the images with appVersion);
# - kyverno: charts/kyverno of github.com/kyverno/kyverno. Its Chart.yaml names three remote
#   dependencies that the module does not carry: kyverno-api (on with crds.install, which the
#   project's values set) comes from charts/kyverno-api of github.com/kyverno/api at the version
#   kyverno's own go.mod requires; openreports and reports-server, which the chart's defaults
#   leave off and the project's values do not turn on, get stand-ins made here whose only
#   template fails the render if they are ever turned on.
# Linkerd's and Falco's charts are not Go modules the proxy serves (docs/operations.md).
#
# The cache key is the SHA-256 of go.mod, go.sum and this script: a change of any of them
# downloads and assembles anew. A missing Go, a hash missing from go.sum, a failed or mismatching
# download is an error naming the module; nothing half-assembled is left in place.
#
#   tools/charts/fetch.sh    # prints the chart folders (downloads on the first run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# SOVEREIGN_CHART_MODULE: another module folder (the tier's bad-input tests); SOVEREIGN_CHART_CACHE:
# another cache folder.
module="${SOVEREIGN_CHART_MODULE:-$root/tools/go/charts}"
where="${module#"$root"/}"
cache="${SOVEREIGN_CHART_CACHE:-$root/.cache/charts}"

fail() {
    echo "error: tools/charts/fetch.sh: $*" >&2
    exit 1
}

command -v go >/dev/null 2>&1 ||
    fail "go not found on PATH: the chart sources are downloaded as Go modules; install Go 1.26 or newer"
[ -f "$module/go.mod" ] && [ -f "$module/go.sum" ] || fail "no go.mod and go.sum in $where"

key="$(cat "$module/go.mod" "$module/go.sum" "$here/fetch.sh" | sha256sum | cut -c1-16)"
out="$cache/charts-$key"

# The exact version the go.mod of the module folder requires for a module.
version_of() {
    local v
    v="$(awk -v path="$1" '$1 == path && $2 ~ /^v/ { print $2 } $1 == "require" && $2 == path { print $3 }' "$module/go.mod")"
    [ "$(wc -w <<<"$v")" -eq 1 ] || fail "$where/go.mod requires no $1; expected one exact version"
    echo "$v"
}

# Downloads one module (verified against go.sum) and prints its folder in the module cache.
download() {
    local path="$1" version json dir
    version="$(version_of "$path")"
    # Only a hash recorded in go.sum may verify a download: with no line for it, go would take
    # whatever the proxy serves and write its hash into go.sum.
    grep -qF "$path $version h1:" "$module/go.sum" ||
        fail "$where/go.sum has no hash for $path $version; expected the line \"$path $version h1:...\" (go mod download -json $path@$version prints it as Sum)"
    json="$(cd "$work/module" && GOMODCACHE="$work/mod" GOFLAGS="-mod=readonly -modcacherw" GOSUMDB=off \
        go mod download -json "$path@$version" 2>&1)" || true
    dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")"
    if [ -z "$dir" ] || [ ! -d "$dir" ] || grep -q '"Error"' <<<"$json"; then
        fail "downloading $path@$version through the Go module proxy (GOPROXY=$(go env GOPROXY)) failed; the day-one group of npm run test:cluster renders this chart source:
$json"
    fi
    echo "$dir"
}

if [ ! -f "$out/complete" ]; then
    echo "downloading the chart sources of $where/go.mod ..." >&2
    start=$(date +%s)
    mkdir -p "$cache"
    work="$cache/charts-$key.tmp.$$"
    trap 'rm -rf "$work"' EXIT
    rm -rf "$work"
    mkdir -p "$work/module" "$work/charts"
    # go mod download writes go.sum: it runs on a copy, and the copy must come out unchanged.
    cp "$module/go.mod" "$module/go.sum" "$work/module/"

    gatekeeper="$(download github.com/open-policy-agent/gatekeeper/v3)"
    kyverno="$(download github.com/kyverno/kyverno)"
    kyverno_api="$(download github.com/kyverno/api)"
    cert_manager="$(download github.com/cert-manager/cert-manager)"
    cmp -s "$module/go.sum" "$work/module/go.sum" ||
        fail "go mod download added hashes that $where/go.sum does not pin:
$(diff "$module/go.sum" "$work/module/go.sum" || true)"

    cp -R "$gatekeeper/charts/gatekeeper" "$work/charts/gatekeeper"

    cert_version="$(version_of github.com/cert-manager/cert-manager)"
    cp -R "$cert_manager/deploy/charts/cert-manager" "$work/charts/cert-manager"
    chart="$work/charts/cert-manager/Chart.yaml"
    grep -qx 'version: v0.0.0' "$chart" && grep -qx 'appVersion: v0.0.0' "$chart" ||
        fail "$chart: expected the placeholders \"version: v0.0.0\" and \"appVersion: v0.0.0\" to stamp with $cert_version"
    sed -i -e "s/^version: v0\.0\.0\$/version: $cert_version/" \
        -e "s/^appVersion: v0\.0\.0\$/appVersion: $cert_version/" "$chart"

    cp -R "$kyverno/charts/kyverno" "$work/charts/kyverno"
    sub="$work/charts/kyverno/charts"
    cp -R "$kyverno_api/charts/kyverno-api" "$sub/kyverno-api"
    # Each remote dependency of the Kyverno chart, as "name version" from its Chart.yaml.
    for dep in openreports reports-server; do
        version="$(awk -v name="$dep" '
            $1 == "-" && $2 == "name:" { current = $3 }
            $1 == "version:" && current == name { print $2; exit }
        ' "$work/charts/kyverno/Chart.yaml")"
        [ -n "$version" ] || fail "charts/kyverno/Chart.yaml of kyverno names no dependency $dep"
        mkdir -p "$sub/$dep/templates"
        printf 'apiVersion: v2\nname: %s\nversion: %s\ndescription: %s\n' "$dep" "$version" \
            "Stand-in made by tools/charts/fetch.sh for a dependency the values leave off" \
            >"$sub/$dep/Chart.yaml"
        printf '{{- fail "%s is a stand-in made by tools/charts/fetch.sh (the Go module carries no %s chart): keep it off in the values" }}\n' \
            "$dep" "$dep" >"$sub/$dep/templates/stand-in.yaml"
    done

    # Only the assembled charts are kept: the module sources (about 150 MB unpacked) are not needed.
    rm -rf "$work/mod" "$work/module"
    touch "$work/complete"
    rm -rf "$out"
    mv "$work" "$out"
    trap - EXIT
    echo "chart sources ready in $(($(date +%s) - start)) s: ${out#"$root"/}" >&2
fi

for chart in gatekeeper kyverno cert-manager; do
    printf '%s\t%s\n' "$chart" "$out/charts/$chart"
done
