# shellcheck shell=bash
# Helpers for bench/run.sh: sample statistics, memory of processes, and running the peers (podman, crun,
# runc, containerd) on this kind of host, with the workarounds ../shared/peers found:
#  - root lacks CAP_SYS_RESOURCE and the hard nofile limit is low, so podman gets a containers.conf whose
#    default ulimits the host allows (its default nofile of 1048576 fails);
#  - crun refuses "hybrid" cgroups (a cgroup2 mount with a controller beside the v1 ones), so crun and
#    runc run in a private mount namespace without the cgroup2 mount (in_legacy_ns).

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# now_us: the wall clock in microseconds, without a fork.
now_us() { echo "${EPOCHREALTIME/./}"; }

# ms_since START_US: milliseconds since START_US, 3 decimals.
ms_since() { awk -v d=$(($(now_us) - $1)) 'BEGIN { printf "%.3f\n", d / 1000 }'; }

# stat_of FILE median|p99|n: over the numbers in FILE (one per line); p99 is the nearest-rank percentile,
# so with fewer than 100 samples it is the largest.
stat_of() {
    [ -s "$1" ] || { echo "-"; return; }
    sort -g "$1" | awk -v what="$2" '
        { v[NR] = $1 }
        END {
            if (what == "n") { print NR; exit }
            if (what == "median") x = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            else { r = int(0.99 * NR); if (r < 0.99 * NR) r++; x = v[r] }
            printf "%.1f\n", x
        }'
}

# smaps_sum FIELD PID...: the sum of FIELD (Rss, Pss, ...) in kB over the processes' smaps_rollup.
smaps_sum() {
    local field=$1 pid sum=0 v
    shift
    for pid in "$@"; do
        v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}

# pids_of_exe PATH: the processes running the executable PATH.
pids_of_exe() {
    local d
    for d in /proc/[0-9]*; do
        [ "$(readlink "$d/exe" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"
    done
}

podman_setup() {
    local nofile nproc
    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    nproc=$(ulimit -Hu)
    { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768 # podman's own cap
    cat >"$1/containers.conf" <<CONF
[containers]
default_capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]
default_sysctls = ["net.ipv4.ping_group_range=0 0"]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    export CONTAINERS_CONF=$1/containers.conf
    # shellcheck disable=SC2034 # used by bench/run.sh
    PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file --runtime runc)
}

# in_legacy_ns CMD...: CMD in a private mount namespace without the cgroup2 mount (for crun, see above).
in_legacy_ns() {
    unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
}
