#!/usr/bin/env bats
# Pod networking through CNI (Debian's containernetworking-plugins), on a network of the test's own
# (lib/network.bash): pod IPs in the status, pods and the node reaching each other, hostPort through
# portmap, hostNetwork, /etc/hosts and resolv.conf, plugin errors in the pod's events, and nothing left
# behind after many pods and a daemon kill.
load helpers
load lib/registry
load lib/node
load lib/network

NODE_NAME=netnode

setup_file() {
    require_root
    [ -x /usr/lib/cni/bridge ] || skip "containernetworking-plugins is not installed"
    node_setup net
    registry_push nginx
    network_setup "$DATA"
    export NODE_NET_FLAGS=$NET_FLAGS
    node_start
}

teardown_file() {
    node_teardown
    network_teardown
}

pod_ip() { hk get pod "$1" -o json | jq -r .status.podIP; }
no_pods() { [ -z "$(ls -A "$DATA/pods" 2>/dev/null)" ]; }

delete_all_pods() {
    hk get pods -o name 2>/dev/null | sed 's|^pod/||' | xargs -r "$HUSK" delete --data-dir "$DATA" pod --grace-period 1 >/dev/null 2>&1
    wait_for 60 no_pods
}

pod_yaml() { # pod_yaml NAME IMAGE [EXTRA-SPEC-YAML]
    cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
${3:-}
  containers:
  - name: main
    image: $2
    imagePullPolicy: IfNotPresent
EOF
}

sleeper() { # a busybox pod that exits on SIGTERM
    pod_yaml "$1" busybox "${2:-}"
    printf '    command: ["sh", "-c", "trap \\"exit 0\\" TERM; while :; do sleep 0.2; done"]\n'
    printf '%s\n' "${3:-}"
}

@test "network: each pod gets an IP of the network; pods reach each other and the node reaches them" {
    pod_yaml web nginx | hk apply -f -
    sleeper client | hk apply -f -
    wait_for 30 phase_is web Running
    wait_for 30 phase_is client Running
    web=$(pod_ip web)
    client=$(pod_ip client)
    [[ "$web" == "$NET_SUBNET".* ]]
    [[ "$client" == "$NET_SUBNET".* ]]
    [ "$web" != "$client" ]
    [ "$(hk get pod web -o json | jq -r '.status.podIPs[0].ip')" = "$web" ]
    run hk exec client -- wget -qO- "http://$web/"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Welcome to nginx!"* ]]
    run curl -s -m 5 "http://$web/"
    [[ "$output" == *"Welcome to nginx!"* ]]
    # Outbound traffic leaves through the host, masqueraded (the bridge plugin's ipMasq).
    iptables-save -t nat | grep -F -- "-s $client/32" | grep -q CNI-
}

@test "network: -o wide, /etc/hosts and the downward API show the pod's IP" {
    web=$(pod_ip web)
    run hk get pod web -o wide
    [[ "${lines[1]}" =~ ^web\ +1/1\ +Running\ +0\ +[0-9]+[sm]\ +$web\ +$NODE_NAME\  ]]
    run hk exec web -- cat /etc/hosts
    [[ "$output" == *"$web	web"* ]]
    { sleeper envpod; cat <<'EOF'
    env:
    - name: MY_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
EOF
    } | hk apply -f -
    wait_for 30 phase_is envpod Running
    run hk exec envpod -- sh -c 'echo $MY_IP'
    [ "$output" = "$(pod_ip envpod)" ]
}

@test "network: a hostPort is published on the node, also on 127.0.0.1 (portmap)" {
    port=$((30000 + $$ % 20000))
    { pod_yaml hostport nginx; printf '    ports: [{containerPort: 80, hostPort: %d}]\n' "$port"; } | hk apply -f -
    wait_for 30 phase_is hostport Running
    run curl -s -m 5 "http://127.0.0.1:$port/"
    [[ "$output" == *"Welcome to nginx!"* ]]
    hk delete pod hostport --grace-period 1
    wait_for 30 bash -c "! '$HUSK' get pod hostport --data-dir '$DATA'"
    run curl -s -m 2 "http://127.0.0.1:$port/"
    [ "$status" -ne 0 ]
}

@test "network: hostNetwork pods skip CNI and show the node's IP" {
    sleeper hostnet "  hostNetwork: true" | hk apply -f -
    wait_for 30 phase_is hostnet Running
    json=$(hk get pod hostnet -o json)
    [ "$(jq -r .status.podIP <<<"$json")" = "$(jq -r .status.hostIP <<<"$json")" ]
    uid=$(jq -r .metadata.uid <<<"$json")
    [ ! -e "$DATA/network/$uid.json" ]
    run hk exec hostnet -- cat /proc/net/dev
    [[ "$output" == *"$NET_BRIDGE:"* ]]
}

@test "network: dnsPolicy None and dnsConfig make the pod's resolv.conf" {
    sleeper dns "  dnsPolicy: None
  dnsConfig:
    nameservers: [10.0.0.53]
    searches: [corp.example]
    options: [{name: ndots, value: \"2\"}]" | hk apply -f -
    wait_for 30 phase_is dns Running
    run hk exec dns -- cat /etc/resolv.conf
    [[ "$output" == *"nameserver 10.0.0.53"* ]]
    [[ "$output" == *"search corp.example"* ]]
    [[ "$output" == *"options ndots:2"* ]]
}

@test "network: a CNI plugin's error reaches the pod's events and status; the pod is retried" {
    conf=$DATA/net.d/10-husk.conflist
    cp "$conf" "$DATA/conflist.good"
    jq '.plugins[0].ipam.ranges[0][0].subnet = "10.213.0.0/99"' "$DATA/conflist.good" >"$conf"
    sleeper broken | hk apply -f -
    wait_for 30 bash -c "'$HUSK' describe pod broken --data-dir '$DATA' | grep -q FailedCreatePodSandBox"
    run hk describe pod broken
    [[ "$output" == *"Failed to create pod sandbox: failed to set up the network of pod \"broken\": plugin bridge: "* ]]
    phase_is broken Pending
    cp "$DATA/conflist.good" "$conf"
    wait_for 30 phase_is broken Running
    [[ "$(pod_ip broken)" == "$NET_SUBNET".* ]]
}

@test "network: 100 pod creations and deletions and a daemon kill leave no address, veth or rule" {
    delete_all_pods
    [ -z "$(network_leaks)" ] || { network_leaks; false; }
    for round in 1 2 3 4 5 6 7 8 9 10; do
        for i in 0 1 2 3 4 5 6 7 8 9; do sleeper "c$round-$i"; echo ---; done | hk apply -f - >/dev/null
        if [ "$round" = 10 ]; then
            # Kill the daemon while the last ten are being created; the next one finishes or undoes them.
            sleep 0.3
            pid=$(node_pid)
            kill -KILL "$pid"
            # Its threads (and so its lock) go a moment after the process is a zombie.
            wait_for 30 bash -c "[ \$(ls /proc/$pid/task 2>/dev/null | wc -l) -le 1 ] && ! fuser -s '$DATA/daemon.lock'"
            node_start
        fi
        wait_for 60 all_running 10
        delete_all_pods
    done
    run network_leaks
    [ -z "$output" ] || { echo "$output"; false; }
    [ -z "$(ls -A "$DATA/network")" ]
    ! grep -q " $DATA/pods/" /proc/self/mountinfo
}

@test "network: a pod that is done gives its address and veth back at once; its status keeps its IP" {
    delete_all_pods
    {
        pod_yaml once busybox "  restartPolicy: Never"
        printf '    command: ["sh", "-c", "sleep 1"]\n'
    } | hk apply -f - >/dev/null
    wait_for 60 phase_is once Running
    ip=$(pod_ip once)
    [[ "$ip" == "$NET_SUBNET".* ]]
    [ -n "$(network_leaks)" ]
    wait_for 60 phase_is once Succeeded
    # As the kubelet stops a terminal pod's sandbox: the network's DEL runs before the pod is deleted.
    wait_for 15 eval '[ -z "$(network_leaks)" ]'
    [ -z "$(ls -A "$DATA/network")" ]
    [ "$(pod_ip once)" = "$ip" ]
    delete_all_pods
}
