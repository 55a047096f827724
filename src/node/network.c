/* See network.h. */
#include "node/network.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/log.h"
#include "objects/pod.h"
#include "runtime/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_ports(json_t *out, const json_t *containers)
{
    size_t i, j;
    const json_t *c, *port;
    json_array_foreach(containers, i, c)
    {
        json_array_foreach(json_object_get(c, "ports"), j, port)
        {
            json_int_t host = json_integer_value(json_object_get(port, "hostPort"));
            json_int_t container = json_integer_value(json_object_get(port, "containerPort"));
            if (host <= 0 || container <= 0)
                continue;
            const char *proto = json_string_value(json_object_get(port, "protocol"));
            char lower[8] = "tcp";
            for (size_t k = 0; proto != NULL && proto[k] != '\0' && k < sizeof lower - 1; k++)
                lower[k] = (char)tolower((unsigned char)proto[k]), lower[k + 1] = '\0';
            json_t *m =
                json_pack("{s:I,s:I,s:s}", "hostPort", host, "containerPort", container, "protocol", lower);
            const char *host_ip = json_string_value(json_object_get(port, "hostIP"));
            if (host_ip != NULL && host_ip[0] != '\0')
                json_object_set_new(m, "hostIP", json_string(host_ip));
            json_array_append_new(out, m);
        }
    }
}

json_t *node_network_port_mappings(const json_t *pod)
{
    json_t *out = json_array();
    add_ports(out, objects_pod_containers(pod));
    json_t *sidecars = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(objects_pod_init_containers(pod), i, c)
    {
        if (objects_container_is_sidecar(c))
            json_array_append(sidecars, (json_t *)c);
    }
    add_ports(out, sidecars);
    json_decref(sidecars);
    return out;
}

static bool in_sandbox(const json_t *result, const json_t *ip)
{
    const json_t *index = json_object_get(ip, "interface");
    if (!json_is_integer(index))
        return true;
    const json_t *iface =
        json_array_get(json_object_get(result, "interfaces"), (size_t)json_integer_value(index));
    const char *sandbox = json_string_value(json_object_get(iface, "sandbox"));
    return iface == NULL || (sandbox != NULL && sandbox[0] != '\0');
}

json_t *node_network_result_ips(const json_t *result)
{
    json_t *v4 = json_array(), *v6 = json_array();
    size_t i;
    const json_t *ip;
    json_array_foreach(json_object_get(result, "ips"), i, ip)
    {
        const char *address = json_string_value(json_object_get(ip, "address"));
        if (address == NULL || !in_sandbox(result, ip))
            continue;
        char plain[64];
        snprintf(plain, sizeof plain, "%.*s", (int)strcspn(address, "/"), address);
        json_array_append_new(strchr(plain, ':') ? v6 : v4, json_string(plain));
    }
    json_array_extend(v4, v6);
    json_decref(v6);
    return v4;
}

static int save_record(const char *path, const json_t *record, husk_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cleanup_free char *text = json_dumps(record, JSON_COMPACT);
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (text == NULL || fd < 0 || husk_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ||
        rename(tmp, path) < 0)
        return husk_error_set_errno(err, errno, "recording the pod's network in %s", path);
    return 0;
}

static json_t *load_record(const char *path)
{
    return access(path, F_OK) == 0 ? json_load_file(path, 0, NULL) : NULL;
}

static char *cni_args(const json_t *pod)
{
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    char *args = NULL;
    if (asprintf(&args,
                 "IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s;K8S_POD_"
                 "UID=%s",
                 objects_meta_namespace(pod), objects_meta_name(pod), uid, uid) < 0)
        return NULL;
    return args;
}

int node_network_attach(struct node_cni *cni, const json_t *pod, const char *record_path, const char *netns,
                        json_t **ret_ips, husk_error *err)
{
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    /* An attachment a crash or a failed ADD left is undone first: its plugins may have set up half of it.
     * A DEL that fails on that record's own config (one that never worked) must not hold the pod forever. */
    husk_error old = {0};
    if (access(record_path, F_OK) == 0 && node_network_detach(cni, record_path, netns, &old) < 0) {
        log_warn("pod %s: dropping the record of an attachment whose DEL fails: %s", uid, old.message);
        unlink(record_path);
    }
    json_t *list = node_cni_conflist(cni, err);
    if (list == NULL)
        return -1;
    cleanup_free char *args = cni_args(pod);
    json_t *caps = json_pack("{s:o}", "portMappings", node_network_port_mappings(pod));
    struct node_cni_attachment a = {.container_id = uid, .netns = netns, .args = args, .capabilities = caps};
    json_t *record = json_pack("{s:O,s:s,s:s,s:s?,s:O}", "conflist", list, "containerID", uid, "ifname",
                               "eth0", "args", args, "capabilities", caps);
    json_t *result = NULL;
    /* Recorded before the ADD: a crash in between leaves a record without a result, which the next
     * daemon deletes (or completes, if the pod still exists). */
    int r = save_record(record_path, record, err);
    if (r == 0)
        r = node_cni_add(cni, list, &a, &result, err);
    if (r == 0) {
        json_object_set(record, "result", result);
        r = save_record(record_path, record, err);
    }
    if (r < 0) {
        husk_error ignored = {0};
        if (node_cni_del(cni, list, &a, result, &ignored) == 0)
            unlink(record_path);
    } else {
        *ret_ips = node_network_result_ips(result);
    }
    json_decref(record);
    json_decref(result);
    json_decref(caps);
    json_decref(list);
    return r;
}

struct found_addresses {
    const char *ifname;
    json_t *ips; /* [{"address": "A/P", "interface": 0}] */
};

static int prefix_length(const struct sockaddr *mask)
{
    const unsigned char *b = mask->sa_family == AF_INET
                                 ? (const unsigned char *)&((const struct sockaddr_in *)mask)->sin_addr
                                 : (const unsigned char *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
    int n = 0, len = mask->sa_family == AF_INET ? 4 : 16;
    for (int i = 0; i < len; i++)
        n += __builtin_popcount(b[i]);
    return n;
}

/* Runs inside the pod's network namespace: the global addresses of the interface. */
static int read_addresses(void *arg)
{
    struct found_addresses *f = arg;
    struct ifaddrs *all = NULL;
    if (getifaddrs(&all) < 0)
        return -1;
    for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
        if (a->ifa_addr == NULL || a->ifa_netmask == NULL || strcmp(a->ifa_name, f->ifname) != 0 ||
            (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
            continue;
        const void *ip = a->ifa_addr->sa_family == AF_INET
                             ? (const void *)&((struct sockaddr_in *)a->ifa_addr)->sin_addr
                             : (const void *)&((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr;
        char text[INET6_ADDRSTRLEN], address[INET6_ADDRSTRLEN + 16];
        if (inet_ntop(a->ifa_addr->sa_family, ip, text, sizeof text) == NULL ||
            (a->ifa_addr->sa_family == AF_INET6 && strncmp(text, "fe80:", 5) == 0))
            continue;
        if ((size_t)snprintf(address, sizeof address, "%s/%d", text, prefix_length(a->ifa_netmask)) >=
            sizeof address)
            continue;
        json_array_append_new(f->ips, json_pack("{s:s,s:i}", "address", address, "interface", 0));
    }
    freeifaddrs(all);
    return 0;
}

/* The result of an ADD that a crash cut short, rebuilt from the pod's interface, so that every plugin's
 * DEL knows the addresses it set up rules for (the firewall plugin's DEL does nothing without them). */
static json_t *result_from_netns(const json_t *list, const char *netns, const char *ifname)
{
    struct found_addresses f = {.ifname = ifname, .ips = json_array()};
    husk_error err = {0};
    if (netns == NULL || runtime_netns_call(netns, read_addresses, &f, &err) < 0 ||
        json_array_size(f.ips) == 0) {
        json_decref(f.ips);
        return NULL;
    }
    return json_pack("{s:O,s:[{s:s,s:s}],s:o}", "cniVersion", json_object_get(list, "cniVersion"),
                     "interfaces", "name", ifname, "sandbox", netns, "ips", f.ips);
}

int node_network_detach(struct node_cni *cni, const char *record_path, const char *netns, husk_error *err)
{
    json_t *record = load_record(record_path);
    if (record == NULL)
        return 0;
    struct node_cni_attachment a = {
        .container_id = json_string_value(json_object_get(record, "containerID")),
        .netns = netns,
        .ifname = json_string_value(json_object_get(record, "ifname")),
        .args = json_string_value(json_object_get(record, "args")),
        .capabilities = json_object_get(record, "capabilities"),
    };
    const json_t *list = json_object_get(record, "conflist");
    json_t *rebuilt = NULL;
    const json_t *prev = json_object_get(record, "result");
    if (prev == NULL) {
        prev = rebuilt = result_from_netns(list, netns, a.ifname ? a.ifname : "eth0");
        log_info("pod %s: deleting an attachment cut short (netns %s, addresses %s)", a.container_id,
                 netns ? netns : "gone", rebuilt ? "found" : "none");
    }
    int r = a.container_id == NULL ? husk_error_set(err, EINVAL, "%s names no container", record_path)
                                   : node_cni_del(cni, list, &a, prev, err);
    json_decref(rebuilt);
    json_decref(record);
    if (r == 0)
        unlink(record_path);
    return r;
}

int node_network_recorded_ips(const char *record_path, json_t **ret_ips)
{
    json_t *record = load_record(record_path);
    const json_t *result = json_object_get(record, "result");
    *ret_ips = result != NULL ? node_network_result_ips(result) : NULL;
    json_decref(record);
    return 0;
}

void node_network_reconcile(struct node_cni *cni, const char *record_dir,
                            bool (*live)(void *data, const char *uid), void *data)
{
    DIR *d = opendir(record_dir);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char uid[256], path[4096];
        snprintf(uid, sizeof uid, "%.*s", (int)(len - 5), e->d_name);
        if ((size_t)snprintf(path, sizeof path, "%s/%s", record_dir, e->d_name) >= sizeof path ||
            live(data, uid))
            continue;
        log_warn("pod %s is gone but its network attachment (%s) is not; deleting it", uid, path);
        husk_error err = {0};
        if (node_network_detach(cni, path, NULL, &err) < 0)
            log_warn("deleting the network attachment of pod %s: %s", uid, err.message);
    }
    closedir(d);
}

void node_network_record_path(const char *data_dir, const char *uid, char *buf, size_t size)
{
    snprintf(buf, size, "%s/network/%s.json", data_dir, uid);
}

int node_network_detach_pod(struct node_cni *cni, const char *data_dir, const char *uid,
                            const char *state_dir, husk_error *err)
{
    char record[4200], netns[4200];
    node_network_record_path(data_dir, uid, record, sizeof record);
    struct runtime_sandbox sandbox = {.state_dir = (char *)state_dir, .supervisor_pidfd = -1};
    bool pinned = runtime_sandbox_netns_path(&sandbox, netns, sizeof netns) == 0;
    return node_network_detach(cni, record, pinned ? netns : NULL, err);
}
