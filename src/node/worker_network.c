/* The pod worker's side of the pod network (network.h): the kubelet's SetUpPod after RunPodSandbox and
 * TearDownPod before StopPodSandbox. hostNetwork pods share the node's network and its IP. */
#include "node/worker.h"

#include "base/arena.h"
#include "node/etc_files.h"
#include "node/network.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool host_network(const struct node_pod_worker *w)
{
    bool flag = false;
    return objects_get_bool(objects_pod_spec(w->pod), "hostNetwork", &flag) && flag;
}

const char *node_worker_pod_ip(const struct node_pod_worker *w)
{
    if (host_network(w))
        return node_agent_config(w->agent)->host_ip;
    return json_string_value(json_array_get(w->pod_ips, 0));
}

static void record_path(const struct node_pod_worker *w, char *buf, size_t size)
{
    node_network_record_path(node_agent_config(w->agent)->data_dir, w->uid, buf, size);
}

static void set_ips(struct node_pod_worker *w, json_t *ips)
{
    json_decref(w->pod_ips);
    w->pod_ips = ips;
}

int node_worker_attach_network(struct node_pod_worker *w, husk_error *err)
{
    struct node_cni *cni = node_agent_config(w->agent)->cni;
    char netns[4096];
    if (cni == NULL || host_network(w) || runtime_sandbox_netns_path(w->sandbox, netns, sizeof netns) < 0)
        return 0;
    json_t *ips = NULL;
    char record[4200];
    record_path(w, record, sizeof record);
    if (node_network_attach(cni, w->pod, record, netns, &ips, err) < 0)
        return husk_error_wrap(err, "failed to set up the network of pod \"%s\"", objects_meta_name(w->pod));
    set_ips(w, ips);
    struct husk_arena arena = {0};
    const char *hosts = node_etc_hosts(w->pod, node_worker_pod_ip(w), &arena);
    int r = hosts == NULL ? 0 : runtime_sandbox_set_etc_hosts(w->sandbox, hosts, err);
    husk_arena_free(&arena);
    return r;
}

/* A DEL that fails is tried once more: a plugin can lose a race with another pod's (iptables' lock). */
void node_worker_detach_network(struct node_pod_worker *w)
{
    const struct node_agent_config *config = node_agent_config(w->agent);
    if (config->cni == NULL)
        return;
    char state_dir[4200];
    snprintf(state_dir, sizeof state_dir, "%s/sandbox", w->pod_dir);
    for (int attempt = 0; attempt < 2; attempt++) {
        husk_error err = {0};
        if (node_network_detach_pod(config->cni, config->data_dir, w->uid, state_dir, &err) == 0)
            break;
        if (attempt == 1)
            node_worker_event(w, NULL, "Warning", "FailedKillPod",
                              "error killing pod: failed to destroy network: %s", err.message);
        else
            usleep(500000);
    }
    set_ips(w, NULL);
}

void node_worker_resume_network(struct node_pod_worker *w)
{
    json_t *ips = NULL;
    char record[4200];
    record_path(w, record, sizeof record);
    node_network_recorded_ips(record, &ips);
    set_ips(w, ips);
}

bool node_worker_network_missing(const struct node_pod_worker *w)
{
    return node_agent_config(w->agent)->cni != NULL && !host_network(w) && w->pod_ips == NULL;
}
