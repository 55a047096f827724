#!/usr/bin/env bats
# kill -9 at named points inside pull, unpack, pod create, container start, stop and delete, of the daemon,
# of its pull child (`husk image pull`, which inherits HUSK_CRASH_AT) and of a pod's supervisor
# (HUSK_CRASH_AT, base/crashpoint.h: honoured by test builds only). After each
# crash and a restart: no half-downloaded blob or half-unpacked layer is used (and none is left), every pod
# exists fully or not at all, no mount, cgroup, network namespace or process is left over, and the API
# lists exactly what runs.
load helpers
load lib/registry
load lib/node

setup_file() {
    require_root
    node_setup crash
    node_start
}

teardown_file() {
    node_teardown
}

setup() {
    require_root
    # A build without crash points (not a sanitizer build) ignores HUSK_CRASH_AT: say so rather than pass.
    nm "$HUSK" 2>/dev/null | grep -q __asan_init || skip "crash points need a test (sanitizer) build"
}

log_mark() { stat -c %s "$DATA/daemon.log"; }
log_since() { tail -c +"$(($1 + 1))" "$DATA/daemon.log"; }

# restart_crashing POINT: restarts the daemon with HUSK_CRASH_AT=POINT (its supervisors inherit it).
restart_crashing() {
    node_stop
    MARK=$(log_mark)
    node_start HUSK_CRASH_AT="$1"
}

# crashed POINT: the daemon killed itself at POINT (within 90 s).
crashed() {
    node_gone "$(node_pid)" || node_gone "$(node_pid)" || node_gone "$(node_pid)"
    log_since "$MARK" | grep -q "crash point $1: pid $(node_pid) kills itself"
}

# A pod exists fully: Running with its container, in the API and on the node, one container process.
pod_whole() {
    local uid
    wait_for 90 phase_is "$1" Running || { hk get pod "$1" -o json | jq -c .status; return 1; }
    uid=$(hk get pod "$1" -o json | jq -r .metadata.uid)
    wait_for 15 one_container "$uid" || { pgrep -af "husk-supervisor $DATA/"; return 1; }
}

# one_container UID: the pod's one supervisor has exactly one child, the container.
one_container() {
    local sup
    sup=$(pgrep -f "husk-supervisor $DATA/pods/$1/")
    [ "$(wc -w <<<"$sup")" = 1 ] && [ "$(pgrep -P "$sup" | wc -l)" = 1 ]
}

delete_and_check() {
    hk delete pod "$1" --grace-period 1 >/dev/null
    wait_for 60 gone "$1"
    wait_for 30 node_consistent
}

# The image's one layer: its blob digest and diff ID, from the image record.
layer_of_busybox() { jq -r '.layers[0] | "\(.digest) \(.diffId)"' "$DATA"/images/refs/*.json | head -1; }

forget_busybox() {
    node_stop
    "$HUSK" image rm docker.io/library/busybox:latest --data-dir "$DATA" >/dev/null 2>&1 || true
    "$HUSK" image prune --data-dir "$DATA" >/dev/null
    [ -z "$(ls "$DATA/images/layers/sha256")" ]
}

# pull_child_crashed POINT: the daemon's pull child killed itself at POINT (within 90 s) and the daemon
# lives on, the pod waiting with the pull's failure.
pull_child_crashed() {
    local pid
    wait_for 90 crash_logged "$1"
    pid=$(log_since "$MARK" | grep -o "crash point $1: pid [0-9]*" | head -1 | grep -o '[0-9]*$')
    [ "$pid" != "$(node_pid)" ]
    kill -0 "$(node_pid)"
    wait_for 30 pull_failed "$2"
    hk get events -o json | jq -r '.items[].message' | grep -q "the pull process (pid [0-9]*) was killed by signal 9"
}
crash_logged() { log_since "$MARK" | grep -q "crash point $1: pid [0-9]* kills itself"; }
pull_failed() {
    hk get pod "$1" -o json | jq -r '.status.containerStatuses[0].state.waiting.reason' |
        grep -Eq '^(ErrImagePull|ImagePullBackOff)$'
}

# no_pull_child: no `husk image pull` of this node's runs (the daemon kills its child when it stops).
no_pull_child() { ! pgrep -f "image pull .*--data-dir $DATA " >/dev/null; }

@test "crash: the pull child killed while downloading a blob; the partial blob is never used and is removed" {
    forget_busybox
    MARK=$(log_mark)
    node_start HUSK_CRASH_AT=pull-blob
    make_pod pulled
    pull_child_crashed pull-blob pulled
    # What the pull had written is a temp file, under no digest's name.
    ls "$DATA"/images/blobs/sha256/.tmp-* >/dev/null
    node_stop
    wait_for 10 no_pull_child
    MARK=$(log_mark)
    node_start
    pod_whole pulled
    log_since "$MARK" | grep -q "removed [0-9]* partial downloads and unpacks"
    ! ls "$DATA"/images/blobs/sha256/.tmp-* 2>/dev/null
    # Every stored blob matches its name.
    for blob in "$DATA"/images/blobs/sha256/*; do
        [ "$(sha256sum <"$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ]
    done
    wait_for 30 node_consistent
    delete_and_check pulled
}

@test "crash: the pull child killed while unpacking a layer; the half-unpacked layer is never used" {
    forget_busybox
    MARK=$(log_mark)
    node_start HUSK_CRASH_AT=unpack-layer
    make_pod unpacked
    pull_child_crashed unpack-layer unpacked
    # The half-unpacked layer is in layers/tmp; nothing is under a diff ID.
    [ -n "$(ls "$DATA/images/layers/tmp")" ]
    [ -z "$(ls "$DATA/images/layers/sha256")" ]
    node_stop
    wait_for 10 no_pull_child
    MARK=$(log_mark)
    node_start
    pod_whole unpacked
    [ -z "$(ls "$DATA/images/layers/tmp")" ]
    ! grep -q "$DATA/images/layers/tmp" /proc/[0-9]*/mountinfo 2>/dev/null
    # The layer in place is complete: as many entries as its archive.
    read -r digest diff_id <<<"$(layer_of_busybox)"
    entries=$(tar -tzf "$DATA/images/blobs/sha256/${digest#sha256:}" | sed 's|/$||; s|^\./||' | grep -v '^\.\?$' | sort -u | wc -l)
    unpacked=$(cd "$DATA/images/layers/sha256/${diff_id#sha256:}" && find . -mindepth 1 | wc -l)
    echo "archive=$entries unpacked=$unpacked"
    [ "$entries" = "$unpacked" ]
    wait_for 30 node_consistent
    delete_and_check unpacked
}

pull_child_running() { pgrep -f "image pull .*--data-dir $DATA " >/dev/null; }

@test "pull: a pod deleted while its image is pulled; its pull child is killed and nothing is left" {
    # Without busybox's blobs in the store, so that its layer comes through the slow proxy.
    forget_busybox
    node_start
    registry_proxy_start --slow 20000
    pod_manifest slowpull | sed "s|image: busybox:latest|image: $PROXY/library/busybox:latest|" |
        hk apply -f - >/dev/null
    wait_for 30 pull_child_running
    hk delete pod slowpull --grace-period 1 >/dev/null
    wait_for 10 no_pull_child
    wait_for 60 gone slowpull
    registry_proxy_stop
    wait_for 30 node_consistent
    kill -0 "$(node_pid)"
}

@test "crash: the daemon killed right after creating a pod's sandbox; the pod comes up whole, once" {
    restart_crashing sandbox-create
    make_pod sandboxed
    crashed sandbox-create
    node_start
    pod_whole sandboxed
    wait_for 30 node_consistent
    delete_and_check sandboxed
}

@test "crash: the daemon killed right after starting a container; one instance of it runs afterwards" {
    restart_crashing container-start
    make_pod started
    crashed container-start
    node_start
    pod_whole started
    sleep 3
    pod_whole started
    wait_for 30 node_consistent
    delete_and_check started
}

@test "crash: the daemon killed right after starting an init container, its app made ready; the pod comes up whole, once" {
    restart_crashing container-start
    # The seed's pod, with busybox for its app (this node has no nginx).
    sed 's/image: nginx/image: busybox/' "$REPO/examples/lumpy-koala.yaml" | hk apply -f - >/dev/null
    crashed container-start
    node_start
    pod_whole lumpy-koala
    uid=$(hk get pod lumpy-koala -o json | jq -r .metadata.uid)
    [ -z "$(pgrep -f "husk-prepared $DATA/pods/$uid/" || true)" ]
    [ "$(hk get pod lumpy-koala -o json | jq -r '.status.initContainerStatuses[0].state.terminated.reason')" = Completed ]
    wait_for 30 node_consistent
    delete_and_check lumpy-koala
}

@test "crash: the daemon killed after signalling a container to stop; the deletion completes" {
    make_pod stopping
    wait_for 90 phase_is stopping Running
    uid=$(hk get pod stopping -o json | jq -r .metadata.uid)
    restart_crashing container-stop
    wait_for 30 phase_is stopping Running
    hk delete pod stopping --grace-period 5 >/dev/null
    crashed container-stop
    node_start
    wait_for 60 gone stopping
    wait_for 30 test ! -e "$DATA/pods/$uid"
    wait_for 30 node_consistent
}

@test "crash: the daemon killed in the middle of removing a pod; the removal completes" {
    make_pod deleting
    wait_for 90 phase_is deleting Running
    uid=$(hk get pod deleting -o json | jq -r .metadata.uid)
    restart_crashing pod-delete
    wait_for 30 phase_is deleting Running
    hk delete pod deleting --grace-period 1 >/dev/null
    crashed pod-delete
    node_start
    wait_for 60 gone deleting
    wait_for 30 test ! -e "$DATA/pods/$uid"
    wait_for 30 node_consistent
}

@test "crash: a supervisor killed while starting a container; the pod gets a new sandbox and comes up whole" {
    restart_crashing supervisor-start
    make_pod supstart
    # The supervisor logs into its sandbox, which is replaced: wait until the daemon saw it gone.
    wait_for 60 bash -c "tail -c +$((MARK + 1)) '$DATA/daemon.log' | grep -q 'its sandbox is gone'"
    node_stop
    node_start
    pod_whole supstart
    wait_for 30 node_consistent
    delete_and_check supstart
}

@test "crash: a supervisor killed while stopping a container; the deletion completes and nothing is left" {
    restart_crashing supervisor-kill
    make_pod supkill
    wait_for 90 phase_is supkill Running
    uid=$(hk get pod supkill -o json | jq -r .metadata.uid)
    hk delete pod supkill --grace-period 5 >/dev/null
    wait_for 60 gone supkill
    wait_for 30 test ! -e "$DATA/pods/$uid"
    wait_for 30 node_consistent
    node_stop
    node_start
}

@test "crash: a pod deleted from the API while its node was down after a crash leaves nothing behind" {
    restart_crashing sandbox-create
    make_pod orphan
    crashed sandbox-create
    uid=$(ls "$DATA/pods")
    [ -d "$DATA/pods/$uid/sandbox" ]
    # The API alone (no node) deletes the pod meanwhile.
    "$HUSK" daemon --data-dir "$DATA" --no-node --listen "127.0.0.1:$(registry_free_port)" 2>>"$DATA/daemon.log" &
    api_only=$!
    wait_for 10 hk get pods
    hk delete pod orphan --grace-period 0 >/dev/null
    wait_for 10 gone orphan
    kill -TERM "$api_only"
    node_gone "$api_only"
    MARK=$(log_mark)
    node_start
    wait_for 30 test ! -e "$DATA/pods/$uid"
    log_since "$MARK" | grep -q "pod $uid is not in the API and has no worker: removing $DATA/pods/$uid"
    [ -z "$(ls "$DATA/logs")" ]
    wait_for 30 node_consistent
}

@test "crash: kill -9 of the daemon at random moments of creating and deleting pods" {
    for round in 1 2 3; do
        for i in 1 2 3; do make_pod "rnd-$i" & done
        wait
        sleep "0.$((RANDOM % 9 + 1))"
        node_kill
        node_start
        for i in 1 2 3; do hk delete pod "rnd-$i" --grace-period 1 >/dev/null 2>&1 & done
        wait
        sleep "0.$((RANDOM % 9 + 1))"
        node_kill
        node_start
    done
    # Pods whose delete was lost with the daemon (it never answered) are still there: delete them again.
    for i in 1 2 3; do hk delete pod "rnd-$i" --grace-period 1 >/dev/null 2>&1 || true; done
    wait_for 60 bash -c "[ -z \"\$('$HUSK' get pods --data-dir '$DATA' -o name)\" ]" ||
        { hk get pods -o wide; tail -30 "$DATA/daemon.log"; false; }
    wait_for 30 node_consistent
}

@test "crash: after all that, nothing of the node is left" {
    wait_for 30 bash -c "[ -z \"\$(ls -A '$DATA/pods')\" ]"
    [ "$(node_footprint)" = "mounts=0 cgroups=0 netns=0 supervisors=0" ] || { node_footprint; false; }
    # At most the one spare sandbox the daemon keeps, whole; none of those killed daemons left.
    wait_for 10 spares_whole
    node_stopped_clean
}
