#!/usr/bin/env bats
# Pods for real through `husk daemon`: the seed's pod as a static pod with its mirror, the seed's sidecar
# example through the API, images pulled from a local registry standing in as the docker.io mirror, exec,
# logs, restarts of the daemon, deletion, and nothing left behind.
load helpers
load lib/registry
load lib/network
load lib/node

node=e2enode

setup_file() {
    require_root
    node_setup e2e
    registry_push nginx
    cp "$REPO/examples/lumpy-koala.yaml" "$DATA/manifests/"
    network_setup "$DATA"
    export NODE_NAME=$node NODE_NET_FLAGS=$NET_FLAGS
    node_start
}

teardown_file() {
    [ -n "${DATA:-}" ] || return 0
    [ -z "${HUSK_DEBUG_LOG:-}" ] || hk get pods -A -o yaml >>"$DATA/daemon.log" 2>&1
    # Static pods go with their manifests; the API's pods with node_teardown.
    rm -f "$DATA"/manifests/*
    node_teardown
    network_teardown
}

@test "pods: the seed's lumpy-koala runs as a static pod, its init container first, with a mirror pod" {
    wait_for 60 phase_is "lumpy-koala-$node" Running
    run hk get pod "lumpy-koala-$node" -o json
    [ "$(jq -r '.metadata.annotations["kubernetes.io/config.source"]' <<<"$output")" = file ]
    [ "$(jq -r '.metadata.annotations["kubernetes.io/config.mirror"]' <<<"$output")" = \
        "$(jq -r '.metadata.annotations["kubernetes.io/config.hash"]' <<<"$output")" ]
    [ "$(jq -r '.metadata.ownerReferences[0].kind' <<<"$output")" = Node ]
    [ "$(jq -r '.status.initContainerStatuses[0].state.terminated.reason' <<<"$output")" = Completed ]
    [ "$(jq -r '.status.containerStatuses[0].ready' <<<"$output")" = true ]
    run hk exec "lumpy-koala-$node" -- ls /workdir
    [ "$status" -eq 0 ]
    [ "$output" = calm.txt ]
}

@test "pods: the sidecar example serves the page its sidecar refreshes; kubectl-style columns and logs" {
    run hk apply -f "$REPO/examples/web-sidecar.yaml"
    [ "$output" = "pod/web created" ]
    # Ready once nginx's readiness probe has passed, as kubectl shows it.
    wait_for 60 bash -c "'$HUSK' get pod web --data-dir '$DATA' | grep -Eq '^web +2/2 +Running +0 +'"
    first=$(hk exec web -c nginx -- wget -qO- http://localhost/)
    [[ "$first" == "<h1>refreshed by the sidecar at "* ]]
    sleep 2.5
    second=$(hk exec web -c nginx -- wget -qO- http://localhost/)
    [ "$first" != "$second" ]
    run hk logs web -c refresher --tail 1
    [[ "$output" == "refreshed index.html at "* ]]
    run hk logs web -c nginx
    [[ "$output" == *'"GET / HTTP/1.1" 200'* ]]
    run kubectl --kubeconfig "$DATA/kubeconfig.yaml" logs web -c refresher --tail 1
    [[ "$output" == "refreshed index.html at "* ]]
}

@test "pods: describe shows the containers, their state, the conditions, volumes and events" {
    run hk describe pod web
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^Name:\ +web$ ]]
    [[ "$output" == *"Node:             $node/"* ]]
    [[ "$output" == *"Status:           Running"* ]]
    [[ "$output" == *$'  refresher:\n'* ]]
    [[ "$output" == *"    State:          Running"* ]]
    [[ "$output" == *"      /usr/share/nginx/html from html (rw)"* ]]
    [[ "$output" == *"  Ready                       True"* ]]
    [[ "$output" == *"EmptyDir (a temporary directory that shares a pod's lifetime)"* ]]
    [[ "$output" == *"Started container nginx"* ]]
    run hk describe pod nosuch
    [ "$status" -eq 1 ]
    [[ "$output" == *'pods "nosuch" not found'* ]]
}

@test "pods: kubectl get shows the server's columns: READY, STATUS, RESTARTS, AGE, and -o wide" {
    run kubectl --kubeconfig "$DATA/kubeconfig.yaml" get pod web
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^web\ +2/2\ +Running\ +0\ +[0-9]+[sm] ]]
    run kubectl --kubeconfig "$DATA/kubeconfig.yaml" get pods -o wide
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE\ +IP\ +NODE\ +NOMINATED\ NODE\ +READINESS\ GATES$ ]]
    [[ "$output" =~ lumpy-koala-$node\ +1/1\ +Running\ +0\ +[0-9]+[sm]\ +$NET_SUBNET\.[0-9]+\ +$node ]]
}

@test "pods: exec returns the command's exit status and names a missing container" {
    run hk exec web -c nginx -- sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run hk exec web -c nosuch -- true
    [ "$status" -eq 1 ]
    [[ "$output" == *"container nosuch is not running in pod web"* ]]
}

@test "pods: events record what the node did" {
    run hk get events -o json
    reasons=$(jq -r '[.items[] | select(.involvedObject.name == "web") | .reason] | unique | join(",")' <<<"$output")
    [[ "$reasons" == *Scheduled* && "$reasons" == *Pulled* && "$reasons" == *Created* && "$reasons" == *Started* ]]
}

@test "pods: deleting the mirror pod does not stop the static pod, and the mirror comes back" {
    uid=$(hk get pod "lumpy-koala-$node" -o json | jq -r .metadata.uid)
    started=$(hk get pod "lumpy-koala-$node" -o json | jq -r .status.containerStatuses[0].state.running.startedAt)
    hk delete pod "lumpy-koala-$node"
    wait_for 20 bash -c "[ \"\$('$HUSK' get pod lumpy-koala-$node --data-dir '$DATA' -o json | jq -r .metadata.uid)\" != $uid ]"
    wait_for 20 phase_is "lumpy-koala-$node" Running
    [ "$(hk get pod "lumpy-koala-$node" -o json | jq -r .status.containerStatuses[0].state.running.startedAt)" = "$started" ]
    [ "$(hk get pod "lumpy-koala-$node" -o json | jq -r .status.containerStatuses[0].restartCount)" = 0 ]
}

@test "pods: a missing image gives ErrImagePull, then ImagePullBackOff" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: noimage\nspec:\n  containers:\n  - name: a\n    image: busybox:nosuchtag\n' |
        hk apply -f -
    wait_for 30 bash -c "'$HUSK' get pod noimage --data-dir '$DATA' | grep -Eq 'ErrImagePull|ImagePullBackOff'"
    run hk get events -o json
    [[ "$(jq -r '.items[] | select(.involvedObject.name == "noimage") | .message' <<<"$output")" == *'Failed to pull image "busybox:nosuchtag"'* ]]
    hk delete pod noimage --grace-period 0
    wait_for 20 gone noimage
}

@test "pods: imagePullSecrets give the pull its registry credentials" {
    registry_proxy_start --token husk:secret
    auth=$(printf '{"auths":{"%s":{"auth":"%s"}}}' "$PROXY" "$(printf husk:secret | base64)" | base64 -w0)
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: %s\n' "$auth" |
        hk apply -f -
    for name in private anonymous; do
        printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: a\n    image: %s/library/busybox\n    command: [sleep, "600"]\n' "$name" "$PROXY" >"$BATS_TEST_TMPDIR/$name.yaml"
    done
    printf '  imagePullSecrets:\n  - name: regcred\n' >>"$BATS_TEST_TMPDIR/private.yaml"
    hk apply -f "$BATS_TEST_TMPDIR/private.yaml"
    hk apply -f "$BATS_TEST_TMPDIR/anonymous.yaml"
    wait_for 30 phase_is private Running
    wait_for 30 bash -c "'$HUSK' get pod anonymous --data-dir '$DATA' | grep -Eq 'ErrImagePull|ImagePullBackOff'"
    hk delete pod private --grace-period 0
    hk delete pod anonymous --grace-period 0
    wait_for 20 gone private
    wait_for 20 gone anonymous
    registry_proxy_stop
}

@test "pods: ConfigMap, Secret and downward API as files and env, updated in place" {
    cat >"$BATS_TEST_TMPDIR/configured.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello, level: debug}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: $(printf s3cret | base64)}
---
apiVersion: v1
kind: Pod
metadata: {name: configured, labels: {app: demo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: busybox
    command: [sleep, "600"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec}
    - {name: info, mountPath: /etc/info}
  volumes:
  - {name: cfg, configMap: {name: settings}}
  - {name: sec, secret: {secretName: creds, defaultMode: 256}}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: podname, fieldRef: {fieldPath: metadata.name}}
YAML
    hk apply -f "$BATS_TEST_TMPDIR/configured.yaml"
    wait_for 30 phase_is configured Running
    [ "$(hk exec configured -- cat /etc/cfg/greeting)" = hello ]
    [ "$(hk exec configured -- sh -c 'echo $GREETING $POD_NAME')" = "hello configured" ]
    [ "$(hk exec configured -- cat /etc/sec/password)" = s3cret ]
    [ "$(hk exec configured -- stat -L -c %a /etc/sec/password)" = 400 ]
    [ "$(hk exec configured -- cat /etc/info/labels)" = 'app="demo"' ]
    [ "$(hk exec configured -- cat /etc/info/podname)" = configured ]
    # The kubelet's atomic layout: names are links through ..data.
    [ "$(hk exec configured -- readlink /etc/cfg/greeting)" = ..data/greeting ]
    sed -i 's/greeting: hello/greeting: bonjour/' "$BATS_TEST_TMPDIR/configured.yaml"
    hk apply -f "$BATS_TEST_TMPDIR/configured.yaml"
    wait_for 20 bash -c "[ \"\$('$HUSK' exec configured --data-dir '$DATA' -- cat /etc/cfg/greeting)\" = bonjour ]"
    hk delete pod configured --grace-period 0
    wait_for 20 gone configured
}

@test "pods: a missing ConfigMap holds the pod in FailedMount until it appears" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: patient\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: a\n    image: busybox\n    command: [sleep, "600"]\n    volumeMounts: [{name: cfg, mountPath: /cfg}]\n  volumes:\n  - {name: cfg, configMap: {name: later}}\n' |
        hk apply -f -
    wait_for 20 bash -c "'$HUSK' get events --data-dir '$DATA' -o json | jq -e '[.items[] | select(.involvedObject.name == \"patient\" and .reason == \"FailedMount\")] | length > 0'"
    run hk get events -o json
    [[ "$(jq -r '.items[] | select(.involvedObject.name == "patient" and .reason == "FailedMount") | .message' <<<"$output")" == *'configmap "later" not found'* ]]
    phase_is patient Pending
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: later\ndata:\n  ready: "yes"\n' | hk apply -f -
    wait_for 30 phase_is patient Running
    [ "$(hk exec patient -- cat /cfg/ready)" = yes ]
    hk delete pod patient --grace-period 0
    wait_for 20 gone patient
}

@test "pods: a static pod that references a ConfigMap fails to start, and its mirror pod says why" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: refs\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: a\n    image: busybox\n    command: [sleep, "600"]\n    env:\n    - name: X\n      valueFrom: {configMapKeyRef: {name: settings, key: greeting}}\n' \
        >"$DATA/manifests/refs.yaml"
    wait_for 30 bash -c "'$HUSK' get pod refs-$node --data-dir '$DATA' | grep -q CreateContainerConfigError"
    run hk get pod "refs-$node" -o json
    [[ "$(jq -r '.status.containerStatuses[0].state.waiting.message' <<<"$output")" == *'static pods may not reference API objects: configmaps "settings"'* ]]
    rm "$DATA/manifests/refs.yaml"
    wait_for 30 gone "refs-$node"
}

@test "pods: a gRPC readiness probe follows the pod's grpc.health.v1 service" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: grpcd\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: a\n    image: busybox\n    command: [sleep, "600"]\n    readinessProbe:\n      grpc: {port: 50051}\n      periodSeconds: 1\n' |
        hk apply -f -
    wait_for 30 phase_is grpcd Running
    ready() { [ "$(hk get pod grpcd -o json | jq -r .status.containerStatuses[0].ready)" = "$1" ]; }
    ready false
    # The server runs in the pod's network namespace, where the kubelet's probe connects.
    uid=$(hk get pod grpcd -o json | jq -r .metadata.uid)
    netns=/proc/$(cat "$DATA/pods/$uid/sandbox/supervisor.pid")/ns/net
    nsenter --net="$netns" /usr/bin/python3 "$REPO/tests/e2e/lib/grpc_health_server.py" 50051 SERVING &
    server=$!
    wait_for 20 ready true
    kill "$server"
    wait "$server" || true
    nsenter --net="$netns" /usr/bin/python3 "$REPO/tests/e2e/lib/grpc_health_server.py" 50051 NOT_SERVING &
    server=$!
    wait_for 20 ready false
    kill "$server"
    wait "$server" || true
    run hk get events -o json
    messages=$(jq -r '.items[] | select(.involvedObject.name == "grpcd" and .reason == "Unhealthy") | .message' <<<"$output")
    [[ "$messages" == *'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'* ]]
    [[ "$messages" == *'Readiness probe failed: failed to connect service "127.0.0.1:50051"'* ]]
    hk delete pod grpcd --grace-period 0
    wait_for 20 gone grpcd
}

@test "pods: SIGKILL of the daemon leaves the containers running; the next daemon takes them up" {
    before=$(hk get pod web -o json | jq -c '[.status.containerStatuses[] | .state.running.startedAt, .restartCount]')
    supervisors=$(supervisors)
    # A spare sandbox waits (cgroup v1 hosts: cgroup2 cannot rename a cgroup, so there are none).
    v1=false
    [ -d /sys/fs/cgroup/pids ] && v1=true
    if $v1; then
        wait_for 10 one_spare
        spare=$(pgrep -f "husk-supervisor $DATA/sandbox-pool/")
        spare_dir=$(tr '\0' ' ' <"/proc/$spare/cmdline" | awk '{ print $2 }')
        [ -d "$spare_dir" ]
        # and the empty dirs the pool made ahead (before the spare) for the next pod's dir and log dir
        ahead=$(find "$DATA/sandbox-pool" -maxdepth 1 -name 'dir-*')
        [ -n "$ahead" ]
    fi
    node_kill
    [ "$(supervisors)" = "$supervisors" ]
    node_start
    wait_for 20 phase_is web Running
    after=$(hk get pod web -o json | jq -c '[.status.containerStatuses[] | .state.running.startedAt, .restartCount]')
    [ "$before" = "$after" ]
    [ "$(supervisors)" = "$supervisors" ]
    # The spare sandbox the killed daemon left is gone (process, dir, netns pin, cgroup); the new daemon made
    # its own.
    $v1 || return 0
    wait_for 10 test ! -e "/proc/$spare"
    [ ! -e "$spare_dir" ]
    ! grep -q " $spare_dir/" /proc/self/mountinfo || false
    for d in $ahead; do [ ! -e "$d" ]; done
    wait_for 10 one_spare
    [ "$(pgrep -f "husk-supervisor $DATA/sandbox-pool/")" != "$spare" ]
    [ "$(find /sys/fs/cgroup/pids/"$CGROUP_PARENT" -maxdepth 1 -name 'spare-*' | wc -l)" = 1 ]
}

one_spare() { [ "$(pgrep -fc "husk-supervisor $DATA/sandbox-pool/")" = 1 ]; }

@test "pods: an edited static manifest replaces its pod once it has stopped; a removed one stops it and then its mirror" {
    old=$(hk get pod "lumpy-koala-$node" -o json | jq -r '.metadata.annotations["kubernetes.io/config.hash"]')
    # The app's `sleep` ignores SIGTERM: the old pod takes its 30 s grace period, as in Kubernetes, and
    # its mirror shows it stopping until then; the edited pod (grace 2 s) starts after.
    sed -e 's/run: lumpy-koala/run: lumpy-koala\n    edited: "yes"/' -e 's/^spec:/spec:\n  terminationGracePeriodSeconds: 2/' \
        "$REPO/examples/lumpy-koala.yaml" >"$DATA/manifests/lumpy-koala.yaml"
    sleep 3
    [ "$(hk get pod "lumpy-koala-$node" -o json | jq -r '.metadata.annotations["kubernetes.io/config.hash"]')" = "$old" ]
    [ "$(pgrep -fc "husk-supervisor $DATA/pods/$old/")" -ge 1 ]
    wait_for 60 bash -c "'$HUSK' get pod lumpy-koala-$node --data-dir '$DATA' -o json | jq -e '.metadata.labels.edited == \"yes\" and .status.phase == \"Running\"'"
    [ "$(hk get pod "lumpy-koala-$node" -o json | jq -r '.metadata.annotations["kubernetes.io/config.hash"]')" != "$old" ]
    [ ! -e "$DATA/pods/$old" ]
    new=$(hk get pod "lumpy-koala-$node" -o json | jq -r '.metadata.annotations["kubernetes.io/config.hash"]')
    ip=$(hk get pod "lumpy-koala-$node" -o json | jq -r .status.podIP)
    [[ "$ip" == "$NET_SUBNET".* ]] || { echo "podIP $ip, not in $NET_SUBNET.0/24" >&2; hk get pod "lumpy-koala-$node" -o json | jq -c .status >&2; false; }
    rm "$DATA/manifests/lumpy-koala.yaml"
    sleep 0.5
    hk get pod "lumpy-koala-$node" >/dev/null
    wait_for 30 gone "lumpy-koala-$node"
    # The mirror goes once the pod has stopped: nothing of it is left, its network included.
    [ ! -e "$DATA/pods/$new" ] && [ ! -e "$DATA/network/$new.json" ]
    ! iptables-save | grep -F -e "$ip/" -e "$new"
}

@test "pods: a new pod takes the spare sandbox and a dir made ahead: its supervisor was waiting already" {
    # cgroup v1 hosts only: cgroup2 cannot rename a cgroup, so there are no spares.
    [ -d /sys/fs/cgroup/pids ] || return 0
    wait_for 10 one_spare
    spare=$(pgrep -f "husk-supervisor $DATA/sandbox-pool/")
    inodes=$(find "$DATA/sandbox-pool" -maxdepth 1 -name 'dir-*' -printf '%i\n')
    [ -n "$inodes" ]
    make_pod taker
    wait_for 30 phase_is taker Running
    uid=$(hk get pod taker -o json | jq -r .metadata.uid)
    [ "$(pgrep -f "husk-supervisor $DATA/pods/$uid/")" = "$spare" ]
    grep -qx "$(stat -c %i "$DATA/pods/$uid")" <<<"$inodes"
    # and its place is taken by a new spare
    wait_for 10 one_spare
    [ "$(pgrep -f "husk-supervisor $DATA/sandbox-pool/")" != "$spare" ]
    hk delete pod taker --grace-period 2
    wait_for 30 gone taker
}

# pod_with_env NAME ENV: a pod whose init container waits for DATA/pods/UID/volumes/shared/go; its app
# prints $WORD (ENV: the container's env, as YAML) and runs.
pod_with_env() {
    hk apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: wait
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "until [ -f /shared/go ]; do sleep 0.05; done; echo init done > /shared/order"]
    volumeMounts: [{name: shared, mountPath: /shared}]
  containers:
  - name: app
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo app started >> /shared/order; echo word=\$WORD; sleep 3600"]
    env: $2
    volumeMounts: [{name: shared, mountPath: /shared}]
  volumes: [{name: shared, emptyDir: {}}]
EOF
}

# The same with $WORD from a ConfigMap of its own (word=before).
prepared_pod() {
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  word: before\n' "$1" | hk apply -f - >/dev/null
    pod_with_env "$1" "[{name: WORD, valueFrom: {configMapKeyRef: {name: $1, key: word}}}]"
}

init_running() { hk get pod "$1" -o json | jq -e '.status.initContainerStatuses[0].state.running' >/dev/null; }
prepared_pid() { pgrep -f "husk-prepared $DATA/pods/$1/" || true; }
one_prepared() { [ "$(pgrep -fc "husk-prepared $DATA/pods/$1/")" = 1 ]; }

@test "pods: the app container is made ready while the init container runs, and starts only after it, with its config then" {
    prepared_pod same
    prepared_pod changed
    wait_for 30 init_running same
    wait_for 30 init_running changed
    for pod in same changed; do
        uid=$(hk get pod $pod -o json | jq -r .metadata.uid)
        wait_for 10 one_prepared "$uid"
        # One supervisor still (the prepared process is not one), the app waiting, nothing of it run.
        [ "$(pgrep -fc "husk-supervisor $DATA/pods/$uid/")" = 1 ]
        [ "$(hk get pod $pod -o json | jq -r '.status.containerStatuses[0].state.waiting.reason')" = PodInitializing ]
        [ ! -e "$DATA/pods/$uid/volumes/shared/order" ]
        # The events say so too: the init container's start is there, nothing of the app's yet.
        events=$(hk get events -o json | jq -c "[.items[] | select(.involvedObject.name == \"$pod\") | .message]")
        [[ "$events" == *"Started container wait"* ]]
        [[ "$events" != *"container app"* ]]
    done
    same=$(hk get pod same -o json | jq -r .metadata.uid)
    changed=$(hk get pod changed -o json | jq -r .metadata.uid)
    held_same=$(prepared_pid "$same")
    held_changed=$(prepared_pid "$changed")
    # The ConfigMap one of them reads changes while its init container runs: its app is made afresh.
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: changed\ndata:\n  word: after\n' | hk apply -f - >/dev/null
    touch "$DATA/pods/$same/volumes/shared/go" "$DATA/pods/$changed/volumes/shared/go"
    wait_for 30 phase_is same Running
    wait_for 30 phase_is changed Running
    [ "$(cat "$DATA/pods/$same/volumes/shared/order")" = $'init done\napp started' ]
    [ "$(cat "$DATA/pods/$changed/volumes/shared/order")" = $'init done\napp started' ]
    wait_for 10 bash -c "'$HUSK' logs same -c app --data-dir '$DATA' | grep -qx word=before"
    wait_for 10 bash -c "'$HUSK' logs changed -c app --data-dir '$DATA' | grep -qx word=after"
    # The process made ready is the app that runs; the other was ended, and a new one runs.
    [ "$(hk get pod same -o json | jq -r '.status.containerStatuses[0].restartCount')" = 0 ]
    [ "$(readlink "/proc/$held_same/exe")" = /bin/busybox ]
    ! grep -q husk-prepared "/proc/$held_same/cmdline" || false
    ! kill -0 "$held_changed" 2>/dev/null || false
    [ -z "$(prepared_pid "$same")$(prepared_pid "$changed")" ]
    hk delete pod same changed --grace-period 1
    hk delete configmap same changed
    wait_for 30 gone same
    wait_for 30 gone changed
}

@test "pods: an app made ready with a config that reads nothing from elsewhere starts as made, with its image and events" {
    # "kept" starts with the config it was made ready with as it is; "relabeled" is changed meanwhile (a
    # label), so its config is built again and compared: the same, it starts as made too.
    pod_with_env kept "[{name: WORD, value: kept}]"
    pod_with_env relabeled "[{name: WORD, value: relabeled}]"
    for pod in kept relabeled; do
        wait_for 30 init_running $pod
        wait_for 10 one_prepared "$(hk get pod $pod -o json | jq -r .metadata.uid)"
    done
    curl -sf --unix-socket "$DATA/husk.sock" -X PATCH -H 'Content-Type: application/merge-patch+json' \
        --data-binary '{"metadata":{"labels":{"tier":"changed"}}}' \
        http://localhost/api/v1/namespaces/default/pods/relabeled >/dev/null
    for pod in kept relabeled; do
        uid=$(hk get pod $pod -o json | jq -r .metadata.uid)
        held=$(prepared_pid "$uid")
        [ -n "$held" ]
        touch "$DATA/pods/$uid/volumes/shared/go"
        wait_for 30 phase_is $pod Running
        [ "$(cat "$DATA/pods/$uid/volumes/shared/order")" = $'init done\napp started' ]
        wait_for 10 bash -c "'$HUSK' logs $pod -c app --data-dir '$DATA' | grep -qx word=$pod"
        # The process made ready is the app that runs, once.
        [ "$(readlink "/proc/$held/exe")" = /bin/busybox ]
        ! grep -q husk-prepared "/proc/$held/cmdline" || false
        status=$(hk get pod $pod -o json | jq -c '.status.containerStatuses[0]')
        [ "$(jq -r .restartCount <<<"$status")" = 0 ]
        [[ "$(jq -r .imageID <<<"$status")" == *sha256:* ]]
        [ "$(jq -r .image <<<"$status")" != null ]
        events=$(hk get events -o json | jq -c "[.items[] | select(.involvedObject.name == \"$pod\") | .message]")
        [[ "$events" == *'Container image \"busybox\" already present on machine'* ]]
        [[ "$events" == *"Created container app"* ]]
        [[ "$events" == *"Started container app"* ]]
    done
    [ "$(hk get pod relabeled -o json | jq -r .metadata.labels.tier)" = changed ]
    hk delete pod kept relabeled --grace-period 1
    wait_for 30 gone kept
    wait_for 30 gone relabeled
}

@test "pods: a force-deleted pod's containers are killed after the kubelet's minimum grace, not the pod's" {
    hk apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  terminationGracePeriodSeconds: 300
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
YAML
    wait_for 60 phase_is stubborn Running
    uid=$(hk get pod stubborn -o json | jq -r .metadata.uid)
    [ -n "$(pgrep -f "husk-supervisor $DATA/pods/$uid" || true)" ]
    hk delete pod stubborn --grace-period 0
    gone stubborn
    # Its container ignores SIGTERM: only the SIGKILL after the 2 s minimum ends it, long before 300 s.
    wait_for 15 no_supervisor "$uid"
    wait_for 15 test ! -e "$DATA/pods/$uid"
}

@test "pods: a deleted pod is stopped and nothing of it is left on the node" {
    uid=$(hk get pod web -o json | jq -r .metadata.uid)
    [ -d "$DATA/pods/$uid" ]
    hk delete pod web --grace-period 2
    wait_for 30 gone web
    [ ! -e "$DATA/pods/$uid" ]
    no_supervisor "$uid"
    no_pod_cgroup "$uid"
    ! grep -q "$DATA/pods/$uid" /proc/self/mountinfo
    # Its files went to the trash, which a thread of the daemon's empties in the background.
    wait_for 10 trash_empty
}

@test "pods: a finished pod gives back its sandbox at once and keeps its status, logs and emptyDir until deleted" {
    hk apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: done
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "echo finished; echo kept >/scratch/note"]
    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir: {}
YAML
    wait_for 60 phase_is done Succeeded
    uid=$(hk get pod done -o json | jq -r .metadata.uid)
    # As the kubelet stops a terminal pod's sandbox: no supervisor, no cgroup, and the condition says so.
    wait_for 15 no_supervisor "$uid"
    wait_for 15 pod_field_is done '.status.conditions[] | select(.type == "PodReadyToStartContainers") | .status' False
    no_pod_cgroup "$uid"
    [ ! -e "$DATA/pods/$uid/sandbox" ]
    wait_for 10 trash_empty
    [ "$(pod_field done '.status.containerStatuses[0].state.terminated.reason')" = Completed ]
    [ "$(hk logs done)" = finished ]
    [ "$(cat "$DATA/pods/$uid/volumes/scratch/note")" = kept ]
    # The next daemon takes the finished pod up as it was, without a sandbox to make, and empties what a
    # daemon stopped meanwhile left in the trash.
    node_stop
    mkdir -p "$DATA/trash/left-behind/deep"
    touch "$DATA/trash/left-behind/deep/file"
    node_start
    wait_for 10 trash_empty
    wait_for 30 phase_is done Succeeded
    no_supervisor "$uid"
    [ "$(hk logs done)" = finished ]
    hk delete pod done --grace-period 0
    wait_for 30 gone done
    [ ! -e "$DATA/pods/$uid" ]
}
