# A husk node for the suites that run pods on a daemon (pods.bats, the robustness and limits suites,
# tests/soak/soak.sh): the daemon with a node on a temp data dir, images from a local registry standing
# in as the docker.io mirror, its own cgroup parent, and what it leaves behind counted.
#
#   load lib/registry
#   load lib/node
#   node_setup NAME          # in setup_file: DATA, CGROUP_PARENT, registry with busybox, registries.yaml
#   node_start [VAR=VALUE…] [-- FLAG…]  # starts the daemon, waits for the API
#   node_kill / node_stop    # SIGKILL / SIGTERM, waits until it is gone
#   node_teardown            # in teardown_file: pods, daemon, supervisors, cgroups, registry, DATA
#   node_footprint           # one line: mounts cgroups netns supervisors (for leak checks)

node_setup() {
    export CGROUP_PARENT=husk-$1-$$
    export DATA=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/husk-$1.XXXXXX")
    mkdir -p "$DATA/manifests"
    registry_start
    registry_push busybox
    printf 'mirrors:\n  docker.io:\n    endpoint:\n    - "http://%s"\n' "$REGISTRY" >"$DATA/registries.yaml"
}

node_pid() { cat "$DATA/daemon.pid" 2>/dev/null; }

# node_start [VAR=VALUE…] [-- FLAG…]: the daemon with those environment variables and extra flags; pods
# have no network unless NODE_NET_FLAGS says which (lib/network.bash's NET_FLAGS).
node_start() {
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    # shellcheck disable=SC2086
    env "${envs[@]}" HUSK_REGISTRIES_CONFIG="$DATA/registries.yaml" "$HUSK" daemon --data-dir "$DATA" \
        --manifest-dir "$DATA/manifests" --node-name "${NODE_NAME:-robust}" \
        --listen "127.0.0.1:$(registry_free_port)" --cgroup-parent "$CGROUP_PARENT" \
        ${NODE_NET_FLAGS:---no-pod-network} "$@" 2>>"$DATA/daemon.log" &
    echo $! >"$DATA/daemon.pid"
    disown $!
    for _ in $(seq 1 150); do
        hk get namespaces >/dev/null 2>&1 && return 0
        kill -0 "$(node_pid)" 2>/dev/null || break
        sleep 0.1
    done
    daemon_log_excerpt "$DATA/daemon.log" >&2
    return 1
}

# daemon_log_excerpt LOG: a sanitizer's report whole when the log has one (its last lines are only the
# shadow byte legend), else the last 20 lines.
daemon_log_excerpt() {
    if grep -q '^==[0-9]*==ERROR: ' "$1"; then
        sed -n '/^==[0-9]*==ERROR: /,/^SUMMARY: /p' "$1" | head -80
    else
        tail -20 "$1"
    fi
}

node_gone() {
    local pid=$1
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

node_kill() {
    local pid
    pid=$(node_pid)
    [ -n "$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    node_gone "$pid"
}

node_stop() {
    local pid
    pid=$(node_pid)
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    node_gone "$pid" || { kill -KILL "$pid"; node_gone "$pid"; }
}

hk() { "$HUSK" "$1" --data-dir "$DATA" "${@:2}"; }

# wait_for SECONDS COMMAND...: retries until the command succeeds. Its words are expanded once, at the call:
# a condition on a command's output is a function or `eval '[ "$(…)" … ]'`, evaluated at each try.
wait_for() {
    local seconds=$1
    shift
    for _ in $(seq 1 $((seconds * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    "$@"
}

# pod_field POD JQ: a field of the pod; pod_field_is POD JQ VALUE: whether it is VALUE (for wait_for, which
# runs its command afresh at each try).
pod_field() { hk get pod "$1" -o json | jq -r "$2"; }
pod_field_is() { [ "$(pod_field "$1" "$2")" = "$3" ]; }

phase_is() {
    local phase
    phase=$(hk get pod "$1" -o json | jq -r .status.phase)
    [ "$phase" = "$2" ] || { echo "pod $1: phase $phase, not $2" >&2; return 1; }
}
gone() { ! hk get pod "$1" >/dev/null 2>&1; }
trash_empty() { [ -z "$(ls -A "$DATA/trash")" ]; }
# no_supervisor UID / no_pod_cgroup UID: the pod's supervisor has gone / its cgroup, in every hierarchy.
no_supervisor() { ! pgrep -f "husk-supervisor $DATA/pods/$1/" >/dev/null; }
no_pod_cgroup() { [ -z "$(find /sys/fs/cgroup -maxdepth 3 -path "*/$CGROUP_PARENT/pod-$1" 2>/dev/null)" ]; }
all_running() {
    local n=$1
    [ "$(hk get pods -o json | jq '[.items[] | select(.status.phase == "Running")] | length')" = "$n" ]
}

# pod_manifest NAME [COMMAND]: a busybox pod that sleeps (or runs COMMAND), stopping at once on SIGTERM.
pod_manifest() {
    cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "${2:-trap 'exit 0' TERM; while true; do sleep 1; done}"]
YAML
}

make_pod() { pod_manifest "$@" | hk apply -f - >/dev/null; }

# The supervisors of this node's pods, found by the state dir their command line names (a spare sandbox's
# names DATA/sandbox-pool until a pod takes it).
supervisors() { pgrep -f "husk-supervisor $DATA/pods/" | sort -n | tr '\n' ' '; }

# node_footprint: "mounts=N cgroups=N netns=N supervisors=N" for this node's data dir and cgroup parent,
# leaving out the spare sandbox a running daemon keeps (DATA/sandbox-pool, PARENT/spare-*: spare_footprint).
node_footprint() {
    local mounts cgroups netns sups
    mounts=$(grep -v "$DATA/sandbox-pool/" /proc/self/mountinfo | grep -c "$DATA/" || true)
    cgroups=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -path "*/$CGROUP_PARENT/*" \
        -not -path "*/$CGROUP_PARENT/spare-*" 2>/dev/null | wc -l)
    netns=$(ip netns list 2>/dev/null | grep -c "$CGROUP_PARENT" || true)
    netns=$((netns + $(grep -v "$DATA/sandbox-pool/" /proc/self/mountinfo | grep -c "nsfs.*$DATA/" || true)))
    sups=$(pgrep -fc "husk-supervisor $DATA/pods/" || true)
    echo "mounts=$mounts cgroups=$cgroups netns=$netns supervisors=$sups"
}

# spare_footprint: "spares=N dirs=N mounts=N cgroups=N ahead=N", the spare sandboxes' processes, state dirs,
# netns pins and cgroup dirs (a spare has one of each, and a supervisor leaf cgroup, in each v1 hierarchy),
# and the empty dirs the pool made ahead for pods' and logs' dirs (two per spare).
spare_footprint() {
    local sups dirs mounts cgroups ahead
    sups=$(pgrep -fc "husk-supervisor $DATA/sandbox-pool/" || true)
    dirs=$(find "$DATA/sandbox-pool" -mindepth 1 -maxdepth 1 -name 'spare-*' 2>/dev/null | wc -l)
    mounts=$(grep -c "$DATA/sandbox-pool/" /proc/self/mountinfo || true)
    cgroups=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -path "*/$CGROUP_PARENT/spare-*" 2>/dev/null |
        wc -l)
    ahead=$(find "$DATA/sandbox-pool" -mindepth 1 -maxdepth 1 -not -name 'spare-*' 2>/dev/null | wc -l)
    echo "spares=$sups dirs=$dirs mounts=$mounts cgroups=$cgroups ahead=$ahead"
}

# spares_whole: at most one spare sandbox, with exactly its dir and netns pin (and no spare cgroup without it),
# and at most its two dirs made ahead.
spares_whole() {
    local n d m c a
    read -r n d m c a < <(spare_footprint | sed 's/[a-z]*=//g')
    [ "$n" -le 1 ] && [ "$d" = "$n" ] && [ "$m" = "$n" ] && { [ "$n" = 1 ] || [ "$c" = 0 ]; } && [ "$a" -le 2 ] ||
        { spare_footprint >&2; ls -la "$DATA/sandbox-pool" >&2; return 1; }
}

# spare_ready: one spare sandbox, whole.
spare_ready() { spares_whole 2>/dev/null && [ "$(pgrep -fc "husk-supervisor $DATA/sandbox-pool/")" = 1 ]; }

# node_stopped_clean: stops the daemon, which removes its spare sandbox; nothing of the node is left then.
node_stopped_clean() {
    node_stop
    [ "$(spare_footprint)" = "spares=0 dirs=0 mounts=0 cgroups=0 ahead=0" ] || { spare_footprint; return 1; }
    [ "$(node_footprint)" = "mounts=0 cgroups=0 netns=0 supervisors=0" ] || { node_footprint; return 1; }
}

# The pods the API lists (namespace/name) and those whose supervisor runs, sorted, one per line.
api_pod_uids() { hk get pods -A -o json | jq -r '.items[].metadata.uid' | sort; }
running_pod_uids() {
    pgrep -af "husk-supervisor $DATA/pods/" | sed -E "s|.*$DATA/pods/([^/]+)/.*|\1|" | sort -u
}

node_teardown() {
    [ -n "${DATA:-}" ] || return 0
    [ -z "${HUSK_DEBUG_LOG:-}" ] || cp "$DATA/daemon.log" "$HUSK_DEBUG_LOG"
    if [ -n "$(node_pid)" ] && kill -0 "$(node_pid)" 2>/dev/null; then
        hk get pods -A 2>/dev/null | awk 'NR > 1 {print $1, $2}' | while read -r ns pod; do
            hk delete pod "$pod" -n "$ns" --grace-period 0 >/dev/null 2>&1 || true
        done
        for _ in $(seq 1 200); do
            [ -z "$(ls -A "$DATA/pods" 2>/dev/null)" ] && break
            sleep 0.2
        done
        node_stop
    fi
    # Whatever a failed test left: its supervisors (by the state dir they were given), mounts, cgroups.
    for pid in $(pgrep -f "husk-supervisor $DATA/" || true); do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.5
    grep -o " $DATA/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    for dir in /sys/fs/cgroup/*/"$CGROUP_PARENT" /sys/fs/cgroup/"$CGROUP_PARENT"; do
        if [ -d "$dir" ]; then find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true; fi
    done
    registry_stop
    rm -rf "$DATA"
    true
}

# node_consistent: the API's pods are exactly those with a supervisor (one each) and a pod cgroup, and no
# mount, pod dir or cgroup belongs to a pod the API does not list. Prints the sets when they differ.
node_consistent() {
    local api sup cg mnt dirs n
    api=$(api_pod_uids | tr '\n' ' ')
    sup=$(running_pod_uids | tr '\n' ' ')
    cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*/$CGROUP_PARENT/pod-*" 2>/dev/null |
        sed 's|.*/pod-||' | sort -u | tr '\n' ' ')
    mnt=$(grep -o "$DATA/pods/[^/ ]*" /proc/self/mountinfo | sed "s|$DATA/pods/||" | sort -u | tr '\n' ' ')
    dirs=$(ls "$DATA/pods" 2>/dev/null | sort | tr '\n' ' ')
    n=$(pgrep -fc "husk-supervisor $DATA/pods/" || true)
    local ok=true uid
    [ "$api" = "$sup" ] && [ "$api" = "$cg" ] && [ "$n" = "$(wc -w <<<"$api")" ] || ok=false
    for uid in $mnt $dirs; do [[ " $api" == *" $uid "* ]] || ok=false; done
    $ok && return 0
    echo "api=[$api] supervisors=[$sup] ($n processes) cgroups=[$cg] mounts=[$mnt] dirs=[$dirs]" >&2
    return 1
}
