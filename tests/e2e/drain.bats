#!/usr/bin/env bats
# Maintenance as kubectl does it: cordon and uncordon (spec.unschedulable and the
# node.kubernetes.io/unschedulable taint), and drain — cordon, then each pod evicted through the Eviction
# subresource (policy/v1) and waited for; mirror pods stay; pods no controller manages need --force —
# with husk's verbs and with the real kubectl against the node.
load helpers
load lib/registry
load lib/node
load lib/limits

setup_file() {
    require_root
    node_setup drain
    pod_manifest lumpy >"$DATA/manifests/static.yaml"
    limits_node_start
}

teardown_file() {
    rm -f "$DATA/manifests/static.yaml"
    node_teardown
}

setup() {
    hk uncordon robust >/dev/null
}

unschedulable() { [ "$(hk get node robust -o json | jq -r '.spec.unschedulable // false')" = "$1" ]; }
tainted() {
    hk get node robust -o json |
        jq -e '.spec.taints // [] | any(.key == "node.kubernetes.io/unschedulable" and .effect == "NoSchedule")' >/dev/null
}

# managed NAME: a pod a (pretend) ReplicaSet controls, so drain may evict it without --force.
managed() {
    apply_yaml <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  ownerReferences:
  - apiVersion: apps/v1
    kind: ReplicaSet
    name: web
    uid: 6c1a7e4e-0000-4000-8000-000000000001
    controller: true
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
YAML
}

@test "drain: husk cordon and uncordon set spec.unschedulable and the taint" {
    run hk cordon robust
    [ "$status" -eq 0 ]
    [ "$output" = "node/robust cordoned" ]
    unschedulable true
    tainted
    run hk cordon robust
    [ "$output" = "node/robust already cordoned" ]
    run hk uncordon robust
    [ "$output" = "node/robust uncordoned" ]
    unschedulable false
    ! tainted
    run hk uncordon robust
    [ "$output" = "node/robust already uncordoned" ]
    run hk cordon nosuchnode
    [ "$status" -eq 1 ]
    [[ "$output" =~ 'nodes "nosuchnode" not found' ]]
}

@test "drain: a cordoned node takes no new pods until uncordoned, as the scheduler decides" {
    hk cordon robust
    make_pod latecomer
    wait_for 10 pod_field_is latecomer '.status.conditions[0].reason // ""' Unschedulable
    run hk get pod latecomer -o json
    [ "$(jq -r .spec.nodeName <<<"$output")" = null ]
    [ "$(jq -r .status.phase <<<"$output")" = Pending ]
    [ "$(jq -r .status.conditions[0].message <<<"$output")" = "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling." ]
    run hk get events -o json
    jq -e '.items[] | select(.involvedObject.name == "latecomer" and .reason == "FailedScheduling")' <<<"$output"
    # A pod that tolerates the taint is taken.
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: tolerant
spec:
  tolerations:
  - key: node.kubernetes.io/unschedulable
    operator: Exists
    effect: NoSchedule
  containers:
  - name: main
    image: busybox:latest
    command: ["sleep", "3600"]
YAML
    wait_for 60 phase_is tolerant Running
    hk uncordon robust
    wait_for 60 phase_is latecomer Running
    hk delete pod latecomer --grace-period 0
    hk delete pod tolerant --grace-period 0
}

@test "drain: kubectl cordon and uncordon" {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    run kc cordon robust
    [ "$status" -eq 0 ]
    [ "$output" = "node/robust cordoned" ]
    tainted
    run kc get node robust
    [[ "$output" =~ "Ready,SchedulingDisabled" ]]
    run kc uncordon robust
    [ "$output" = "node/robust uncordoned" ]
    ! tainted
}

@test "drain: the Eviction subresource deletes a pod with the Eviction's grace period" {
    managed evictee
    wait_for 60 phase_is evictee Running
    local body='{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"evictee","namespace":"default"},"deleteOptions":{"gracePeriodSeconds":1}}'
    run curl -sS --unix-socket "$DATA/husk.sock" -X POST -H 'Content-Type: application/json' -d "$body" \
        http://localhost/api/v1/namespaces/default/pods/evictee/eviction
    [ "$(jq -r .status <<<"$output")" = Success ]
    [ "$(jq -r .code <<<"$output")" = 201 ]
    # Gone well within the pod's own 30 s.
    wait_for 10 gone evictee
    run curl -sS --unix-socket "$DATA/husk.sock" -X POST -H 'Content-Type: application/json' \
        -d '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}' \
        http://localhost/api/v1/namespaces/default/pods/evictee/eviction
    [ "$(jq -r .code <<<"$output")" = 400 ]
    [ "$(jq -r .message <<<"$output")" = "name in URL does not match name in Eviction object" ]
}

@test "drain: husk drain refuses unmanaged pods without --force, evicts with it, keeps the mirror pod" {
    make_pod loner
    managed replica
    wait_for 60 phase_is loner Running
    wait_for 60 phase_is replica Running
    wait_for 60 phase_is lumpy-robust Running
    run hk drain robust
    [ "$status" -eq 1 ]
    [[ "$output" =~ "node/robust cordoned" ]]
    [[ "$output" =~ 'error: unable to drain node "robust" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/loner' ]]
    phase_is loner Running
    phase_is replica Running
    run hk drain robust --force --grace-period 1 --timeout 60s
    [ "$status" -eq 0 ]
    [[ "$output" =~ "node/robust already cordoned" ]]
    [[ "$output" =~ "Warning: deleting Pods that declare no controller: default/loner" ]]
    [[ "$output" =~ "evicting pod default/loner" ]]
    [[ "$output" =~ "evicting pod default/replica" ]]
    [[ "$output" =~ "pod/loner evicted" ]]
    [[ "$output" =~ "node/robust drained" ]]
    gone loner
    gone replica
    phase_is lumpy-robust Running
    unschedulable true
}

@test "drain: kubectl drain evicts through the Eviction API, and refuses as husk drain does" {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    make_pod loner2
    managed replica2
    wait_for 60 phase_is loner2 Running
    wait_for 60 phase_is replica2 Running
    run kc drain robust --ignore-daemonsets --timeout 60s
    [ "$status" -eq 1 ]
    local kubectl_says=$output
    hk uncordon robust
    run hk drain robust --ignore-daemonsets --timeout 60s
    [ "$status" -eq 1 ]
    [ "$output" = "$kubectl_says" ] || { echo "kubectl: $kubectl_says"; echo "husk: $output"; false; }
    hk delete pod loner2 --grace-period 0
    wait_for 10 gone loner2
    run kc drain robust --ignore-daemonsets --grace-period 1 --timeout 60s -v=6
    [ "$status" -eq 0 ]
    [[ "$output" =~ "node/robust already cordoned" ]]
    [[ "$output" =~ "evicting pod default/replica2" ]]
    [[ "$output" =~ "pod/replica2 evicted" ]]
    [[ "$output" =~ "node/robust drained" ]]
    # kubectl found the subresource in discovery and asked for an eviction, not a plain delete.
    grep -Eq 'POST.*/api/v1/namespaces/default/pods/replica2/eviction.*201 Created' <<<"$output"
    gone replica2
    phase_is lumpy-robust Running
}
