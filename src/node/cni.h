/* CNI, the Container Network Interface (github.com/containernetworking/cni, SPEC.md 1.0): how the node
 * attaches a pod's network namespace to a network. A network is a conflist in a config dir (default
 * /etc/cni/net.d), a chain of plugins found in the plugin dirs (default /usr/lib/cni and /opt/cni/bin);
 * each plugin is a program run with CNI_COMMAND and friends in its environment and its config on stdin,
 * answering a result (or an error) as JSON on stdout. husk runs the chain as libcni does: ADD in order,
 * each plugin getting the previous one's result; DEL in reverse order with the cached ADD result; CHECK
 * in order. */
#ifndef HUSK_NODE_CNI_H
#define HUSK_NODE_CNI_H

#include "base/error.h"

#include <jansson.h>

struct node_cni_options {
    const char *conf_dir; /* NULL: /etc/cni/net.d */
    const char *bin_path; /* ':'-separated plugin dirs; NULL: /usr/lib/cni:/opt/cni/bin */
    const char *network;  /* the network's name; NULL: "husk" */
    /* When the config dir holds no network of that name and it is the default one, husk writes
     * DIR/10-husk.conflist: bridge husk0 on this subnet (NULL: 10.85.0.0/16), portmap and firewall. */
    const char *subnet;
};

struct node_cni;

/* Loads the network (writing the default one first when it is missing). */
int node_cni_open(const struct node_cni_options *options, struct node_cni **ret, husk_error *err);
void node_cni_free(struct node_cni *cni);

/* The network's conflist as loaded now (a new reference): re-read from the config dir on every call, so
 * that a changed file applies to the next pod as with containerd. */
json_t *node_cni_conflist(struct node_cni *cni, husk_error *err);

/* One attachment of a pod to a network. */
struct node_cni_attachment {
    const char *container_id;   /* CNI_CONTAINERID: the pod's uid */
    const char *netns;          /* CNI_NETNS: a path; NULL or "" on a DEL whose namespace is gone */
    const char *ifname;         /* CNI_IFNAME; NULL: eth0 */
    const char *args;           /* CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=...;..." */
    const json_t *capabilities; /* runtimeConfig by capability ("portMappings": [...]) or NULL */
};

/* ADD / DEL / CHECK the attachment on the chain of conflist. ADD returns the last plugin's result; DEL and
 * CHECK take the result of the ADD (prev may be NULL on a DEL). A plugin's error reads
 * "plugin bridge: MSG (DETAILS)". */
int node_cni_add(struct node_cni *cni, const json_t *conflist, const struct node_cni_attachment *a,
                 json_t **ret_result, husk_error *err);
int node_cni_del(struct node_cni *cni, const json_t *conflist, const struct node_cni_attachment *a,
                 const json_t *prev, husk_error *err);
int node_cni_check(struct node_cni *cni, const json_t *conflist, const struct node_cni_attachment *a,
                   const json_t *prev, husk_error *err);

/* cni_exec.c: runs plugin TYPE (found in bin_path) with command and env, config on stdin; the parsed
 * stdout on success (NULL when it printed nothing, as DEL may). Plugins get 60 s. */
int node_cni_exec(const char *bin_path, const char *type, const char *const *env, const char *config,
                  json_t **ret_output, husk_error *err);

/* cni_conf.c: finds the conflist named network in dir (*.conflist, *.conf and *.json, in name order; a
 * single-plugin .conf is turned into a list); *ret NULL when there is none. */
int node_cni_find_network(const char *dir, const char *network, json_t **ret, husk_error *err);
/* Writes DIR/10-husk.conflist for network "husk" on subnet (gateway .1). */
int node_cni_write_default(const char *dir, const char *subnet, husk_error *err);

#endif
