/* See projected.h. */
#include "node/projected.h"

#include "base/arena.h"
#include "base/cleanup.h"
#include "base/hex.h"
#include "objects/pod.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Kubernetes' default file mode for these volumes (defaultMode 420). */
#define DEFAULT_MODE 0644
#define MAX_FILES    1024

struct file {
    const char *path; /* relative, checked */
    const char *data;
    size_t len;
    mode_t mode;
};

struct payload {
    struct file files[MAX_FILES];
    size_t count;
    struct husk_arena *arena;
};

bool node_projected_volume(const json_t *volume)
{
    return objects_get_object(volume, "configMap") || objects_get_object(volume, "secret") ||
           objects_get_object(volume, "downwardAPI") || objects_get_object(volume, "projected");
}

/* A relative path without "..", empty or dot-led components ("..data" is ours). */
static bool safe_path(const char *path)
{
    if (path == NULL || path[0] == '\0' || path[0] == '/' || strncmp(path, "..", 2) == 0)
        return false;
    for (const char *p = path; *p != '\0'; p++)
        if (p[0] == '/' && (p[1] == '/' || p[1] == '\0' || (p[1] == '.' && p[2] == '.')))
            return false;
    return true;
}

static int add(struct payload *p, const char *path, const char *data, size_t len, mode_t mode,
               husk_error *err)
{
    if (!safe_path(path))
        return husk_error_set(err, EINVAL, "invalid path %s in the volume", path ? path : "");
    if (p->count == MAX_FILES)
        return husk_error_set(err, E2BIG, "more than %d files in the volume", MAX_FILES);
    p->files[p->count++] = (struct file){husk_arena_strdup(p->arena, path), data, len, mode};
    return 0;
}

static mode_t mode_of(const json_t *spec, const json_t *item, mode_t fallback)
{
    int64_t m;
    if (objects_get_int(item, "mode", &m) || objects_get_int(spec, "defaultMode", &m))
        return (mode_t)m & 07777;
    return fallback;
}

/* A ConfigMap's or Secret's value of key, decoded, in the arena (the object is freed before the files
 * are written); NULL when it has none. */
static const char *object_value(const json_t *object, bool secret, const char *key, struct husk_arena *arena,
                                size_t *ret_len)
{
    const json_t *data = objects_get_object(object, "data");
    const char *v = objects_get_string(data, key);
    if (v != NULL && secret)
        v = node_secret_value(v, arena);
    else if (v != NULL)
        v = husk_arena_strdup(arena, v);
    else if (secret)
        v = husk_arena_strdup(arena, objects_get_string(objects_get_object(object, "stringData"), key));
    else if ((v = objects_get_string(objects_get_object(object, "binaryData"), key)) != NULL)
        v = node_secret_value(v, arena);
    *ret_len = v != NULL ? strlen(v) : 0;
    return v;
}

static int add_object(struct payload *p, const json_t *pod, const json_t *spec, bool secret, mode_t mode,
                      const struct node_pod_facts *facts, husk_error *err)
{
    const char *name = objects_get_string(spec, secret ? "secretName" : "name");
    if (name == NULL)
        name = objects_get_string(spec, "name");
    bool optional = false;
    objects_get_bool(spec, "optional", &optional);
    json_t *object = NULL;
    if (facts->lookup != NULL && facts->lookup(facts->lookup_data, secret ? "secrets" : "configmaps",
                                               objects_meta_namespace(pod), name, &object, err) < 0)
        return -1;
    if (object == NULL)
        return optional ? 0
                        : husk_error_set(err, ENOENT, "%s \"%s\" not found", secret ? "secret" : "configmap",
                                         name ? name : "");
    int r = 0;
    json_t *items = objects_get_array(spec, "items");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        size_t len;
        const char *key = objects_get_string(item, "key");
        const char *v = key ? object_value(object, secret, key, p->arena, &len) : NULL;
        if (v == NULL && !optional) {
            r = husk_error_set(err, ENOENT, "%s references non-existent %s key: %s",
                               secret ? "secret" : "configmap", secret ? "secret" : "config", key ? key : "");
            break;
        }
        if (v != NULL &&
            (r = add(p, objects_get_string(item, "path"), v, len, mode_of(spec, item, mode), err)) < 0)
            break;
    }
    const char *sections[] = {"data", secret ? "stringData" : "binaryData"};
    for (size_t s = 0; r == 0 && json_array_size(items) == 0 && s < 2; s++) {
        const char *key;
        json_t *value;
        json_object_foreach(objects_get_object(object, sections[s]), key, value)
        {
            size_t len;
            const char *v = object_value(object, secret, key, p->arena, &len);
            if (v != NULL && (r = add(p, key, v, len, mode_of(spec, NULL, mode), err)) < 0)
                break;
        }
    }
    json_decref(object);
    return r;
}

/* metadata.labels or metadata.annotations as a file: sorted key="value" lines. */
static const char *map_file(const json_t *map, struct husk_arena *arena)
{
    const char *keys[512];
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)map, key, value)
    {
        if (n < 512)
            keys[n++] = key;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (size_t i = 0; f != NULL && i < n; i++) {
        fprintf(f, "%s%s=\"", i ? "\n" : "", keys[i]);
        for (const char *c = json_string_value(json_object_get(map, keys[i])); c && *c; c++) {
            if (*c == '"' || *c == '\\')
                fputc('\\', f);
            if (*c == '\n')
                fputs("\\n", f);
            else
                fputc(*c, f);
        }
        fputc('"', f);
    }
    if (f != NULL)
        fclose(f);
    char *copy = husk_arena_strdup(arena, out ? out : "");
    free(out);
    return copy;
}

static int add_downward(struct payload *p, const json_t *pod, const json_t *spec, mode_t mode,
                        const struct node_pod_facts *facts, husk_error *err)
{
    size_t i;
    json_t *item;
    json_array_foreach(objects_get_array(spec, "items"), i, item)
    {
        const char *value = NULL;
        json_t *field = objects_get_object(item, "fieldRef");
        const char *path = field ? objects_get_string(field, "fieldPath") : NULL;
        if (path != NULL &&
            (strcmp(path, "metadata.labels") == 0 || strcmp(path, "metadata.annotations") == 0))
            value = map_file(objects_get_object(objects_get_object(pod, "metadata"), path + 9), p->arena);
        else if (field != NULL && node_field_ref_value(pod, field, facts, p->arena, &value, err) < 0)
            return -1;
        else if (field == NULL &&
                 node_resource_ref_value(pod, NULL, objects_get_object(item, "resourceFieldRef"), facts,
                                         p->arena, &value, err) < 0)
            return -1;
        if (add(p, objects_get_string(item, "path"), value, strlen(value ? value : ""),
                mode_of(spec, item, mode), err) < 0)
            return -1;
    }
    return 0;
}

static int payload_of(const json_t *pod, const json_t *volume, const struct node_pod_facts *facts,
                      struct payload *p, husk_error *err)
{
    json_t *spec;
    if ((spec = objects_get_object(volume, "configMap")) != NULL)
        return add_object(p, pod, spec, false, DEFAULT_MODE, facts, err);
    if ((spec = objects_get_object(volume, "secret")) != NULL)
        return add_object(p, pod, spec, true, DEFAULT_MODE, facts, err);
    if ((spec = objects_get_object(volume, "downwardAPI")) != NULL)
        return add_downward(p, pod, spec, mode_of(spec, NULL, DEFAULT_MODE), facts, err);
    spec = objects_get_object(volume, "projected");
    mode_t mode = mode_of(spec, NULL, DEFAULT_MODE);
    size_t i;
    json_t *source, *s;
    json_array_foreach(objects_get_array(spec, "sources"), i, source)
    {
        int r = 0;
        if ((s = objects_get_object(source, "configMap")) != NULL)
            r = add_object(p, pod, s, false, mode, facts, err);
        else if ((s = objects_get_object(source, "secret")) != NULL)
            r = add_object(p, pod, s, true, mode, facts, err);
        else if ((s = objects_get_object(source, "downwardAPI")) != NULL)
            r = add_downward(p, pod, s, mode, facts, err);
        else
            r = husk_error_set(err, ENOTSUP, "projected source %s is not supported by husk yet",
                               json_object_iter_key(json_object_iter(source)));
        if (r < 0)
            return -1;
    }
    return 0;
}

/* A digest of the payload, kept beside the volume, so an unchanged payload is not rewritten. */
static void digest_of(const struct payload *p, char out[65])
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    for (size_t i = 0; i < p->count; i++) {
        char head[64];
        snprintf(head, sizeof head, "|%zu|%o|", p->files[i].len, (unsigned)p->files[i].mode);
        sha256_update(&ctx, strlen(p->files[i].path) + 1, (const uint8_t *)p->files[i].path);
        sha256_update(&ctx, strlen(head), (const uint8_t *)head);
        sha256_update(&ctx, p->files[i].len, (const uint8_t *)p->files[i].data);
    }
    uint8_t md[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof md, md);
    husk_hex_encode(md, sizeof md, out);
}

static int write_file(const char *dir, const struct file *f, husk_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, f->path) >= (int)sizeof path)
        return husk_error_set(err, ENAMETOOLONG, "path %s in the volume is too long", f->path);
    for (char *s = strchr(path + strlen(dir) + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || write(fd, f->data, f->len) != (ssize_t)f->len || fchmod(fd, f->mode) < 0)
        return husk_error_set_errno(err, errno, "writing %s", path);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Swaps ..data to the new timestamped dir, then links each top-level name through it and drops the old
 * dir and names no longer there. */
static int swap_in(const char *dir, const char *stamp, const struct payload *p, husk_error *err)
{
    char link_tmp[4200], data_link[4200], old[4096] = "";
    snprintf(link_tmp, sizeof link_tmp, "%s/..data_tmp", dir);
    snprintf(data_link, sizeof data_link, "%s/..data", dir);
    ssize_t n = readlink(data_link, old, sizeof old - 1);
    old[n > 0 ? n : 0] = '\0';
    unlink(link_tmp);
    if (symlink(stamp, link_tmp) < 0 || rename(link_tmp, data_link) < 0)
        return husk_error_set_errno(err, errno, "swapping %s", data_link);
    for (size_t i = 0; i < p->count; i++) {
        char top[1024], target[1100], link[5200];
        snprintf(top, sizeof top, "%s", p->files[i].path);
        char *slash = strchr(top, '/');
        if (slash != NULL)
            *slash = '\0';
        snprintf(target, sizeof target, "..data/%s", top);
        snprintf(link, sizeof link, "%s/%s", dir, top);
        if (symlink(target, link) < 0 && errno != EEXIST)
            return husk_error_set_errno(err, errno, "linking %s", link);
    }
    cleanup_closedir DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[4400], target[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (old[0] != '\0' && strcmp(e->d_name, old) == 0)
            nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        /* A user-visible link whose name left the payload now points nowhere: remove it. */
        n = e->d_name[0] != '.' ? readlink(path, target, sizeof target - 1) : -1;
        if (n > 0 && access(path, F_OK) < 0)
            unlink(path);
    }
    return 0;
}

int node_projected_update(const json_t *pod, const json_t *volume, const struct node_pod_facts *facts,
                          const char *dir, bool *ret_changed, husk_error *err)
{
    struct husk_arena arena = {0};
    struct payload *p = calloc(1, sizeof *p);
    *ret_changed = false;
    if (p == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    p->arena = &arena;
    int r = payload_of(pod, volume, facts, p, err);
    char digest[65], digest_path[4200], old[65] = "";
    snprintf(digest_path, sizeof digest_path, "%s.digest", dir);
    if (r == 0) {
        digest_of(p, digest);
        FILE *in = fopen(digest_path, "re");
        if (in != NULL) {
            if (fscanf(in, "%64s", old) != 1)
                old[0] = '\0';
            fclose(in);
        }
    }
    if (r == 0 && strcmp(old, digest) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char stamp[64], stamped[4200];
        snprintf(stamp, sizeof stamp, "..%04d_%02d_%02d_%02d_%02d_%02d.%09ld", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
        snprintf(stamped, sizeof stamped, "%s/%s", dir, stamp);
        mkdir(dir, 0755);
        if (mkdir(stamped, 0755) < 0)
            r = husk_error_set_errno(err, errno, "creating %s", stamped);
        for (size_t i = 0; r == 0 && i < p->count; i++)
            r = write_file(stamped, &p->files[i], err);
        if (r == 0)
            r = swap_in(dir, stamp, p, err);
        FILE *out = r == 0 ? fopen(digest_path, "we") : NULL;
        if (out != NULL) {
            fputs(digest, out);
            fclose(out);
        }
        *ret_changed = r == 0;
    }
    free(p);
    husk_arena_free(&arena);
    return r;
}
