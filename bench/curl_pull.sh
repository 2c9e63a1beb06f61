#!/usr/bin/env bash
# Bare-protocol pull with curl: GET the manifest, then one curl process fetching every layer over
# one keep-alive connection, sequentially. With VERIFY=1 every file is hashed afterwards. With
# PARALLEL=n the layers are fetched n at a time (`curl -Z`): what the registry can serve at a
# client's concurrency, with no client work beyond writing the files.
#   curl_pull.sh <registry> <repo> <tag> <outdir>
set -euo pipefail
registry=$1 repo=$2 tag=$3 out=$4
base="http://$registry/v2/$repo"
mkdir -p "$out"
cfg=$(mktemp)
curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/manifests/$tag" |
    python3 -c '
import json, sys
base, out = sys.argv[1], sys.argv[2]
for layer in json.load(sys.stdin)["layers"]:
    title = layer["annotations"]["org.opencontainers.image.title"]
    digest = layer["digest"]
    print("url = \"%s/blobs/%s\"" % (base, digest))
    print("output = \"%s/%s\"" % (out, title))
' "$base" "$out" >"$cfg"
parallel=()
if [ -n "${PARALLEL:-}" ]; then
    parallel=(-Z --parallel-max "$PARALLEL")
fi
curl -sf --create-dirs -L "${parallel[@]}" -K "$cfg"
rm -f "$cfg"
if [ "${VERIFY:-0}" = 1 ]; then
    find "$out" -type f -exec openssl dgst -sha256 -r {} + >/dev/null
fi
