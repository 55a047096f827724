#!/usr/bin/env bats
# Container log rotation (the kubelet's containerLogMaxSize x containerLogMaxFiles, here 64Ki x 3): a
# container printing as fast as it can stays within the limits, rotated files are named and compressed
# the kubelet's way, the daemon's memory stays flat, and `logs -f` follows across rotations without ever
# holding the container back.
load helpers
load lib/registry
load lib/node
load lib/limits

setup_file() {
    require_root
    node_setup logrot
    limits_node_start --container-log-max-size 64Ki --container-log-max-files 3
    # A busybox `yes` prints as fast as the pipe takes it.
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: flood
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: busybox:latest
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line-$i; done"]
YAML
    wait_for 60 phase_is flood Running
}

teardown_file() { node_teardown; }

log_dir() { echo "$DATA"/logs/default_flood_*/writer; }

@test "logs-rotation: a flooding container stays within max-size x max-files" {
    local dir total
    dir=$(log_dir)
    for _ in $(seq 1 10); do
        sleep 0.5
        total=$(du -sb --apparent-size "$dir" | cut -f1)
        # 3 files of 64Ki; one record past the limit at most (the writer rotates between records).
        [ "$total" -le $((3 * (65536 + 4096))) ] || { ls -la "$dir"; false; }
        [ "$(ls "$dir" | wc -l)" -le 3 ] || { ls -la "$dir"; false; }
    done
}

@test "logs-rotation: files are named N.log.YYYYMMDD-HHMMSS, older ones gzipped" {
    # A steadier writer (about 20 KB/s: a rotation every few seconds), so that a compressed file stays
    # long enough to be seen; the flood replaces its rotated files several times a second.
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: steady
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: writer
    image: busybox:latest
    command: ["sh", "-c", "while true; do head -c 2000 /dev/zero | tr '\\0' x; echo; sleep 0.1; done"]
YAML
    wait_for 60 phase_is steady Running
    local dir
    dir=$(echo "$DATA"/logs/default_steady_*/writer)
    wait_for 30 compgen -G "$dir/0.log.*.gz"
    ls "$dir" | grep -qx '0.log'
    ls "$dir" | grep -Eqx '0\.log\.[0-9]{8}-[0-9]{6}'
    ls "$dir" | grep -Eqx '0\.log\.[0-9]{8}-[0-9]{6}\.gz'
    [ "$(ls "$dir" | wc -l)" -le 3 ]
    local gz
    gz=$(ls "$dir"/*.gz | head -1)
    gzip -dc "$gz" | head -1 | grep -Eq '^[0-9T:.-]+Z stdout [PF] x*$'
    hk delete pod steady --grace-period 0
}

@test "logs-rotation: the container keeps printing and the log keeps moving" {
    local first second
    first=$(hk logs flood --tail 1)
    sleep 1
    second=$(hk logs flood --tail 1)
    [ "${first#line-}" -lt "${second#line-}" ]
}

@test "logs-rotation: logs -f follows across rotations and a slow reader does not block the container" {
    local out=$BATS_TEST_TMPDIR/follow
    # A reader that reads nothing for 4 s (its pipe fills), then 20000 lines: several rotations' worth.
    (hk logs -f flood | { sleep 4; head -n 20000 | tail -n 1 >"$out"; }) &
    local reader=$!
    sleep 1
    local before after
    before=$(hk logs flood --tail 1)
    sleep 2
    after=$(hk logs flood --tail 1)
    [ "${before#line-}" -lt "${after#line-}" ]
    wait_for 20 [ -s "$out" ]
    [[ "$(cat "$out")" =~ ^line-[0-9]+$ ]]
    kill "$reader" 2>/dev/null || true
}

@test "logs-rotation: the daemon's memory stays flat while the container floods" {
    local before after
    before=$(daemon_rss_kib)
    sleep 6
    after=$(daemon_rss_kib)
    echo "rss before=$before KiB after=$after KiB" >&3
    [ "$after" -le $((before + 8192)) ]
}
