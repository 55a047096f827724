/* See pod_config.h. */
#include "node/pod_config.h"

#include "node/etc_files.h"
#include "node/volumes.h"
#include "objects/pod.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* Linux's CFS period; Kubernetes converts CPU limits into quota over it (pkg/kubelet/cm: MilliCPUToQuota). */
#define CFS_PERIOD_US 100000
#define MIN_SHARES    2
/* Unless a node setting says otherwise, a pod may run this many processes: a fork bomb stays in its pod. */
#define POD_PIDS_LIMIT 4096

int node_parse_signal(const char *text)
{
    static const struct {
        const char *name;
        int number;
    } signals[] = {{"HUP", SIGHUP},     {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
                   {"USR1", SIGUSR1},   {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP},
                   {"WINCH", SIGWINCH}, {"PWR", SIGPWR}};
    if (text == NULL || text[0] == '\0')
        return 0;
    char *end;
    long n = strtol(text, &end, 10);
    if (*end == '\0')
        return n > 0 && n < 65 ? (int)n : 0;
    const char *name = strncmp(text, "SIG", 3) == 0 ? text + 3 : text;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (strcmp(signals[i].name, name) == 0)
            return signals[i].number;
    return 0;
}

static const char **strings_of(const json_t *array, const char *const *env, struct husk_arena *arena,
                               size_t extra, size_t *ret_count)
{
    size_t n = json_array_size(array), count = 0, i;
    const char **out = husk_arena_alloc(arena, (n + extra + 1) * sizeof *out);
    json_t *v;
    if (out == NULL)
        return NULL;
    json_array_foreach(array, i, v)
    {
        if (json_is_string(v))
            out[count++] = env != NULL ? node_expand(json_string_value(v), env, arena)
                                       : husk_arena_strdup(arena, json_string_value(v));
    }
    *ret_count = count;
    return out;
}

int node_container_argv(const json_t *container, const struct image_config *image_config,
                        const char *const *env, struct husk_arena *arena, const char ***ret_argv,
                        husk_error *err)
{
    size_t n;
    const char **command = strings_of(objects_get_array(container, "command"), env, arena, 0, &n);
    const char **args = strings_of(objects_get_array(container, "args"), env, arena, 0, &n);
    static const struct image_config no_image;
    char **argv = NULL;
    if (command == NULL || args == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    if (image_container_command(image_config ? image_config : &no_image, (char *const *)command,
                                (char *const *)args, &argv, err) < 0)
        return -1;
    size_t count = image_strv_length(argv);
    const char **copy = husk_arena_alloc(arena, (count + 1) * sizeof *copy);
    for (size_t i = 0; copy != NULL && i < count; i++)
        copy[i] = husk_arena_strdup(arena, argv[i]);
    image_strv_free(argv);
    if (copy == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    *ret_argv = copy;
    return 0;
}

static int64_t milli(const json_t *container, const char *kind, const char *resource)
{
    int64_t v = 0;
    return objects_container_resource_milli(container, kind, resource, &v) ? v : 0;
}

static void container_resources(const json_t *container, struct runtime_resources *r)
{
    int64_t memory = milli(container, "limits", "memory");
    int64_t cpu_request = milli(container, "requests", "cpu");
    int64_t cpu_limit = milli(container, "limits", "cpu");
    r->memory_limit_bytes = memory / 1000;
    /* MilliCPUToShares: no request gives the minimum of 2. */
    uint64_t shares = (uint64_t)cpu_request * 1024 / 1000;
    r->cpu_shares = shares < MIN_SHARES ? MIN_SHARES : shares;
    if (cpu_limit > 0) {
        r->cpu_period_us = CFS_PERIOD_US;
        r->cpu_quota_us = cpu_limit * CFS_PERIOD_US / 1000;
        if (r->cpu_quota_us < 1000)
            r->cpu_quota_us = 1000; /* the kernel's minimum quota */
    }
}

/* The kubelet's OOM score policy (pkg/kubelet/qos/policy.go): Guaranteed and node-critical pods' containers
 * last, BestEffort first, Burstable between by the share of the node's memory they request, a sidecar no
 * likelier than the pod's regular container that requests least. (The supervisor takes the infra
 * container's -998, below them all: runtime/supervisor.c.) */
#define GUARANTEED_OOM_SCORE_ADJ (-997)
#define BESTEFFORT_OOM_SCORE_ADJ 1000

static int64_t burstable_oom_score_adj(int64_t memory_request, int64_t capacity)
{
    return capacity > 0 ? 1000 - (int64_t)((__int128)1000 * memory_request / capacity) : 1000;
}

static int container_oom_score_adj(const json_t *pod, const json_t *container, int64_t capacity)
{
    const char *priority_class = objects_get_string(objects_pod_spec(pod), "priorityClassName");
    const char *qos = objects_pod_qos_class(pod);
    if (strcmp(qos, "Guaranteed") == 0 ||
        (priority_class && strcmp(priority_class, "system-node-critical") == 0))
        return GUARANTEED_OOM_SCORE_ADJ;
    if (strcmp(qos, "BestEffort") == 0)
        return BESTEFFORT_OOM_SCORE_ADJ;
    int64_t adj = burstable_oom_score_adj(milli(container, "requests", "memory") / 1000, capacity);
    if (objects_container_is_sidecar(container)) {
        int64_t least = INT64_MAX;
        size_t i;
        json_t *c;
        json_array_foreach(objects_pod_containers(pod), i, c)
        {
            int64_t m = milli(c, "requests", "memory") / 1000;
            if (m < least)
                least = m;
        }
        int64_t regular = burstable_oom_score_adj(least, capacity);
        if (adj > regular)
            adj = regular;
    }
    if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ)
        return 1000 + GUARANTEED_OOM_SCORE_ADJ;
    return adj == BESTEFFORT_OOM_SCORE_ADJ ? BESTEFFORT_OOM_SCORE_ADJ - 1 : (int)adj;
}

/* The pod cgroup's limit is the sum of the containers' when every app container has one (the kubelet's
 * ResourceConfigForPod); init containers run alone, so the larger of the two counts. */
static void pod_resources(const json_t *pod, struct runtime_resources *r)
{
    int64_t sum = 0, init_max = 0;
    bool all_limited = true;
    size_t i;
    json_t *c;
    json_array_foreach(objects_pod_containers(pod), i, c)
    {
        int64_t m = milli(c, "limits", "memory") / 1000;
        all_limited = all_limited && m > 0;
        sum += m;
    }
    json_array_foreach(objects_pod_init_containers(pod), i, c)
    {
        int64_t m = milli(c, "limits", "memory") / 1000;
        if (objects_container_is_sidecar(c))
            sum += m, all_limited = all_limited && m > 0;
        else if (m > init_max)
            init_max = m;
    }
    r->memory_limit_bytes = all_limited ? (sum > init_max ? sum : init_max) : 0;
    r->pids_limit = POD_PIDS_LIMIT;
}

int node_sandbox_config(const json_t *pod, const char *pod_dir, const char *log_dir,
                        const char *host_resolv_conf, const char *pod_ip, struct husk_arena *arena,
                        struct runtime_sandbox_config *ret, husk_error *err)
{
    const json_t *spec = objects_pod_spec(pod);
    const json_t *meta = objects_get_object(pod, "metadata");
    struct runtime_sandbox_config c = {0};
    bool flag = false;
    c.pod_uid = objects_get_string(meta, "uid");
    c.pod_name = objects_meta_name(pod);
    c.pod_namespace = objects_meta_namespace(pod);
    c.hostname = node_pod_hostname(pod, arena);
    c.share_process_namespace = objects_get_bool(spec, "shareProcessNamespace", &flag) && flag;
    c.host_network = objects_get_bool(spec, "hostNetwork", &flag) && flag;
    c.host_ipc = objects_get_bool(spec, "hostIPC", &flag) && flag;
    c.host_pid = objects_get_bool(spec, "hostPID", &flag) && flag;
    c.etc_hosts = node_etc_hosts(pod, pod_ip, arena);
    c.etc_hostname = husk_arena_printf(arena, "%s\n", c.hostname);
    char *resolv = NULL;
    if (node_resolv_conf(pod, host_resolv_conf, arena, &resolv, err) < 0)
        return -1;
    c.etc_resolv_conf = resolv;
    pod_resources(pod, &c.resources);
    c.log_dir = log_dir;
    c.state_dir = husk_arena_printf(arena, "%s/sandbox", pod_dir);
    if (c.pod_uid == NULL || c.hostname == NULL || c.etc_hosts == NULL || c.state_dir == NULL)
        return husk_error_set(err, EINVAL, "pod %s has no uid", c.pod_name ? c.pod_name : "(unnamed)");
    *ret = c;
    return 0;
}

/* runAsUser/runAsGroup from the container's securityContext, else the pod's, else the image's User
 * ("uid", "uid:gid", "root"); names other than root need the image's /etc/passwd, which husk does not read
 * yet. */
static int container_user(const json_t *pod, const json_t *container, const struct image_config *image_config,
                          uid_t *uid, gid_t *gid, husk_error *err)
{
    const json_t *csc = objects_get_object(container, "securityContext");
    const json_t *psc = objects_get_object(objects_pod_spec(pod), "securityContext");
    int64_t v;
    *uid = 0;
    *gid = 0;
    const char *user = image_config != NULL ? image_config->user : NULL;
    if (user != NULL && user[0] != '\0' && strcmp(user, "root") != 0) {
        char *end;
        unsigned long u = strtoul(user, &end, 10);
        if (end == user || (*end != '\0' && *end != ':'))
            return husk_error_set(err, EINVAL,
                                  "image user \"%s\" is not numeric; husk supports numeric users only", user);
        *uid = (uid_t)u;
        if (*end == ':')
            *gid = (gid_t)strtoul(end + 1, NULL, 10);
    }
    if (objects_get_int(csc, "runAsUser", &v) || objects_get_int(psc, "runAsUser", &v))
        *uid = (uid_t)v;
    if (objects_get_int(csc, "runAsGroup", &v) || objects_get_int(psc, "runAsGroup", &v))
        *gid = (gid_t)v;
    bool non_root = false;
    if ((objects_get_bool(csc, "runAsNonRoot", &non_root) ||
         objects_get_bool(psc, "runAsNonRoot", &non_root)) &&
        non_root && *uid == 0)
        return husk_error_set(err, EPERM,
                              "container has runAsNonRoot and image will run as root (pod: \"%s_%s(%s)\", "
                              "container: %s)",
                              objects_meta_name(pod), objects_meta_namespace(pod),
                              objects_get_string(objects_get_object(pod, "metadata"), "uid"),
                              objects_get_string(container, "name"));
    return 0;
}

static void container_security(const json_t *pod, const json_t *container, struct husk_arena *arena,
                               struct runtime_container_config *c)
{
    const json_t *csc = objects_get_object(container, "securityContext");
    const json_t *psc = objects_get_object(objects_pod_spec(pod), "securityContext");
    bool flag = false;
    c->privileged = objects_get_bool(csc, "privileged", &flag) && flag;
    c->no_new_privs = objects_get_bool(csc, "allowPrivilegeEscalation", &flag) && !flag;
    c->read_only_root = objects_get_bool(csc, "readOnlyRootFilesystem", &flag) && flag;
    size_t n;
    c->capabilities_add =
        strings_of(objects_get_array(objects_get_object(csc, "capabilities"), "add"), NULL, arena, 0, &n);
    c->capabilities_drop =
        strings_of(objects_get_array(objects_get_object(csc, "capabilities"), "drop"), NULL, arena, 0, &n);
    /* Kubernetes runs containers Unconfined unless a seccompProfile (or the kubelet's SeccompDefault) says
     * so. */
    const char *profile = objects_get_string(objects_get_object(csc, "seccompProfile"), "type");
    if (profile == NULL)
        profile = objects_get_string(objects_get_object(psc, "seccompProfile"), "type");
    c->seccomp = profile != NULL && strcmp(profile, "RuntimeDefault") == 0 ? RUNTIME_SECCOMP_RUNTIME_DEFAULT
                                                                           : RUNTIME_SECCOMP_UNCONFINED;
    size_t count = 0, i;
    json_t *g;
    json_t *groups = objects_get_array(psc, "supplementalGroups");
    gid_t *gids = husk_arena_alloc(arena, (json_array_size(groups) + 1) * sizeof *gids);
    json_array_foreach(groups, i, g)
    {
        if (gids != NULL && json_is_integer(g))
            gids[count++] = (gid_t)json_integer_value(g);
    }
    c->supplementary_groups = gids;
    c->supplementary_group_count = gids != NULL ? count : 0;
}

int node_container_config(const json_t *pod, const json_t *container, const struct node_image_info *image,
                          const struct node_pod_facts *facts, const char *pod_dir, const char *log_path,
                          struct husk_arena *arena, struct runtime_container_config *ret, husk_error *err)
{
    struct runtime_container_config c = {0};
    const struct image_config *image_config = image->config;
    const char **env = NULL, **argv = NULL;
    c.name = objects_get_string(container, "name");
    c.rootfs_layers = image->layers;
    if (node_container_env(pod, container, image_config ? image_config->env : NULL, facts, arena, &env, err) <
        0)
        return -1;
    c.env = env;
    if (node_container_argv(container, image_config, env, arena, &argv, err) < 0)
        return -1;
    c.argv = argv;
    c.cwd = objects_get_string(container, "workingDir");
    if (c.cwd == NULL || c.cwd[0] == '\0')
        c.cwd = image_config != NULL ? image_config->working_dir : NULL;
    if (c.cwd != NULL && c.cwd[0] == '\0')
        c.cwd = NULL;
    if (container_user(pod, container, image_config, &c.uid, &c.gid, err) < 0)
        return -1;
    container_security(pod, container, arena, &c);
    struct runtime_mount *mounts = NULL;
    if (node_container_mounts(pod, container, env, pod_dir, arena, &mounts, &c.mount_count, err) < 0)
        return -1;
    c.mounts = mounts;
    container_resources(container, &c.resources);
    c.oom_score_adj = container_oom_score_adj(pod, container, facts->node_allocatable_memory);
    c.stop_signal = node_parse_signal(image_config != NULL ? image_config->stop_signal : NULL);
    bool tty = false;
    c.tty = objects_get_bool(container, "tty", &tty) && tty;
    c.log_path = log_path;
    *ret = c;
    return 0;
}
