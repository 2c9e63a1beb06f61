#!/usr/bin/env bash
# Bare-protocol push with curl: for every blob, hash it with openssl, POST to open an upload and
# PUT the whole file to the Location with ?digest=; then PUT the manifest. What any client must do.
#   curl_push.sh <registry> <repo> <tag> <file>...
set -euo pipefail
registry=$1 repo=$2 tag=$3
shift 3
base="http://$registry/v2/$repo"

upload() { # <file> <digest>
    local loc
    loc=$(curl -sf -X POST -o /dev/null -w '%header{location}' "$base/blobs/uploads/")
    case "$loc" in http*) ;; *) loc="http://$registry$loc" ;; esac
    case "$loc" in *\?*) loc="$loc&digest=$2" ;; *) loc="$loc?digest=$2" ;; esac
    curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" -o /dev/null "$loc"
}

layers=""
for f in "$@"; do
    d="sha256:$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)"
    size=$(stat -c %s "$f")
    upload "$f" "$d"
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$d\",\"size\":$size,\"annotations\":{\"org.opencontainers.image.title\":\"$f\"}}"
done
empty=$(mktemp)
printf '{}' >"$empty"
upload "$empty" "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
rm -f "$empty"
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\"application/vnd.unknown.artifact.v1\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2,\"data\":\"e30=\"},\"layers\":[$layers]}"
# Through a file: a 1000-layer manifest is longer than one command-line argument may be.
mfile=$(mktemp)
printf '%s' "$manifest" >"$mfile"
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$mfile" -o /dev/null "$base/manifests/$tag"
rm -f "$mfile"
