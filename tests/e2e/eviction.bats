#!/usr/bin/env bats
# Node-pressure eviction, the kubelet's eviction manager: an emptyDir over its sizeLimit evicts its pod;
# memory.available and nodefs.available below --eviction-hard evict pods one at a time in the kubelet's
# order, each Failed with reason Evicted, the kubelet's message and an event, and the Node reports
# MemoryPressure or DiskPressure (with its taint) until the pressure is gone. Thresholds are set so that
# they hold on any machine (memory.available<1Pi, nodefs.available<100%).
load helpers
load lib/registry
load lib/node
load lib/limits

setup_file() {
    require_root
    node_setup evict
    limits_node_start --eviction-hard=
}

teardown_file() { node_teardown; }

restart_with() {
    node_stop
    limits_node_start "$@"
}

node_condition() { hk get node robust -o json | jq -r ".status.conditions[] | select(.type == \"$1\") | .status"; }
node_condition_is() { [ "$(node_condition "$1")" = "$2" ]; }
node_tainted() { hk get node robust -o json | jq -e ".spec.taints // [] | any(.key == \"$1\")" >/dev/null; }

# sleeper NAME [RESOURCES-YAML]: a pod that sleeps, with the given container resources.
sleeper() {
    apply_yaml <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    resources: ${2:-{\}}
YAML
}

@test "eviction: an emptyDir over its sizeLimit evicts the pod with the kubelet's message" {
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: hoarder
spec:
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "dd if=/dev/zero of=/scratch/blob bs=1024 count=3072; sleep 3600"]
    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir:
      sizeLimit: 1Mi
YAML
    wait_for 60 phase_is hoarder Failed
    [ "$(pod_field hoarder .status.reason)" = Evicted ]
    [ "$(pod_field hoarder .status.message)" = 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ' ]
    [ "$(pod_field hoarder '.status.containerStatuses[0].state.terminated != null')" = true ]
    [ "$(pod_field hoarder '.status.conditions[] | select(.type == "DisruptionTarget") | .reason')" = TerminationByKubelet ]
    run hk get events -o json
    jq -e '.items[] | select(.reason == "Evicted" and .involvedObject.name == "hoarder" and .type == "Warning")' <<<"$output"
    # The emptyDir's contents are given back.
    local uid
    uid=$(pod_field hoarder .metadata.uid)
    [ ! -e "$DATA/pods/$uid/volumes/scratch/blob" ]
    hk delete pod hoarder --grace-period 0
}

@test "eviction: under memory pressure pods go one at a time, over-request and lower priority first" {
    sleeper besteffort
    # Its request is well below what a pod with its supervisor uses, but takes a large part of it off.
    sleeper burstable '{"requests": {"memory": "16Mi"}}'
    sleeper guaranteed '{"requests": {"memory": "256Mi", "cpu": "100m"}, "limits": {"memory": "256Mi", "cpu": "100m"}}'
    for p in besteffort burstable guaranteed; do wait_for 60 phase_is "$p" Running; done
    [ "$(node_condition MemoryPressure)" = False ]
    restart_with --eviction-hard 'memory.available<1Pi'
    wait_for 30 phase_is besteffort Failed
    [ "$(node_condition MemoryPressure)" = True ]
    node_tainted node.kubernetes.io/memory-pressure
    [ "$(pod_field besteffort .status.reason)" = Evicted ]
    run pod_field besteffort .status.message
    [[ "$output" =~ ^"The node was low on resource: memory. Threshold quantity: 1Pi, available: "[0-9]+(Ki|Mi)?". Container main was using "[0-9]+(Ki|Mi)?", request is 0, has larger consumption of memory. "$ ]]
    # The pod is stopped within the eviction's 1 s, though its grace period is 30 s.
    wait_for 10 pod_field_is besteffort '.status.containerStatuses[0].state.terminated != null' true
    wait_for 30 phase_is burstable Failed
    # One at a time, in the kubelet's order (the daemon logs each eviction as it decides it).
    run grep -Eo 'pod default/(besteffort|burstable|guaranteed): evicted' "$DATA/daemon.log"
    [ "${lines[0]}" = "pod default/besteffort: evicted" ]
    [ "${lines[1]}" = "pod default/burstable: evicted" ]
    [ "${#lines[@]}" -le 3 ]
    [ "${#lines[@]}" -lt 3 ] || [ "${lines[2]}" = "pod default/guaranteed: evicted" ]
    run hk get events -o json
    jq -e '.items[] | select(.reason == "EvictionThresholdMet" and .involvedObject.kind == "Node" and .message == "Attempting to reclaim memory")' <<<"$output"
    restart_with --eviction-hard=
    wait_for 15 node_condition_is MemoryPressure False
    ! node_tainted node.kubernetes.io/memory-pressure
    for p in besteffort burstable guaranteed; do hk delete pod "$p" --grace-period 0; done
}

@test "eviction: under disk pressure a pod is evicted for ephemeral-storage and the node has DiskPressure" {
    sleeper disky
    wait_for 60 phase_is disky Running
    restart_with --eviction-hard 'nodefs.available<100%'
    wait_for 30 phase_is disky Failed
    [ "$(node_condition DiskPressure)" = True ]
    node_tainted node.kubernetes.io/disk-pressure
    run pod_field disky .status.message
    [[ "$output" =~ ^"The node was low on resource: ephemeral-storage. Threshold quantity: "[0-9]+(Ki|Mi|Gi)?", available: "[0-9]+(Ki|Mi|Gi)?". " ]]
    restart_with --eviction-hard=
    wait_for 15 node_condition_is DiskPressure False
    hk delete pod disky --grace-period 0
}

@test "eviction: --eviction-hard refuses what the kubelet refuses" {
    run "$HUSK" daemon --data-dir "$BATS_TEST_TMPDIR/x" --eviction-hard 'memory.available>1Gi'
    [ "$status" -eq 2 ]
    [[ "$output" =~ "want SIGNAL<QUANTITY" ]]
    run "$HUSK" daemon --data-dir "$BATS_TEST_TMPDIR/x" --container-log-max-files 1
    [ "$status" -eq 2 ]
}
