/* Container validation common to app, init and sidecar containers (validateContainerCommon and what it calls:
 * ports, env, envFrom, volumeMounts, imagePullPolicy, resources), in the API server's words. */
#include "objects/pod_rules.h"
#include "objects/quantity.h"

#include <stdio.h>
#include <string.h>

static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const protocols[] = {"SCTP", "TCP", "UDP", NULL};

static void validate_ports(const json_t *ports, const char *path, struct objects_validation *v)
{
    json_t *names = json_object();
    size_t i;
    json_t *port;
    json_array_foreach(ports, i, port)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s[%zu]", path, i);
        const char *name = objects_str(port, "name");
        if (name[0] != '\0') {
            size_t before = v->problems->errors;
            objects_path(field, "%s.name", p);
            objects_check_port_name(v, field, name);
            if (v->problems->errors == before && json_object_get(names, name) != NULL)
                objects_err_duplicate(v, field, name);
            json_object_set_new(names, name, json_true());
        }
        int64_t container_port = objects_int(port, "containerPort", 0);
        objects_path(field, "%s.containerPort", p);
        if (container_port == 0)
            objects_err_required(v, field, NULL);
        else
            objects_check_port_number(v, field, container_port);
        int64_t host_port = objects_int(port, "hostPort", 0);
        objects_path(field, "%s.hostPort", p);
        if (host_port != 0)
            objects_check_port_number(v, field, host_port);
        objects_path(field, "%s.protocol", p);
        if (objects_str(port, "protocol")[0] == '\0')
            objects_err_required(v, field, NULL);
        else
            objects_check_enum(v, field, objects_str(port, "protocol"), protocols);
    }
    json_decref(names);
}

static void validate_key_selector(const json_t *selector, const char *path, struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.name", path);
    objects_check_dns_subdomain(v, field, objects_str(selector, "name"));
    objects_path(field, "%s.key", path);
    if (objects_str(selector, "key")[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_config_key(v, field, objects_str(selector, "key"));
}

static void validate_resource_field_ref(const json_t *ref, const char *path, struct objects_validation *v)
{
    static const char *const resources[] = {"limits.cpu",
                                            "limits.ephemeral-storage",
                                            "limits.memory",
                                            "requests.cpu",
                                            "requests.ephemeral-storage",
                                            "requests.memory",
                                            NULL};
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.resource", path);
    if (objects_str(ref, "resource")[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_enum(v, field, objects_str(ref, "resource"), resources);
}

static void validate_value_from(const json_t *env, const char *path, struct objects_validation *v)
{
    const json_t *from = json_object_get(env, "valueFrom");
    if (!json_is_object(from))
        return;
    static const char *const sources[] = {"fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"};
    int count = 0;
    for (size_t s = 0; s < 4; s++) {
        const json_t *source = json_object_get(from, sources[s]);
        if (!json_is_object(source))
            continue;
        count++;
        char field[OBJECTS_PATH_MAX];
        objects_path(field, "%s.%s", path, sources[s]);
        if (s == 0)
            objects_validate_field_selector(source, false, field, v);
        else if (s == 1)
            validate_resource_field_ref(source, field, v);
        else
            validate_key_selector(source, field, v);
    }
    if (count == 0)
        objects_err_invalid_string(
            v, path, "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
    else if (objects_str(env, "value")[0] != '\0')
        objects_err_invalid_string(v, path, "", "may not be specified when `value` is not empty");
    else if (count > 1)
        objects_err_invalid_string(v, path, "", "may not have more than one field specified at a time");
}

static void validate_env(const json_t *env, const char *path, struct objects_validation *v)
{
    size_t i;
    json_t *var;
    json_array_foreach(env, i, var)
    {
        char field[OBJECTS_PATH_MAX];
        objects_path(field, "%s[%zu].name", path, i);
        const char *name = objects_str(var, "name");
        if (name[0] == '\0')
            objects_err_required(v, field, NULL);
        else
            objects_check_env_name(v, field, name);
        objects_path(field, "%s[%zu].valueFrom", path, i);
        validate_value_from(var, field, v);
    }
}

static void validate_env_from(const json_t *env_from, const char *path, struct objects_validation *v)
{
    size_t i;
    json_t *source;
    json_array_foreach(env_from, i, source)
    {
        char field[OBJECTS_PATH_MAX];
        const char *prefix = objects_str(source, "prefix");
        objects_path(field, "%s[%zu].prefix", path, i);
        if (prefix[0] != '\0')
            objects_check_env_name(v, field, prefix);
        int count = 0;
        static const char *const refs[] = {"configMapRef", "secretRef"};
        for (size_t r = 0; r < 2; r++) {
            const json_t *ref = json_object_get(source, refs[r]);
            if (!json_is_object(ref))
                continue;
            count++;
            objects_path(field, "%s[%zu].%s.name", path, i, refs[r]);
            if (objects_str(ref, "name")[0] == '\0')
                objects_err_required(v, field, NULL);
            else
                objects_check_dns_subdomain(v, field, objects_str(ref, "name"));
        }
        if (count == 0)
            objects_err_invalid_string(v, path, "", "must specify one of: `configMapRef` or `secretRef`");
        else if (count > 1)
            objects_err_invalid_string(v, path, "", "may not have more than one field specified at a time");
    }
}

static void validate_mount(const json_t *mount, const json_t *volumes, const char *path,
                           const char *list_path, json_t *mount_points, struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    const char *name = objects_str(mount, "name");
    const char *mount_path = objects_str(mount, "mountPath");
    objects_path(field, "%s.name", path);
    if (name[0] == '\0')
        objects_err_required(v, field, NULL);
    if (json_object_get(volumes, name) == NULL)
        objects_err_not_found(v, field, name);
    objects_path(field, "%s.mountPath", path);
    if (mount_path[0] == '\0')
        objects_err_required(v, field, NULL);
    else if (mount_path[0] != '/') /* husk runs Linux containers only: a relative target has no meaning */
        objects_err_invalid_string(v, field, mount_path, "must be an absolute path");
    if (json_object_get(mount_points, mount_path) != NULL)
        objects_err_invalid_string(v, field, mount_path, "must be unique");
    json_object_set_new(mount_points, mount_path, json_true());
    /* Kubernetes names these two without the index (fldPath.Child("subPath") in ValidateVolumeMounts). */
    const char *sub_path = objects_str(mount, "subPath");
    const char *sub_path_expr = objects_str(mount, "subPathExpr");
    objects_path(field, "%s.subPath", list_path);
    if (sub_path[0] != '\0')
        objects_validate_local_path(sub_path, field, v);
    if (sub_path_expr[0] != '\0') {
        char expr_field[OBJECTS_PATH_MAX];
        objects_path(expr_field, "%s.subPathExpr", path);
        if (sub_path[0] != '\0')
            objects_err_invalid_string(v, expr_field, sub_path_expr,
                                       "subPathExpr and subPath are mutually exclusive");
        objects_path(field, "%s.subPathExpr", list_path);
        objects_validate_local_path(sub_path_expr, field, v);
    }
    static const char *const propagation[] = {"Bidirectional", "HostToContainer", "None", NULL};
    objects_path(field, "%s.mountPropagation", path);
    if (objects_has(mount, "mountPropagation"))
        objects_check_enum(v, field, objects_str(mount, "mountPropagation"), propagation);
}

static void validate_mounts(const json_t *mounts, const json_t *volumes, const char *path,
                            struct objects_validation *v)
{
    json_t *mount_points = json_object();
    size_t i;
    json_t *mount;
    json_array_foreach(mounts, i, mount)
    {
        char p[OBJECTS_PATH_MAX];
        objects_path(p, "%s[%zu]", path, i);
        validate_mount(mount, volumes, p, path, mount_points, v);
    }
    json_decref(mount_points);
}

static bool is_standard_resource(const char *name)
{
    return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
           strcmp(name, "ephemeral-storage") == 0 || strncmp(name, "hugepages-", 10) == 0 ||
           strchr(name, '/') != NULL;
}

/* ValidateResourceRequirements: names, non-negative quantities, requests not above limits. */
static void validate_resources(const json_t *resources, const char *path, struct objects_validation *v)
{
    const json_t *limits = json_object_get(resources, "limits");
    const json_t *requests = json_object_get(resources, "requests");
    const json_t *lists[] = {limits, requests};
    static const char *const list_names[] = {"limits", "requests"};
    for (size_t l = 0; l < 2; l++) {
        const char *name;
        json_t *value;
        json_object_foreach((json_t *)lists[l], name, value)
        {
            char field[OBJECTS_PATH_MAX], shown[64];
            struct objects_quantity q, limit;
            objects_path(field, "%s.%s[%s]", path, list_names[l], name);
            if (!is_standard_resource(name))
                objects_err_invalid_string(v, field, name, "must be a standard resource for containers");
            if (objects_quantity_from_json(value, &q, NULL) < 0)
                continue;
            objects_quantity_format(&q, shown, sizeof shown);
            if (objects_quantity_sign(&q) < 0)
                objects_err_invalid_string(v, field, shown, "must be greater than or equal to 0");
            const json_t *limit_value = json_object_get(limits, name);
            if (l == 0 || limit_value == NULL || objects_quantity_from_json(limit_value, &limit, NULL) < 0)
                continue;
            if (objects_quantity_cmp(&q, &limit) > 0) {
                char detail[256], limit_shown[64], request_path[OBJECTS_PATH_MAX];
                objects_quantity_format(&limit, limit_shown, sizeof limit_shown);
                snprintf(detail, sizeof detail, "must be less than or equal to %s limit of %s", name,
                         limit_shown);
                objects_path(request_path, "%s.requests", path);
                objects_err_invalid_string(v, request_path, shown, detail);
            }
        }
    }
}

void objects_validate_container_common(const json_t *container, const json_t *volumes, const char *path,
                                       struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    const char *name = objects_str(container, "name");
    objects_path(field, "%s.name", path);
    if (name[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_dns_label(v, field, name);
    objects_path(field, "%s.image", path);
    if (objects_str(container, "image")[0] == '\0')
        objects_err_required(v, field, NULL);
    const char *policy = objects_str(container, "terminationMessagePolicy");
    objects_path(field, "%s.terminationMessagePolicy", path);
    if (policy[0] == '\0')
        objects_err_required(v, field, "must be 'File' or 'FallbackToLogsOnError'");
    else if (strcmp(policy, "File") != 0 && strcmp(policy, "FallbackToLogsOnError") != 0)
        objects_err_invalid_string(v, field, policy, "must be 'File' or 'FallbackToLogsOnError'");
    objects_path(field, "%s.ports", path);
    validate_ports(json_object_get(container, "ports"), field, v);
    objects_path(field, "%s.env", path);
    validate_env(json_object_get(container, "env"), field, v);
    objects_path(field, "%s.envFrom", path);
    validate_env_from(json_object_get(container, "envFrom"), field, v);
    objects_path(field, "%s.volumeMounts", path);
    validate_mounts(json_object_get(container, "volumeMounts"), volumes, field, v);
    objects_path(field, "%s.imagePullPolicy", path);
    if (objects_str(container, "imagePullPolicy")[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_enum(v, field, objects_str(container, "imagePullPolicy"), pull_policies);
    objects_path(field, "%s.resources", path);
    validate_resources(json_object_get(container, "resources"), field, v);
    objects_path(field, "%s.securityContext", path);
    objects_validate_security_context(json_object_get(container, "securityContext"), field, v);
}
