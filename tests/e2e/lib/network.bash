# A CNI network of the test's own for `husk daemon --cni-conf-dir`: the default chain (bridge, host-local,
# portmap, firewall) on a bridge and /24 named after the test's PID, with host-local's records under
# DATA, so that tests never touch /etc/cni/net.d or husk0 and can count what is left.
#   network_setup DIR   writes DIR/net.d/10-husk.conflist; sets NET_BRIDGE, NET_SUBNET, NET_IPAM, NET_FLAGS
#   network_teardown    removes the bridge (what DEL leaves by design)
#   network_leaks       prints what pods left: addresses held, veths on the bridge, per-pod NAT chains

network_setup() {
    local dir=$1 n=$(($$ % 200 + 20)) used
    # A subnet no route or rule on the machine names yet, so what another run left is not counted as ours.
    used=$({ ip -4 route show; iptables-save 2>/dev/null; } | grep -o '10\.213\.[0-9]*\.' | sort -u)
    for _ in $(seq 1 200); do
        grep -qxF "10.213.$n." <<<"$used" || break
        n=$(((n - 20 + 1) % 200 + 20))
    done
    NET_BRIDGE=hk$$
    NET_SUBNET=10.213.$n
    NET_IPAM=$dir/ipam
    mkdir -p "$dir/net.d" "$NET_IPAM"
    cat >"$dir/net.d/10-husk.conflist" <<CONF
{
  "cniVersion": "1.0.0",
  "name": "husk",
  "plugins": [
    {"type": "bridge", "bridge": "$NET_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$NET_IPAM", "routes": [{"dst": "0.0.0.0/0"}],
              "ranges": [[{"subnet": "$NET_SUBNET.0/24", "gateway": "$NET_SUBNET.1"}]]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "firewall"}
  ]
}
CONF
    NET_FLAGS="--cni-conf-dir $dir/net.d"
    export NET_BRIDGE NET_SUBNET NET_IPAM NET_FLAGS
}

network_teardown() {
    [ -n "${NET_BRIDGE:-}" ] && ip link del "$NET_BRIDGE" 2>/dev/null
    true
}

network_leaks() {
    ls "$NET_IPAM/husk" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip' | sed 's/^/address /'
    ip -o link show master "$NET_BRIDGE" 2>/dev/null | awk -F': ' '{print "veth " $2}'
    iptables-save 2>/dev/null | grep -F "$NET_SUBNET." | sed 's/^/rule /'
    true
}
