#!/usr/bin/env bats
# The real kubectl (v1.32) against `husk daemon`, with the kubeconfig the daemon writes: discovery, create,
# get, label, apply, delete, selectors and the error messages kubectl prints for the Status replies.
load helpers
load api_helpers

setup_file() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    start_daemon
}

teardown_file() {
    stop_daemon
}

setup() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    export KUBECONFIG="$DATA/kubeconfig.yaml"
}

k() { timeout 30 kubectl --request-timeout=20s "$@"; }

@test "kubectl version shows husk's server version" {
    run k version
    [ "$status" -eq 0 ]
    [[ "$output" == *"Server Version: v1.32.0-husk"* ]]
}

@test "kubectl get namespaces and nodes" {
    run k get namespaces -o name
    [ "$status" -eq 0 ]
    [ "$output" = $'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system' ]
    run k get nodes
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == husk-test* ]]
    run k get node husk-test -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
    [ "$output" = True ]
}

@test "kubectl api-resources lists the core kinds" {
    run k api-resources
    [ "$status" -eq 0 ]
    [[ "$output" =~ pods\ +po\ +v1\ +true\ +Pod ]]
    [[ "$output" =~ deployments\ +deploy\ +apps/v1\ +true\ +Deployment ]]
}

@test "kubectl create, get -o json, and the AlreadyExists message" {
    pod_yaml kx >"$BATS_TEST_TMPDIR/kx.yaml"
    run k create -f "$BATS_TEST_TMPDIR/kx.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = "pod/kx created" ]
    run k get pod kx -o json
    [ "$(jq -r .metadata.name <<<"$output")" = kx ]
    [ "$(jq -r .spec.restartPolicy <<<"$output")" = Always ]
    [ "$(jq -r .status.phase <<<"$output")" = Pending ]
    run k create -f "$BATS_TEST_TMPDIR/kx.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = "Error from server (AlreadyExists): error when creating \"$BATS_TEST_TMPDIR/kx.yaml\": pods \"kx\" already exists" ]
}

@test "kubectl get of a missing pod prints NotFound" {
    run k get pod nope
    [ "$status" -eq 1 ]
    [ "$output" = 'Error from server (NotFound): pods "nope" not found' ]
}

@test "kubectl create of an invalid pod prints the field" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kbad\nspec:\n  containers:\n  - name: c\n' >"$BATS_TEST_TMPDIR/kbad.yaml"
    run k create -f "$BATS_TEST_TMPDIR/kbad.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = 'The Pod "kbad" is invalid: spec.containers[0].image: Required value' ]
}

@test "unknown fields: refused by kubectl's strict default, warned and dropped with --validate=warn" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kunk\nspec:\n  foo: 1\n  containers:\n  - name: c\n    image: busybox\n' >"$BATS_TEST_TMPDIR/kunk.yaml"
    run k create -f "$BATS_TEST_TMPDIR/kunk.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = "Error from server (BadRequest): error when creating \"$BATS_TEST_TMPDIR/kunk.yaml\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.foo\"" ]
    run k create -f "$BATS_TEST_TMPDIR/kunk.yaml" --validate=warn
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 'Warning: unknown field "spec.foo"' ]
    [ "${lines[1]}" = "pod/kunk created" ]
    run k get pod kunk -o json
    [ "$(jq -r .spec.foo <<<"$output")" = null ]
    k delete pod kunk
}

@test "kubectl create namespace, configmap and secret (protobuf bodies)" {
    run k create namespace kteam
    [ "$output" = "namespace/kteam created" ]
    run k create configmap kcm -n kteam --from-literal=a=b
    [ "$output" = "configmap/kcm created" ]
    run k get configmap kcm -n kteam -o jsonpath='{.data.a}'
    [ "$output" = b ]
    run k create secret generic ks -n kteam --from-literal=user=admin
    [ "$output" = "secret/ks created" ]
    run k get secret ks -n kteam -o jsonpath='{.type} {.data.user}'
    [ "$output" = "Opaque YWRtaW4=" ]
    run k delete namespace kteam
    [ "$output" = 'namespace "kteam" deleted' ]
    # kubectl looks the namespace up after a NotFound and names it, as against any cluster.
    run k get configmap kcm -n kteam
    [ "$output" = 'Error from server (NotFound): namespaces "kteam" not found' ]
    run api GET /api/v1/namespaces/kteam/configmaps/kcm
    [ "$(api_code)" = 404 ]
}

@test "kubectl label, annotate and selectors" {
    run k label pod kx tier=web
    [ "$output" = "pod/kx labeled" ]
    run k annotate pod kx note=hello
    [ "$output" = "pod/kx annotated" ]
    run k get pods -l 'tier=web,app in (kx)' -o name
    [ "$output" = pod/kx ]
    run k get pods -l 'tier!=web' -o name
    [ -z "$output" ]
    run k get pods --field-selector metadata.name=kx,status.phase=Pending -o name
    [ "$output" = pod/kx ]
    run k get pod kx -o jsonpath='{.metadata.annotations.note}'
    [ "$output" = hello ]
}

@test "kubectl apply creates, leaves alone, then changes the image" {
    pod_yaml kapp >"$BATS_TEST_TMPDIR/kapp.yaml"
    run k apply -f "$BATS_TEST_TMPDIR/kapp.yaml"
    [ "$output" = "pod/kapp created" ]
    run k apply -f "$BATS_TEST_TMPDIR/kapp.yaml"
    [ "$output" = "pod/kapp unchanged" ]
    pod_yaml kapp busybox:1.37 >"$BATS_TEST_TMPDIR/kapp.yaml"
    run k apply -f "$BATS_TEST_TMPDIR/kapp.yaml"
    [ "$output" = "pod/kapp configured" ]
    run k get pod kapp -o jsonpath='{.spec.containers[0].image} {.spec.containers[0].imagePullPolicy}'
    [ "$output" = "busybox:1.37 IfNotPresent" ]
}

@test "kubectl delete removes the pod" {
    run k delete pod kx
    [ "$status" -eq 0 ]
    [ "$output" = 'pod "kx" deleted' ]
    run k get pod kx
    [ "$output" = 'Error from server (NotFound): pods "kx" not found' ]
    run k delete pod kapp --wait=true
    [ "$output" = 'pod "kapp" deleted' ]
    run k get pods -o name
    [ -z "$output" ]
}

@test "kubectl get prints the server's columns, and get -w a row per change" {
    run k get nodes
    [[ "${lines[0]}" =~ ^NAME\ +STATUS\ +ROLES\ +AGE\ +VERSION$ ]]
    [[ "${lines[1]}" =~ ^husk-test\ +Ready\ +control-plane\ +[0-9]+[sm]\ +v1\.32\.0-husk$ ]]
    (timeout 5 kubectl get pods -w >"$BATS_TEST_TMPDIR/watch" 2>&1 &)
    sleep 1.5
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: watched-by-kubectl\nspec:\n  containers:\n  - name: a\n    image: busybox\n' |
        k create -f -
    sleep 1
    k delete pod watched-by-kubectl --wait=false
    sleep 3
    run cat "$BATS_TEST_TMPDIR/watch"
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE$ ]]
    [[ "$output" =~ watched-by-kubectl\ +0/1\ +Pending\ +0\ +[0-9]+s ]]
}
