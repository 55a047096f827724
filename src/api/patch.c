/* RFC 7386 merge patch and RFC 6902 JSON patch over jansson trees; see patch.h. */
#include "api/patch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

json_t *api_merge_patch(const json_t *target, const json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *result = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value)
    {
        if (json_is_null(value)) {
            json_object_del(result, key);
            continue;
        }
        json_t *merged = api_merge_patch(json_object_get(result, key), value);
        json_object_set_new(result, key, merged);
    }
    return result;
}

/* The merge key of the lists strategic merge patches merge by element rather than replace (the
 * patchMergeKey tags of k8s.io/api's core types); lists not named here are replaced, as in a merge patch.
 * OpenAPI publishes the same keys (x-kubernetes-patch-merge-key), so kubectl computes its patches alike. */
const char *api_patch_merge_key(const char *field)
{
    static const char *const keys[][2] = {
        {"containers", "name"},
        {"initContainers", "name"},
        {"ephemeralContainers", "name"},
        {"volumes", "name"},
        {"env", "name"},
        {"imagePullSecrets", "name"},
        {"ports", "containerPort"},
        {"volumeMounts", "mountPath"},
        {"volumeDevices", "devicePath"},
        {"hostAliases", "ip"},
        {"conditions", "type"},
        {"containerStatuses", "name"},
        {"initContainerStatuses", "name"},
        {"ownerReferences", "uid"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i][0], field) == 0)
            return keys[i][1];
    return NULL;
}

static json_t *strategic_object(const json_t *target, const json_t *patch);

/* Merges patch's elements into target's by key: a match is merged, "$patch": "delete" removes it, a new
 * key is appended. */
static json_t *strategic_list(const json_t *target, const json_t *patch, const char *key)
{
    json_t *result = json_deep_copy(target), *elem;
    size_t i;
    json_array_foreach(patch, i, elem)
    {
        json_t *id = json_object_get(elem, key);
        const char *directive = json_string_value(json_object_get(elem, "$patch"));
        size_t j, found = (size_t)-1;
        json_t *cur;
        json_array_foreach(result, j, cur)
        {
            if (id != NULL && json_equal(json_object_get(cur, key), id))
                found = j;
        }
        if (directive != NULL && strcmp(directive, "delete") == 0) {
            if (found != (size_t)-1)
                json_array_remove(result, found);
        } else if (found != (size_t)-1) {
            json_array_set_new(result, found, strategic_object(json_array_get(result, found), elem));
        } else {
            json_array_append_new(result, strategic_object(NULL, elem));
        }
    }
    return result;
}

static json_t *strategic_object(const json_t *target, const json_t *patch)
{
    const char *directive = json_string_value(json_object_get(patch, "$patch"));
    if (!json_is_object(patch) || (directive != NULL && strcmp(directive, "replace") == 0)) {
        json_t *copy = json_deep_copy(patch);
        json_object_del(copy, "$patch");
        return copy;
    }
    json_t *result = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *field;
    json_t *value;
    json_object_foreach((json_t *)patch, field, value)
    {
        if (field[0] == '$')
            continue; /* $setElementOrder/..., $retainKeys, $patch: ordering and pruning hints */
        json_t *cur = json_object_get(result, field);
        const char *key = api_patch_merge_key(field);
        if (json_is_null(value))
            json_object_del(result, field);
        else if (key != NULL && json_is_array(value) && json_is_array(cur))
            json_object_set_new(result, field, strategic_list(cur, value, key));
        else if (json_is_object(value))
            json_object_set_new(result, field, strategic_object(cur, value));
        else
            json_object_set(result, field, value);
    }
    return result;
}

json_t *api_strategic_merge_patch(const json_t *target, const json_t *patch)
{
    return strategic_object(target, patch);
}

/* A JSON pointer's last token, unescaped (~1 is '/', ~0 is '~'), and its parent container. */
struct pointer_target {
    json_t *parent;
    char token[256];
};

static void unescape_token(const char *src, size_t n, char *dst, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < size; i++) {
        if (src[i] == '~' && i + 1 < n && (src[i + 1] == '0' || src[i + 1] == '1'))
            dst[j++] = src[++i] == '0' ? '~' : '/';
        else
            dst[j++] = src[i];
    }
    dst[j] = '\0';
}

/* Index of token in array; "-" (append) is size when allow_end. Returns -1 when out of range. */
static long array_index(const json_t *array, const char *token, int allow_end)
{
    size_t size = json_array_size(array);
    if (allow_end && strcmp(token, "-") == 0)
        return (long)size;
    char *end = NULL;
    long i = strtol(token, &end, 10);
    if (token[0] == '\0' || *end != '\0' || i < 0 || (size_t)i > size || (!allow_end && (size_t)i == size))
        return -1;
    return i;
}

static json_t *child(json_t *node, const char *token)
{
    if (json_is_object(node))
        return json_object_get(node, token);
    if (json_is_array(node)) {
        long i = array_index(node, token, 0);
        return i < 0 ? NULL : json_array_get(node, (size_t)i);
    }
    return NULL;
}

static int resolve(json_t *doc, const char *path, struct pointer_target *t, husk_error *err)
{
    if (path == NULL || path[0] != '/') {
        husk_error_set(err, EINVAL, "invalid JSON pointer \"%s\"", path ? path : "");
        return -1;
    }
    json_t *cur = doc;
    const char *p = path + 1;
    for (;;) {
        size_t n = strcspn(p, "/");
        unescape_token(p, n, t->token, sizeof t->token);
        if (p[n] == '\0') {
            t->parent = cur;
            return 0;
        }
        cur = child(cur, t->token);
        if (cur == NULL) {
            husk_error_set(err, ENOENT, "path \"%s\" does not exist", path);
            return -1;
        }
        p += n + 1;
    }
}

static json_t *get_at(json_t *doc, const char *path, husk_error *err)
{
    if (path && path[0] == '\0')
        return doc;
    struct pointer_target t = {0};
    if (resolve(doc, path, &t, err) < 0)
        return NULL;
    json_t *v = child(t.parent, t.token);
    if (v == NULL)
        husk_error_set(err, ENOENT, "path \"%s\" does not exist", path);
    return v;
}

static int add_at(json_t *doc, const char *path, json_t *value, husk_error *err)
{
    struct pointer_target t = {0};
    if (resolve(doc, path, &t, err) < 0)
        return -1;
    if (json_is_object(t.parent))
        return json_object_set(t.parent, t.token, value) == 0 ? 0 : husk_error_set(err, EINVAL, "cannot add");
    if (json_is_array(t.parent)) {
        long i = array_index(t.parent, t.token, 1);
        if (i < 0)
            return husk_error_set(err, EINVAL, "index \"%s\" out of range in \"%s\"", t.token, path);
        return json_array_insert(t.parent, (size_t)i, value) == 0 ? 0
                                                                  : husk_error_set(err, EINVAL, "cannot add");
    }
    return husk_error_set(err, ENOENT, "path \"%s\" does not exist", path);
}

static int remove_at(json_t *doc, const char *path, husk_error *err)
{
    struct pointer_target t = {0};
    if (resolve(doc, path, &t, err) < 0)
        return -1;
    if (json_is_object(t.parent) && json_object_del(t.parent, t.token) == 0)
        return 0;
    long i = json_is_array(t.parent) ? array_index(t.parent, t.token, 0) : -1;
    if (i >= 0 && json_array_remove(t.parent, (size_t)i) == 0)
        return 0;
    return husk_error_set(err, ENOENT, "path \"%s\" does not exist", path);
}

static int apply_op(json_t *doc, const json_t *op, husk_error *err)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    const char *from = json_string_value(json_object_get(op, "from"));
    json_t *value = json_object_get(op, "value");
    if (name == NULL || path == NULL)
        return husk_error_set(err, EINVAL, "an operation needs \"op\" and \"path\"");
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (value == NULL)
            return husk_error_set(err, EINVAL, "\"%s\" needs a \"value\"", name);
        if (path[0] == '\0')
            return husk_error_set(err, EINVAL, "replacing the whole document is not supported");
        if (name[0] == 'r' && remove_at(doc, path, err) < 0)
            return -1;
        return add_at(doc, path, value, err);
    }
    if (strcmp(name, "remove") == 0)
        return remove_at(doc, path, err);
    if (strcmp(name, "test") == 0) {
        json_t *cur = get_at(doc, path, err);
        if (cur == NULL)
            return -1;
        return json_equal(cur, value) ? 0 : husk_error_set(err, EINVAL, "testing value %s failed", path);
    }
    if (strcmp(name, "copy") == 0 || strcmp(name, "move") == 0) {
        json_t *src = from ? get_at(doc, from, err) : NULL;
        if (src == NULL)
            return from ? -1 : husk_error_set(err, EINVAL, "\"%s\" needs a \"from\"", name);
        json_t *copy = json_deep_copy(src);
        int r = (name[0] == 'm' ? remove_at(doc, from, err) : 0) == 0 ? add_at(doc, path, copy, err) : -1;
        json_decref(copy);
        return r;
    }
    return husk_error_set(err, EINVAL, "unknown operation \"%s\"", name);
}

int api_json_patch(const json_t *target, const json_t *ops, json_t **ret_doc, husk_error *err)
{
    if (!json_is_array(ops))
        return husk_error_set(err, EINVAL, "a JSON patch must be an array of operations");
    json_t *doc = json_deep_copy(target);
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        if (apply_op(doc, op, err) < 0) {
            json_decref(doc);
            return husk_error_wrap(err, "JSON patch operation %zu", i);
        }
    }
    *ret_doc = doc;
    return 0;
}
