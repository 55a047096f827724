/* PodSpec validation (ValidatePodSpec of pkg/apis/core/validation, in its order): volumes, containers,
 * init containers (including restartPolicy: Always sidecars), host network, restart and DNS policy, node
 * selector, pod security context, DNS config, readiness gates, names, tolerations, host aliases. */
#include "objects/kind_rules.h"
#include "objects/pod_rules.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *const pod_restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None",
                                           NULL};

/* checkHostPortConflicts: one hostIP/protocol/hostPort per pod (per init container for init containers). */
static void check_host_ports(const json_t *containers, size_t only, const char *path, json_t *seen,
                             struct objects_validation *v)
{
    size_t i;
    json_t *container;
    json_array_foreach(containers, i, container)
    {
        if (only != (size_t)-1 && i != only)
            continue;
        size_t j;
        json_t *port;
        json_array_foreach(json_object_get(container, "ports"), j, port)
        {
            int64_t host_port = objects_int(port, "hostPort", 0);
            if (host_port == 0)
                continue;
            char key[512], field[OBJECTS_PATH_MAX];
            snprintf(key, sizeof key, "%s/%s/%lld", objects_str(port, "hostIP"),
                     objects_str(port, "protocol"), (long long)host_port);
            objects_path(field, "%s[%zu].ports[%zu]", path, i, j);
            if (json_object_get(seen, key) != NULL)
                objects_err_duplicate(v, field, key);
            json_object_set_new(seen, key, json_true());
        }
    }
}

static void validate_containers(const json_t *spec, const json_t *volumes, int64_t grace, const char *path,
                                struct objects_validation *v)
{
    const json_t *containers = json_object_get(spec, "containers");
    char list[OBJECTS_PATH_MAX];
    objects_path(list, "%s.containers", path);
    if (json_array_size(containers) == 0) {
        objects_err_required(v, list, NULL);
        return;
    }
    json_t *names = json_object();
    size_t i;
    json_t *container;
    json_array_foreach(containers, i, container)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s[%zu]", list, i);
        objects_validate_container_common(container, volumes, p, v);
        const char *name = objects_str(container, "name");
        objects_path(field, "%s.name", p);
        if (json_object_get(names, name) != NULL)
            objects_err_duplicate(v, field, name);
        json_object_set_new(names, name, json_true());
        objects_path(field, "%s.lifecycle", p);
        objects_validate_lifecycle(json_object_get(container, "lifecycle"), grace, field, v);
        static const char *const probes[] = {"livenessProbe", "readinessProbe", "startupProbe"};
        for (size_t k = 0; k < 3; k++) {
            objects_path(field, "%s.%s", p, probes[k]);
            objects_validate_probe(json_object_get(container, probes[k]), field, (enum objects_probe_kind)k,
                                   v);
        }
        objects_path(field, "%s.restartPolicy", p);
        if (objects_has(container, "restartPolicy"))
            objects_err_forbidden(v, field, "may not be set for non-init containers");
    }
    json_decref(names);
    json_t *seen = json_object();
    check_host_ports(containers, (size_t)-1, list, seen, v);
    json_decref(seen);
}

static void validate_init_container(const json_t *container, int64_t grace, const char *p,
                                    struct objects_validation *v)
{
    static const char *const always[] = {"Always", NULL};
    static const char *const fields[] = {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"};
    char field[OBJECTS_PATH_MAX];
    bool sidecar = false;
    objects_path(field, "%s.restartPolicy", p);
    if (objects_has(container, "restartPolicy")) {
        objects_check_enum(v, field, objects_str(container, "restartPolicy"), always);
        sidecar = strcmp(objects_str(container, "restartPolicy"), "Always") == 0;
    }
    for (size_t k = 0; k < 4; k++) {
        objects_path(field, "%s.%s", p, fields[k]);
        if (!sidecar && objects_has(container, fields[k]))
            objects_err_forbidden(v, field,
                                  "may not be set for init containers without restartPolicy=Always");
        else if (sidecar && k == 0)
            objects_validate_lifecycle(json_object_get(container, "lifecycle"), grace, field, v);
        else if (sidecar)
            objects_validate_probe(json_object_get(container, fields[k]), field,
                                   (enum objects_probe_kind)(k - 1), v);
    }
}

static void validate_init_containers(const json_t *spec, const json_t *volumes, int64_t grace,
                                     const char *path, struct objects_validation *v)
{
    json_t *names = json_object();
    size_t i;
    json_t *container;
    json_array_foreach(json_object_get(spec, "containers"), i, container)
    {
        json_object_set_new(names, objects_str(container, "name"), json_true());
    }
    const json_t *init = json_object_get(spec, "initContainers");
    char list[OBJECTS_PATH_MAX];
    objects_path(list, "%s.initContainers", path);
    json_array_foreach(init, i, container)
    {
        char p[OBJECTS_PATH_MAX], field[OBJECTS_PATH_MAX];
        objects_path(p, "%s[%zu]", list, i);
        objects_validate_container_common(container, volumes, p, v);
        validate_init_container(container, grace, p, v);
        /* Names are unique across init and app containers: the logs and status name them alone. */
        const char *name = objects_str(container, "name");
        objects_path(field, "%s.name", p);
        if (json_object_get(names, name) != NULL)
            objects_err_duplicate(v, field, name);
        else if (name[0] != '\0')
            json_object_set_new(names, name, json_true());
        json_t *seen = json_object();
        check_host_ports(init, i, list, seen, v);
        json_decref(seen);
    }
    json_decref(names);
}

/* validatePodHostNetworkDeps: with the host's network, a port is the host's port. */
static void validate_host_network(const json_t *spec, const char *path, struct objects_validation *v)
{
    if (!json_is_true(json_object_get(spec, "hostNetwork")))
        return;
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t l = 0; l < 2; l++) {
        size_t i, j;
        json_t *container, *port;
        json_array_foreach(json_object_get(spec, lists[l]), i, container)
        {
            json_array_foreach(json_object_get(container, "ports"), j, port)
            {
                char field[OBJECTS_PATH_MAX];
                int64_t container_port = objects_int(port, "containerPort", 0);
                objects_path(field, "%s.%s[%zu].ports[%zu].containerPort", path, lists[l], i, j);
                if (objects_int(port, "hostPort", 0) != container_port)
                    objects_err_invalid_int(v, field, container_port,
                                            "must match `hostPort` when `hostNetwork` is true");
            }
        }
    }
}

static void validate_pod_security_context(const json_t *spec, const char *path, struct objects_validation *v)
{
    const json_t *context = json_object_get(spec, "securityContext");
    char field[OBJECTS_PATH_MAX];
    static const char *const ids[] = {"fsGroup", "runAsUser", "runAsGroup"};
    for (size_t k = 0; k < 3 && json_is_object(context); k++) {
        int64_t id = objects_int(context, ids[k], 0);
        objects_path(field, "%s.securityContext.%s", path, ids[k]);
        if (id < 0 || id > 2147483647)
            objects_err_invalid_int(v, field, id, "must be between 0 and 2147483647, inclusive");
    }
    objects_path(field, "%s.securityContext.shareProcessNamespace", path);
    if (json_is_true(json_object_get(spec, "shareProcessNamespace")) &&
        json_is_true(json_object_get(spec, "hostPID")))
        objects_err_invalid(v, field, json_true(),
                            "ShareProcessNamespace and HostPID cannot both be enabled");
    objects_path(field, "%s.securityContext.seccompProfile", path);
    objects_validate_seccomp_profile(json_object_get(context, "seccompProfile"), field, v);
}

static void validate_dns_config(const json_t *spec, const char *path, struct objects_validation *v)
{
    const json_t *config = json_object_get(spec, "dnsConfig");
    bool none = strcmp(objects_str(spec, "dnsPolicy"), "None") == 0;
    char field[OBJECTS_PATH_MAX];
    objects_path(field, "%s.dnsConfig", path);
    if (none && !json_is_object(config)) {
        objects_err_required(v, field, "must provide `dnsConfig` when `dnsPolicy` is None");
        return;
    }
    const json_t *servers = json_object_get(config, "nameservers");
    objects_path(field, "%s.dnsConfig.nameservers", path);
    if (none && json_array_size(servers) == 0)
        objects_err_required(v, field, "must provide at least one DNS nameserver when `dnsPolicy` is None");
    if (json_array_size(servers) > 3)
        objects_err_invalid(v, field, servers, "must not have more than 3 nameservers");
    size_t i;
    json_t *server;
    json_array_foreach(servers, i, server)
    {
        unsigned char addr[16];
        const char *text = json_string_value(server) ? json_string_value(server) : "";
        objects_path(field, "%s.dnsConfig.nameservers[%zu]", path, i);
        if (inet_pton(AF_INET, text, addr) != 1 && inet_pton(AF_INET6, text, addr) != 1)
            objects_err_invalid_string(v, field, text,
                                       "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
    }
}

static void validate_tolerations(const json_t *tolerations, const char *path, struct objects_validation *v)
{
    static const char *const operators[] = {"Equal", "Exists", NULL};
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    size_t i;
    json_t *t;
    json_array_foreach(tolerations, i, t)
    {
        char field[OBJECTS_PATH_MAX], op_field[OBJECTS_PATH_MAX];
        const char *key = objects_str(t, "key"), *op = objects_str(t, "operator"),
                   *effect = objects_str(t, "effect");
        objects_path(field, "%s[%zu].key", path, i);
        if (key[0] != '\0')
            objects_check_qualified_name(v, field, key);
        objects_path(op_field, "%s[%zu].operator", path, i);
        if (key[0] == '\0' && strcmp(op, "Exists") != 0)
            objects_err_invalid_string(
                v, op_field, op,
                "operator must be Exists when `key` is empty, which means \"match all values "
                "and all keys\"");
        objects_path(field, "%s[%zu].effect", path, i);
        if (objects_has(t, "tolerationSeconds") && strcmp(effect, "NoExecute") != 0)
            objects_err_invalid_string(v, field, effect,
                                       "effect must be 'NoExecute' when `tolerationSeconds` is set");
        if (op[0] != '\0' && strcmp(op, "Equal") != 0 && strcmp(op, "Exists") != 0)
            objects_err_unsupported(v, op_field, op, operators);
        else if (strcmp(op, "Exists") == 0 && objects_str(t, "value")[0] != '\0')
            objects_err_invalid(v, op_field, t, "value must be empty when `operator` is 'Exists'");
        if (effect[0] != '\0')
            objects_check_enum(v, field, effect, effects);
    }
}

static void validate_host_aliases(const json_t *aliases, const char *path, struct objects_validation *v)
{
    size_t i, j;
    json_t *alias, *host;
    json_array_foreach(aliases, i, alias)
    {
        char field[OBJECTS_PATH_MAX];
        unsigned char addr[16];
        const char *ip = objects_str(alias, "ip");
        objects_path(field, "%s[%zu].ip", path, i);
        if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
            objects_err_invalid_string(v, field, ip,
                                       "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        objects_path(field, "%s[%zu].hostnames", path, i);
        json_array_foreach(json_object_get(alias, "hostnames"), j, host)
        {
            if (json_is_string(host))
                objects_check_dns_subdomain(v, field, json_string_value(host));
        }
    }
}

static void validate_names_and_limits(const json_t *spec, const char *path, struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    size_t i;
    json_t *gate;
    objects_path(field, "%s.readinessGates", path);
    json_array_foreach(json_object_get(spec, "readinessGates"), i, gate)
    {
        objects_path(field, "%s.readinessGates[%zu].conditionType", path, i);
        objects_check_qualified_name(v, field, objects_str(gate, "conditionType"));
    }
    static const char *const subdomains[] = {"serviceAccountName", "nodeName"};
    for (size_t k = 0; k < 2; k++) {
        objects_path(field, "%s.%s", path, subdomains[k]);
        if (objects_str(spec, subdomains[k])[0] != '\0')
            objects_check_dns_subdomain(v, field, objects_str(spec, subdomains[k]));
    }
    objects_path(field, "%s.activeDeadlineSeconds", path);
    int64_t deadline = objects_int(spec, "activeDeadlineSeconds", 1);
    if (objects_has(spec, "activeDeadlineSeconds") && (deadline < 1 || deadline > 2147483647))
        objects_err_invalid_int(v, field, deadline, "must be between 1 and 2147483647, inclusive");
    static const char *const labels[] = {"hostname", "subdomain"};
    for (size_t k = 0; k < 2; k++) {
        objects_path(field, "%s.%s", path, labels[k]);
        if (objects_str(spec, labels[k])[0] != '\0')
            objects_check_dns_label(v, field, objects_str(spec, labels[k]));
    }
    objects_path(field, "%s.tolerations", path);
    validate_tolerations(json_object_get(spec, "tolerations"), field, v);
    objects_path(field, "%s.hostAliases", path);
    validate_host_aliases(json_object_get(spec, "hostAliases"), field, v);
}

void objects_validate_pod_spec(const json_t *spec, const char *path, const char *const *restart_policies,
                               struct objects_validation *v)
{
    char field[OBJECTS_PATH_MAX];
    int64_t grace = objects_int(spec, "terminationGracePeriodSeconds", 30);
    json_t *volumes = json_object();
    objects_path(field, "%s.volumes", path);
    objects_validate_volumes(json_object_get(spec, "volumes"), field, volumes, v);
    validate_containers(spec, volumes, grace, path, v);
    validate_init_containers(spec, volumes, grace, path, v);
    json_decref(volumes);
    validate_host_network(spec, path, v);
    objects_path(field, "%s.restartPolicy", path);
    if (objects_str(spec, "restartPolicy")[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_enum(v, field, objects_str(spec, "restartPolicy"),
                           restart_policies != NULL ? restart_policies : pod_restart_policies);
    objects_path(field, "%s.dnsPolicy", path);
    if (objects_str(spec, "dnsPolicy")[0] == '\0')
        objects_err_required(v, field, NULL);
    else
        objects_check_enum(v, field, objects_str(spec, "dnsPolicy"), dns_policies);
    objects_path(field, "%s.nodeSelector", path);
    objects_check_labels(v, field, json_object_get(spec, "nodeSelector"));
    validate_pod_security_context(spec, path, v);
    validate_dns_config(spec, path, v);
    validate_names_and_limits(spec, path, v);
}
