#!/usr/bin/env bats
# The API server and `husk daemon`, driven through the husk CLI and plain HTTP on the daemon's unix socket:
# create/get/list/watch/update/patch/delete, selectors, the Status errors, restarts and shutdown.
load helpers
load api_helpers

setup_file() {
    require_root
    start_daemon
}

teardown_file() {
    stop_daemon
}

setup() {
    require_root
}

@test "husk daemon becomes husk-daemon in the same process, and names it when it cannot be run" {
    # The PID scripts record with $! is the daemon's, and it runs the small binary (no libcurl, libarchive).
    [ "$(readlink "/proc/$(daemon_pid)/exe")" = "$(realpath "$(dirname "$HUSK")/husk-daemon")" ]
    ! grep -q 'libcurl\|libarchive' "/proc/$(daemon_pid)/maps" || false
    local dir
    dir=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/husk-nodaemon.XXXXXX")
    HUSK_DAEMON=/nonexistent/husk-daemon run "$HUSK" daemon --data-dir "$dir" --node-name none --no-node
    [ "$status" -eq 1 ]
    [[ "$output" == *"'husk daemon' is run by /nonexistent/husk-daemon, which cannot be run: No such file or directory"* ]]
    [ ! -e "$dir/store.db" ]
    rm -rf "$dir"
}

@test "the daemon serves within a second, root-only socket and kubeconfig" {
    [ "$(stat -c %a "$DATA/husk.sock")" = 600 ]
    [ "$(stat -c %a "$DATA/kubeconfig.yaml")" = 600 ]
    grep -q "server: https://127.0.0.1:$PORT" "$DATA/kubeconfig.yaml"
    grep -q "certificate-authority-data: " "$DATA/kubeconfig.yaml"
    run curl -s --unix-socket "$DATA/husk.sock" http://localhost/readyz
    [ "$output" = ok ]
    run api GET /version
    [ "$(api_code)" = 200 ]
    [ "$(api_body | jq -r .major)" = 1 ]
}

@test "TLS needs the bearer token from the kubeconfig" {
    token=$(cat "$DATA/token")
    run curl -s --cacert "$DATA/tls/ca.crt" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/namespaces"
    [ "$output" = 401 ]
    run curl -s --cacert "$DATA/tls/ca.crt" -H "Authorization: Bearer $token" "https://127.0.0.1:$PORT/api/v1/namespaces"
    [ "$(jq -r .kind <<<"$output")" = NamespaceList ]
}

@test "the built-in namespaces and this node exist" {
    run hk get namespaces
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^NAME\ +STATUS\ +AGE$ ]]
    for ns in default kube-system kube-public kube-node-lease; do
        [[ "$output" =~ $ns\ +Active ]]
    done
    run hk get nodes
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^NAME\ +STATUS\ +ROLES\ +AGE\ +VERSION$ ]]
    [[ "${lines[1]}" =~ ^husk-test\ +Ready\ +control-plane ]]
    run hk get node husk-test -o json
    [ "$(jq -r '.status.capacity.pods' <<<"$output")" = 110 ]
    [ "$(jq -r '.status.conditions[] | select(.type=="Ready") | .status' <<<"$output")" = True ]
}

@test "apply creates, then leaves alone, then configures; get shows kubectl's columns" {
    pod_yaml web >"$BATS_TEST_TMPDIR/web.yaml"
    run hk apply -f "$BATS_TEST_TMPDIR/web.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = "pod/web created" ]
    run hk apply -f "$BATS_TEST_TMPDIR/web.yaml"
    [ "$output" = "pod/web unchanged" ]
    pod_yaml web busybox:1.37 >"$BATS_TEST_TMPDIR/web.yaml"
    run hk apply -f "$BATS_TEST_TMPDIR/web.yaml"
    [ "$output" = "pod/web configured" ]
    run hk get pods
    [[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE$ ]]
    [[ "${lines[1]}" =~ ^web\ +0/1\ +Pending\ +0\ +[0-9]+s$ ]]
    run hk get pods -A
    [[ "${lines[0]}" =~ ^NAMESPACE\ +NAME\ +READY ]]
    [[ "${lines[1]}" =~ ^default\ +web ]]
}

@test "created objects get uid, timestamps, resourceVersion and defaults" {
    run hk get pod web -o json
    [ "$status" -eq 0 ]
    [[ "$(jq -r .metadata.uid <<<"$output")" =~ ^[0-9a-f-]{36}$ ]]
    [[ "$(jq -r .metadata.creationTimestamp <<<"$output")" =~ ^20[0-9-]+T[0-9:]+Z$ ]]
    [ "$(jq -r .spec.restartPolicy <<<"$output")" = Always ]
    [ "$(jq -r .spec.containers[0].image <<<"$output")" = busybox:1.37 ]
    [ "$(jq -r .metadata.generation <<<"$output")" = 2 ]
    [ "$(jq -r .status.phase <<<"$output")" = Pending ]
    run hk get pod web -o yaml
    [[ "$output" == *"name: web"* ]]
}

@test "generateName makes a unique name" {
    body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"cfg-"},"data":{"a":"b"}}'
    run api POST /api/v1/namespaces/default/configmaps application/json "$body"
    [ "$(api_code)" = 201 ]
    [[ "$(api_body | jq -r .metadata.name)" =~ ^cfg-[a-z0-9]{5}$ ]]
}

@test "NotFound is printed as kubectl prints it" {
    run --separate-stderr hk get pod nope
    [ "$status" -eq 1 ]
    [ "$stderr" = 'Error from server (NotFound): pods "nope" not found' ]
    run api GET /api/v1/namespaces/default/pods/nope
    [ "$(api_code)" = 404 ]
    [ "$(api_body | jq -r .reason)" = NotFound ]
    [ "$(api_body | jq -r .kind)" = Status ]
}

@test "AlreadyExists on a second create" {
    body=$(pod_yaml twice | sed 's/^/ /' | sed 's/^ //')
    run api POST /api/v1/namespaces/default/pods application/yaml "$body"
    [ "$(api_code)" = 201 ]
    run api POST /api/v1/namespaces/default/pods application/yaml "$body"
    [ "$(api_code)" = 409 ]
    [ "$(api_body | jq -r .reason)" = AlreadyExists ]
    [ "$(api_body | jq -r .message)" = 'pods "twice" already exists' ]
}

@test "an update with a stale resourceVersion is a Conflict" {
    run api GET /api/v1/namespaces/default/pods/twice
    obj=$(api_body)
    stale=$(jq -c '.metadata.labels.v="1"' <<<"$obj")
    run api PUT /api/v1/namespaces/default/pods/twice application/json "$stale"
    [ "$(api_code)" = 200 ]
    stale2=$(jq -c '.metadata.labels.v="2"' <<<"$obj")
    run api PUT /api/v1/namespaces/default/pods/twice application/json "$stale2"
    [ "$(api_code)" = 409 ]
    [ "$(api_body | jq -r .reason)" = Conflict ]
    [ "$(api_body | jq -r .message)" = 'Operation cannot be fulfilled on pods "twice": the object has been modified; please apply your changes to the latest version and try again' ]
}

@test "an invalid pod is 422 Invalid with causes, printed as kubectl does" {
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n' >"$BATS_TEST_TMPDIR/bad.yaml"
    run --separate-stderr hk apply -f "$BATS_TEST_TMPDIR/bad.yaml"
    [ "$status" -eq 1 ]
    [ "$stderr" = 'The Pod "bad" is invalid: spec.containers[0].image: Required value' ]
    run api POST /api/v1/namespaces/default/pods application/yaml "$(cat "$BATS_TEST_TMPDIR/bad.yaml")"
    [ "$(api_code)" = 422 ]
    [ "$(api_body | jq -r .reason)" = Invalid ]
    [ "$(api_body | jq -r .message)" = 'Pod "bad" is invalid: spec.containers[0].image: Required value' ]
    [ "$(api_body | jq -r '.details.causes[0].field')" = 'spec.containers[0].image' ]
    [ "$(api_body | jq -r '.details.causes[0].reason')" = FieldValueRequired ]
}

@test "an undecodable body is 400 BadRequest; a missing namespace is NotFound" {
    run api POST /api/v1/namespaces/default/pods application/json '{"apiVersion": "v1", '
    [ "$(api_code)" = 400 ]
    [ "$(api_body | jq -r .reason)" = BadRequest ]
    run api POST /api/v1/namespaces/default/pods application/cbor 'x'
    [ "$(api_code)" = 415 ]
    [ "$(api_body | jq -r .reason)" = UnsupportedMediaType ]
    run api POST /api/v1/namespaces/default/pods application/vnd.kubernetes.protobuf 'k8s'
    [ "$(api_code)" = 400 ]
    run api POST /api/v1/namespaces/nowhere/pods application/yaml "$(pod_yaml lost)"
    [ "$(api_code)" = 404 ]
    [ "$(api_body | jq -r .message)" = 'namespaces "nowhere" not found' ]
}

@test "limits: a body over 3 MiB is 413, headers over 64 KiB are 431" {
    head -c 3200000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
    run curl -s --unix-socket "$DATA/husk.sock" -X POST -H 'Content-Type: application/json' \
        --data-binary @"$BATS_TEST_TMPDIR/big" http://localhost/api/v1/namespaces/default/pods
    [ "$(jq -r .code <<<"$output")" = 413 ]
    [ "$(jq -r .reason <<<"$output")" = RequestEntityTooLarge ]
    run curl -s --unix-socket "$DATA/husk.sock" -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' b)" \
        -o /dev/null -w '%{http_code}' http://localhost/api/v1/namespaces
    [ "$output" = 431 ]
    run curl -s --unix-socket "$DATA/husk.sock" http://localhost/healthz
    [ "$output" = ok ]
}

@test "user namespaces hold pods and take them along when deleted" {
    run api POST /api/v1/namespaces application/json '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}'
    [ "$(api_code)" = 201 ]
    pod_yaml inner >"$BATS_TEST_TMPDIR/inner.yaml"
    run hk apply -f "$BATS_TEST_TMPDIR/inner.yaml" -n team
    [ "$output" = "pod/inner created" ]
    run hk get pods -n team -o name
    [ "$output" = "pod/inner" ]
    run hk delete namespace team
    [ "$output" = 'namespace "team" deleted' ]
    run api GET /api/v1/namespaces/team/pods/inner
    [ "$(api_code)" = 404 ]
    run hk delete namespace default
    [ "$status" -eq 1 ]
    [[ "$output" == *'namespaces "default" is forbidden: this namespace may not be deleted'* ]]
}

@test "label selectors: =, ==, !=, in, notin, exists, !key" {
    for p in sel-a:sel=a sel-b:sel=b sel-c:tier=c; do
        name=${p%%:*} label=${p#*:}
        pod_yaml "$name" busybox:1.36 "${label%%=*}: ${label#*=}" | hk apply -f - >/dev/null
    done
    run hk get pods -o name -l sel=a
    [ "$output" = pod/sel-a ]
    run hk get pods -o name -l 'sel==b'
    [ "$output" = pod/sel-b ]
    run hk get pods -o name -l 'sel in (a,b)'
    [ "$output" = $'pod/sel-a\npod/sel-b' ]
    run hk get pods -o name -l 'sel notin (a),tier'
    [ "$output" = pod/sel-c ]
    run hk get pods -o name -l '!sel,tier=c'
    [ "$output" = pod/sel-c ]
    run hk get pods -o name -l 'sel!=a,sel'
    [ "$output" = pod/sel-b ]
    run --separate-stderr hk get pods -l 'sel in a'
    [ "$status" -eq 1 ]
    [[ "$stderr" == "Error from server (BadRequest): unable to parse requirement"* ]]
}

@test "field selectors: metadata.name, status.phase, spec.nodeName; unknown fields are refused" {
    run hk get pods -o name --field-selector metadata.name=sel-a
    [ "$output" = pod/sel-a ]
    run hk get pods -o name --field-selector 'status.phase=Pending,metadata.name!=web,metadata.name!=twice'
    [[ "$output" == *pod/sel-b* && "$output" != *pod/web* ]]
    run --separate-stderr hk get pods --field-selector spec.nodeName=elsewhere
    [ "$stderr" = "No resources found in default namespace." ]
    run --separate-stderr hk get pods --field-selector spec.bogus=x
    [ "$stderr" = 'Error from server (BadRequest): field label not supported: spec.bogus' ]
}

@test "merge patch and JSON patch" {
    run api PATCH /api/v1/namespaces/default/pods/sel-a application/merge-patch+json '{"metadata":{"labels":{"extra":"yes","sel":null}}}'
    [ "$(api_code)" = 200 ]
    [ "$(api_body | jq -c .metadata.labels)" = '{"extra":"yes"}' ]
    run api PATCH /api/v1/namespaces/default/pods/sel-a application/json-patch+json '[{"op":"add","path":"/metadata/annotations","value":{"n":"1"}}]'
    [ "$(api_code)" = 200 ]
    [ "$(api_body | jq -r .metadata.annotations.n)" = 1 ]
    run api PATCH /api/v1/namespaces/default/pods/sel-a application/json-patch+json '[{"op":"remove","path":"/nope/x"}]'
    [ "$(api_code)" = 422 ]
    run api PATCH /api/v1/namespaces/default/pods/sel-a application/merge-patch+json '{"spec":{"restartPolicy":"Never"}}'
    [ "$(api_code)" = 422 ]
    [[ "$(api_body | jq -r .message)" == *"spec: Forbidden: pod updates may not change fields"* ]]
}

@test "concurrent patches of one object all land (server-side retry on conflict)" {
    pod_yaml busy | hk apply -f - >/dev/null
    for i in $(seq 1 16); do
        api PATCH /api/v1/namespaces/default/pods/busy application/merge-patch+json "{\"metadata\":{\"labels\":{\"l$i\":\"v\"}}}" >/dev/null &
    done
    wait
    run api GET /api/v1/namespaces/default/pods/busy
    [ "$(api_body | jq '[.metadata.labels | keys[] | select(startswith("l"))] | length')" = 16 ]
    hk delete pod busy >/dev/null
}

@test "watch streams ADDED, MODIFIED and DELETED, and resumes from a resourceVersion" {
    rv=$(api GET /api/v1/namespaces/default/pods | sed '$d' | jq -r .metadata.resourceVersion)
    curl -sN --unix-socket "$DATA/husk.sock" \
        "http://localhost/api/v1/namespaces/default/pods?watch=1&resourceVersion=$rv&timeoutSeconds=3" >"$BATS_TEST_TMPDIR/watch.out" &
    watcher=$!
    sleep 0.3
    pod_yaml watched | hk apply -f - >/dev/null
    api PATCH /api/v1/namespaces/default/pods/watched application/merge-patch+json '{"metadata":{"labels":{"x":"1"}}}' >/dev/null
    hk delete pod watched >/dev/null
    wait "$watcher"
    run jq -r '.type + " " + .object.metadata.name' "$BATS_TEST_TMPDIR/watch.out"
    [ "$output" = $'ADDED watched\nMODIFIED watched\nDELETED watched' ]
    added_rv=$(jq -r 'select(.type=="ADDED") | .object.metadata.resourceVersion' "$BATS_TEST_TMPDIR/watch.out")
    run curl -sN --unix-socket "$DATA/husk.sock" \
        "http://localhost/api/v1/namespaces/default/pods?watch=1&resourceVersion=$added_rv&timeoutSeconds=1"
    [ "$(jq -r .type <<<"$output" | tr '\n' ' ')" = "MODIFIED DELETED " ]
}

@test "a watch with a label selector sees objects enter (ADDED) and leave (DELETED) the selection" {
    curl -sN --unix-socket "$DATA/husk.sock" \
        "http://localhost/api/v1/namespaces/default/pods?watch=1&labelSelector=stage%3Dlive&timeoutSeconds=3" >"$BATS_TEST_TMPDIR/sel.out" &
    watcher=$!
    sleep 0.3
    pod_yaml staged busybox:1.36 "stage: live" | hk apply -f - >/dev/null
    api PATCH /api/v1/namespaces/default/pods/staged application/merge-patch+json '{"metadata":{"labels":{"stage":"old"}}}' >/dev/null
    api PATCH /api/v1/namespaces/default/pods/staged application/merge-patch+json '{"metadata":{"annotations":{"a":"1"}}}' >/dev/null
    api PATCH /api/v1/namespaces/default/pods/staged application/merge-patch+json '{"metadata":{"labels":{"stage":"live"}}}' >/dev/null
    hk delete pod staged >/dev/null
    wait "$watcher"
    run jq -r '.type + " " + .object.metadata.labels.stage' "$BATS_TEST_TMPDIR/sel.out"
    [ "$output" = $'ADDED live\nDELETED old\nADDED live\nDELETED live' ]
}

@test "husk get -w prints the list, then a row per change" {
    timeout 3 "$HUSK" get pods -w -l watch=me --data-dir "$DATA" >"$BATS_TEST_TMPDIR/w.out" 2>&1 &
    watcher=$!
    sleep 0.5
    pod_yaml wme busybox:1.36 "watch: me" | hk apply -f - >/dev/null
    hk delete pod wme >/dev/null
    wait "$watcher" || true
    run cat "$BATS_TEST_TMPDIR/w.out"
    [ "${lines[0]}" = "No resources found in default namespace." ]
    [[ "${lines[1]}" =~ ^wme\ +0/1\ +Pending\ +0\ +[0-9]+s$ ]]
    [ "${#lines[@]}" -eq 3 ]
}

@test "a watch without resourceVersion starts with the current objects" {
    run curl -sN --unix-socket "$DATA/husk.sock" "http://localhost/api/v1/namespaces?watch=true&timeoutSeconds=1"
    [[ "$output" == *'"type":"ADDED"'*'"name":"kube-system"'* ]]
}

@test "delete: an unstarted pod goes at once; a running one is marked and finalized later" {
    run hk delete pod sel-c
    [ "$output" = 'pod "sel-c" deleted' ]
    run api GET /api/v1/namespaces/default/pods/sel-c
    [ "$(api_code)" = 404 ]
    # Pretend a node agent started the pod: bound, with a container status.
    run api POST /api/v1/namespaces/default/pods/sel-b/binding application/json '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"sel-b"},"target":{"kind":"Node","name":"husk-test"}}'
    [ "$(api_code)" = 201 ]
    run api POST /api/v1/namespaces/default/pods/sel-b/binding application/json '{"target":{"kind":"Node","name":"other"}}'
    [ "$(api_code)" = 409 ]
    run api GET /api/v1/namespaces/default/pods/sel-b
    [ "$(api_body | jq -r .spec.nodeName)" = husk-test ]
    running=$(api_body | jq -c '.status.containerStatuses=[{"name":"main","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}}] | .status.phase="Running"')
    run api PUT /api/v1/namespaces/default/pods/sel-b/status application/json "$running"
    [ "$(api_code)" = 200 ]
    run hk delete pod sel-b
    [ "$output" = 'pod "sel-b" deleted' ]
    run api GET /api/v1/namespaces/default/pods/sel-b
    [ "$(api_code)" = 200 ]
    [ "$(api_body | jq -r .metadata.deletionGracePeriodSeconds)" = 30 ]
    run hk get pod sel-b
    [[ "${lines[1]}" =~ ^sel-b\ +1/1\ +Terminating ]]
    run hk delete pod sel-b --grace-period=0
    run api GET /api/v1/namespaces/default/pods/sel-b
    [ "$(api_code)" = 404 ]
}

@test "finalizers hold a deleted object until the last one is removed" {
    body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","finalizers":["example.com/keep"]}}'
    run api POST /api/v1/namespaces/default/configmaps application/json "$body"
    [ "$(api_code)" = 201 ]
    run api DELETE /api/v1/namespaces/default/configmaps/held
    [ "$(api_code)" = 200 ]
    run api GET /api/v1/namespaces/default/configmaps/held
    [ "$(api_code)" = 200 ]
    [ "$(api_body | jq -r '.metadata.deletionTimestamp != null')" = true ]
    run api PATCH /api/v1/namespaces/default/configmaps/held application/merge-patch+json '{"metadata":{"finalizers":null}}'
    [ "$(api_code)" = 200 ]
    run api GET /api/v1/namespaces/default/configmaps/held
    [ "$(api_code)" = 404 ]
}

@test "husk get pods shows READY, a waiting reason as STATUS, and RESTARTS with the last one's age" {
    pod_yaml crashy | hk apply -f - >/dev/null
    finished=$(date -u -d '-30 seconds' +%Y-%m-%dT%H:%M:%SZ)
    run api GET /api/v1/namespaces/default/pods/crashy
    st=$(api_body | jq -c --arg f "$finished" '.status.phase="Running" | .status.containerStatuses=[{"name":"main","ready":false,"restartCount":2,"image":"busybox","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1,"finishedAt":$f}}}]')
    run api PUT /api/v1/namespaces/default/pods/crashy/status application/json "$st"
    [ "$(api_code)" = 200 ]
    run hk get pod crashy
    [[ "${lines[1]}" =~ ^crashy\ +0/1\ +CrashLoopBackOff\ +2\ \(3[0-9]s\ ago\)\ +[0-9]+s$ ]]
    hk delete pod crashy --grace-period=0 >/dev/null
}

@test "delete -f removes what the file names" {
    pod_yaml byfile >"$BATS_TEST_TMPDIR/byfile.yaml"
    hk apply -f "$BATS_TEST_TMPDIR/byfile.yaml"
    run hk delete -f "$BATS_TEST_TMPDIR/byfile.yaml"
    [ "$output" = 'pod "byfile" deleted' ]
    run --separate-stderr hk delete pod byfile
    [ "$status" -eq 1 ]
    [ "$stderr" = 'Error from server (NotFound): pods "byfile" not found' ]
}

@test "workload kinds are stored under their group paths" {
    body='{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"dep"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}'
    run api POST /apis/apps/v1/namespaces/default/deployments application/json "$body"
    [ "$(api_code)" = 201 ]
    run api GET /apis/apps/v1/namespaces/default/deployments/nope
    [ "$(api_body | jq -r .message)" = 'deployments.apps "nope" not found' ]
    run hk get deployments -o name
    [ "$output" = deployment.apps/dep ]
}

@test "a second daemon on the same data dir refuses to start" {
    run --separate-stderr "$HUSK" daemon --data-dir "$DATA" --listen "127.0.0.1:$(free_port)"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"another husk daemon is using $DATA"* ]]
}

@test "a Secret's stringData is stored base64-encoded in data; immutable ConfigMaps refuse changes" {
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: strdata\nstringData:\n  user: admin\ndata:\n  other: %s\n' \
        "$(printf x | base64)" | hk apply -f -
    run hk get secret strdata -o json
    [ "$(jq -r '.data.user' <<<"$output" | base64 -d)" = admin ]
    [ "$(jq -r '.data.other' <<<"$output" | base64 -d)" = x ]
    [ "$(jq -r '.stringData' <<<"$output")" = null ]
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frozen\nimmutable: true\ndata:\n  a: "1"\n' | hk apply -f -
    run --separate-stderr hk apply -f - <<<$'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frozen\nimmutable: true\ndata:\n  a: "2"\n'
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set'* ]]
    [ "$(hk get configmap frozen -o json | jq -r .data.a)" = 1 ]
}

@test "SIGKILL and restart keep every object and its resourceVersion" {
    for n in 1 2 3; do pod_yaml "keep-$n" | hk apply -f - >/dev/null; done
    before=$(api GET /api/v1/namespaces/default/pods | sed '$d' | jq -c '[.items[] | {n: .metadata.name, rv: .metadata.resourceVersion}]')
    kill -KILL "$(daemon_pid)"
    wait_gone "$(daemon_pid)"
    start_daemon
    after=$(api GET /api/v1/namespaces/default/pods | sed '$d' | jq -c '[.items[] | {n: .metadata.name, rv: .metadata.resourceVersion}]')
    [ "$before" = "$after" ]
    [ "$(jq length <<<"$after")" -ge 3 ]
    pod_yaml afterwards | hk apply -f - >/dev/null
    new_rv=$(hk get pod afterwards -o json | jq -r .metadata.resourceVersion)
    max_rv=$(jq -r '[.[].rv | tonumber] | max' <<<"$before")
    [ "$new_rv" -gt "$max_rv" ]
}

@test "SIGTERM stops the daemon cleanly, exit status 0" {
    stop_daemon
    # Started here, so that this shell can wait for it and see its exit status.
    "$HUSK" daemon --data-dir "$DATA" --listen "127.0.0.1:$PORT" --node-name husk-test --no-node \
        2>>"$DATA/daemon.log" &
    pid=$!
    echo "$pid" >"$DATA/test-daemon.pid"
    wait_ready
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ]
    [ ! -e "$DATA/husk.sock" ]
    grep -q "daemon: stopped" "$DATA/daemon.log"
    run --separate-stderr hk get pods
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"cannot reach the husk daemon"* ]]
}

