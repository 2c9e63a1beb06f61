#!/usr/bin/env bash
# Bare-protocol push of a directory, the baseline for `oras push <ref> <dir>`: `tar -cz` piped
# straight into one chunked PATCH (curl -T -), hashed and counted on the way by `tee` into
# openssl and wc; then the PUT closing the upload with ?digest=, the empty config, the manifest.
#   curl_push_dir.sh <registry> <repo> <tag> <dir>
set -euo pipefail
registry=$1 repo=$2 tag=$3 dir=$4
base="http://$registry/v2/$repo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
empty=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a

absolute() { case $1 in http*) echo "$1" ;; *) echo "http://$registry$1" ;; esac; }
location() { tr -d '\r' <"$1" | sed -n 's/^[Ll]ocation: //p' | tail -1; }

curl -sf -X POST -H 'Content-Length: 0' -D "$tmp/post" -o /dev/null "$base/blobs/uploads/"
loc=$(absolute "$(location "$tmp/post")")
mkfifo "$tmp/h" "$tmp/s"
openssl dgst -sha256 -r <"$tmp/h" >"$tmp/digest" &
hashing=$!
wc -c <"$tmp/s" >"$tmp/size" &
counting=$!
tar -cz "$dir" | tee "$tmp/h" "$tmp/s" |
    curl -sf -X PATCH -H 'Content-Type: application/octet-stream' -T - -D "$tmp/patch" -o /dev/null "$loc"
wait "$hashing" "$counting"
digest="sha256:$(cut -d' ' -f1 "$tmp/digest")"
size=$(tr -d ' ' <"$tmp/size")
loc=$(absolute "$(location "$tmp/patch")")
curl -sf -X PUT -H 'Content-Length: 0' -o /dev/null "$loc$(case $loc in *\?*) echo '&' ;; *) echo '?' ;; esac)digest=$digest"

printf '{}' >"$tmp/empty.json"
curl -sf -X POST -H 'Content-Length: 0' -D "$tmp/post" -o /dev/null "$base/blobs/uploads/"
loc=$(absolute "$(location "$tmp/post")")
curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$tmp/empty.json" -o /dev/null \
    "$loc$(case $loc in *\?*) echo '&' ;; *) echo '?' ;; esac)digest=$empty"
cat >"$tmp/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.unknown.artifact.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"$empty","size":2,"data":"e30="},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"$digest","size":$size,"annotations":{"io.deis.oras.content.unpack":"true","org.opencontainers.image.title":"$dir"}}]}
JSON
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$tmp/manifest.json" -o /dev/null "$base/manifests/$tag"
