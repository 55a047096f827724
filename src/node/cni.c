/* See cni.h. The chain logic of libcni (AddNetworkList, DelNetworkList, CheckNetworkList): each plugin's
 * config is its entry in the list plus the list's cniVersion and name, the previous result
 * (prevResult) and the runtimeConfig of the capabilities it declares. */
#include "node/cni.h"

#include "base/cleanup.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Plugin chains run one at a time: with Debian's iptables (the nf_tables backend, which takes no lock),
 * concurrent plugins race on their NAT chains ("CHAIN_DEL failed (Device or resource busy)"), and a DEL
 * that fails half way cannot be redone (the bridge plugin finds the pod's addresses on its interface,
 * which the first try removed), so a race would leak rules. */
struct node_cni {
    char *conf_dir, *bin_path, *network;
    pthread_mutex_t lock;
};

void node_cni_free(struct node_cni *cni)
{
    if (cni == NULL)
        return;
    free(cni->conf_dir);
    free(cni->bin_path);
    free(cni->network);
    pthread_mutex_destroy(&cni->lock);
    free(cni);
}

int node_cni_open(const struct node_cni_options *o, struct node_cni **ret, husk_error *err)
{
    struct node_cni *cni = calloc(1, sizeof *cni);
    if (cni != NULL)
        pthread_mutex_init(&cni->lock, NULL);
    if (cni == NULL || (cni->conf_dir = strdup(o->conf_dir ? o->conf_dir : "/etc/cni/net.d")) == NULL ||
        (cni->bin_path = strdup(o->bin_path ? o->bin_path : "/usr/lib/cni:/opt/cni/bin")) == NULL ||
        (cni->network = strdup(o->network ? o->network : "husk")) == NULL) {
        node_cni_free(cni);
        return husk_error_set(err, ENOMEM, "out of memory");
    }
    json_t *list = NULL;
    if (node_cni_find_network(cni->conf_dir, cni->network, &list, err) < 0 ||
        (list == NULL && strcmp(cni->network, "husk") == 0 &&
         node_cni_write_default(cni->conf_dir, o->subnet ? o->subnet : "10.85.0.0/16", err) < 0)) {
        node_cni_free(cni);
        return -1;
    }
    json_decref(list);
    json_t *check = node_cni_conflist(cni, err);
    if (check == NULL) {
        node_cni_free(cni);
        return -1;
    }
    json_decref(check);
    *ret = cni;
    return 0;
}

json_t *node_cni_conflist(struct node_cni *cni, husk_error *err)
{
    json_t *list = NULL;
    if (node_cni_find_network(cni->conf_dir, cni->network, &list, err) < 0)
        return NULL;
    if (list == NULL)
        husk_error_set(err, ENOENT, "no CNI network \"%s\" in %s", cni->network, cni->conf_dir);
    return list;
}

/* The plugin's stdin: its entry, the list's version and name, prevResult and runtimeConfig. */
static char *plugin_config(const json_t *list, const json_t *plugin, const json_t *prev,
                           const json_t *capabilities)
{
    json_t *conf = json_deep_copy(plugin);
    if (conf == NULL)
        return NULL;
    json_object_set(conf, "cniVersion", json_object_get(list, "cniVersion"));
    json_object_set(conf, "name", json_object_get(list, "name"));
    if (prev != NULL)
        json_object_set(conf, "prevResult", (json_t *)prev);
    const char *key;
    json_t *wanted;
    json_t *runtime = json_object();
    json_object_foreach(json_object_get(plugin, "capabilities"), key, wanted)
    {
        json_t *value = json_object_get(capabilities, key);
        if (json_is_true(wanted) && value != NULL)
            json_object_set(runtime, key, value);
    }
    if (json_object_size(runtime) > 0)
        json_object_set(conf, "runtimeConfig", runtime);
    json_decref(runtime);
    char *text = json_dumps(conf, JSON_COMPACT);
    json_decref(conf);
    return text;
}

static int run_plugin(struct node_cni *cni, const char *command, const json_t *list, const json_t *plugin,
                      const struct node_cni_attachment *a, const json_t *prev, json_t **ret, husk_error *err)
{
    const char *type = json_string_value(json_object_get(plugin, "type"));
    if (type == NULL)
        return husk_error_set(err, EINVAL, "a plugin of CNI network \"%s\" has no type",
                              json_string_value(json_object_get(list, "name")));
    char e[6][4200];
    snprintf(e[0], sizeof e[0], "CNI_COMMAND=%s", command);
    snprintf(e[1], sizeof e[1], "CNI_CONTAINERID=%s", a->container_id);
    snprintf(e[2], sizeof e[2], "CNI_NETNS=%s", a->netns ? a->netns : "");
    snprintf(e[3], sizeof e[3], "CNI_IFNAME=%s", a->ifname ? a->ifname : "eth0");
    snprintf(e[4], sizeof e[4], "CNI_ARGS=%s", a->args ? a->args : "");
    snprintf(e[5], sizeof e[5], "CNI_PATH=%s", cni->bin_path);
    const char *env[] = {e[0],
                         e[1],
                         e[2],
                         e[3],
                         e[4],
                         e[5],
                         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                         NULL};
    cleanup_free char *config = plugin_config(list, plugin, prev, a->capabilities);
    if (config == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    json_t *out = NULL;
    if (node_cni_exec(cni->bin_path, type, env, config, &out, err) < 0)
        return -1;
    if (ret != NULL)
        *ret = out;
    else
        json_decref(out);
    return 0;
}

static const json_t *plugins_of(const json_t *list, size_t *ret_count, husk_error *err)
{
    const json_t *plugins = json_object_get(list, "plugins");
    *ret_count = json_array_size(plugins);
    if (*ret_count == 0)
        husk_error_set(err, EINVAL, "CNI network \"%s\" has no plugins",
                       json_string_value(json_object_get(list, "name")));
    return *ret_count > 0 ? plugins : NULL;
}

static int add_locked(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                      json_t **ret_result, husk_error *err)
{
    size_t n;
    const json_t *plugins = plugins_of(list, &n, err);
    if (plugins == NULL)
        return -1;
    json_t *result = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *next = NULL;
        if (run_plugin(cni, "ADD", list, json_array_get(plugins, i), a, result, &next, err) < 0) {
            json_decref(result);
            return -1;
        }
        if (next != NULL) {
            json_decref(result);
            result = next;
        }
    }
    if (result == NULL)
        return husk_error_set(err, EIO, "CNI network \"%s\" returned no result",
                              json_string_value(json_object_get(list, "name")));
    *ret_result = result;
    return 0;
}

/* DEL runs every plugin even when one fails (each frees what it holds); the first error is returned. */
static int del_locked(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                      const json_t *prev, husk_error *err)
{
    size_t n;
    const json_t *plugins = plugins_of(list, &n, err);
    if (plugins == NULL)
        return -1;
    int r = 0;
    for (size_t i = n; i-- > 0;) {
        husk_error e = {0};
        if (run_plugin(cni, "DEL", list, json_array_get(plugins, i), a, prev, NULL, &e) < 0) {
            log_warn("CNI DEL of %s: %s", a->container_id, e.message);
            if (r == 0 && err != NULL)
                *err = e;
            r = -1;
        }
    }
    return r;
}

static int check_locked(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                        const json_t *prev, husk_error *err)
{
    size_t n;
    const json_t *plugins = plugins_of(list, &n, err);
    if (plugins == NULL)
        return -1;
    const char *version = json_string_value(json_object_get(list, "cniVersion"));
    if (version == NULL || (strncmp(version, "0.", 2) == 0 && strcmp(version, "0.4.0") != 0))
        return 0; /* CHECK came with 0.4.0 */
    for (size_t i = 0; i < n; i++)
        if (run_plugin(cni, "CHECK", list, json_array_get(plugins, i), a, prev, NULL, err) < 0)
            return -1;
    return 0;
}

int node_cni_add(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                 json_t **ret_result, husk_error *err)
{
    pthread_mutex_lock(&cni->lock);
    int r = add_locked(cni, list, a, ret_result, err);
    pthread_mutex_unlock(&cni->lock);
    return r;
}

int node_cni_del(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                 const json_t *prev, husk_error *err)
{
    pthread_mutex_lock(&cni->lock);
    int r = del_locked(cni, list, a, prev, err);
    pthread_mutex_unlock(&cni->lock);
    return r;
}

int node_cni_check(struct node_cni *cni, const json_t *list, const struct node_cni_attachment *a,
                   const json_t *prev, husk_error *err)
{
    pthread_mutex_lock(&cni->lock);
    int r = check_locked(cni, list, a, prev, err);
    pthread_mutex_unlock(&cni->lock);
    return r;
}
