/* This machine's Node object: capacity and allocatable (cpu, memory, pods, ephemeral-storage), addresses,
 * nodeInfo, and the conditions the kubelet reports, refreshed as a heartbeat; see node.h. */
#include "api/node.h"
#include "api/resource.h"
#include "base/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define NODE_MAX_PODS "110" /* the kubelet's default --max-pods */

static void read_line(const char *path, const char *prefix, char *buf, size_t size)
{
    buf[0] = '\0';
    cleanup_fclose FILE *f = fopen(path, "re");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        size_t n = strlen(prefix);
        if (strncmp(line, prefix, n) != 0)
            continue;
        char *v = line + n;
        v[strcspn(v, "\n")] = '\0';
        if (v[0] == '"' && v[strlen(v) - 1] == '"') {
            v[strlen(v) - 1] = '\0';
            v++;
        }
        snprintf(buf, size, "%s", v);
        return;
    }
}

static json_t *resources(void)
{
    char cpu[16], mem[32];
    snprintf(cpu, sizeof cpu, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    struct sysinfo si;
    unsigned long long ki = sysinfo(&si) == 0 ? (unsigned long long)si.totalram * si.mem_unit / 1024 : 0;
    snprintf(mem, sizeof mem, "%lluKi", ki);
    return json_pack("{s:s, s:s, s:s}", "cpu", cpu, "memory", mem, "pods", NODE_MAX_PODS);
}

static json_t *addresses(const char *node_name)
{
    char ip[INET_ADDRSTRLEN] = "127.0.0.1";
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
                continue;
            const struct in_addr *a = &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr;
            if ((ntohl(a->s_addr) >> 24) != 127) {
                inet_ntop(AF_INET, a, ip, sizeof ip);
                break;
            }
        }
        freeifaddrs(ifs);
    }
    return json_pack("[{s:s, s:s}, {s:s, s:s}]", "type", "InternalIP", "address", ip, "type", "Hostname",
                     "address", node_name);
}

static json_t *node_info(void)
{
    struct utsname u;
    uname(&u);
    char os[256], machine_id[64], boot_id[64];
    read_line("/etc/os-release", "PRETTY_NAME=", os, sizeof os);
    read_line("/etc/machine-id", "", machine_id, sizeof machine_id);
    read_line("/proc/sys/kernel/random/boot_id", "", boot_id, sizeof boot_id);
    const char *arch = strcmp(u.machine, "x86_64") == 0    ? "amd64"
                       : strcmp(u.machine, "aarch64") == 0 ? "arm64"
                                                           : u.machine;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "machineID", machine_id,
                     "systemUUID", machine_id, "bootID", boot_id, "kernelVersion", u.release, "osImage",
                     os[0] ? os : "Linux", "containerRuntimeVersion", "husk://" HUSK_VERSION,
                     "kubeletVersion", "v1.32.0-husk", "kubeProxyVersion", "", "operatingSystem", "linux",
                     "architecture", arch);
}

static json_t *condition(const char *type, const char *status, const char *reason, const char *message,
                         const char *now)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status, "lastHeartbeatTime",
                     now, "lastTransitionTime", now, "reason", reason, "message", message);
}

static json_t *node_status(const char *node_name)
{
    char now[32];
    api_timestamp(now, sizeof now, 0);
    json_t *conditions = json_array();
    json_array_append_new(conditions, condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                                                "kubelet has sufficient memory available", now));
    json_array_append_new(conditions, condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                                                "kubelet has no disk pressure", now));
    json_array_append_new(conditions, condition("PIDPressure", "False", "KubeletHasSufficientPID",
                                                "kubelet has sufficient PID available", now));
    json_array_append_new(conditions,
                          condition("Ready", "True", "KubeletReady", "husk is posting ready status", now));
    return json_pack("{s:o, s:o, s:o, s:o, s:{s:{s:i}}, s:o}", "capacity", resources(), "allocatable",
                     resources(), "conditions", conditions, "addresses", addresses(node_name),
                     "daemonEndpoints", "kubeletEndpoint", "Port", 10250, "nodeInfo", node_info());
}

int api_node_register(store *s, const char *node_name, husk_error *err)
{
    struct store_key key = {"nodes", "", node_name};
    json_t *node = NULL;
    if (store_get(s, &key, &node, err) == 0) {
        /* A restart reports fresh capacity, addresses and conditions; identity and labels are kept. */
        json_object_set_new(node, "status", node_status(node_name));
        int r = store_update(s, &key, node, 0, err);
        json_decref(node);
        return r;
    }
    if (err->code != ENOENT)
        return -1;
    char uid[40], ts[32];
    api_random_uid(uid, sizeof uid);
    api_timestamp(ts, sizeof ts, 0);
    node = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}}, s:{}, s:o}", "apiVersion", "v1",
                     "kind", "Node", "metadata", "name", node_name, "uid", uid, "creationTimestamp", ts,
                     "labels", "kubernetes.io/hostname", node_name, "kubernetes.io/os", "linux",
                     "kubernetes.io/arch", "amd64", "node-role.kubernetes.io/control-plane", "", "spec",
                     "status", node_status(node_name));
    int r = store_create(s, &key, node, err);
    json_decref(node);
    return r;
}

int api_node_heartbeat(store *s, const char *node_name, husk_error *err)
{
    struct store_key key = {"nodes", "", node_name};
    json_t *node = NULL;
    if (store_get(s, &key, &node, err) < 0)
        return api_node_register(s, node_name, err);
    char now[32];
    api_timestamp(now, sizeof now, 0);
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        json_object_set_new(c, "lastHeartbeatTime", json_string(now));
    }
    int r = store_update(s, &key, node, 0, err);
    json_decref(node);
    return r;
}
