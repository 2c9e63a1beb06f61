#!/usr/bin/env bash
# Bare-protocol push with curl, as fast as a shell client can do it: every file hashed by one
# openssl process; then one curl process opening an upload session per blob (POST, keep-alive,
# sequential) and one curl process uploading every blob to its Location with ?digest= (a
# monolithic PUT streamed from the file, keep-alive, sequential); then the manifest PUT.
#   curl_push.sh <registry> <repo> <tag> <file>...
set -euo pipefail
registry=$1 repo=$2 tag=$3
shift 3
base="http://$registry/v2/$repo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '{}' >"$tmp/empty.json"
empty=sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a
# "<hex> *<file>" per line, in argument order.
openssl dgst -sha256 -r "$@" >"$tmp/digests"

n=$(($# + 1))
for _ in $(seq "$n"); do
    printf 'url = "%s/blobs/uploads/"\n' "$base"
done >"$tmp/post.cfg"
curl -sf -X POST -H 'Content-Length: 0' -o /dev/null -w '%header{location}\n' -K "$tmp/post.cfg" >"$tmp/locations"

python3 - "$registry" "$tmp" "$empty" "$@" <<'PY'
import json, os, sys
registry, tmp, empty, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
locs = open(f"{tmp}/locations").read().split()
digests = ["sha256:" + line.split()[0] for line in open(f"{tmp}/digests")]
with open(f"{tmp}/put.cfg", "w") as cfg:
    for loc, path, digest in zip(locs, files + [f"{tmp}/empty.json"], digests + [empty]):
        if not loc.startswith("http"):
            loc = f"http://{registry}{loc}"
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        cfg.write(f'upload-file = "{path}"\nurl = "{loc}"\n')
layers = [
    {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": os.path.getsize(f),
     "annotations": {"org.opencontainers.image.title": f}}
    for f, d in zip(files, digests)
]
manifest = {
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "application/vnd.unknown.artifact.v1",
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2, "data": "e30="},
    "layers": layers,
}
open(f"{tmp}/manifest.json", "w").write(json.dumps(manifest, separators=(",", ":")))
PY
curl -sf -H 'Content-Type: application/octet-stream' -H 'Expect:' -o /dev/null -K "$tmp/put.cfg"
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$tmp/manifest.json" -o /dev/null "$base/manifests/$tag"
