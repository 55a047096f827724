#!/usr/bin/env bash
# The demo: the seed's pods running for real on this machine.
#   scripts/demo.sh        set up, start a husk node, run the seed's pods, show what they do
#   scripts/demo.sh stop   stop the demo's pods, node and registry, and remove their files
# Everything lives under /var/lib/husk-demo: the node's data (store, images, pods, logs), its static pod
# manifests, a local registry that stands in for Docker Hub (the machine has no internet), and logs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
demo=/var/lib/husk-demo
export HUSK_DATA_DIR=$demo
kubeconfig=$demo/kubeconfig.yaml
listen=127.0.0.1:6443

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_daemon() {
    HUSK_REGISTRIES_CONFIG=$demo/registries.yaml setsid husk daemon --data-dir "$demo" \
        --manifest-dir "$demo/manifests" --listen "$listen" >>"$demo/daemon.log" 2>&1 </dev/null &
    echo $! >"$demo/daemon.pid"
    for _ in $(seq 1 50); do
        [ -S "$demo/husk.sock" ] && husk get namespaces >/dev/null 2>&1 && return 0
        pid_alive "$demo/daemon.pid" || break
        sleep 0.1
    done
    echo "demo: the husk daemon did not start; its log:" >&2
    tail -20 "$demo/daemon.log" >&2
    exit 1
}

stop_demo() {
    [ -d "$demo" ] || return 0
    if [ -d "$demo/pods" ] && [ -n "$(ls -A "$demo/pods" 2>/dev/null)" ]; then
        # Pods outlive the daemon; a daemon is needed to stop them gracefully.
        pid_alive "$demo/daemon.pid" || start_daemon
        rm -f "$demo"/manifests/*
        husk get pods -A 2>/dev/null | awk 'NR > 1 {print $1, $2}' | while read -r ns pod; do
            husk delete pod "$pod" -n "$ns" --grace-period 2 >/dev/null 2>&1 || true
        done
        # lumpy-koala's `sleep` ignores SIGTERM, so it takes its whole 30 s grace period, as in Kubernetes.
        echo "demo: stopping the pods (up to 30 s)"
        for _ in $(seq 1 300); do
            [ -z "$(ls -A "$demo/pods" 2>/dev/null)" ] && break
            sleep 0.2
        done
    fi
    if pid_alive "$demo/daemon.pid"; then
        kill -TERM "$(cat "$demo/daemon.pid")"
        for _ in $(seq 1 100); do pid_alive "$demo/daemon.pid" || break; sleep 0.1; done
    fi
    if pid_alive "$demo/daemon.pid" || [ -n "$(ls -A "$demo/pods" 2>/dev/null)" ]; then
        echo "demo: the node did not stop cleanly; $demo is left as it is (see $demo/daemon.log)" >&2
        exit 1
    fi
    pid_alive "$demo/registry.pid" && kill "$(cat "$demo/registry.pid")"
    # The default pod network, if the demo's node is what made it (and no other pod is on its bridge).
    if [ -f "$demo/made-network" ] && [ -z "$(ip -o link show master husk0 2>/dev/null)" ]; then
        rm -f /etc/cni/net.d/10-husk.conflist
        ip link del husk0 2>/dev/null || true
    fi
    # The pods' cgroup parent, once it is empty (another node may use it too).
    for dir in /sys/fs/cgroup/*/husk /sys/fs/cgroup/husk; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$demo"
}

if [ "${1:-}" = stop ]; then
    stop_demo
    echo "demo: stopped and cleaned up"
    exit 0
fi

say "Set-up: Debian packages, build, install (scripts/setup.sh)"
"$top/scripts/setup.sh"
"$top/scripts/build-test-images.sh" "$top/build/test-images"
stop_demo
mkdir -p "$demo/manifests" "$demo/registry"

say "A local registry standing in for Docker Hub, with the busybox and nginx images built offline"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$demo/registry/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $demo/registry/storage}}
http: {addr: 127.0.0.1:$port}
YAML
setsid docker-registry serve "$demo/registry/config.yml" >"$demo/registry/log" 2>&1 </dev/null &
echo $! >"$demo/registry.pid"
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
for image in busybox nginx; do
    skopeo copy -q --dest-tls-verify=false \
        "oci-archive:$top/build/test-images/$image.oci.tar:docker.io/library/$image:latest" \
        "docker://127.0.0.1:$port/library/$image:latest"
done
# k3s's registries.yaml shape: docker.io is resolved through the local mirror, so the manifests stay as
# users write them (image: busybox).
cat >"$demo/registries.yaml" <<YAML
mirrors:
  docker.io:
    endpoint:
    - "http://127.0.0.1:$port"
YAML
echo "registry on 127.0.0.1:$port, configured as the docker.io mirror in $demo/registries.yaml"

say "Start the node: husk daemon (API server, store, node agent)"
[ -e /etc/cni/net.d/10-husk.conflist ] || touch "$demo/made-network"
start_daemon
node=$(husk get nodes -o name | sed -n '1s|^node/||p')
echo "node $node is up; API at https://$listen (kubeconfig $kubeconfig)"

say "The seed's pod lumpy-koala as a static pod, and its sidecar example through the API"
run cp "$top/examples/lumpy-koala.yaml" "$demo/manifests/"
run husk apply -f "$top/examples/web-sidecar.yaml"

say "Waiting for both pods to run"
for i in $(seq 1 120); do
    running=$(husk get pods -A 2>/dev/null | grep -c ' Running ' || true)
    [ "$running" -ge 2 ] && break
    [ $((i % 10)) -eq 0 ] && husk get pods -A | sed 's/^/  /'
    sleep 0.5
done
run husk get pods -A -o wide
if [ "$running" -lt 2 ]; then
    echo "demo: the pods did not both reach Running; the events:" >&2
    husk get events -A >&2
    exit 1
fi

say "The init container ran first: the file it touched is what keeps the app container running"
run husk exec "lumpy-koala-$node" -- ls -l /workdir
echo "\$ husk get pod lumpy-koala-$node -o json | jq .status.initContainerStatuses[0]"
husk get pod "lumpy-koala-$node" -o json | jq -r '.status.initContainerStatuses[0] |
    "init container \(.name): \(.state.terminated.reason), exit code \(.state.terminated.exitCode)"'

say "The sidecar refreshes the page that nginx serves from the shared emptyDir"
run husk exec web -c nginx -- wget -qO- http://localhost/
sleep 3
run husk exec web -c nginx -- wget -qO- http://localhost/

say "Each pod has its own IP on the node's pod network (CNI: bridge husk0); the node reaches nginx by it"
web_ip=$(husk get pod web -o json | jq -r .status.podIP)
echo "pod web: $web_ip"
run curl -s -m 5 "http://$web_ip/"

say "Their logs"
run husk logs web -c refresher --tail 3
run husk logs web -c nginx --tail 3

say "The same node through the real kubectl"
run kubectl --kubeconfig "$kubeconfig" get pods
echo "\$ kubectl --kubeconfig $kubeconfig get events --field-selector involvedObject.name=web"
# sed, not head: head would end the pipe early, and kubectl die of SIGPIPE under pipefail.
kubectl --kubeconfig "$kubeconfig" get events --field-selector involvedObject.name=web | sed -n 1,8p

cat <<TXT

The node keeps running. Explore it:
  export HUSK_DATA_DIR=$demo
  husk get pods -A                 husk describe-like detail: husk get pod web -o yaml
  husk logs -f web -c refresher    husk exec -it web -c nginx -- sh
  kubectl --kubeconfig $kubeconfig get pods,events
Stop it and remove everything it made:
  $top/scripts/demo.sh stop
TXT
