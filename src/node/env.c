/* See env.h. */
#include "node/env.h"

#include "base/base64.h"
#include "objects/pod.h"
#include "objects/quantity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of NAME in a "K=V" array of n entries, or NULL. */
static const char *env_lookup(const char *const *env, size_t n, const char *name, size_t name_len)
{
    for (size_t i = n; i-- > 0;) /* the last definition wins */
        if (strncmp(env[i], name, name_len) == 0 && env[i][name_len] == '=')
            return env[i] + name_len + 1;
    return NULL;
}

static size_t env_count(const char *const *env)
{
    size_t n = 0;
    while (env != NULL && env[n] != NULL)
        n++;
    return n;
}

static char *expand_n(const char *text, const char *const *env, size_t env_n, struct husk_arena *arena)
{
    char *out = NULL;
    size_t len = 0;
    FILE *stream = open_memstream(&out, &len);
    if (stream == NULL)
        return NULL;
    for (const char *p = text; *p != '\0';) {
        const char *close = p[0] == '$' && p[1] == '(' ? strchr(p + 2, ')') : NULL;
        if (p[0] == '$' && p[1] == '$') {
            fputc('$', stream); /* "$$" is a literal "$" */
            p += 2;
        } else if (close != NULL) {
            const char *value = env_lookup(env, env_n, p + 2, (size_t)(close - p - 2));
            if (value != NULL)
                fputs(value, stream);
            else
                fwrite(p, 1, (size_t)(close - p + 1), stream);
            p = close + 1;
        } else {
            fputc(*p++, stream);
        }
    }
    fclose(stream);
    char *copy = out != NULL ? husk_arena_strdup(arena, out) : NULL;
    free(out);
    return copy;
}

char *node_expand(const char *text, const char *const *env, struct husk_arena *arena)
{
    return expand_n(text, env, env_count(env), arena);
}

struct env_builder {
    const char **items;
    size_t count, capacity;
    struct husk_arena *arena;
};

static int env_add(struct env_builder *b, const char *name, const char *value, husk_error *err)
{
    if (b->count + 2 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 32;
        const char **items = husk_arena_alloc(b->arena, capacity * sizeof *items);
        if (items == NULL)
            return husk_error_set(err, ENOMEM, "out of memory building the environment");
        if (b->count > 0)
            memcpy(items, b->items, b->count * sizeof *items);
        b->items = items;
        b->capacity = capacity;
    }
    b->items[b->count] = husk_arena_printf(b->arena, "%s=%s", name, value);
    if (b->items[b->count] == NULL)
        return husk_error_set(err, ENOMEM, "out of memory building the environment");
    b->count++;
    b->items[b->count] = NULL;
    return 0;
}

/* metadata.labels['key'] and metadata.annotations['key']. */
static const char *map_field(const json_t *meta, const char *path, const char *map, struct husk_arena *arena)
{
    size_t prefix = strlen(map) + 2; /* "labels['" */
    size_t len = strlen(path);
    if (len < prefix + 2 || strncmp(path, map, strlen(map)) != 0 || strcmp(path + len - 2, "']") != 0)
        return NULL;
    char *key = husk_arena_strdup(arena, path + prefix);
    if (key == NULL)
        return NULL;
    key[len - prefix - 2] = '\0';
    const char *v = objects_get_string(objects_get_object(meta, map), key);
    return v != NULL ? v : "";
}

int node_field_ref_value(const json_t *pod, const json_t *ref, const struct node_pod_facts *facts,
                         struct husk_arena *arena, const char **ret, husk_error *err)
{
    const char *path = objects_get_string(ref, "fieldPath");
    const json_t *meta = objects_get_object(pod, "metadata");
    const char *v = NULL;
    if (path == NULL)
        return husk_error_set(err, EINVAL, "fieldRef without fieldPath");
    if (strcmp(path, "metadata.name") == 0)
        v = objects_get_string(meta, "name");
    else if (strcmp(path, "metadata.namespace") == 0)
        v = objects_get_string(meta, "namespace");
    else if (strcmp(path, "metadata.uid") == 0)
        v = objects_get_string(meta, "uid");
    else if (strcmp(path, "spec.nodeName") == 0)
        v = facts->node_name;
    else if (strcmp(path, "spec.serviceAccountName") == 0)
        v = objects_get_string(objects_pod_spec(pod), "serviceAccountName");
    else if (strcmp(path, "status.hostIP") == 0 || strcmp(path, "status.hostIPs") == 0)
        v = facts->host_ip;
    else if (strcmp(path, "status.podIP") == 0 || strcmp(path, "status.podIPs") == 0)
        v = facts->pod_ip;
    else if (strncmp(path, "metadata.", 9) == 0) {
        v = map_field(meta, path + 9, "labels", arena);
        if (v == NULL)
            v = map_field(meta, path + 9, "annotations", arena);
    }
    if (v == NULL && strncmp(path, "metadata.", 9) == 0 && strchr(path, '[') != NULL)
        return husk_error_set(err, EINVAL, "unsupported fieldPath: %s", path);
    if (v == NULL && strncmp(path, "metadata.", 9) != 0 && strncmp(path, "spec.", 5) != 0 &&
        strncmp(path, "status.", 7) != 0)
        return husk_error_set(err, EINVAL, "unsupported fieldPath: %s", path);
    *ret = v != NULL ? v : "";
    return 0;
}

/* resourceFieldRef: the container's limit or request in units of divisor, rounded up; a limit the
 * container does not set is the node's allocatable (kubelet: resource.ExtractResourceValueByContainerName).
 */
int node_resource_ref_value(const json_t *pod, const json_t *container, const json_t *ref,
                            const struct node_pod_facts *facts, struct husk_arena *arena, const char **ret,
                            husk_error *err)
{
    const char *resource = objects_get_string(ref, "resource");
    const char *wanted = objects_get_string(ref, "containerName");
    if (wanted != NULL && wanted[0] != '\0') {
        size_t i;
        json_t *c;
        container = NULL;
        json_array_foreach(objects_pod_containers(pod), i, c)
        {
            if (strcmp(objects_get_string(c, "name") ? objects_get_string(c, "name") : "", wanted) == 0)
                container = c;
        }
        if (container == NULL)
            return husk_error_set(err, EINVAL, "resourceFieldRef: no container named %s", wanted);
    }
    if (resource == NULL || strchr(resource, '.') == NULL)
        return husk_error_set(err, EINVAL, "unsupported container resource: %s", resource ? resource : "");
    char kind[16];
    snprintf(kind, sizeof kind, "%.*s", (int)(strchr(resource, '.') - resource), resource);
    const char *name = strchr(resource, '.') + 1;
    bool cpu = strcmp(name, "cpu") == 0;
    int64_t milli = 0;
    if (!objects_container_resource_milli(container, kind, name, &milli))
        milli = cpu ? facts->node_allocatable_milli_cpu : facts->node_allocatable_memory * 1000;
    int64_t divisor_milli = 1000;
    json_t *divisor = json_object_get(ref, "divisor");
    if (divisor != NULL) {
        struct objects_quantity q;
        if (objects_quantity_from_json(divisor, &q, err) < 0)
            return husk_error_wrap(err, "resourceFieldRef divisor");
        divisor_milli = objects_quantity_milli_value(&q);
        if (divisor_milli <= 0)
            return husk_error_set(err, EINVAL, "resourceFieldRef divisor must be positive");
    }
    int64_t value = (milli + divisor_milli - 1) / divisor_milli;
    *ret = husk_arena_printf(arena, "%lld", (long long)value);
    return *ret != NULL ? 0 : husk_error_set(err, ENOMEM, "out of memory");
}

const char *node_secret_value(const char *b64, struct husk_arena *arena)
{
    size_t len = strlen(b64), n = 0;
    unsigned char *out = husk_arena_alloc(arena, HUSK_BASE64_DECODED_MAX(len) + 1);
    if (out == NULL || husk_base64_decode(b64, len, out, &n) < 0)
        return NULL;
    out[n] = '\0';
    return (const char *)out;
}

/* configMapKeyRef / secretKeyRef: *ret NULL when optional and missing. */
static int key_ref_value(const json_t *pod, const json_t *ref, bool secret,
                         const struct node_pod_facts *facts, struct husk_arena *arena, const char **ret,
                         husk_error *err)
{
    const char *name = objects_get_string(ref, "name"), *key = objects_get_string(ref, "key");
    const char *ns = objects_meta_namespace(pod);
    bool optional = false;
    objects_get_bool(ref, "optional", &optional);
    json_t *object = NULL;
    *ret = NULL;
    if (facts->lookup != NULL &&
        facts->lookup(facts->lookup_data, secret ? "secrets" : "configmaps", ns, name, &object, err) < 0)
        return -1;
    if (object == NULL)
        return optional ? 0
                        : husk_error_set(err, ENOENT, "%s \"%s\" not found", secret ? "secret" : "configmap",
                                         name ? name : "");
    const char *v = objects_get_string(objects_get_object(object, "data"), key ? key : "");
    if (v != NULL && secret)
        v = node_secret_value(v, arena);
    else if (v == NULL && !secret) {
        /* binaryData holds base64 as Secret data does. */
        v = objects_get_string(objects_get_object(object, "binaryData"), key ? key : "");
        v = v != NULL ? node_secret_value(v, arena) : NULL;
    } else if (v != NULL)
        v = husk_arena_strdup(arena, v);
    json_decref(object);
    if (v == NULL && !optional)
        return husk_error_set(err, ENOENT, "couldn't find key %s in %s %s/%s", key ? key : "",
                              secret ? "Secret" : "ConfigMap", ns, name ? name : "");
    *ret = v;
    return 0;
}

static int add_env_from(struct env_builder *b, const json_t *pod, const json_t *container,
                        const struct node_pod_facts *facts, husk_error *err)
{
    size_t i;
    json_t *source;
    json_array_foreach(objects_get_array(container, "envFrom"), i, source)
    {
        bool secret = objects_get_object(source, "secretRef") != NULL;
        json_t *ref = objects_get_object(source, secret ? "secretRef" : "configMapRef");
        const char *name = objects_get_string(ref, "name");
        const char *prefix = objects_get_string(source, "prefix");
        bool optional = false;
        objects_get_bool(ref, "optional", &optional);
        json_t *object = NULL;
        if (facts->lookup != NULL && facts->lookup(facts->lookup_data, secret ? "secrets" : "configmaps",
                                                   objects_meta_namespace(pod), name, &object, err) < 0)
            return -1;
        if (object == NULL) {
            if (optional)
                continue;
            return husk_error_set(err, ENOENT, "%s \"%s\" not found", secret ? "secret" : "configmap",
                                  name ? name : "");
        }
        const char *key;
        json_t *value;
        json_object_foreach(objects_get_object(object, "data"), key, value)
        {
            const char *v = json_string_value(value);
            if (v != NULL && secret)
                v = node_secret_value(v, b->arena);
            const char *full = husk_arena_printf(b->arena, "%s%s", prefix ? prefix : "", key);
            if (v == NULL || full == NULL || env_add(b, full, v, err) < 0) {
                json_decref(object);
                return v == NULL ? husk_error_set(err, EINVAL, "bad value of %s in %s", key, name) : -1;
            }
        }
        json_decref(object);
    }
    return 0;
}

static int add_spec_env(struct env_builder *b, size_t first, const json_t *pod, const json_t *container,
                        const struct node_pod_facts *facts, husk_error *err)
{
    size_t i;
    json_t *var;
    json_array_foreach(objects_get_array(container, "env"), i, var)
    {
        const char *name = objects_get_string(var, "name");
        const char *value = objects_get_string(var, "value");
        json_t *from = objects_get_object(var, "valueFrom");
        int r = 0;
        if (name == NULL)
            continue;
        if (from != NULL && objects_get_object(from, "fieldRef") != NULL)
            r = node_field_ref_value(pod, objects_get_object(from, "fieldRef"), facts, b->arena, &value, err);
        else if (from != NULL && objects_get_object(from, "resourceFieldRef") != NULL)
            r = node_resource_ref_value(pod, container, objects_get_object(from, "resourceFieldRef"), facts,
                                        b->arena, &value, err);
        else if (from != NULL && objects_get_object(from, "configMapKeyRef") != NULL)
            r = key_ref_value(pod, objects_get_object(from, "configMapKeyRef"), false, facts, b->arena,
                              &value, err);
        else if (from != NULL && objects_get_object(from, "secretKeyRef") != NULL)
            r = key_ref_value(pod, objects_get_object(from, "secretKeyRef"), true, facts, b->arena, &value,
                              err);
        else if (value != NULL)
            /* Only the container's own earlier variables take part in expansion, not the image's. */
            value = expand_n(value, b->items + first, b->count - first, b->arena);
        else
            value = "";
        if (r < 0)
            return -1;
        if (value != NULL && env_add(b, name, value, err) < 0)
            return -1;
    }
    return 0;
}

int node_container_env(const json_t *pod, const json_t *container, char *const *image_env,
                       const struct node_pod_facts *facts, struct husk_arena *arena, const char ***ret_env,
                       husk_error *err)
{
    struct env_builder b = {.arena = arena};
    for (size_t i = 0; image_env != NULL && image_env[i] != NULL; i++) {
        const char *kv = image_env[i];
        const char *eq = strchr(kv, '=');
        if (eq == NULL)
            continue;
        char *name = husk_arena_strdup(arena, kv);
        if (name == NULL)
            return husk_error_set(err, ENOMEM, "out of memory");
        name[eq - kv] = '\0';
        if (env_add(&b, name, eq + 1, err) < 0)
            return -1;
    }
    size_t first = b.count;
    if (add_env_from(&b, pod, container, facts, err) < 0 ||
        add_spec_env(&b, first, pod, container, facts, err) < 0)
        return -1;
    if (b.items == NULL)
        b.items = husk_arena_alloc(arena, sizeof *b.items); /* an empty, NULL-terminated array */
    if (b.items == NULL)
        return husk_error_set(err, ENOMEM, "out of memory");
    *ret_env = b.items;
    return 0;
}
