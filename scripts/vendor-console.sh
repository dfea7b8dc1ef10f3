#!/usr/bin/env bash
# Re-fetches the console's vendored libraries (committed under api/console/vendor/) from the npm registry, pinned
# and checked: each package tarball's SHA-256 and each copied file's SHA-256 must match the values below, else the
# script stops and changes nothing. Run it only to upgrade a library (then update the versions and checksums).
#
#   bash scripts/vendor-console.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=api/console/vendor
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fanzha-vendor.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# package@version  tarball sha256  file-in-package  dest-name  file sha256
PACKAGES=(
  "cytoscape@3.35.0 058a81a7534777ea68dc737e9b77bd5b701e00acd9bee246245a576eeeac32e6 dist/cytoscape.min.js cytoscape.min.js 71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94"
  "echarts@6.1.0 681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481 dist/echarts.min.js echarts.min.js b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"
)

check() { # file expected-sha256
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "checksum mismatch for $1: expected $2, got $got" >&2
    exit 1
  fi
}

for entry in "${PACKAGES[@]}"; do
  read -r spec tar_sha file dest file_sha <<<"$entry"
  name="${spec%@*}"
  (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$WORK"/"$name"-*.tgz)"
  check "$tarball" "$tar_sha"
  mkdir -p "$WORK/$name"
  tar xzf "$tarball" -C "$WORK/$name"
  check "$WORK/$name/package/$file" "$file_sha"
done

mkdir -p "$DEST"
for entry in "${PACKAGES[@]}"; do
  read -r spec _ file dest _ <<<"$entry"
  name="${spec%@*}"
  cp "$WORK/$name/package/$file" "$DEST/$dest"
  cp "$WORK/$name/package/LICENSE" "$DEST/$name.LICENSE"
  if [ -f "$WORK/$name/package/NOTICE" ]; then cp "$WORK/$name/package/NOTICE" "$DEST/$name.NOTICE"; fi
  for extra in "$WORK/$name"/package/licenses/LICENSE-*; do # licences of code bundled inside (ECharts: d3)
    if [ -f "$extra" ]; then cp "$extra" "$DEST/$name.$(basename "$extra")"; fi
  done
  echo "vendored $spec → $DEST/$dest"
done
