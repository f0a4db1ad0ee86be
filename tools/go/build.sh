#!/usr/bin/env bash
# Builds the Go tools named on the command line (all of tools.tsv when none is named) into
# .cache/tools/bin/, once: a binary is rebuilt only when its module's go.mod or go.sum, its package,
# its link flags or the Go version change (the key is in the cache folder's name). tools.tsv has one
# line per tool: name, module folder, package and, optionally, the -ldflags value (a version stamp).
# A missing Go, an unknown tool or a failed build is an error naming what failed; a half-written
# binary is never left in place.
#
#   tools/go/build.sh                   # every tool
#   tools/go/build.sh kube-apiserver    # one tool; prints nothing but its path on stdout
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${SOVEREIGN_TOOL_CACHE:-$root/.cache/tools}"
# SOVEREIGN_TOOL_TABLE: another table (the tier's bad-input tests); its module folders may be absolute.
table="${SOVEREIGN_TOOL_TABLE:-$here/tools.tsv}"

if ! command -v go >/dev/null 2>&1; then
    echo "error: go not found on PATH: the Go tools of the test tiers are built from Go modules; install Go 1.26 or newer" >&2
    exit 1
fi
goversion="$(go env GOVERSION)"

declare -A modules packages linkflags experiments
order=()
while IFS=$'\t' read -r name module package ldflags experiment; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    modules[$name]="$module"
    packages[$name]="$package"
    linkflags[$name]="${ldflags:-}"
    experiments[$name]="${experiment:-}"
    order+=("$name")
done <"$table"

wanted=("$@")
if [ "${#wanted[@]}" -eq 0 ]; then
    wanted=("${order[@]}")
fi
for name in "${wanted[@]}"; do
    if [ -z "${modules[$name]:-}" ]; then
        echo "error: unknown Go tool \"$name\"; expected one of: ${order[*]} (tools/go/tools.tsv)" >&2
        exit 1
    fi
done

mkdir -p "$cache/bin"
for name in "${wanted[@]}"; do
    dir="${modules[$name]}"
    [[ "$dir" == /* ]] || dir="$here/$dir"
    where="${dir#"$root"/}"
    package="${packages[$name]}"
    if [ ! -f "$dir/go.mod" ] || [ ! -f "$dir/go.sum" ]; then
        echo "error: $name: no go.mod and go.sum in $where" >&2
        exit 1
    fi
    ldflags="${linkflags[$name]}"
    experiment="${experiments[$name]}"
    key="$( { echo "$goversion $name $package${ldflags:+ $ldflags}${experiment:+ GOEXPERIMENT=$experiment}"; cat "$dir/go.mod" "$dir/go.sum"; } | sha256sum | cut -c1-16)"
    target="$cache/$name-$key/$name"
    if [ ! -x "$target" ]; then
        echo "building $name ($package, $goversion) ..." >&2
        start=$(date +%s)
        tmp="$cache/$name-$key.tmp.$$"
        rm -rf "$tmp"
        mkdir -p "$tmp"
        if ! (cd "$dir" && GOEXPERIMENT="${experiment:-${GOEXPERIMENT:-}}" CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags="$ldflags" -o "$tmp/$name" "$package") >&2; then
            rm -rf "$tmp"
            echo "error: building $name ($package in $where) failed; the Go output above says why" >&2
            exit 1
        fi
        rm -rf "$cache/$name-$key"
        mv "$tmp" "$cache/$name-$key"
        echo "built $name in $(($(date +%s) - start)) s" >&2
    fi
    ln -sfn "../$name-$key/$name" "$cache/bin/$name"
    if [ "${#wanted[@]}" -eq 1 ]; then
        echo "$cache/bin/$name"
    fi
done
