#!/usr/bin/env bats
# Damaged state on a stopped node: a truncated, zeroed or garbage store.db, worker.json, sandbox.json and a
# container's state.json, and a worker.json from an older (or newer) format. The damaged file is set aside
# (NAME.corrupt-TIMESTAMP) with an error line in the log, the daemon starts, nothing acknowledged is lost
# (the pods come back from the node's records), and nothing is left running unaccounted.
load helpers
load lib/registry
load lib/node

setup_file() {
    require_root
    node_setup corrupt
    node_start
}

teardown_file() {
    node_teardown
}

setup() {
    require_root
}

uid_of() { hk get pod "$1" -o json | jq -r .metadata.uid; }
started_at() { hk get pod "$1" -o json | jq -r '.status.containerStatuses[0].state.running.startedAt'; }
restarts() { hk get pod "$1" -o json | jq -r '.status.containerStatuses[0].restartCount'; }

# A running pod, its uid and container start time in UID and STARTED.
running_pod() {
    gone "$1" || { hk delete pod "$1" --grace-period 0 >/dev/null; wait_for 30 gone "$1"; }
    make_pod "$1"
    wait_for 60 phase_is "$1" Running
    UID_=$(uid_of "$1")
    STARTED=$(started_at "$1")
    # startedAt has one-second resolution and a restart takes less: let a restart show as a new time.
    sleep 1.1
}

# Exactly the pods the API lists have a supervisor, one each.
api_matches_node() {
    [ "$(api_pod_uids | tr '\n' ' ')" = "$(running_pod_uids | tr '\n' ' ')" ]
    [ "$(pgrep -fc "husk-supervisor $DATA/pods/")" = "$(api_pod_uids | wc -l)" ]
}

log_since() { tail -c +"$(($1 + 1))" "$DATA/daemon.log"; }

@test "corrupt: a garbage store.db is set aside, the daemon starts, and the running pod comes back unrestarted" {
    running_pod keeper
    hk apply -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"gone-with-the-store"}}' >/dev/null
    node_stop
    mark=$(stat -c %s "$DATA/daemon.log")
    head -c 65536 /dev/urandom >"$DATA/store.db"
    rm -f "$DATA/store.db-wal" "$DATA/store.db-shm"
    node_start
    log_since "$mark" | grep -q "error store: $DATA/store.db is damaged"
    log_since "$mark" | grep -q "the damaged store is kept as $DATA/store.db.corrupt-"
    ls "$DATA"/store.db.corrupt-* >/dev/null
    # The built-in namespaces and the node are back; the pod too, from the node's record, same uid, not restarted.
    hk get namespace kube-system >/dev/null
    wait_for 20 phase_is keeper Running || { hk get pod keeper -o json; log_since "$mark" | tail -40; false; }
    [ "$(uid_of keeper)" = "$UID_" ]
    [ "$(started_at keeper)" = "$STARTED" ]
    [ "$(restarts keeper)" = 0 ]
    api_matches_node
    # It is a pod like any other: it can be deleted, and is then gone from the node.
    hk delete pod keeper --grace-period 0 >/dev/null
    wait_for 30 gone keeper
    wait_for 30 test ! -e "$DATA/pods/$UID_"
    rm -f "$DATA"/store.db.corrupt-*
}

@test "corrupt: a truncated store.db keeps what can still be read" {
    for i in $(seq 1 40); do
        printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-%s"},"data":{"k":"%0500d"}}' "$i" 0
    done | jq -s '{apiVersion: "v1", kind: "List", items: .}' | hk apply -f - >/dev/null
    node_stop
    size=$(stat -c %s "$DATA/store.db")
    truncate -s $((size * 2 / 3)) "$DATA/store.db"
    rm -f "$DATA/store.db-wal" "$DATA/store.db-shm"
    mark=$(stat -c %s "$DATA/daemon.log")
    node_start
    log_since "$mark" | grep -q "store.db is damaged"
    log_since "$mark" | grep -E "[0-9]+ objects could be read back"
    hk get namespaces >/dev/null
    hk get configmaps >/dev/null
    rm -f "$DATA"/store.db.corrupt-*
}

@test "corrupt: a zeroed store.db is set aside and a fresh one made" {
    node_stop
    size=$(stat -c %s "$DATA/store.db")
    head -c "$size" /dev/zero >"$DATA/store.db"
    rm -f "$DATA/store.db-wal" "$DATA/store.db-shm"
    mark=$(stat -c %s "$DATA/daemon.log")
    node_start
    log_since "$mark" | grep -q "store.db is damaged"
    hk get namespace default >/dev/null
    [ "$(hk get nodes -o json | jq -r '.items[0].metadata.name')" = robust ]
    rm -f "$DATA"/store.db.corrupt-*
}

@test "corrupt: a garbage, truncated or zeroed worker.json is set aside and the pod starts afresh from the API" {
    for damage in garbage truncated zeroed; do
        running_pod wj
        node_stop
        record=$DATA/pods/$UID_/worker.json
        case $damage in
        garbage) head -c 3000 /dev/urandom >"$record" ;;
        truncated) truncate -s $(($(stat -c %s "$record") / 2)) "$record" ;;
        zeroed) head -c "$(stat -c %s "$record")" /dev/zero >"$record" ;;
        esac
        mark=$(stat -c %s "$DATA/daemon.log")
        node_start
        log_since "$mark" | grep -q "error $record is damaged"
        ls "$record".corrupt-* >/dev/null
        # The API shows the old status until the new worker reports: wait for a new start.
        wait_for 60 bash -c "[ \"\$('$HUSK' get pod wj --data-dir '$DATA' -o json | jq -r '.status.containerStatuses[0].state.running.startedAt')\" != '$STARTED' ]"
        wait_for 60 phase_is wj Running
        [ "$(uid_of wj)" = "$UID_" ]
        echo "$damage: $STARTED -> $(started_at wj)"
        [ "$(started_at wj)" != "$STARTED" ]
        api_matches_node
    done
    hk delete pod wj --grace-period 0 >/dev/null
    wait_for 30 gone wj
    wait_for 30 test ! -e "$DATA/pods/$UID_"
}

@test "corrupt: a worker.json of the older format (no formatVersion, fewer fields) resumes the pod as it runs" {
    running_pod old
    node_stop
    record=$DATA/pods/$UID_/worker.json
    [ "$(jq .formatVersion "$record")" = 1 ]
    jq -c 'del(.formatVersion) | .containers |= map_values(del(.nextBackoffMs, .imageID, .image, .exists))' \
        "$record" >"$record.new"
    mv "$record.new" "$record"
    node_start
    wait_for 20 phase_is old Running
    sleep 2
    [ "$(started_at old)" = "$STARTED" ]
    [ "$(restarts old)" = 0 ]
    ! ls "$record".corrupt-* 2>/dev/null
    api_matches_node
    # The next save writes the current format.
    hk delete pod old --grace-period 0 >/dev/null
    wait_for 30 gone old
}

@test "corrupt: a worker.json from a newer husk is set aside, not misread" {
    running_pod newer
    node_stop
    record=$DATA/pods/$UID_/worker.json
    jq -c '.formatVersion = 99' "$record" >"$record.new"
    mv "$record.new" "$record"
    mark=$(stat -c %s "$DATA/daemon.log")
    node_start
    log_since "$mark" | grep -q "$record is from a newer husk (format 99"
    wait_for 60 phase_is newer Running
    api_matches_node
    hk delete pod newer --grace-period 0 >/dev/null
    wait_for 30 gone newer
}

@test "corrupt: a garbage sandbox.json is set aside; the pod keeps running and is deleted cleanly" {
    running_pod sbx
    node_stop
    head -c 500 /dev/urandom >"$DATA/pods/$UID_/sandbox/sandbox.json"
    mark=$(stat -c %s "$DATA/daemon.log")
    node_start
    log_since "$mark" | grep -q "sandbox.json is unreadable"
    wait_for 20 phase_is sbx Running
    sleep 2
    [ "$(started_at sbx)" = "$STARTED" ] || { log_since "$mark"; hk get pod sbx -o json | jq .status.containerStatuses; false; }
    api_matches_node
    hk delete pod sbx --grace-period 0 >/dev/null
    wait_for 30 gone sbx
    wait_for 30 test ! -e "$DATA/pods/$UID_"
    [ -z "$(find /sys/fs/cgroup -maxdepth 3 -path "*/$CGROUP_PARENT/pod-$UID_" 2>/dev/null)" ]
    [ -z "$(pgrep -f "husk-supervisor $DATA/pods/$UID_" || true)" ]
}

@test "corrupt: a garbage state.json of a running container restarts that container, once" {
    running_pod st
    node_stop
    head -c 200 /dev/urandom >"$DATA/pods/$UID_/sandbox/containers/main/state.json"
    mark=$(stat -c %s "$DATA/daemon.log")
    node_start
    wait_for 60 bash -c "[ \"\$('$HUSK' get pod st --data-dir '$DATA' -o json | jq -r '.status.containerStatuses[0].restartCount')\" = 1 ]"
    wait_for 30 phase_is st Running
    log_since "$mark" | grep -q "container main: .*state.json"
    # One container process in the pod: the old one was killed, not left beside the new one.
    sup=$(pgrep -f "husk-supervisor $DATA/pods/$UID_")
    [ "$(pgrep -P "$sup" | wc -l)" = 1 ]
    api_matches_node
    hk delete pod st --grace-period 0 >/dev/null
    wait_for 30 gone st
}

@test "corrupt: after all that, nothing of the node is left but what the API lists" {
    wait_for 30 bash -c "[ -z \"\$(ls -A '$DATA/pods')\" ]"
    [ "$(node_footprint)" = "mounts=0 cgroups=0 netns=0 supervisors=0" ] || { node_footprint; false; }
    # At most the one spare sandbox the daemon keeps, whole; none of those killed daemons left.
    wait_for 10 spares_whole
    node_stopped_clean
}
