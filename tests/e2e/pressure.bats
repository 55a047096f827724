#!/usr/bin/env bats
# A pod that misbehaves stays inside its own limits: a fork bomb stops at the pod's pids limit
# (--pod-pids-limit, the kubelet's podPidsLimit) while another pod's exec and the API still answer at
# once; a memory hog is OOMKilled in its own cgroup while its neighbour runs on; a full log dir makes new
# pods wait (Pending, with a message naming the full filesystem) while running pods run on, and they
# start by themselves once space returns.
load helpers
load lib/registry
load lib/node
load lib/limits

setup_file() {
    require_root
    node_setup pressure
    # The log dir on a small filesystem of its own, to fill up.
    mkdir -p "$DATA/logs"
    mount -t tmpfs -o size=20m husk-test-logs "$DATA/logs"
    limits_node_start --pod-pids-limit 64 --eviction-hard=
    make_pod calm
    wait_for 60 phase_is calm Running
}

teardown_file() {
    node_teardown
    # node_teardown unmounts what is under DATA; make sure of ours even if it stopped early.
    if [ -n "${DATA:-}" ] && mountpoint -q "$DATA/logs" 2>/dev/null; then umount -l "$DATA/logs"; fi
    true
}

# The pod's cgroup in the pids hierarchy (v1) or the unified one (v2).
pod_cgroup() {
    local root=/sys/fs/cgroup/pids
    [ -d "$root" ] || root=/sys/fs/cgroup
    echo "$root/$CGROUP_PARENT/pod-$(pod_field "$1" .metadata.uid)"
}

# within SECONDS COMMAND...: the command succeeds and takes less than SECONDS.
within() {
    local limit=$1 start end
    shift
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    echo "$* took $(((end - start) / 1000000)) ms" >&3
    [ $((end - start)) -lt $((limit * 1000000000)) ]
}

@test "pressure: a fork bomb hits the pod's pids limit; the node, the daemon and other pods answer" {
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: bomb
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:latest
    command: ["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 3600"]
YAML
    wait_for 60 phase_is bomb Running
    local cg
    cg=$(pod_cgroup bomb)
    [ "$(cat "$cg/pids.max")" = 64 ]
    wait_for 20 eval '[ "$(cat "$cg/pids.current")" -ge 60 ]'
    sleep 2
    [ "$(cat "$cg/pids.current")" -le 64 ]
    within 3 hk exec calm -- echo still-here
    within 3 hk get pods
    within 3 hk get node robust
    phase_is calm Running
    hk delete pod bomb --grace-period 0
    wait_for 30 gone bomb
    wait_for 20 [ ! -d "$cg" ] || { grep -i "cgroup\|bomb" "$DATA/daemon.log" | tail; ls "$cg"; cat "$cg"/*/cgroup.procs; false; }
}

@test "pressure: a memory hog is OOMKilled inside its own cgroup; its neighbour keeps running" {
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: hog
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:latest
    # tail keeps a line that never ends: all of it, until the cgroup's limit.
    command: ["sh", "-c", "head -c 500m /dev/zero | tail -c 400m >/dev/null"]
    resources:
      limits:
        memory: 32Mi
YAML
    wait_for 60 phase_is hog Failed
    [ "$(pod_field hog '.status.containerStatuses[0].state.terminated.reason')" = OOMKilled ]
    # The OOM killer took the container's processes, never its supervisor (the pod's sandbox).
    ! grep "pod $(pod_field hog .metadata.uid): its sandbox is gone" "$DATA/daemon.log"
    [ "$(pod_field hog '.status.containerStatuses[0].state.terminated.exitCode')" = 137 ]
    phase_is calm Running
    [ "$(pod_field calm '.status.containerStatuses[0].restartCount')" = 0 ]
    within 3 hk exec calm -- echo still-here
    hk delete pod hog --grace-period 0
}

restarts_are() { [ "$(pod_field "$1" '.status.containerStatuses[0].restartCount')" = "$2" ]; }

@test "pressure: a pod's supervisor killed takes its containers; Never makes the pod Failed, others restart them" {
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:latest
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: always
spec:
  containers:
  - name: main
    image: busybox:latest
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: onfailure
spec:
  restartPolicy: OnFailure
  initContainers:
  - name: helper
    image: busybox:latest
    restartPolicy: Always
    command: ["sleep", "3600"]
  containers:
  - name: main
    image: busybox:latest
    command: ["sleep", "3600"]
YAML
    wait_for 60 phase_is once Running
    wait_for 60 phase_is always Running
    wait_for 60 phase_is onfailure Running
    local once always onfailure old
    once=$(pod_field once .metadata.uid) always=$(pod_field always .metadata.uid)
    onfailure=$(pod_field onfailure .metadata.uid)
    old=$(pgrep -f "husk-supervisor $DATA/pods/$onfailure/")
    pkill -KILL -f "husk-supervisor $DATA/pods/$once/"
    pkill -KILL -f "husk-supervisor $DATA/pods/$always/"
    pkill -KILL -f "husk-supervisor $DATA/pods/$onfailure/"
    wait_for 30 phase_is once Failed
    [ "$(pod_field once '.status.containerStatuses[0].state.terminated.exitCode')" = 137 ]
    # Nothing of it will run again, so it got no new sandbox, and the dead one's cgroups went with it.
    no_supervisor "$once"
    wait_for 15 no_pod_cgroup "$once"
    wait_for 30 restarts_are always 1
    wait_for 30 phase_is always Running
    [ "$(pod_field always '.status.containerStatuses[0].lastState.terminated.exitCode')" = 137 ]
    # OnFailure: exit 137 is a failure, so a new sandbox, where the native sidecar starts again first.
    wait_for 30 restarts_are onfailure 1
    wait_for 30 phase_is onfailure Running
    wait_for 30 pod_field_is onfailure '.status.initContainerStatuses[0].restartCount' 1
    [ "$(pod_field onfailure '.status.initContainerStatuses[0].state.running != null')" = true ]
    [ "$(pod_field onfailure '.status.containerStatuses[0].lastState.terminated.exitCode')" = 137 ]
    [ "$(pgrep -f "husk-supervisor $DATA/pods/$onfailure/")" != "$old" ]
    hk delete pod once always onfailure --grace-period 0 >/dev/null
    wait_for 30 gone once
    wait_for 30 gone always
    wait_for 30 gone onfailure
    wait_for 30 no_supervisor "$always"
    wait_for 30 no_supervisor "$onfailure"
}

# The oom_score_adj of pod $1's container $2: its main process and a process exec'd in it.
oom_score_adjs() { hk exec "$1" -c "$2" -- cat /proc/1/oom_score_adj /proc/self/oom_score_adj | tr '\n' ' '; }

@test "pressure: the OOM killer's order follows the QoS classes, the pod's supervisor and the daemon last" {
    apply_yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: classes
spec:
  initContainers:
  - name: sidecar
    image: busybox:latest
    restartPolicy: Always
    command: ["sleep", "3600"]
  containers:
  - name: requests
    image: busybox:latest
    command: ["sleep", "3600"]
    resources:
      requests:
        memory: 64Mi
---
apiVersion: v1
kind: Pod
metadata:
  name: guaranteed
spec:
  containers:
  - name: main
    image: busybox:latest
    command: ["sleep", "3600"]
    resources:
      limits:
        cpu: 100m
        memory: 64Mi
YAML
    wait_for 60 phase_is classes Running
    wait_for 60 phase_is guaranteed Running
    # The kubelet's: 1000 less the thousandths of the node's memory the container requests.
    local total burstable
    total=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
    burstable=$((1000 - 1000 * 64 * 1048576 / total))
    [ "$(oom_score_adjs classes requests)" = "$burstable $burstable " ]
    # A sidecar no likelier to go than the least-requesting regular container; BestEffort first.
    [ "$(oom_score_adjs classes sidecar)" = "$burstable $burstable " ]
    [ "$(oom_score_adjs calm main)" = "1000 1000 " ]
    # Below 0 needs CAP_SYS_RESOURCE, which root lacks on some machines: there the supervisor and a
    # Guaranteed container keep the score they were started with.
    local agent=-999 infra=-998 guaranteed=-997 supervisor
    if ! sh -c 'echo -998 >/proc/self/oom_score_adj' 2>/dev/null; then
        agent=$(cat /proc/self/oom_score_adj) infra=$agent guaranteed=$agent
    fi
    [ "$(oom_score_adjs guaranteed main)" = "$guaranteed $guaranteed " ]
    # The node's agent last of all, as the kubelet.
    [ "$(cat "/proc/$(node_pid)/oom_score_adj")" = "$agent" ]
    for supervisor in $(supervisors); do
        [ "$(cat "/proc/$supervisor/oom_score_adj")" = "$infra" ]
    done
    hk delete pod classes guaranteed --grace-period 0 >/dev/null
}

@test "pressure: a full log dir keeps new pods Pending with the reason, and they start when space returns" {
    dd if=/dev/zero of="$DATA/logs/filler" bs=1M 2>/dev/null || true
    [ "$(df --output=avail -B1 "$DATA/logs" | tail -1)" -lt 1048576 ]
    make_pod newcomer
    wait_for 20 eval '[ -n "$(pod_field newcomer ".status.message // \"\"")" ]'
    run pod_field newcomer .status.message
    [[ "$output" =~ "the filesystem of the log dir $DATA/logs is full" ]]
    [[ "$output" =~ "the pod starts when space returns" ]]
    phase_is newcomer Pending
    run hk get events -o json
    jq -e '.items[] | select(.involvedObject.name == "newcomer" and .reason == "FailedCreatePodSandBox" and (.message | contains("is full")))' <<<"$output"
    # The running pod runs on (its log writes fail; the container does not notice).
    phase_is calm Running
    within 3 hk exec calm -- echo still-here
    rm -f "$DATA/logs/filler"
    wait_for 30 phase_is newcomer Running
    [ "$(pod_field newcomer '.status.message // ""')" = "" ]
    hk delete pod newcomer --grace-period 0
}
