#!/usr/bin/env bash
# The web UI's vendored front-end libraries (controller/ui/static/vendor), reproducibly.
#
#   tools/vendor_ui.sh --check   verify the committed files against SHA256SUMS (offline; make install)
#   tools/vendor_ui.sh           re-fetch every file of vendor.lock from the npm registry (npm pack),
#                                install it with its license, and verify it against SHA256SUMS
#   tools/vendor_ui.sh --pin     the same, then rewrite SHA256SUMS (after changing a version in vendor.lock)
#
# The files are committed, so running Hydro needs neither npm nor the network; this script proves
# that they are exactly the published packages' files, and upgrades them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=controller/ui/static/vendor
mode="${1:-fetch}"

check() {
    (cd "$VENDOR" && sha256sum --quiet --strict -c SHA256SUMS)
    echo "vendor_ui: every vendored file matches $VENDOR/SHA256SUMS"
}

if [[ "$mode" == "--check" ]]; then
    check
    exit 0
fi
if [[ "$mode" != "fetch" && "$mode" != "--pin" ]]; then
    echo "usage: $0 [--check | --pin]" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$VENDOR/licenses"
while read -r package version source target license license_file; do
    [[ -z "$package" || "$package" == \#* ]] && continue
    unpacked="$work/$package-$version"
    if [[ ! -d "$unpacked" ]]; then
        # npm pack checks the tarball against the registry's integrity hash before writing it.
        tarball="$(npm pack --silent --pack-destination "$work" "$package@$version" | tail -n 1)"
        mkdir -p "$unpacked"
        tar -xzf "$work/$tarball" -C "$unpacked"
    fi
    cp "$unpacked/package/$source" "$VENDOR/$target"
    cp "$unpacked/package/$license_file" "$VENDOR/licenses/$package.txt"
    echo "vendor_ui: $package@$version $source -> $target ($license)"
done < "$VENDOR/vendor.lock"

if [[ "$mode" == "--pin" ]]; then
    (cd "$VENDOR" && find . -type f ! -name SHA256SUMS ! -name vendor.lock -printf '%P\n' | sort \
        | xargs sha256sum > SHA256SUMS)
    echo "vendor_ui: pinned $(wc -l < "$VENDOR/SHA256SUMS") files in $VENDOR/SHA256SUMS"
fi
check
