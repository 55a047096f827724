#!/usr/bin/env bash
# The benchmark suite (not part of the test command): husk side by side with its peers in the same run,
# as median and p99 with the ratio, printed as a table and written to bench/results/latest.md.
#   1. pod start: the seed's lumpy-koala (init container + main), create -> main container running, through
#      `husk apply` and through a POST, seen by a watch; vs `podman kube play` of the pod without its init
#      container (and with it: podman waits ~20 s after an init container);
#   2. one-container pods of /bin/true, create -> exit seen, 100 back to back; vs `crun run`, `runc run`;
#   3. burst: 100 pods created at once -> all Running; vs 50 pods with podman;
#   4. delete -> gone, one pod and the burst's 100 (containers exit on SIGTERM); vs podman;
#   5. footprint: the daemon's RSS idle (and the floor under it: its shared libraries alone) and with 100
#      pods, each pod supervisor's RSS and PSS; vs conmon + infra per pod (podman), containerd and its shims;
#   6. image pull + unpack of a 6-layer image from a local registry; vs `podman pull`.
# Images are local (imagePullPolicy IfNotPresent) and pods have no network beyond loopback on both sides
# (husk --no-pod-network, podman --network none), so the runtimes are compared and not CNI plugins;
#   7. the seed's pod start again with husk's default CNI chain (bridge, host-local, portmap, firewall on a
#      bridge of the bench's own), beside the same start without networking.
#
# Usage: bench/run.sh        (as root; a few minutes)
#   BENCH_BUILD=DIR         the release build to measure (default build-bench; set up and built if needed)
#   BENCH_N=10              runs of the pod start and delete benchmarks
#   BENCH_PODMAN_INIT=2     runs of `podman kube play` with the init container (0: skip; ~21 s each)
#   BENCH_NO_BUILD=1        measure what is built in BENCH_BUILD, without running ninja
#   BENCH_SKIP="image ..."  skip sections: start true burst delete net oci podman containerd image
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. bench/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
N=${BENCH_N:-10}
NINIT=${BENCH_PODMAN_INIT:-2}
BURST=100 PODMAN_BURST=50 TRUE_N=100
skip() { [[ " ${BENCH_SKIP:-} " == *" $1 "* ]]; }

build=${BENCH_BUILD:-build-bench}
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    [ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null || exit 1
    ninja -C "$build" husk husk-daemon husk-image husk-supervisor >/dev/null || exit 1
fi
HUSK=$top/$build/husk
HUSK_SUPERVISOR=$top/$build/husk-supervisor
export HUSK HUSK_SUPERVISOR
images=${HUSK_TEST_IMAGES:-$top/build/test-images}
[ -f "$images/busybox.oci.tar" ] && [ -f "$images/nginx.oci.tar" ] || scripts/build-test-images.sh "$images" >&2 || exit 1
for peer in podman crun runc skopeo umoci docker-registry jq; do
    command -v "$peer" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$peer" >/dev/null
done

work=$(mktemp -d /tmp/husk-bench-XXXXXX)
R=$work/samples # one file of samples (ms, kB) per figure
mkdir -p "$R"
cgroup_parent=husk-bench-$$
daemon_pid=
cleanup() {
    [ -n "$daemon_pid" ] && stop_husk
    # Whatever a failed run left: supervisors of this data dir (by PID), then mounts and cgroups.
    local pid
    for pid in $(pgrep -f "husk-supervisor $work/" || true); do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.2
    grep " $work/" /proc/self/mounts | awk '{ print $2 }' | sort -r | xargs -r -n1 umount -l 2>/dev/null
    [ -n "${REGISTRY_PID:-}" ] && registry_stop
    ip link del hkbench$$ 2>/dev/null
    for dir in /sys/fs/cgroup/*/"$cgroup_parent" /sys/fs/cgroup/"$cgroup_parent"; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    umount -R "$work" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# The seed's pod with its images taken as local (as podman takes them), and the same without the init.
sed 's/^  - image: \(.*\)$/  - image: \1\n    imagePullPolicy: IfNotPresent/' examples/lumpy-koala.yaml >"$work/lumpy-koala.yaml"
awk '/^  initContainers:/ { skip = 1; next } /^  containers:/ { skip = 0 } !skip' "$work/lumpy-koala.yaml" |
    sed 's|"\[ -f /workdir/calm.txt \] && sleep 36000 \|\| exit"|"sleep 36000"|' >"$work/lumpy-koala-noinit.yaml"

# ---------------------------------------------------------------------------------------------- husk
D=$work/husk
start_husk() { # start_husk [DAEMON-FLAGS...]: the default is no pod network
    mkdir -p "$D/manifests"
    for i in busybox nginx; do "$HUSK" image load -i "$images/$i.oci.tar" --data-dir "$D" >/dev/null || return 1; done
    local net=("$@")
    [ $# -eq 0 ] && grep -qa -- --no-pod-network "$HUSK" && net=(--no-pod-network)
    setsid "$HUSK" daemon --data-dir "$D" --manifest-dir "$D/manifests" --node-name bench \
        --listen "127.0.0.1:$((20000 + $$ % 20000))" --cgroup-parent "$cgroup_parent" "${net[@]}" \
        2>>"$work/daemon.log" </dev/null &
    daemon_pid=$!
    for _ in $(seq 100); do
        "$HUSK" get nodes --data-dir "$D" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$work/daemon.log" >&2
    return 1
}
stop_husk() {
    /usr/bin/python3 bench/driver.py "$D" "$R" delete-all 2>/dev/null
    kill -TERM "$daemon_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.05; done
    daemon_pid=
}
driver() { /usr/bin/python3 bench/driver.py "$D" "$R" "$@"; }

# supervisors_memory SUBDIR NAME: the RSS and PSS of each supervisor whose state dir is under D/SUBDIR (its
# command line names it), one line each in NAME_rss.txt and NAME_pss.txt.
supervisors_memory() {
    local s
    for s in $(pids_of_exe "$HUSK_SUPERVISOR"); do
        grep -qa "$D/$1/" "/proc/$s/cmdline" 2>/dev/null || continue
        smaps_sum Rss "$s" >>"$R/$2_rss.txt"
        smaps_sum Pss "$s" >>"$R/$2_pss.txt"
    done
}

husk_section() {
    log "husk: daemon from $build"
    start_husk || { log "husk daemon did not start"; return 1; }
    sleep 2
    smaps_sum Rss "$daemon_pid" >"$R/husk_daemon_rss_idle.txt"
    smaps_sum Pss "$daemon_pid" >"$R/husk_daemon_pss_idle.txt"
    # The spare sandbox the daemon keeps ready (--sandbox-pool 1): part of the idle node's footprint.
    supervisors_memory sandbox-pool husk_spare
    # The floor under the idle figure: a program that only loads the libraries the daemon's binary names
    # (husk-daemon, which `husk daemon` execs).
    local needed daemon_binary
    daemon_binary=$(dirname "$HUSK")/husk-daemon
    needed=$(readelf -d "$daemon_binary" | sed -n 's/.*Shared library: \[\(.*\)\]/-l:\1/p')
    # shellcheck disable=SC2086 # one -l: argument per library
    cc -O2 -o "$work/libs-floor" bench/libs-floor.c -Wl,--no-as-needed $needed &&
        "$work/libs-floor" >"$R/husk_libs_rss.txt"
    if ! skip start; then
        log "husk: pod start, $N runs through the CLI and through the API"
        driver start "$N" "$work/lumpy-koala.yaml" || log "husk pod start failed"
    fi
    if ! skip true; then
        log "husk: $TRUE_N one-container /bin/true pods back to back"
        driver true "$TRUE_N" || log "husk /bin/true pods failed"
        driver delete-all
    fi
    if ! skip delete; then
        log "husk: delete one pod, $N runs"
        driver delete-one "$N" || log "husk delete failed"
    fi
    if ! skip burst; then
        log "husk: burst of $BURST pods"
        driver burst "$BURST" || log "husk burst failed"
        sleep 2
        smaps_sum Rss "$daemon_pid" >"$R/husk_daemon_rss_100.txt"
        smaps_sum Pss "$daemon_pid" >"$R/husk_daemon_pss_100.txt"
        supervisors_memory pods husk_supervisor
        log "husk: delete the $BURST pods"
        driver delete-burst || log "husk burst delete failed"
    fi
    stop_husk
}

# The same seed pod start on a CNI network: husk's default chain on a bridge and /24 of the bench's own.
husk_net_section() {
    local dir=$work/cni
    mkdir -p "$dir/net.d" "$dir/ipam"
    jq -n --arg br "hkbench$$" --arg ipam "$dir/ipam" '{cniVersion: "1.0.0", name: "husk", plugins: [
        {type: "bridge", bridge: $br, isGateway: true, ipMasq: true, hairpinMode: true,
         ipam: {type: "host-local", dataDir: $ipam, routes: [{dst: "0.0.0.0/0"}],
                ranges: [[{subnet: "10.214.0.0/24", gateway: "10.214.0.1"}]]}},
        {type: "portmap", capabilities: {portMappings: true}}, {type: "firewall"}]}' >"$dir/net.d/10-husk.conflist"
    for f in start_cli start_api; do [ -f "$R/$f.txt" ] && mv "$R/$f.txt" "$R/husk_$f.txt"; done
    log "husk: pod start with CNI networking, $N runs"
    start_husk --cni-conf-dir "$dir/net.d" || { log "husk daemon did not start"; return 1; }
    driver start "$N" "$work/lumpy-koala.yaml" || log "husk pod start with networking failed"
    for f in start_cli start_api; do [ -f "$R/$f.txt" ] && mv "$R/$f.txt" "$R/husk_net_$f.txt"; done
    stop_husk
}

# -------------------------------------------------------------------------------------------- podman
podman_kube() { # podman_kube TAG YAML RUNS: `kube play` until it returns (the containers then run), `kube down`
    local tag=$1 yaml=$2 runs=$3 i s
    "${PODMAN[@]}" kube down "$yaml" >/dev/null 2>&1
    for i in $(seq 0 "$runs"); do
        s=$(now_us)
        if ! "${PODMAN[@]}" kube play --network none "$yaml" >"$work/podman.out" 2>&1; then
            log "podman kube play ($tag) failed: $(tail -2 "$work/podman.out")"
            "${PODMAN[@]}" kube down "$yaml" >/dev/null 2>&1
            continue
        fi
        [ "$i" -gt 0 ] && ms_since "$s" >>"$R/podman_play_$tag.txt"
        "${PODMAN[@]}" ps --filter name=lumpy-koala-lumpy-koala --filter status=running -q | grep -q . ||
            log "podman ($tag): main container not running after kube play"
        s=$(now_us)
        "${PODMAN[@]}" kube down "$yaml" >/dev/null 2>&1
        [ "$i" -gt 0 ] && ms_since "$s" >>"$R/podman_down_$tag.txt"
    done
}

podman_burst() {
    local i s
    log "podman: $PODMAN_BURST pods at once (8 in parallel)"
    s=$(now_us)
    seq "$PODMAN_BURST" | xargs -P 8 -I{} "${PODMAN[@]}" run -d --network none --pod "new:husk-bench-{}" \
        docker.io/library/busybox:latest sh -c "trap 'exit 0' TERM; sleep 36000 & wait" >"$work/podman.out" 2>&1
    ms_since "$s" >"$R/podman_burst.txt"
    local running
    # The pods' containers, the infra ones included (names are the pods' own, not the containers').
    "${PODMAN[@]}" ps --pod --no-trunc --filter status=running --format '{{.ID}} {{.PodName}}' |
        awk '$2 ~ /^husk-bench-/ { print $1 }' >"$work/podman.ctrs"
    running=$(wc -l <"$work/podman.ctrs")
    [ "$running" -ge $((2 * PODMAN_BURST)) ] || log "podman burst: only $running containers running for $PODMAN_BURST pods"
    # Memory per pod: conmon of both containers, and the infra container (catatonit).
    local c cp pid per
    while read -r c; do
        read -r cp pid < <("${PODMAN[@]}" inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' "$c")
        echo "$cp" >>"$work/conmon.pids"
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = catatonit ] && echo "$pid" >>"$work/infra.pids"
    done <"$work/podman.ctrs"
    # shellcheck disable=SC2046
    per=$(($(smaps_sum Pss $(cat "$work/conmon.pids") $(cat "$work/infra.pids")) / PODMAN_BURST))
    echo "$per" >"$R/podman_pod_pss.txt"
    # shellcheck disable=SC2046
    echo $(($(smaps_sum Rss $(cat "$work/conmon.pids") $(cat "$work/infra.pids")) / PODMAN_BURST)) >"$R/podman_pod_rss.txt"
    log "podman: remove the $PODMAN_BURST pods"
    s=$(now_us)
    # shellcheck disable=SC2046
    "${PODMAN[@]}" pod rm -f $("${PODMAN[@]}" pod ps -q --filter name=husk-bench) >/dev/null 2>&1
    ms_since "$s" >"$R/podman_delete_burst.txt"
}

podman_section() {
    podman_setup "$work"
    for i in busybox nginx; do "${PODMAN[@]}" load -q -i "$images/$i.oci.tar" >/dev/null || return 1; done
    log "podman: kube play of the pod without its init container, $N runs"
    podman_kube noinit "$work/lumpy-koala-noinit.yaml" "$N"
    if [ "$NINIT" -gt 0 ]; then
        log "podman: kube play of the seed pod with its init container, $NINIT runs (~21 s each)"
        podman_kube init "$work/lumpy-koala.yaml" "$NINIT"
    fi
    skip burst || podman_burst
}

# --------------------------------------------------------------------------------------- crun, runc
oci_section() {
    local b=$work/bundle rt i s
    mkdir -p "$b" "$work/oci"
    tar -xf "$images/busybox.oci.tar" -C "$work/oci"
    umoci unpack --image "$work/oci:docker.io/library/busybox:latest" "$work/unpacked" >/dev/null || return 1
    mv "$work/unpacked/rootfs" "$b/rootfs"
    (cd "$b" && runc spec) || return 1
    jq '.process.terminal = false | .process.args = ["/bin/true"]' "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
    for rt in crun runc; do
        log "$rt: run /bin/true, $TRUE_N back to back"
        # shellcheck disable=SC2016 # expanded by the inner bash
        in_legacy_ns bash -c '
            cd "$1" || exit 1
            for i in $(seq 0 "$3"); do
                s=${EPOCHREALTIME/./}
                "$2" --root "$4" run "b$$-$i" </dev/null >/dev/null 2>>"$4.err" || exit 1
                e=${EPOCHREALTIME/./}
                [ "$i" -gt 0 ] && awk -v d=$((e - s)) "BEGIN { printf \"%.3f\\n\", d / 1000 }"
            done' sh "$b" "$rt" "$TRUE_N" "$work/state-$rt" >"$R/${rt}_true.txt" || log "$rt failed: $(tail -2 "$work/state-$rt.err")"
    done
}

# ------------------------------------------------------------------------------------------- containerd
containerd_section() {
    command -v containerd >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd >/dev/null
    command -v containerd >/dev/null || { log "containerd: not installed"; return 0; }
    local c=$work/containerd i
    mkdir -p "$c"
    cat >"$c/config.toml" <<TOML
version = 2
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$c/sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = true
TOML
    containerd --config "$c/config.toml" >"$c/log" 2>&1 &
    local cd_pid=$!
    for _ in $(seq 100); do ctr -a "$c/sock" version >/dev/null 2>&1 && break; sleep 0.1; done
    sleep 2
    smaps_sum Rss "$cd_pid" >"$R/containerd_rss_idle.txt"
    smaps_sum Pss "$cd_pid" >"$R/containerd_pss_idle.txt"
    ctr -a "$c/sock" -n husk-bench images import --all-platforms "$images/busybox.oci.tar" >/dev/null 2>&1
    for i in 1 2 3; do
        ctr -a "$c/sock" -n husk-bench run -d --runtime io.containerd.runc.v2 docker.io/library/busybox:latest "s$i" sleep 36000 \
            >/dev/null 2>>"$c/log" || log "containerd: ctr run failed: $(tail -1 "$c/log")"
    done
    sleep 1
    for i in $(pgrep -f "containerd-shim-runc-v2 -namespace husk-bench"); do
        smaps_sum Pss "$i" >>"$R/containerd_shim_pss.txt"
        smaps_sum Rss "$i" >>"$R/containerd_shim_rss.txt"
    done
    for i in 1 2 3; do
        ctr -a "$c/sock" -n husk-bench tasks kill -s KILL "s$i" >/dev/null 2>&1
    done
    sleep 0.5
    for i in 1 2 3; do
        ctr -a "$c/sock" -n husk-bench tasks delete "s$i" >/dev/null 2>&1
        ctr -a "$c/sock" -n husk-bench containers delete "s$i" >/dev/null 2>&1
    done
    kill "$cd_pid"
    wait "$cd_pid" 2>/dev/null
    for dir in /sys/fs/cgroup/*/husk-bench; do [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null; done
}

# ---------------------------------------------------------------------------------------------- image
image_section() {
    . tests/e2e/lib/registry.bash
    registry_start || return 1
    local l=$work/layout i s
    # busybox plus 5 layers of 4 MiB of seeded pseudo-random data each (the same bytes every run).
    mkdir -p "$l"
    tar -xf "$images/busybox.oci.tar" -C "$l"
    umoci tag --image "$l:docker.io/library/busybox:latest" bench
    for i in 1 2 3 4 5; do
        umoci unpack --image "$l:bench" "$work/ib" >/dev/null
        mkdir -p "$work/ib/rootfs/data"
        { openssl enc -aes-256-ctr -pbkdf2 -nosalt -pass "pass:husk-bench-$i" </dev/zero 2>/dev/null || true; } |
            head -c $((4 << 20)) >"$work/ib/rootfs/data/blob$i"
        umoci repack --image "$l:bench" "$work/ib" >/dev/null
        rm -rf "$work/ib"
    done
    skopeo copy -q --dest-tls-verify=false "oci:$l:bench" "docker://$REGISTRY/bench/multi:latest" || return 1
    log "image: pull + unpack of busybox + 5 x 4 MiB layers, $N rounds each"
    for i in $(seq 0 "$N"); do
        rm -rf "$work/pull"
        sync
        s=$(now_us)
        "$HUSK" image pull -q "$REGISTRY/bench/multi:latest" --data-dir "$work/pull" >/dev/null || { log "husk pull failed"; break; }
        [ "$i" -gt 0 ] && ms_since "$s" >>"$R/husk_pull.txt"
        "${PODMAN[@]}" --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs rmi -af >/dev/null 2>&1
        sync
        s=$(now_us)
        "${PODMAN[@]}" --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs pull -q \
            --tls-verify=false "$REGISTRY/bench/multi:latest" >/dev/null || { log "podman pull failed"; break; }
        [ "$i" -gt 0 ] && ms_since "$s" >>"$R/podman_pull.txt"
    done
    "${PODMAN[@]}" --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs rmi -af >/dev/null 2>&1
    registry_stop
}

skip husk || husk_section
skip husk || skip net || skip start || husk_net_section
skip podman || podman_section
skip oci || oci_section
skip containerd || containerd_section
[ -n "${PODMAN+x}" ] || podman_setup "$work"
skip image || image_section

# ---------------------------------------------------------------------------------------------- table
# row LABEL HUSK_FILE PEER_LABEL PEER_FILE TARGET_KIND TARGET: one line of the table. The ratio is husk's
# median over the peer's; the target is a ratio bound (ratio<=X), an absolute bound (max<=X, on husk's
# median), or none.
row() {
    local label=$1 hf=$R/$2.txt peer=$3 pf=$R/$4.txt kind=$5 target=$6
    local hm hp pm pp ratio verdict
    hm=$(stat_of "$hf" median) hp=$(stat_of "$hf" p99) pm=$(stat_of "$pf" median) pp=$(stat_of "$pf" p99)
    ratio=$(awk -v a="$hm" -v b="$pm" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }')
    verdict=$(awk -v r="$ratio" -v h="$hm" -v k="$kind" -v t="$target" 'BEGIN {
        v = k == "ratio" ? r : h
        if (k == "none") print ""; else if (v == "-") print "not measured"; else print (v + 0 <= t + 0 ? "met" : "MISSED") }')
    local goal=""
    [ "$kind" = ratio ] && goal="ratio ≤ $target"
    [ "$kind" = max ] && goal="husk ≤ $target"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s %s |\n' "$label" "$hm" "$hp" "$peer" "$pm" "$pp" "$ratio" "$goal" "$verdict"
}
per_pod() { # per_pod PODS FILE OUT: ms per pod from the time of the whole burst
    [ -s "$R/$2.txt" ] && awk -v n="$1" '{ printf "%.3f\n", $1 / n }' "$R/$2.txt" >"$R/$3.txt"
}
per_pod "$BURST" burst husk_burst_per_pod
per_pod "$PODMAN_BURST" podman_burst podman_burst_per_pod
for f in start_cli start_api true delete_one delete_burst burst burst_posted; do
    [ -f "$R/$f.txt" ] && mv "$R/$f.txt" "$R/husk_$f.txt"
done

out=$top/bench/results/latest.md
mkdir -p "$(dirname "$out")"
{
    echo "# husk benchmarks, $(date -u +%FT%TZ)"
    echo
    echo "$(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); husk $(git rev-parse --short HEAD 2>/dev/null) ($build), podman $(podman --version | awk '{ print $3 }'), crun $(crun --version | awk 'NR == 1 { print $3 }'), runc $(runc --version | awk 'NR == 1 { print $3 }')."
    echo "Times in ms, memory in kB; median and p99 (nearest rank) over the runs; ratio = husk median / peer median."
    echo
    echo "| benchmark | husk median | husk p99 | peer | peer median | peer p99 | ratio | target |"
    echo "|---|---|---|---|---|---|---|---|"
    row "1. seed pod start, \`husk apply\` → main running (watch), $N runs" husk_start_cli "podman kube play, no init" podman_play_noinit ratio 0.04
    row "1. seed pod start, POST → main running (watch)" husk_start_api "podman kube play, no init" podman_play_noinit ratio 0.04
    row "1. seed pod start, POST → main running (watch)" husk_start_api "podman kube play, with init" podman_play_init none ""
    row "7. seed pod start with CNI networking, POST → main running" husk_net_start_api "husk, no network" husk_start_api none ""
    row "2. /bin/true pod, POST → exit seen, $TRUE_N back to back" husk_true "crun run" crun_true ratio 1.0
    row "2. /bin/true pod, POST → exit seen" husk_true "runc run" runc_true none ""
    row "3. burst: $BURST pods → all Running (ms)" husk_burst "podman, $PODMAN_BURST pods" podman_burst max 2000
    row "3. burst, ms per pod (1 / pods per ms)" husk_burst_per_pod "podman" podman_burst_per_pod ratio 0.04
    row "4. delete one pod → gone" husk_delete_one "podman kube down" podman_down_noinit max 50
    row "4. delete $BURST pods → all gone" husk_delete_burst "podman pod rm -f, $PODMAN_BURST pods" podman_delete_burst none ""
    row "5. daemon RSS idle (kB)" husk_daemon_rss_idle "containerd idle" containerd_rss_idle max 10240
    row "5. daemon RSS idle: its shared libraries alone, loaded by a program that does nothing (kB)" husk_libs_rss "" none none ""
    row "5. daemon RSS with $BURST pods (kB)" husk_daemon_rss_100 "containerd idle" containerd_rss_idle max 20480
    row "5. daemon PSS idle (kB)" husk_daemon_pss_idle "containerd idle" containerd_pss_idle none ""
    row "5. daemon PSS with $BURST pods (kB)" husk_daemon_pss_100 "" none none ""
    row "5. spare sandbox kept ready (a supervisor), PSS idle (kB)" husk_spare_pss "" none none ""
    row "5. spare sandbox kept ready (a supervisor), RSS idle (kB)" husk_spare_rss "" none none ""
    row "5. supervisor PSS per pod (kB)" husk_supervisor_pss "conmon ×2 + catatonit per pod" podman_pod_pss max 200
    row "5. supervisor RSS per pod (kB)" husk_supervisor_rss "conmon ×2 + catatonit per pod" podman_pod_rss none ""
    row "5. supervisor PSS per pod (kB)" husk_supervisor_pss "containerd-shim per container" containerd_shim_pss none ""
    row "6. image pull + unpack, 6 layers, 21 MiB" husk_pull "podman pull" podman_pull ratio 1.0
} >"$out"
cat "$out"
rm -rf /tmp/husk-bench-samples && cp -r "$R" /tmp/husk-bench-samples # the raw samples, for a closer look
