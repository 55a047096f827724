#!/bin/bash
# Soak: N pods through M create/delete cycles with K daemon restarts in between (alternately SIGTERM and
# SIGKILL), measuring what a leak would grow: host mounts, cgroups under the node's cgroup parent, network
# namespaces, supervisor processes, pod and log dirs, image temp dirs, and the daemon's fds, threads and
# RSS. Prints one line per cycle and a before/after table; exits 1 if anything did not come back to where
# it started.
#
#   tests/soak/soak.sh [-n PODS] [-m CYCLES] [-k RESTARTS] [-o REPORT]    (defaults: 10 30 2)
#
# Needs root, a husk build (HUSK, HUSK_SUPERVISOR; default build/), the test images (HUSK_TEST_IMAGES) and
# the registry the e2e tests use (docker-registry, skopeo). The full run the README quotes is -n 100 -m 1000 -k 6.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REPO=${HUSK_REPO:-$(cd "$here/../.." && pwd)}
export HUSK=${HUSK:-$REPO/build/husk} HUSK_SUPERVISOR=${HUSK_SUPERVISOR:-$REPO/build/husk-supervisor}
export HUSK_TEST_IMAGES=${HUSK_TEST_IMAGES:-$REPO/build/test-images}
pods=10 cycles=30 restarts=2 report=
while getopts n:m:k:o: opt; do
    case $opt in
    n) pods=$OPTARG ;;
    m) cycles=$OPTARG ;;
    k) restarts=$OPTARG ;;
    o) report=$OPTARG ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 2; }
# shellcheck source=../e2e/lib/registry.bash
. "$REPO/tests/e2e/lib/registry.bash"
# shellcheck source=../e2e/lib/node.bash
. "$REPO/tests/e2e/lib/node.bash"

node_setup soak
# The teardown runs to its end whatever fails in it (errexit off).
trap 'set +e; node_teardown' EXIT
# In a sanitizer build, a small quarantine lets the RSS show the daemon's own memory, and LeakSanitizer
# reports what a stopped daemon did not free (checked below).
# (appended, so that it holds under the test command's own ASAN_OPTIONS, whose default quarantine is 256 MB).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=8"

# Every pod of a cycle in one List, applied and deleted in one go.
manifest=$DATA/pods.yaml
for i in $(seq 1 "$pods"); do pod_manifest "soak-$i"; echo "---"; done >"$manifest"

# The daemon's open fds, the least over 2 s: a request still being answered holds a connection and a
# file for a moment (a leak stays, a request goes).
settled_fds() {
    local pid=$1 least=999999 n
    for _ in $(seq 1 20); do
        n=$(ls "/proc/$pid/fd" | wc -l)
        [ "$n" -lt "$least" ] && least=$n
        sleep 0.1
    done
    echo "$least"
}

measure() {
    local pid
    pid=$(node_pid)
    # The spare sandbox the daemon keeps (cgroup v1) is counted ready and whole, not half made.
    if [ -d /sys/fs/cgroup/pids ]; then
        wait_for 10 spare_ready || echo "soak: no whole spare sandbox: $(spare_footprint)" >&2
    fi
    # Mounts and pinned network namespaces of this node (under its data dir); the host's totals are shown
    # too, but other work on the machine moves them.
    printf 'mounts=%s netns=%s cgroups=%s supervisors=%s pod_dirs=%s log_dirs=%s layer_tmp=%s ' \
        "$(grep -c " $DATA/" /proc/self/mountinfo || true)" \
        "$(grep " $DATA/" /proc/self/mountinfo | grep -c nsfs || true)" \
        "$(find /sys/fs/cgroup -mindepth 1 -type d -path "*/$CGROUP_PARENT/*" 2>/dev/null | wc -l)" \
        "$(pgrep -fc "husk-supervisor $DATA/" || true)" \
        "$(ls "$DATA/pods" | wc -l)" "$(ls "$DATA/logs" | wc -l)" "$(ls "$DATA/images/layers/tmp" | wc -l)"
    printf 'daemon_fds=%s daemon_threads=%s daemon_rss_kb=%s host_mounts=%s host_netns=%s\n' \
        "$(settled_fds "$pid")" "$(ls "/proc/$pid/task" | wc -l)" \
        "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" "$(wc -l </proc/self/mountinfo)" \
        "$(find /proc/[0-9]*/ns/net -maxdepth 0 -printf '%l\n' 2>/dev/null | sort -u | wc -l)"
}

value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

cycle() {
    hk apply -f "$manifest" >/dev/null
    wait_for 300 all_running "$pods" || { echo "soak: not all $pods pods ran" >&2; hk get pods >&2; return 1; }
    hk delete -f "$manifest" --grace-period 1 >/dev/null
    wait_for 300 bash -c "[ -z \"\$('$HUSK' get pods --data-dir '$DATA' -o name)\" ] && [ -z \"\$(ls -A '$DATA/pods')\" ]" ||
        { echo "soak: pods did not go" >&2; hk get pods >&2; return 1; }
}

node_start
started=$(date +%s)
cycle # warm-up: the image is pulled and unpacked once
before=$(measure)
echo "before: $before"
every=$(( restarts > 0 ? (cycles + restarts) / (restarts + 1) : cycles + 1 ))
done_restarts=0
segment_start=$before # the daemon's first measure in its lifetime, for its RSS
for c in $(seq 1 "$cycles"); do
    restarted=false
    if [ "$done_restarts" -lt "$restarts" ] && [ $((c % every)) = 0 ]; then
        if [ $((done_restarts % 2)) = 0 ]; then node_stop; else node_kill; fi
        node_start
        done_restarts=$((done_restarts + 1))
        restarted=true
    fi
    cycle
    now=$(measure)
    $restarted && segment_start=$now
    echo "cycle $c/$cycles (restarts $done_restarts): $now"
done
after=$(measure)
leaks=0
elapsed=$(($(date +%s) - started))
node_stop
if grep -q "LeakSanitizer: detected memory leaks" "$DATA/daemon.log"; then
    echo "soak: LeakSanitizer found leaks in a daemon:" >&2
    grep -A12 "LeakSanitizer: detected memory leaks" "$DATA/daemon.log" | head -40 >&2
    leaks=1
fi
printf '%-16s %10s %10s\n' what before after
for key in mounts netns cgroups supervisors pod_dirs log_dirs layer_tmp daemon_fds daemon_threads daemon_rss_kb \
    host_mounts host_netns; do
    b=$(value "$before" "$key") a=$(value "$after" "$key")
    printf '%-16s %10s %10s\n' "$key" "$b" "$a"
    case $key in
    daemon_rss_kb)
        # A restarted daemon starts afresh: its growth is measured from its first cycle.
        s=$(value "$segment_start" daemon_rss_kb)
        [ "$a" -le $((s + 32768)) ] || { echo "soak: the daemon's RSS grew from $s to $a KiB in one lifetime" >&2; leaks=1; } ;;
    host_*) ;;
    *) [ "$a" -le "$b" ] || { echo "soak: $key grew from $b to $a" >&2; leaks=1; } ;;
    esac
done
summary="soak: $pods pods x $cycles cycles, $done_restarts daemon restarts, ${elapsed}s: $([ $leaks = 0 ] && echo 'no leaks' || echo LEAKS)"
echo "$summary"
[ -z "$report" ] || printf '%s\nbefore: %s\nafter:  %s\n' "$summary" "$before" "$after" >"$report"
exit "$leaks"
