/* See config.h. jansson does the encoding; every field is checked for its type on the way back in. */
#include "runtime/config.h"

#include "base/cleanup.h"
#include "runtime/files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_t *string_array(const char *const *items)
{
    json_t *array = json_array();
    for (size_t i = 0; items != NULL && items[i] != NULL; i++)
        json_array_append_new(array, json_string(items[i]));
    return array;
}

static json_t *mounts_json(const struct runtime_mount *mounts, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++) {
        const struct runtime_mount *m = &mounts[i];
        json_array_append_new(array, json_pack("{s:s*, s:s, s:s*, s:b, s:b, s:I}", "source", m->source,
                                               "destination", m->destination, "sub_path", m->sub_path,
                                               "read_only", m->read_only, "tmpfs", m->tmpfs, "tmpfs_size",
                                               (json_int_t)m->tmpfs_size_bytes));
    }
    return array;
}

static json_t *resources_json(const struct runtime_resources *r)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "memory", (json_int_t)r->memory_limit_bytes, "cpu_shares",
                     (json_int_t)r->cpu_shares, "cpu_quota", (json_int_t)r->cpu_quota_us, "cpu_period",
                     (json_int_t)r->cpu_period_us, "pids", (json_int_t)r->pids_limit);
}

char *runtime_container_config_text(const struct runtime_container_config *c)
{
    json_t *groups = json_array();
    for (size_t i = 0; i < c->supplementary_group_count; i++)
        json_array_append_new(groups, json_integer(c->supplementary_groups[i]));
    json_t *root = json_pack(
        "{s:s, s:o, s:b, s:o, s:o, s:s*, s:I, s:I, s:o, s:o, s:o, s:b, s:b, s:i, s:o, s:o, s:i, s:b, s:s*}",
        "name", c->name, "layers", string_array(c->rootfs_layers), "read_only_root", c->read_only_root,
        "argv", string_array(c->argv), "env", string_array(c->env), "cwd", c->cwd, "uid", (json_int_t)c->uid,
        "gid", (json_int_t)c->gid, "groups", groups, "cap_add", string_array(c->capabilities_add), "cap_drop",
        string_array(c->capabilities_drop), "privileged", c->privileged, "no_new_privs", c->no_new_privs,
        "seccomp", (int)c->seccomp, "mounts", mounts_json(c->mounts, c->mount_count), "resources",
        resources_json(&c->resources), "stop_signal", c->stop_signal, "tty", c->tty, "log_path", c->log_path);
    if (root != NULL && c->oom_score_adj != 0)
        json_object_set_new(root, "oom_score_adj", json_integer(c->oom_score_adj));
    if (root != NULL && c->log_max_bytes > 0)
        json_object_set_new(root, "log_rotate",
                            json_pack("{s:I, s:i}", "max_bytes", (json_int_t)c->log_max_bytes, "max_files",
                                      c->log_max_files));
    char *text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}

int runtime_container_config_save(const struct runtime_container_config *c, const char *path, husk_error *err)
{
    cleanup_free char *text = runtime_container_config_text(c);
    if (text == NULL)
        return husk_error_set(err, ENOMEM, "encoding the config of container %s", c->name);
    return runtime_write_file_atomic(path, text, err);
}

/* A NULL-terminated array of the strings of a JSON array (pointing into it), or NULL on a bad type. */
static const char **strings_of(json_t *array)
{
    if (!json_is_array(array))
        return NULL;
    size_t n = json_array_size(array);
    const char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; out != NULL && i < n; i++) {
        out[i] = json_string_value(json_array_get(array, i));
        if (out[i] == NULL) {
            free(out);
            return NULL;
        }
    }
    return out;
}

static int load_mounts(struct runtime_loaded_container *l, json_t *array, husk_error *err)
{
    size_t n = json_array_size(array);
    l->mounts = calloc(n + 1, sizeof *l->mounts);
    if (l->mounts == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct runtime_mount *m = &l->mounts[i];
        int read_only = 0, tmpfs = 0;
        json_int_t size = 0;
        if (json_unpack(json_array_get(array, i), "{s?s, s:s, s?s, s:b, s:b, s:I}", "source", &m->source,
                        "destination", &m->destination, "sub_path", &m->sub_path, "read_only", &read_only,
                        "tmpfs", &tmpfs, "tmpfs_size", &size) < 0)
            return husk_error_set(err, EINVAL, "mount %zu is malformed", i);
        m->read_only = read_only;
        m->tmpfs = tmpfs;
        m->tmpfs_size_bytes = (uint64_t)size;
    }
    l->config.mounts = l->mounts;
    l->config.mount_count = n;
    return 0;
}

static int load_fields(struct runtime_loaded_container *l, husk_error *err)
{
    struct runtime_container_config *c = &l->config;
    json_t *layers, *argv, *env, *groups, *cap_add, *cap_drop, *mounts, *res;
    json_int_t uid, gid, memory, shares, quota, period, pids;
    int read_only_root, privileged, no_new_privs, seccomp, tty;
    if (json_unpack(
            l->json,
            "{s:s, s:o, s:b, s:o, s:o, s?s, s:I, s:I, s:o, s:o, s:o, s:b, s:b, s:i, s:o, s:o, s:i, s:b, "
            "s?s}",
            "name", &c->name, "layers", &layers, "read_only_root", &read_only_root, "argv", &argv, "env",
            &env, "cwd", &c->cwd, "uid", &uid, "gid", &gid, "groups", &groups, "cap_add", &cap_add,
            "cap_drop", &cap_drop, "privileged", &privileged, "no_new_privs", &no_new_privs, "seccomp",
            &seccomp, "mounts", &mounts, "resources", &res, "stop_signal", &c->stop_signal, "tty", &tty,
            "log_path", &c->log_path) < 0 ||
        json_unpack(res, "{s:I, s:I, s:I, s:I, s:I}", "memory", &memory, "cpu_shares", &shares, "cpu_quota",
                    &quota, "cpu_period", &period, "pids", &pids) < 0)
        return husk_error_set(err, EINVAL, "malformed container config");
    c->read_only_root = read_only_root;
    c->privileged = privileged;
    c->no_new_privs = no_new_privs;
    c->seccomp = (enum runtime_seccomp)seccomp;
    c->tty = tty;
    /* Optional: 0 is not written, and configs written before it have none. */
    json_unpack(l->json, "{s?i}", "oom_score_adj", &c->oom_score_adj);
    json_int_t log_max_bytes = 0;
    /* Optional: configs written before log rotation have none. */
    if (json_unpack(json_object_get(l->json, "log_rotate"), "{s:I, s:i}", "max_bytes", &log_max_bytes,
                    "max_files", &c->log_max_files) == 0)
        c->log_max_bytes = log_max_bytes;
    c->uid = (uid_t)uid;
    c->gid = (gid_t)gid;
    c->resources = (struct runtime_resources){memory, (uint64_t)shares, quota, (uint64_t)period, pids};
    json_t *arrays[5] = {layers, argv, env, cap_add, cap_drop};
    for (int i = 0; i < 5; i++)
        if ((l->string_arrays[i] = strings_of(arrays[i])) == NULL)
            return husk_error_set(err, EINVAL, "malformed string list in container config");
    c->rootfs_layers = l->string_arrays[0];
    c->argv = l->string_arrays[1];
    c->env = l->string_arrays[2];
    c->capabilities_add = l->string_arrays[3];
    c->capabilities_drop = l->string_arrays[4];
    size_t n = json_array_size(groups);
    l->groups = calloc(n + 1, sizeof *l->groups);
    if (l->groups == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        l->groups[i] = (gid_t)json_integer_value(json_array_get(groups, i));
    c->supplementary_groups = l->groups;
    c->supplementary_group_count = n;
    return load_mounts(l, mounts, err);
}

int runtime_container_config_load(const char *path, struct runtime_loaded_container **ret_loaded,
                                  husk_error *err)
{
    struct runtime_loaded_container *l = calloc(1, sizeof *l);
    if (l == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    json_error_t jerr;
    l->json = json_load_file(path, 0, &jerr);
    if (l->json == NULL) {
        runtime_loaded_container_free(l);
        return husk_error_set(err, EINVAL, "reading %s: %s", path, jerr.text);
    }
    if (load_fields(l, err) < 0) {
        runtime_loaded_container_free(l);
        return husk_error_wrap(err, "%s", path);
    }
    *ret_loaded = l;
    return 0;
}

void runtime_loaded_container_free(struct runtime_loaded_container *l)
{
    if (l == NULL)
        return;
    for (int i = 0; i < 5; i++)
        free(l->string_arrays[i]);
    free(l->groups);
    free(l->mounts);
    json_decref(l->json);
    free(l);
}

int runtime_sandbox_info_save(const struct runtime_sandbox_config *c, const char *cgroup_path,
                              const char *path, husk_error *err)
{
    json_t *root =
        json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b}", "hostname", c->hostname ? c->hostname : c->pod_name,
                  "cgroup_path", cgroup_path, "log_dir", c->log_dir ? c->log_dir : c->state_dir,
                  "share_process_namespace", c->share_process_namespace, "host_network", c->host_network,
                  "host_ipc", c->host_ipc, "host_pid", c->host_pid);
    if (root == NULL)
        return husk_error_set(err, EINVAL, "encoding the sandbox config of pod %s", c->pod_name);
    cleanup_free char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text == NULL ? husk_error_set(err, ENOMEM, "out of memory")
                        : runtime_write_file_atomic(path, text, err);
}

int runtime_sandbox_info_load(const char *path, struct runtime_sandbox_info *ret, husk_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        return husk_error_set(err, EINVAL, "reading %s: %s", path, jerr.text);
    const char *hostname, *cgroup_path, *log_dir;
    int share = 0, net = 0, ipc = 0, pid = 0;
    int r = json_unpack(root, "{s:s, s:s, s:s, s:b, s:b, s:b, s:b}", "hostname", &hostname, "cgroup_path",
                        &cgroup_path, "log_dir", &log_dir, "share_process_namespace", &share, "host_network",
                        &net, "host_ipc", &ipc, "host_pid", &pid);
    if (r == 0) {
        snprintf(ret->hostname, sizeof ret->hostname, "%s", hostname);
        snprintf(ret->cgroup_path, sizeof ret->cgroup_path, "%s", cgroup_path);
        snprintf(ret->log_dir, sizeof ret->log_dir, "%s", log_dir);
        ret->share_process_namespace = share;
        ret->host_network = net;
        ret->host_ipc = ipc;
        ret->host_pid = pid;
    }
    json_decref(root);
    return r < 0 ? husk_error_set(err, EINVAL, "malformed sandbox config %s", path) : 0;
}
