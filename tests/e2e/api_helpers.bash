# Shared by the API end-to-end tests: start `husk daemon` on a temp data dir and a free port, talk to it
# over its unix socket (curl, husk) and stop it by PID.

# A TCP port nobody listens on (from ss's view), in the ephemeral-free range.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return 0; }
    done
    return 1
}

# wait_ready: waits until the API on $DATA answers (at most 5 s).
wait_ready() {
    for _ in $(seq 1 50); do
        if [ -S "$DATA/husk.sock" ] && curl -sf --unix-socket "$DATA/husk.sock" http://localhost/healthz >/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    cat "$DATA/daemon.log" >&2
    return 1
}

# start_daemon: sets DATA and PORT, records the daemon's PID, waits until it serves.
start_daemon() {
    DATA=${DATA:-$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/husk-api.XXXXXX")}
    PORT=${PORT:-$(free_port)}
    export DATA PORT
    # API semantics only: --no-node keeps pods as plain objects (tests/e2e/pods.bats runs them).
    "$HUSK" daemon --data-dir "$DATA" --listen "127.0.0.1:$PORT" --node-name husk-test \
        --manifest-dir "$DATA/manifests" --no-node 2>>"$DATA/daemon.log" &
    echo $! >"$DATA/test-daemon.pid"
    # Not this shell's job any more: a later SIGKILL is then not reported on the test output.
    disown $!
    wait_ready
}

# The daemon's PID is kept in a file: bats runs each test in a subshell, and a test may restart it.
daemon_pid() { cat "$DATA/test-daemon.pid" 2>/dev/null; }

wait_gone() {
    for _ in $(seq 1 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

stop_daemon() {
    local pid
    pid=$(daemon_pid)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait_gone "$pid" || kill -KILL "$pid"
    fi
    rm -f "$DATA/test-daemon.pid"
}

# api METHOD PATH [CONTENT_TYPE BODY]: prints the body then the HTTP code on the last line.
api() {
    local method=$1 path=$2
    if [ $# -ge 4 ]; then
        curl -s --unix-socket "$DATA/husk.sock" -X "$method" -H "Content-Type: $3" --data-binary "$4" \
            -w '\n%{http_code}' "http://localhost$path"
    else
        curl -s --unix-socket "$DATA/husk.sock" -X "$method" -w '\n%{http_code}' "http://localhost$path"
    fi
}

# The HTTP code and the body of the last `run api ...`.
api_code() { echo "${lines[-1]}"; }
api_body() { sed '$d' <<<"$output"; }

hk() { "$HUSK" "$@" --data-dir "$DATA"; }

# pod_yaml NAME [IMAGE] [LABELS as "k: v"]: a minimal pod manifest.
pod_yaml() {
    cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels:
    ${3:-app: $1}
spec:
  containers:
  - name: main
    image: ${2:-busybox:1.36}
    command: ["sleep", "3600"]
YAML
}
