#!/usr/bin/env bash
# Times flate2's three gzip backends (miniz_oxide, zlib-rs, zlib-ng) compressing and
# decompressing the same tar files, RUNS times each, interleaved. Run it alone.
#   bench/gzip-backends.sh [tar file]...     (default: a tar of workload g, and of /usr/share/doc)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
if ! command -v cmake >/dev/null; then
    echo "zlib-ng is a C build with cmake: apt-get install -y cmake" >&2
    exit 1
fi
for backend in miniz zlib-rs zlib-ng; do
    CARGO_TARGET_DIR=bench/gzip-backends/target/$backend \
        cargo build --release --quiet --locked --manifest-path bench/gzip-backends/Cargo.toml \
        --features "$backend"
done
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    [ -d bench/.data/g ] || { echo "bench/.data/g missing: run bench/run --workloads g once" >&2; exit 1; }
    tar -cf "$tmp/g.tar" -C bench/.data g
    tar -cf "$tmp/text.tar" -C /usr/share doc man 2>/dev/null || true
    inputs=("$tmp/g.tar" "$tmp/text.tar")
fi
for input in "${inputs[@]}"; do
    for _ in $(seq "$RUNS"); do
        for backend in miniz zlib-rs zlib-ng; do
            printf '%-8s ' "$backend"
            "bench/gzip-backends/target/$backend/release/gzip-backends" "$input"
        done
    done
done
