#!/usr/bin/env bats
# The real kubectl (v1.32) streaming against `husk daemon` with its node: exec (WebSocket v5, with stdin,
# a tty, exit codes, -c; and SPDY/3.1, kubectl's fallback), attach, cp (exec of tar both ways) and
# port-forward (SPDY over WebSocket, and plain SPDY/3.1), with the kubeconfig the daemon writes. Images are loaded from the
# offline test archives, pods use imagePullPolicy: Never.
load helpers
load api_helpers

setup_file() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    export CGROUP_PARENT=husk-e2e-stream-$$
    export DATA=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/husk-stream.XXXXXX")
    export PORT=$(free_port)
    mkdir -p "$DATA/manifests"
    "$HUSK" image load -i "$HUSK_TEST_IMAGES/busybox.oci.tar" --data-dir "$DATA" >/dev/null
    "$HUSK" image load -i "$HUSK_TEST_IMAGES/nginx.oci.tar" --data-dir "$DATA" >/dev/null
    "$HUSK" daemon --data-dir "$DATA" --listen "127.0.0.1:$PORT" --node-name husk-stream \
        --manifest-dir "$DATA/manifests" --cgroup-parent "$CGROUP_PARENT" --no-pod-network 2>>"$DATA/daemon.log" &
    echo $! >"$DATA/test-daemon.pid"
    disown $!
    wait_ready
    export KUBECONFIG="$DATA/kubeconfig.yaml"
    k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: sp
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: Never
    command: ["sleep", "3600"]
    env: [{name: WHO, value: main}]
  - name: side
    image: busybox
    imagePullPolicy: Never
    command: ["sleep", "3600"]
    env: [{name: WHO, value: side}]
---
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: Never
    command: ["sh", "-c", "i=0; while true; do echo tick $i; echo tock $i >&2; i=$((i+1)); sleep 0.3; done"]
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    imagePullPolicy: Never
---
apiVersion: v1
kind: Pod
metadata:
  name: half
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: Never
    command: ["sleep", "3600"]
  - name: done
    image: busybox
    imagePullPolicy: Never
    command: ["true"]
YAML
    k wait --for=condition=Ready pod/sp pod/ticker pod/web --timeout=60s >/dev/null
    k wait --for=jsonpath='{.status.containerStatuses[?(@.name=="done")].state.terminated.reason}'=Completed \
        pod/half --timeout=60s >/dev/null
}

teardown_file() {
    [ -n "${DATA:-}" ] || return 0
    export KUBECONFIG="$DATA/kubeconfig.yaml"
    k delete pod sp ticker web half --grace-period=1 >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do
        [ -z "$(ls -A "$DATA/pods" 2>/dev/null)" ] && break
        sleep 0.2
    done
    stop_daemon
    for pid in $(pgrep -f "husk-supervisor $DATA/" || true); do kill -KILL "$pid"; done
    for dir in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/"$CGROUP_PARENT"; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$DATA"
    true
}

setup() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    export KUBECONFIG="$DATA/kubeconfig.yaml"
}

k() { timeout 30 kubectl --request-timeout=20s "$@"; }
# Runs a command line on a pty of script's, by bash whatever $SHELL is (script runs $SHELL -c, and a
# nologin there fails at once). Its stdin is /dev/null: script forwards its own stdin to the pty and fails
# at once when that cannot be read (CI's stdin may be write-only). Time limits inside take --foreground:
# a plain timeout puts kubectl in a background process group, where setting the terminal raw stops it
# with SIGTTOU (bash hides that by exec'ing a last simple command; dash does not).
in_terminal() { SHELL=/bin/bash script -qec "$1" /dev/null </dev/null; }

@test "kubectl exec runs a command and prints its output" {
    run --separate-stderr k exec sp -c main -- echo hi
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    run --separate-stderr k exec sp -c main -- sh -c 'echo out; echo err >&2'
    [ "$status" -eq 0 ]
    [ "$output" = out ]
    [ "$stderr" = err ]
}

@test "kubectl exec passes the command's exit code on" {
    run k exec sp -c main -- sh -c 'exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = "command terminated with exit code 3" ]
    run k exec sp -c main -- false
    [ "$status" -eq 1 ]
}

@test "kubectl exec -i streams stdin to the command until it ends" {
    run bash -c "printf 'x\ny\n' | timeout 30 kubectl exec -i sp -c main -- cat"
    [ "$status" -eq 0 ]
    [ "$output" = $'x\ny' ]
    # A megabyte through, and the byte count back: nothing lost or reordered on the way.
    run bash -c "head -c 1048576 /dev/urandom | timeout 30 kubectl exec -i sp -c main -- wc -c"
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = 1048576 ]
}

@test "kubectl exec -it gives the command a terminal" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run in_terminal "timeout --foreground 30 kubectl exec -it sp -c main -- tty"
    echo "exit $status: $output" # shown when the test fails
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/pts/"* ]]
    run in_terminal "timeout --foreground 30 kubectl exec -it sp -c main -- sh -c 'exit 4'"
    echo "exit $status: $output" # shown when the test fails
    [ "$status" -eq 4 ]
    # kubectl sends its terminal's size on the resize channel once the command runs (as to a kubelet: the
    # sleep lets it arrive); the pty in the container takes it.
    run in_terminal "stty cols 123 rows 45; timeout --foreground 30 kubectl exec -it sp -c main -- sh -c 'sleep 1; stty size'"
    echo "exit $status: $output" # shown when the test fails
    [ "$status" -eq 0 ]
    [[ "$output" == *"45 123"* ]]
}

@test "kubectl exec -c picks the container, and without it kubectl takes the first" {
    run --separate-stderr k exec sp -c side -- sh -c 'echo $WHO'
    [ "$status" -eq 0 ]
    [ "$output" = side ]
    run --separate-stderr k exec sp -- sh -c 'echo $WHO'
    [ "$status" -eq 0 ]
    [ "$output" = main ]
    [ "$stderr" = 'Defaulted container "main" out of: main, side' ]
}

@test "kubectl exec errors: a missing pod, a missing container" {
    run k exec nope -- true
    [ "$status" -eq 1 ]
    [ "$output" = 'Error from server (NotFound): pods "nope" not found' ]
    run k exec sp -c nosuch -- true
    [ "$status" -eq 1 ]
    [ "$output" = 'Error from server (BadRequest): container nosuch is not valid for pod sp' ]
}

@test "kubectl exec over SPDY/3.1, kubectl's fallback: output, exit code, stdin, a tty" {
    export KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false
    run --separate-stderr k exec sp -c main -- sh -c 'echo out; echo err >&2; exit 3'
    [ "$status" -eq 3 ]
    [ "$output" = out ]
    [ "$stderr" = $'err\ncommand terminated with exit code 3' ]
    run bash -c "head -c 300000 /dev/urandom | timeout 30 kubectl exec -i sp -c main -- wc -c"
    [ "$status" -eq 0 ]
    [ "$(echo $output)" = 300000 ]
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run in_terminal "stty cols 101 rows 33; timeout --foreground 30 kubectl exec -it sp -c main -- sh -c 'tty; sleep 1; stty size'"
    echo "exit $status: $output" # shown when the test fails
    [ "$status" -eq 0 ]
    [[ "$output" == *"/dev/pts/"* ]]
    [[ "$output" == *"33 101"* ]]
}

@test "kubectl exec and attach to a container that is not running: the kubelet's words" {
    run k exec half -c done -- true
    [ "$status" -eq 1 ]
    [ "$output" = 'error: Internal error occurred: unable to upgrade connection: container not found ("done")' ]
    run --separate-stderr k attach half -c done
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'error: Internal error occurred: unable to upgrade connection: container not found ("done")' ]]
}

@test "kubectl cp copies a file into the pod and back" {
    printf 'line one\nline two\n' >"$BATS_TEST_TMPDIR/in.txt"
    run k cp "$BATS_TEST_TMPDIR/in.txt" sp:/tmp/copied.txt -c main
    [ "$status" -eq 0 ]
    run k exec sp -c main -- cat /tmp/copied.txt
    [ "$output" = $'line one\nline two' ]
    k exec sp -c main -- sh -c 'echo from the pod >/tmp/out.txt'
    run k cp sp:/tmp/out.txt "$BATS_TEST_TMPDIR/out.txt" -c main
    [ "$status" -eq 0 ]
    [ "$(cat "$BATS_TEST_TMPDIR/out.txt")" = "from the pod" ]
}

@test "kubectl attach shows a running container's output" {
    run --separate-stderr timeout 3 kubectl attach ticker
    [ "$status" -eq 124 ]
    [[ "$output" =~ tick\ [0-9]+ ]]
    [[ "$stderr" =~ tock\ [0-9]+ ]]
    # Only what comes after the attach: the ticker has been counting for a while.
    [[ "$output" != *"tick 0"$'\n'* ]]
    KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false run --separate-stderr timeout 3 kubectl attach ticker
    [ "$status" -eq 124 ]
    [[ "$output" =~ tick\ [0-9]+ ]]
}

# port_forward ENV...: starts kubectl port-forward pod/web LOCAL:80 in the background, waits until it
# listens, fetches the page, stops it by PID.
port_forward_fetch() {
    local local_port log pid
    local_port=$(free_port)
    log=$BATS_TEST_TMPDIR/pf.log
    env "$@" kubectl port-forward pod/web "$local_port:80" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q "Forwarding from" "$log" && break
        sleep 0.1
    done
    curl -s --max-time 10 "http://127.0.0.1:$local_port/"
    curl -s --max-time 10 "http://127.0.0.1:$local_port/" # a second connection through the same session
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

@test "kubectl port-forward reaches the pod's port (SPDY over WebSocket)" {
    run port_forward_fetch
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Welcome to nginx!</h1>' <<<"$output")" -eq 2 ]
}

@test "kubectl port-forward over plain SPDY/3.1, kubectl's fallback" {
    run port_forward_fetch KUBECTL_PORT_FORWARD_WEBSOCKETS=false
    [ "$status" -eq 0 ]
    [ "$(grep -c 'Welcome to nginx!</h1>' <<<"$output")" -eq 2 ]
}

@test "kubectl port-forward to a port nothing listens on: the error, and kubectl gives up" {
    local local_port log
    local_port=$(free_port)
    log=$BATS_TEST_TMPDIR/pf-closed.log
    timeout 30 kubectl port-forward pod/web "$local_port:81" >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 50); do
        grep -q "Forwarding from" "$log" && break
        sleep 0.1
    done
    run curl -s --max-time 10 "http://127.0.0.1:$local_port/"
    [ "$status" -ne 0 ]
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 1 ]
    grep -q "an error occurred forwarding $local_port -> 81: error forwarding port 81 to pod default/web: dial tcp4 127.0.0.1:81: connect: connection refused" "$log"
    grep -q "error: lost connection to pod" "$log"
}
