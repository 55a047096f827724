#!/usr/bin/env bats
# The real kubectl (v1.32) against `husk daemon`, with the kubeconfig the daemon writes: discovery, create,
# get, label, apply, delete, selectors and the error messages kubectl prints for the Status replies.
load helpers
load api_helpers

setup_file() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    start_daemon
    start_node_daemon
}

# A second daemon with a node, for what needs pods to run (wait, logs, describe's events, graceful and
# forced deletion): busybox loaded from the test image (pods use imagePullPolicy: IfNotPresent), its own
# data dir and cgroup parent.
start_node_daemon() {
    NODE_DATA=$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/husk-kctl-node.XXXXXX")
    export NODE_DATA KCTL_CGROUP=husk-kctl-$$
    mkdir -p "$NODE_DATA/manifests"
    "$HUSK" image load -i "$HUSK_TEST_IMAGES/busybox.oci.tar" --data-dir "$NODE_DATA" >/dev/null
    "$HUSK" daemon --data-dir "$NODE_DATA" --listen "127.0.0.1:$(free_port)" --node-name kctl-node \
        --manifest-dir "$NODE_DATA/manifests" --cgroup-parent "$KCTL_CGROUP" --no-pod-network \
        2>>"$NODE_DATA/daemon.log" &
    echo $! >"$NODE_DATA/daemon.pid"
    disown $!
    DATA=$NODE_DATA wait_ready
}

stop_node_daemon() {
    [ -n "${NODE_DATA:-}" ] || return 0
    local pid
    pid=$(cat "$NODE_DATA/daemon.pid" 2>/dev/null)
    for pod in $("$HUSK" get pods -o name --data-dir "$NODE_DATA" 2>/dev/null); do
        "$HUSK" delete pod "${pod#pod/}" --grace-period 1 --data-dir "$NODE_DATA" >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 100); do
        [ -z "$(ls -A "$NODE_DATA/pods" 2>/dev/null)" ] && break
        sleep 0.2
    done
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait_gone "$pid"
    for spid in $(pgrep -f "husk-supervisor $NODE_DATA/" || true); do kill -KILL "$spid"; done
    for dir in /sys/fs/cgroup/*/"$KCTL_CGROUP" /sys/fs/cgroup/"$KCTL_CGROUP"; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$NODE_DATA"
}

teardown_file() {
    stop_daemon
    stop_node_daemon
}

setup() {
    require_root
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    export KUBECONFIG="$DATA/kubeconfig.yaml"
}

k() { timeout 30 kubectl --request-timeout=20s "$@"; }
kn() { timeout 150 kubectl --kubeconfig "$NODE_DATA/kubeconfig.yaml" --request-timeout=140s "$@"; }

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

@test "kubectl api-resources: aggregated discovery in two requests, what husk serves as a cluster lists it" {
    run k api-resources --cache-dir "$BATS_TEST_TMPDIR/cache" -v=6
    [ "$status" -eq 0 ]
    # /api and /apis answer APIGroupDiscoveryList: no request per group-version follows.
    [ "$(grep -cE 'GET https://[^ ]*/apis?\?timeout' <<<"$output")" -eq 2 ]
    ! grep -qE 'GET https://[^ ]*/apis?/[^ ]*\?timeout' <<<"$output"
    run k api-resources --cache-dir "$BATS_TEST_TMPDIR/cache"
    [ "$output" = "NAME           SHORTNAMES   APIVERSION   NAMESPACED   KIND
configmaps     cm           v1           true         ConfigMap
events         ev           v1           true         Event
namespaces     ns           v1           false        Namespace
nodes          no           v1           false        Node
pods           po           v1           true         Pod
secrets                     v1           true         Secret
daemonsets     ds           apps/v1      true         DaemonSet
deployments    deploy       apps/v1      true         Deployment
replicasets    rs           apps/v1      true         ReplicaSet
statefulsets   sts          apps/v1      true         StatefulSet
cronjobs       cj           batch/v1     true         CronJob
jobs                        batch/v1     true         Job" ]
    run k api-resources --cache-dir "$BATS_TEST_TMPDIR/cache" -o wide --api-group=apps
    [[ "${lines[2]}" =~ ^deployments\ +deploy\ +apps/v1\ +true\ +Deployment\ +create,delete,get,list,patch,update,watch\ +all$ ]]
    # The plain fallback says the same, subresources included.
    run api GET /api/v1
    pods=" $(api_body | jq -r '[.resources[] | select(.name | startswith("pods")) | .name] | join(" ")') "
    [[ "$pods" == " pods pods/binding pods/log "*" pods/status " ]]
    [ "$(api_body | jq -r '.resources[] | select(.name == "configmaps/status") | .name')" = "" ]
    run curl -s -D - --unix-socket "$DATA/husk.sock" \
        -H 'Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' http://localhost/apis
    [[ "$output" == *"Content-Type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"* ]]
    [ "$(sed '1,/^\r$/d' <<<"$output" | jq -r '[.items[].metadata.name] | join(" ")')" = "apps batch" ]
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

@test "kubectl explain prints husk's schemas: types, descriptions, and no field husk does not know" {
    run k explain pod.spec
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "KIND:       Pod" ]
    [[ "$output" == *"FIELD: spec <PodSpec>"* ]]
    [[ "$output" == *"PodSpec is a description of a pod."* ]]
    [[ "$output" == *$'  containers\t<[]Container> -required-\n    List of containers belonging to the pod.'* ]]
    [[ "$output" == *$'  nodeSelector\t<map[string]string>'* ]]
    run k explain pod.spec.containers
    [[ "$output" == *"FIELD: containers <[]Container>"* ]]
    [[ "$output" == *$'  image\t<string>\n    Container image name.'* ]]
    [[ "$output" == *$'  resources\t<ResourceRequirements>'* ]]
    [[ "$output" == *$'  livenessProbe\t<Probe>'* ]]
    [[ "$output" == *$'  name\t<string> -required-'* ]]
    run k explain pod.spec.nosuch
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = 'error: field "nosuch" does not exist' ]
    run k explain cronjob.spec.jobTemplate
    [[ "${lines[0]}" = "GROUP:      batch" ]]
    [[ "$output" == *"FIELD: jobTemplate <JobTemplateSpec>"* ]]
    run k explain deployment.spec.strategy
    [[ "$output" == *"FIELD: strategy <DeploymentStrategy>"* ]]
    [[ "$output" == *$'  rollingUpdate\t<RollingUpdateDeployment>'* ]]
}

@test "OpenAPI v3 and v2 documents carry the schemas, kinds and patch merge keys" {
    run api GET /openapi/v3/api/v1
    [ "$(api_code)" = 200 ]
    pod=$(api_body | jq -c '.components.schemas["io.k8s.api.core.v1.Pod"]')
    [ "$(jq -r '.["x-kubernetes-group-version-kind"][0].kind' <<<"$pod")" = Pod ]
    [ "$(api_body | jq -r '.components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers["x-kubernetes-patch-merge-key"]')" = name ]
    [ "$(api_body | jq -r '.components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers.items.allOf[0]["$ref"]')" = \
        "#/components/schemas/io.k8s.api.core.v1.Container" ]
    run api GET /openapi/v3
    url=$(api_body | jq -r '.paths["apis/apps/v1"].serverRelativeURL')
    [[ "$url" =~ ^/openapi/v3/apis/apps/v1\?hash=[0-9A-F]{128}$ ]]
    run api GET "$url"
    [ "$(api_body | jq -r '.components.schemas["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0].group')" = apps ]
    run api GET /openapi/v2
    [ "$(api_body | jq -r '.definitions["io.k8s.api.core.v1.Container"].properties.image.type')" = string ]
    # kubectl asks for protobuf only; it is refused, and kubectl goes on without it.
    run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$DATA/husk.sock" \
        -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' http://localhost/openapi/v2
    [ "$output" = 406 ]
}

# A Deployment manifest: kdep_yaml REPLICAS LABELS SELECTOR_APP
kdep_yaml() {
    cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kdep
  labels: {$2}
spec:
  replicas: $1
  selector: {matchLabels: {app: $3}}
  template:
    metadata: {labels: {app: $3}}
    spec:
      containers:
      - name: web
        image: nginx
      - name: side
        image: busybox
YAML
}

@test "kubectl apply: re-apply merges with the last-applied configuration; immutable fields are refused" {
    f=$BATS_TEST_TMPDIR/kdep.yaml
    kdep_yaml 2 "team: a, tier: web" kdep >"$f"
    run k apply -f "$f"
    [ "$output" = "deployment.apps/kdep created" ]
    k label deployment kdep added-by-hand=yes
    kdep_yaml 3 "team: b" kdep >"$f"
    run k apply -f "$f"
    [ "$output" = "deployment.apps/kdep configured" ]
    # tier was in the last applied file and is not any more: removed; the label set by hand stays.
    run k get deployment kdep -o jsonpath='{.spec.replicas} {.metadata.labels}'
    [ "$output" = '3 {"added-by-hand":"yes","team":"b"}' ]
    run k get deployment kdep -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}'
    [ "$(jq -r .spec.replicas <<<"$output")" = 3 ]
    run k apply -f "$f"
    [ "$output" = "deployment.apps/kdep unchanged" ]
    kdep_yaml 3 "team: b" other >"$f"
    run k apply -f "$f"
    [ "$status" -eq 1 ]
    [ "$output" = 'The Deployment "kdep" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable' ]
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kimm\nimmutable: true\ndata:\n  k: one\n' >"$f"
    k apply -f "$f"
    sed -i 's/k: one/k: two/' "$f"
    run k apply -f "$f"
    [ "$status" -eq 1 ]
    [ "$output" = 'The ConfigMap "kimm" is invalid: data: Forbidden: field is immutable when `immutable` is set' ]
    pod_yaml kpod >"$f"
    k apply -f "$f"
    sed -i 's/command: \["sleep", "3600"\]/command: ["sleep", "60"]/' "$f"
    run k apply -f "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == 'The Pod "kpod" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,'* ]]
    k delete pod kpod
    k delete configmap kimm
}

@test "kubectl apply validates strictly by default: unknown fields refused on create and on patch" {
    f=$BATS_TEST_TMPDIR/kunk.yaml
    kdep_yaml 1 "a: b" kunk | sed 's/name: kdep/name: kunk/; s/^  replicas: 1/  replicas: 1\n  foo: 1/' >"$f"
    run k apply -f "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "Error from server (BadRequest): error when creating \"$f\": Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"" ]
    run k apply -f "$f" --validate=warn
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 'Warning: unknown field "spec.foo"' ]
    [ "${lines[1]}" = "deployment.apps/kunk created" ]
    run k get deployment kunk -o json
    [ "$(jq -r .spec.foo <<<"$output")" = null ]
    run k apply -f "$f"
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "for: \"$f\": error when patching \"$f\": strict decoding error: unknown field \"spec.foo\"" ]
    k delete deployment kunk
}

@test "kubectl get prints each workload kind's columns, and -o wide its containers, images and selector" {
    cat >"$BATS_TEST_TMPDIR/w.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ksts}
spec:
  replicas: 2
  serviceName: ksts
  selector: {matchLabels: {app: ksts}}
  template:
    metadata: {labels: {app: ksts}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kds}
spec:
  selector: {matchLabels: {app: kds}}
  template:
    metadata: {labels: {app: kds}}
    spec: {nodeSelector: {disk: ssd}, containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: krs}
spec:
  replicas: 3
  selector: {matchExpressions: [{key: app, operator: In, values: [a, b]}]}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: kjob}
spec:
  completions: 2
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: kcj}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kcm2}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Secret
metadata: {name: ksec}
stringData: {user: admin}
YAML
    run k apply -f "$BATS_TEST_TMPDIR/w.yaml"
    [ "$status" -eq 0 ]
    run k get deployment kdep
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +UP-TO-DATE\ +AVAILABLE\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^kdep\ +0/3\ +0\ +0\ +[0-9]+s$ ]]
    run k get deployment kdep -o wide
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +UP-TO-DATE\ +AVAILABLE\ +AGE\ +CONTAINERS\ +IMAGES\ +SELECTOR$ ]]
    [[ "${lines[1]}" =~ ^kdep\ +0/3\ +0\ +0\ +[0-9]+s\ +web,side\ +nginx,busybox\ +app=kdep$ ]]
    run k get statefulset ksts -o wide
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +AGE\ +CONTAINERS\ +IMAGES$ ]]
    [[ "${lines[1]}" =~ ^ksts\ +0/2\ +[0-9]+s\ +c\ +busybox$ ]]
    run k get daemonset kds -o wide
    [[ "${lines[0]}" =~ ^NAME\ +DESIRED\ +CURRENT\ +READY\ +UP-TO-DATE\ +AVAILABLE\ +NODE\ SELECTOR\ +AGE\ +CONTAINERS\ +IMAGES\ +SELECTOR$ ]]
    [[ "${lines[1]}" =~ ^kds\ +0\ +0\ +0\ +0\ +0\ +disk=ssd\ +[0-9]+s\ +c\ +busybox\ +app=kds$ ]]
    run k get replicaset krs -o wide
    [[ "${lines[0]}" =~ ^NAME\ +DESIRED\ +CURRENT\ +READY\ +AGE\ +CONTAINERS\ +IMAGES\ +SELECTOR$ ]]
    [[ "${lines[1]}" =~ ^krs\ +3\ +0\ +0\ +[0-9]+s\ +c\ +busybox\ +app\ in\ \(a,b\)$ ]]
    run k get job kjob
    [[ "${lines[0]}" =~ ^NAME\ +STATUS\ +COMPLETIONS\ +DURATION\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^kjob\ +Running\ +0/2\ +[0-9]+s$ ]]
    run k get cronjob kcj
    [[ "${lines[0]}" =~ ^NAME\ +SCHEDULE\ +TIMEZONE\ +SUSPEND\ +ACTIVE\ +LAST\ SCHEDULE\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^kcj\ +\*/5\ \*\ \*\ \*\ \*\ +\<none\>\ +False\ +0\ +\<none\>\ +[0-9]+s$ ]]
    run k get configmap kcm2
    [[ "${lines[0]}" =~ ^NAME\ +DATA\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^kcm2\ +2\ +[0-9]+s$ ]]
    run k get secret ksec
    [[ "${lines[0]}" =~ ^NAME\ +TYPE\ +DATA\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^ksec\ +Opaque\ +1\ +[0-9]+s$ ]]
    # husk get prints the same columns.
    run hk get deployments -o wide
    [[ "${lines[1]}" =~ ^kdep\ +0/3\ +0\ +0\ +[0-9]+s\ +web,side\ +nginx,busybox\ +app=kdep$ ]]
    # The scale subresource (autoscaling/v1 Scale) that kubectl scale patches.
    run k scale deployment kdep --replicas=5
    [ "$output" = "deployment.apps/kdep scaled" ]
    run k get --raw /apis/apps/v1/namespaces/default/deployments/kdep/scale
    [ "$(jq -r '"\(.kind) \(.apiVersion) \(.spec.replicas) \(.status.selector)"' <<<"$output")" = "Scale autoscaling/v1 5 app=kdep" ]
    run k scale statefulset ksts --replicas=1 --current-replicas=3
    [ "$status" -eq 1 ]
    [ "$output" = "error: Expected replicas to be 3, was 2" ]
    run k get statefulset ksts -o jsonpath='{.spec.replicas}'
    [ "$output" = 2 ]
    run k delete -f "$BATS_TEST_TMPDIR/w.yaml"
    [ "${lines[0]}" = 'statefulset.apps "ksts" deleted' ]
    [ "${lines[6]}" = 'secret "ksec" deleted' ]
    k delete deployment kdep
}

@test "kubectl create, replace and delete -f, and the Conflict message for a stale replace" {
    f=$BATS_TEST_TMPDIR/kc.yaml
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc\ndata:\n  a: one\n' >"$f"
    run k create -f "$f"
    [ "$output" = "configmap/kc created" ]
    sed -i 's/a: one/a: two/' "$f"
    run k replace -f "$f"
    [ "$output" = "configmap/kc replaced" ]
    run k get configmap kc -o jsonpath='{.data.a}'
    [ "$output" = two ]
    k get configmap kc -o yaml >"$BATS_TEST_TMPDIR/stale.yaml"
    k label configmap kc changed=yes
    run k replace -f "$BATS_TEST_TMPDIR/stale.yaml"
    [ "$status" -eq 1 ]
    [ "$output" = "Error from server (Conflict): error when replacing \"$BATS_TEST_TMPDIR/stale.yaml\": Operation cannot be fulfilled on configmaps \"kc\": the object has been modified; please apply your changes to the latest version and try again" ]
    run k delete -f "$f"
    [ "$output" = 'configmap "kc" deleted' ]
    run k delete -f "$f"
    [ "$status" -eq 1 ]
    [ "$output" = "Error from server (NotFound): error when deleting \"$f\": configmaps \"kc\" not found" ]
}

@test "kubectl --dry-run=server and kubectl diff answer as if done and change nothing" {
    f=$BATS_TEST_TMPDIR/kdry.yaml
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kdry\ndata:\n  a: one\n' >"$f"
    run k create -f "$f" --dry-run=server
    [ "$output" = "configmap/kdry created (server dry run)" ]
    run k get configmap kdry
    [ "$output" = 'Error from server (NotFound): configmaps "kdry" not found' ]
    k apply -f "$f"
    run k create -f "$f" --dry-run=server
    [ "$status" -eq 1 ]
    [[ "$output" == *'configmaps "kdry" already exists' ]]
    sed -i 's/a: one/a: two/' "$f"
    run k diff -f "$f"
    [ "$status" -eq 1 ]
    [[ "$output" == *$'\n-  a: one\n+  a: two\n'* ]]
    run k apply -f "$f" --dry-run=server
    [ "$output" = "configmap/kdry configured (server dry run)" ]
    run k delete configmap kdry --dry-run=server
    [ "$output" = 'configmap "kdry" deleted (server dry run)' ]
    run k get configmap kdry -o jsonpath='{.data.a}'
    [ "$output" = one ]
    k delete configmap kdry
}

@test "kubectl get -o custom-columns, jsonpath over a list, --field-selector and -l together" {
    pod_yaml kcc1 busybox:1.36 "tier: a" | k create -f -
    pod_yaml kcc2 nginx:1.27 "tier: b" | k create -f -
    run k get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image,TIER:.metadata.labels.tier
    [ "$output" = $'NAME   IMAGE          TIER\nkcc1   busybox:1.36   a\nkcc2   nginx:1.27     b' ]
    run k get pods -o jsonpath='{range .items[*]}{.metadata.name}={.spec.restartPolicy};{end}'
    [ "$output" = "kcc1=Always;kcc2=Always;" ]
    run k get pods -l tier=b --field-selector metadata.name=kcc2 -o name
    [ "$output" = pod/kcc2 ]
    run k get pods -l tier=a --field-selector metadata.name=kcc2 -o name
    [ "$output" = "" ]
    run k get pods --field-selector spec.nodeName=nowhere
    [ "$output" = "No resources found in default namespace." ]
    k delete pod kcc1 kcc2
}

@test "kubectl create deployment, job and cronjob (protobuf bodies of the workload kinds)" {
    run k create deployment kcd --image=nginx --replicas=0 --port=80
    [ "$output" = "deployment.apps/kcd created" ]
    run k get deployment kcd -o jsonpath='{.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.strategy.type}'
    [ "$output" = "0 kcd nginx 80 RollingUpdate" ]
    run k create job kcjob --image=busybox -- echo hi
    [ "$output" = "job.batch/kcjob created" ]
    run k get job kcjob -o jsonpath='{.spec.template.spec.restartPolicy} {.spec.template.spec.containers[0].command}'
    [ "$output" = 'Never ["echo","hi"]' ]
    run k create cronjob kccj --image=busybox --schedule='*/5 * * * *' -- true
    [ "$output" = "cronjob.batch/kccj created" ]
    run k get cronjob kccj -o jsonpath='{.spec.schedule} {.spec.jobTemplate.spec.template.spec.restartPolicy}'
    [ "$output" = "*/5 * * * * OnFailure" ]
    run k get cronjob kccj -o yaml
    [[ "$output" == *"      creationTimestamp: null"* ]]
    # A Job from the CronJob's template, owned by it.
    run k create job kfrom --from=cronjob/kccj
    [ "$output" = "job.batch/kfrom created" ]
    run k get job kfrom -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\.kubernetes\.io/instantiate}'
    [ "$output" = "CronJob/kccj manual" ]
    # A template with fields husk does not read from protobuf is refused, never stored without them.
    k patch cronjob kccj --type=json -p '[{"op":"add","path":"/spec/jobTemplate/spec/template/spec/containers/0/env","value":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]'
    run k create job kfrom2 --from=cronjob/kccj
    [ "$status" -eq 1 ]
    [ "$output" = "error: failed to create job: the protobuf Job has fields husk does not read from protobuf; send it as JSON" ]
    k delete deployment kcd
    k delete job kcjob kfrom
    k delete cronjob kccj
}

# A pod that runs on the node: a counter in main, a line from side.
kweb_yaml() {
    cat <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: kweb
  labels: {app: kweb}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.5; done"]
    readinessProbe:
      exec: {command: ["true"]}
      periodSeconds: 1
  - name: side
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo side started; exec sleep 3600"]
YAML
}

@test "node: kubectl wait for Ready, get -o wide from the status, describe with the scheduler's event" {
    kweb_yaml | kn apply -f -
    # Generous: a loaded machine (2 cores, other suites) can take a while to start a sandbox.
    run kn wait --for=condition=Ready pod/kweb --timeout=120s
    [ "$status" -eq 0 ]
    [ "$output" = "pod/kweb condition met" ]
    run kn get pod kweb -o wide
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE\ +IP\ +NODE\ +NOMINATED\ NODE\ +READINESS\ GATES$ ]]
    ip=$(kn get pod kweb -o jsonpath='{.status.podIP}')
    [[ "${lines[1]}" =~ ^kweb\ +2/2\ +Running\ +0\ +[0-9]+s\ +${ip:-\<none\>}\ +kctl-node\ +\<none\>\ +\<none\>$ ]]
    run kn describe pod kweb
    [[ "$output" =~ Normal\ +Scheduled\ +[0-9]+s\ +default-scheduler\ +Successfully\ assigned\ default/kweb\ to\ kctl-node ]]
    [[ "$output" =~ Normal\ +Started\ +[0-9]+s\ +kubelet\ +Started\ container\ side ]]
    run kn get events --field-selector reason=Scheduled -o jsonpath='{.items[0].source.component}'
    [ "$output" = default-scheduler ]
}

@test "node: kubectl logs -c (and an unknown one), --tail, -f and --previous" {
    run kn logs kweb -c side
    [ "$output" = "side started" ]
    run kn logs kweb -c main --tail=2
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^line\ [0-9]+$ ]]
    # -f follows: more lines arrive than were there when it started.
    before=$(kn logs kweb -c main | wc -l)
    run timeout 3 kubectl --kubeconfig "$NODE_DATA/kubeconfig.yaml" logs -f kweb -c main
    [ "$status" -eq 124 ]
    [ "${#lines[@]}" -gt "$before" ]
    # kubectl refuses an unknown container itself; the server answers the same to other clients.
    run kn logs kweb -c nosuch
    [ "$status" -eq 1 ]
    [ "$output" = 'error: container nosuch is not valid for pod kweb' ]
    run kn get --raw '/api/v1/namespaces/default/pods/kweb/log?container=nosuch'
    [ "$status" -eq 1 ]
    [ "$output" = 'Error from server (BadRequest): container nosuch is not valid for pod kweb' ]
    run kn logs kweb -c main --previous
    [ "$status" -eq 1 ]
    [ "$output" = 'Error from server (BadRequest): previous terminated container "main" in pod "kweb" not found' ]
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kcrash\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ["sh", "-c", "echo run at $(date +%%s); sleep 1; exit 3"]\n' |
        kn apply -f -
    for _ in $(seq 1 240); do
        [ "$(kn get pod kcrash -o jsonpath='{.status.containerStatuses[0].restartCount}')" -ge 1 ] 2>/dev/null && break
        sleep 0.5
    done
    run kn logs kcrash --previous
    previous_status=$status previous=$output
    current=$(kn logs kcrash)
    kn delete pod kcrash --grace-period=1
    [ "$previous_status" -eq 0 ]
    [[ "$previous" =~ ^run\ at\ [0-9]+$ ]]
    [ "$previous" != "$current" ]
}

@test "node: kubectl delete --grace-period waits for the pod; --force removes it at once" {
    run kn delete pod kweb --grace-period=1
    [ "$status" -eq 0 ]
    [ "$output" = 'pod "kweb" deleted' ]
    run kn get pod kweb
    [ "$output" = 'Error from server (NotFound): pods "kweb" not found' ]
    kweb_yaml | kn apply -f -
    kn wait --for=condition=Ready pod/kweb --timeout=120s
    run kn delete pod kweb --force --grace-period=0
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely." ]
    [ "${lines[1]}" = 'pod "kweb" force deleted' ]
    run kn get pods -o name
    [ "$output" = "" ]
    # The node still stops what ran: no sandbox is left for the pod.
    for _ in $(seq 1 50); do
        [ -z "$(ls -A "$NODE_DATA/pods" 2>/dev/null)" ] && break
        sleep 0.2
    done
    [ -z "$(ls -A "$NODE_DATA/pods" 2>/dev/null)" ]
}
