# A local OCI registry for the tests: Debian's docker-registry on 127.0.0.1 on a free port, storage in a
# temp dir, with the offline test images pushed by skopeo. Other suites reuse it:
#
#   load lib/registry
#   registry_start                 # sets REGISTRY (127.0.0.1:PORT), REGISTRY_DIR, REGISTRY_PID
#   registry_push busybox          # $HUSK_TEST_IMAGES/busybox.oci.tar → $REGISTRY/library/busybox:latest
#   registry_stop                  # kills it by PID and removes its storage
#   registry_proxy_start --token U:P | --slow BYTES_PER_SECOND   # sets PROXY, PROXY_PID (registry_proxy.py)
#   registry_proxy_stop
#
# Needs /usr/bin/docker-registry, skopeo and python3 (for a free port).

registry_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

registry_start() {
    command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; return 1; }
    REGISTRY_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/husk-registry-XXXXXX")
    local port
    port=$(registry_free_port)
    REGISTRY=127.0.0.1:$port
    cat >"$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/storage
  delete:
    enabled: true
http:
  addr: $REGISTRY
YAML
    docker-registry serve "$REGISTRY_DIR/config.yml" >"$REGISTRY_DIR/log" 2>&1 &
    REGISTRY_PID=$!
    local i
    for i in $(seq 1 100); do
        if curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
            export REGISTRY REGISTRY_DIR REGISTRY_PID
            return 0
        fi
        kill -0 "$REGISTRY_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "the registry did not start:" >&2
    cat "$REGISTRY_DIR/log" >&2
    registry_stop
    return 1
}

# registry_push NAME [REPO[:TAG]]: pushes $HUSK_TEST_IMAGES/NAME.oci.tar (default repo library/NAME:latest).
registry_push() {
    local name=$1 dest=${2:-library/$1:latest}
    local archive=${HUSK_TEST_IMAGES:-build/test-images}/$name.oci.tar
    [ -f "$archive" ] || { echo "no test image $archive (run scripts/build-test-images.sh)" >&2; return 1; }
    skopeo copy -q --dest-tls-verify=false "oci-archive:$archive:docker.io/library/$name:latest" \
        "docker://$REGISTRY/$dest" >/dev/null
}

registry_stop() {
    registry_proxy_stop
    if [ -n "${REGISTRY_PID:-}" ]; then
        kill "$REGISTRY_PID" 2>/dev/null
        wait "$REGISTRY_PID" 2>/dev/null || true
        REGISTRY_PID=
    fi
    if [ -n "${REGISTRY_DIR:-}" ]; then
        rm -rf "$REGISTRY_DIR"
        REGISTRY_DIR=
    fi
}

# registry_proxy_start ARGS...: starts registry_proxy.py in front of $REGISTRY; sets PROXY and PROXY_PID.
registry_proxy_start() {
    local port
    port=$(registry_free_port)
    PROXY=127.0.0.1:$port
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/registry_proxy.py" "$REGISTRY" "$port" "$@" \
        >"$REGISTRY_DIR/proxy.log" 2>&1 &
    PROXY_PID=$!
    local i
    for i in $(seq 1 100); do
        curl -sS -o /dev/null "http://$PROXY/v2/" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "the registry proxy did not start:" >&2
    cat "$REGISTRY_DIR/proxy.log" >&2
    return 1
}

registry_proxy_stop() {
    if [ -n "${PROXY_PID:-}" ]; then
        kill "$PROXY_PID" 2>/dev/null
        wait "$PROXY_PID" 2>/dev/null || true
        PROXY_PID=
    fi
}
