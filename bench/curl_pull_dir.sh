#!/usr/bin/env bash
# Bare-protocol pull of a directory, the baseline for `oras pull` of a packed directory: GET the
# manifest, then the one layer piped straight into `tar -xz`, unverified. With VERIFY=1 the
# stream is also hashed on the way (tee into openssl), as oras-rs verifies it.
#   curl_pull_dir.sh <registry> <repo> <tag> <outdir>
set -euo pipefail
registry=$1 repo=$2 tag=$3 out=$4
base="http://$registry/v2/$repo"
mkdir -p "$out"
digest=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/manifests/$tag" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
if [ "${VERIFY:-0}" = 1 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkfifo "$tmp/h"
    openssl dgst -sha256 -r <"$tmp/h" >"$tmp/digest" &
    hashing=$!
    curl -sf -L "$base/blobs/$digest" | tee "$tmp/h" | tar -xz -C "$out"
    wait "$hashing"
    [ "sha256:$(cut -d' ' -f1 "$tmp/digest")" = "$digest" ]
else
    curl -sf -L "$base/blobs/$digest" | tar -xz -C "$out"
fi
