/* See volumes.h. */
#include "node/volumes.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "node/env.h"
#include "node/projected.h"
#include "objects/pod.h"
#include "objects/quantity.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Volume names are DNS labels after validation; refuse anything else before it becomes a path. */
static bool safe_component(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
           strcmp(name, "..") != 0;
}

/* The kubelet's hostPath type checks (pkg/volume/hostpath: checkType). */
static int host_path_check(const char *name, const char *path, const char *type, husk_error *err)
{
    struct stat st;
    if (type == NULL || type[0] == '\0')
        return 0;
    if (strcmp(type, "DirectoryOrCreate") == 0 && stat(path, &st) < 0) {
        if (husk_mkdir_p(path, 0755, err) < 0)
            return husk_error_wrap(err, "MountVolume.SetUp failed for volume \"%s\"", name);
    }
    if (strcmp(type, "FileOrCreate") == 0 && stat(path, &st) < 0) {
        cleanup_close int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
            return husk_error_set_errno(err, errno, "MountVolume.SetUp failed for volume \"%s\" : create %s",
                                        name, path);
    }
    static const struct {
        const char *type, *what;
        mode_t mode;
    } checks[] = {
        {"DirectoryOrCreate", "a directory", S_IFDIR}, {"Directory", "a directory", S_IFDIR},
        {"FileOrCreate", "a file", S_IFREG},           {"File", "a file", S_IFREG},
        {"Socket", "a socket file", S_IFSOCK},         {"CharDevice", "a character device", S_IFCHR},
        {"BlockDevice", "a block device", S_IFBLK},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (strcmp(type, checks[i].type) != 0)
            continue;
        if (stat(path, &st) < 0 || (st.st_mode & S_IFMT) != checks[i].mode)
            return husk_error_set(
                err, ENOTDIR,
                "MountVolume.SetUp failed for volume \"%s\" : hostPath type check failed: %s is "
                "not %s",
                name, path, checks[i].what);
        return 0;
    }
    return husk_error_set(
        err, EINVAL, "MountVolume.SetUp failed for volume \"%s\" : invalid hostPath type %s", name, type);
}

static bool empty_dir_in_memory(const json_t *volume)
{
    const char *medium = objects_get_string(objects_get_object(volume, "emptyDir"), "medium");
    return medium != NULL && strcmp(medium, "Memory") == 0;
}

void node_volumes_teardown(const json_t *pod, const char *pod_dir)
{
    size_t i;
    json_t *volume;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, volume)
    {
        const char *name = objects_get_string(volume, "name");
        if (!empty_dir_in_memory(volume) || !safe_component(name))
            continue;
        char dir[4096];
        husk_error err = {0};
        snprintf(dir, sizeof dir, "%s/volumes/%s", pod_dir, name);
        runtime_volume_unmount(dir, &err);
    }
}

int node_volumes_refresh(const json_t *pod, const char *pod_dir, const struct node_pod_facts *facts,
                         husk_error *err)
{
    size_t i;
    json_t *volume;
    int changed = 0;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, volume)
    {
        const char *name = objects_get_string(volume, "name");
        if (!node_projected_volume(volume) || !safe_component(name))
            continue;
        char dir[4096];
        bool updated = false;
        snprintf(dir, sizeof dir, "%s/volumes/%s", pod_dir, name);
        if (node_projected_update(pod, volume, facts, dir, &updated, err) < 0)
            return husk_error_wrap(err, "MountVolume.SetUp failed for volume \"%s\"", name);
        changed += updated;
    }
    return changed;
}

int node_volumes_prepare(const json_t *pod, const char *pod_dir, const struct node_pod_facts *facts,
                         husk_error *err)
{
    char volumes_dir[4096];
    snprintf(volumes_dir, sizeof volumes_dir, "%s/volumes", pod_dir);
    if (husk_mkdir_p(volumes_dir, 0755, err) < 0)
        return -1;
    if (node_volumes_refresh(pod, pod_dir, facts, err) < 0)
        return -1;
    size_t i;
    json_t *volume;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, volume)
    {
        const char *name = objects_get_string(volume, "name");
        if (!safe_component(name))
            return husk_error_set(err, EINVAL, "spec.volumes[%zu].name: invalid volume name", i);
        json_t *host_path = objects_get_object(volume, "hostPath");
        if (objects_get_object(volume, "emptyDir") != NULL) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s/volumes/%s", pod_dir, name);
            if (husk_mkdir_p(dir, 0777, err) < 0)
                return husk_error_wrap(err, "MountVolume.SetUp failed for volume \"%s\"", name);
            /* emptyDir is world-writable, as the kubelet makes it, so non-root containers can use it. */
            chmod(dir, 0777);
            if (empty_dir_in_memory(volume)) {
                int64_t size = 0;
                struct objects_quantity q;
                json_t *limit = json_object_get(objects_get_object(volume, "emptyDir"), "sizeLimit");
                if (limit != NULL && objects_quantity_from_json(limit, &q, err) == 0)
                    size = objects_quantity_value(&q);
                if (runtime_volume_mount_tmpfs(dir, size > 0 ? (uint64_t)size : 0, err) < 0)
                    return husk_error_wrap(err, "MountVolume.SetUp failed for volume \"%s\"", name);
            }
        } else if (host_path != NULL) {
            const char *path = objects_get_string(host_path, "path");
            if (path == NULL || path[0] != '/')
                return husk_error_set(err, EINVAL,
                                      "MountVolume.SetUp failed for volume \"%s\" : hostPath.path must be "
                                      "absolute",
                                      name);
            if (host_path_check(name, path, objects_get_string(host_path, "type"), err) < 0)
                return -1;
        } else if (!node_projected_volume(volume)) {
            const char *key = json_object_iter_key(json_object_iter(volume));
            for (void *it = json_object_iter(volume); it != NULL; it = json_object_iter_next(volume, it))
                if (strcmp(json_object_iter_key(it), "name") != 0)
                    key = json_object_iter_key(it);
            return husk_error_set(
                err, ENOTSUP,
                "MountVolume.SetUp failed for volume \"%s\" : volume type %s is not supported by "
                "husk yet",
                name, key ? key : "(none)");
        }
    }
    return 0;
}

static json_t *find_volume(const json_t *pod, const char *name)
{
    size_t i;
    json_t *volume;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, volume)
    {
        const char *n = objects_get_string(volume, "name");
        if (n != NULL && name != NULL && strcmp(n, name) == 0)
            return volume;
    }
    return NULL;
}

char *node_termination_log_path(const char *pod_dir, const char *container, struct husk_arena *arena)
{
    return husk_arena_printf(arena, "%s/containers/%s/termination-log", pod_dir, container);
}

static int termination_mount(const json_t *container, const char *pod_dir, struct husk_arena *arena,
                             struct runtime_mount *m, husk_error *err)
{
    const char *name = objects_get_string(container, "name");
    const char *dest = objects_get_string(container, "terminationMessagePath");
    char *path = node_termination_log_path(pod_dir, name, arena);
    char *dir = husk_arena_printf(arena, "%s/containers/%s", pod_dir, name);
    if (path == NULL || dir == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    if (husk_mkdir_p(dir, 0755, err) < 0)
        return -1;
    cleanup_close int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return husk_error_set_errno(err, errno, "create %s", path);
    fchmod(fd, 0666); /* any user in the container may write its message */
    *m = (struct runtime_mount){.source = path, .destination = dest ? dest : "/dev/termination-log"};
    return 0;
}

int node_container_mounts(const json_t *pod, const json_t *container, const char *const *env,
                          const char *pod_dir, struct husk_arena *arena, struct runtime_mount **ret_mounts,
                          size_t *ret_count, husk_error *err)
{
    json_t *list = objects_get_array(container, "volumeMounts");
    struct runtime_mount *mounts = husk_arena_alloc(arena, (json_array_size(list) + 1) * sizeof *mounts);
    if (mounts == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    size_t n = 0, i;
    json_t *vm;
    json_array_foreach(list, i, vm)
    {
        const char *name = objects_get_string(vm, "name");
        json_t *volume = find_volume(pod, name);
        if (volume == NULL || !safe_component(name))
            return husk_error_set(err, ENOENT, "volumeMounts[%zu]: no volume named \"%s\"", i,
                                  name ? name : "");
        struct runtime_mount *m = &mounts[n++];
        m->destination = objects_get_string(vm, "mountPath");
        bool read_only = false;
        objects_get_bool(vm, "readOnly", &read_only);
        m->read_only = read_only;
        const char *sub_path = objects_get_string(vm, "subPath");
        const char *sub_path_expr = objects_get_string(vm, "subPathExpr");
        if (sub_path_expr != NULL)
            sub_path = node_expand(sub_path_expr, env, arena);
        m->sub_path = sub_path != NULL && sub_path[0] != '\0' ? sub_path : NULL;
        json_t *host_path = objects_get_object(volume, "hostPath");
        if (host_path != NULL)
            m->source = objects_get_string(host_path, "path");
        else
            m->source = husk_arena_printf(arena, "%s/volumes/%s", pod_dir, name);
        if (m->source == NULL || m->destination == NULL)
            return husk_error_set(err, EINVAL, "volumeMounts[%zu]: missing mountPath or source", i);
    }
    if (termination_mount(container, pod_dir, arena, &mounts[n], err) < 0)
        return -1;
    *ret_mounts = mounts;
    *ret_count = n + 1;
    return 0;
}
