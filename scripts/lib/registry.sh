# Sourced by scripts/demo and scripts/examples: start a throw-away docker-registry.
#
#   start_registry DIR    # storage and config under DIR; sets $registry (localhost:PORT)
#                         # and $registry_pid; the caller kills it on exit
# Needs `docker-registry` on PATH and a `say` function.

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_registry() {
    local dir=$1 attempt port
    for attempt in 1 2 3; do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" && continue
        mkdir -p "$dir/storage"
        cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: oras-rs-demo
YAML
        docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
        registry_pid=$!
        local i
        for i in $(seq 1 100); do
            if ! kill -0 "$registry_pid" 2>/dev/null; then
                break # exited early (port taken meanwhile?): try another port
            fi
            if port_in_use "$port"; then
                registry="localhost:$port"
                say "started docker-registry on $registry (attempt $attempt)"
                return
            fi
            sleep 0.1
        done
        kill "$registry_pid" 2>/dev/null || true
        wait "$registry_pid" 2>/dev/null || true
        registry_pid=
    done
    cat "$dir/registry.log" >&2 2>/dev/null || true
    echo "could not start docker-registry" >&2
    exit 1
}

