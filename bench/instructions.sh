#!/usr/bin/env bash
# The CPU instructions the daemon spends on one pod start, counted by valgrind's callgrind (this machine's
# perf has no hardware counters): `husk daemon` runs under callgrind with collection off, which is turned on
# just before the seed's pod (examples/lumpy-koala.yaml, images local) is POSTed and read once its main
# container runs. The count is of the daemon's own work (API, store, kubelet, pod worker, runtime calls);
# husk-supervisor and the containers run outside valgrind. Instruction counts do not depend on how busy
# the machine is, so tests/e2e/instructions.bats can hold them to bench/instructions-budget.txt.
# Usage: bench/instructions.sh HUSK [RUNS]  (as root; HUSK a build without sanitizers; prints the median
# instruction count over RUNS pod starts, default 3, one line: "pod_start_instructions N")
set -euo pipefail
husk=$(realpath "$1")
runs=${2:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
images=${HUSK_TEST_IMAGES:-$top/build/test-images}
supervisor=${HUSK_SUPERVISOR:-$(dirname "$husk")/husk-supervisor}
work=$(mktemp -d /tmp/husk-instructions-XXXXXX)
cgroup_parent=husk-instructions-$$
daemon=
cleanup() {
    if [ -n "$daemon" ]; then
        "$husk" delete pod lumpy-koala --grace-period 0 --data-dir "$work/data" >/dev/null 2>&1 || true
        kill -TERM "$daemon" 2>/dev/null || true
        for _ in $(seq 200); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$daemon" 2>/dev/null || true
    fi
    for pid in $(pgrep -f "husk-supervisor $work/" || true); do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.2
    grep " $work/" /proc/self/mounts | awk '{ print $2 }' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    for dir in /sys/fs/cgroup/*/"$cgroup_parent" /sys/fs/cgroup/"$cgroup_parent"; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT

D=$work/data
mkdir -p "$D/manifests"
for i in busybox nginx; do "$husk" image load -i "$images/$i.oci.tar" --data-dir "$D" >/dev/null; done
sed 's/^  - image: \(.*\)$/  - image: \1\n    imagePullPolicy: IfNotPresent/' "$top/examples/lumpy-koala.yaml" >"$work/pod.yaml"
net=()
grep -qa -- --no-pod-network "$husk" && net=(--no-pod-network)
# `husk daemon` execs husk-daemon, which callgrind would not follow (--trace-children=no): run that one.
daemon_program=("$(dirname "$husk")/husk-daemon")
HUSK_SUPERVISOR=$supervisor setsid valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" \
    --trace-children=no "${daemon_program[@]}" --data-dir "$D" --manifest-dir "$D/manifests" --node-name instructions \
    --listen "127.0.0.1:$((20000 + $$ % 20000))" --cgroup-parent "$cgroup_parent" "${net[@]}" \
    >"$work/daemon.log" 2>&1 </dev/null &
daemon=$!
for _ in $(seq 600); do
    "$husk" get nodes --data-dir "$D" >/dev/null 2>&1 && break
    sleep 0.1
done
"$husk" get nodes --data-dir "$D" >/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
sleep 1

# A watch (opened before the count starts) tells when the main container runs: polling with GETs would add
# work that grows with how long the start takes under valgrind.
watch_until_running() {
    curl -sN --unix-socket "$D/husk.sock" "http://localhost/api/v1/namespaces/default/pods?watch=1&resourceVersion=$1" |
        while read -r line; do
            jq -e '.object.status.containerStatuses[]? | select(.name == "lumpy-koala") | .state.running' \
                <<<"$line" >/dev/null && { touch "$work/running"; break; }
        done
}
running() { [ -e "$work/running" ]; }
gone() { ! "$husk" get pod lumpy-koala --data-dir "$D" >/dev/null 2>&1 && [ -z "$(ls -A "$D/pods")" ]; }
wait_for() {
    for _ in $(seq 1200); do "$@" && return 0; sleep 0.1; done
    echo "instructions: timed out waiting for $*" >&2
    return 1
}

for run in $(seq "$runs"); do
    rm -f "$work/running"
    rv=$(curl -sf --unix-socket "$D/husk.sock" http://localhost/api/v1/namespaces/default/pods | jq -r .metadata.resourceVersion)
    watch_until_running "$rv" &
    sleep 0.5
    callgrind_control --zero "$daemon" >/dev/null 2>&1
    callgrind_control --instr=on "$daemon" >/dev/null 2>&1
    curl -sf --unix-socket "$D/husk.sock" -X POST -H 'Content-Type: application/yaml' \
        --data-binary "@$work/pod.yaml" http://localhost/api/v1/namespaces/default/pods >/dev/null
    wait_for running
    callgrind_control --instr=off "$daemon" >/dev/null 2>&1
    callgrind_control --dump="run$run" "$daemon" >/dev/null 2>&1
    "$husk" delete pod lumpy-koala --grace-period 1 --data-dir "$D" >/dev/null
    wait_for gone
done
sleep 1
[ -z "${HUSK_INSTRUCTIONS_KEEP:-}" ] || cp "$work"/cg.* "$HUSK_INSTRUCTIONS_KEEP"/
# cg.DAEMON.N: the daemon's counts of run N (zeroed before it). A process the daemon forks (to start a
# pod's supervisor) is followed by valgrind until its exec and writes a cg.PID of its own, but that file
# starts with a copy of the parent's counts at the fork, so it is left out: the child's own part is small.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
count=$(for f in "$work/cg.$daemon".*; do awk '/^totals:/ { print $2 }' "$f"; done | median)
[ "$count" -gt 0 ] || { echo "instructions: no counts from callgrind" >&2; ls -la "$work" >&2; exit 1; }
echo "pod_start_instructions $count"
