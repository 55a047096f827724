# The node's limits in the end-to-end tests (logs-rotation.bats, eviction.bats, pressure.bats, drain.bats):
# lib/node.bash's node, started with daemon flags of the test's own.
#
#   load lib/registry
#   load lib/node
#   load lib/limits
#   limits_node_start --container-log-max-size 64Ki ...   # instead of node_start

limits_node_start() { node_start -- "$@"; }

# apply_yaml: a manifest from stdin through the API.
apply_yaml() { hk apply -f - >/dev/null; }

# The daemon's resident memory in KiB.
daemon_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(node_pid)/status"; }

# The real kubectl against the node.
kc() { timeout 60 kubectl --kubeconfig "$DATA/kubeconfig.yaml" --request-timeout=30s "$@"; }
