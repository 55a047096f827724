/* See table.h. The pod row follows kubectl's printPod line by line (sidecars counted in READY, the
 * Init:N/M, Init:Reason, reason, Completed-but-running and Terminating cases, restarts with the age of
 * the last one). */
#include "api/table_internal.h"

#include "objects/pod.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

bool api_table_wanted(const char *accept)
{
    return accept != NULL && strstr(accept, "as=Table") != NULL;
}

void api_human_duration(char *buf, size_t size, long s)
{
    long m = s / 60, h = s / 3600, d = h / 24;
    if (s < 0)
        snprintf(buf, size, "<invalid>");
    else if (s < 120)
        snprintf(buf, size, "%lds", s);
    else if (m < 10)
        s % 60 ? snprintf(buf, size, "%ldm%lds", m, s % 60) : snprintf(buf, size, "%ldm", m);
    else if (m < 180)
        snprintf(buf, size, "%ldm", m);
    else if (h < 8)
        m % 60 ? snprintf(buf, size, "%ldh%ldm", h, m % 60) : snprintf(buf, size, "%ldh", h);
    else if (h < 48)
        snprintf(buf, size, "%ldh", h);
    else if (h < 24 * 8)
        h % 24 ? snprintf(buf, size, "%ldd%ldh", d, h % 24) : snprintf(buf, size, "%ldd", d);
    else if (d < 365 * 2)
        snprintf(buf, size, "%ldd", d);
    else if (d < 365 * 8)
        d % 365 ? snprintf(buf, size, "%ldy%ldd", d / 365, d % 365) : snprintf(buf, size, "%ldy", d / 365);
    else
        snprintf(buf, size, "%ldy", d / 365);
}

long api_table_seconds_since(const char *timestamp, time_t now)
{
    struct tm tm = {0};
    if (timestamp == NULL || strptime(timestamp, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return -1;
    return (long)(now - timegm(&tm));
}

json_t *api_table_age_cell(const char *timestamp, time_t now)
{
    char buf[32];
    long s = api_table_seconds_since(timestamp, now);
    if (s < 0 && timestamp == NULL)
        return json_string("<unknown>");
    api_human_duration(buf, sizeof buf, s < 0 && s >= -1 ? 0 : s);
    return json_string(buf);
}

static const char *meta_string(const json_t *obj, const char *key)
{
    return objects_get_string(objects_get_object(obj, "metadata"), key);
}

static json_t *state(const json_t *status, const char *which)
{
    return objects_get_object(objects_get_object(status, "state"), which);
}

struct pod_counts {
    int restarts, sidecar_restarts, ready, total;
    long last_restart, last_sidecar_restart; /* seconds ago, -1 for none */
};

static void note_restart(const json_t *status, long *last, time_t now)
{
    const char *finished = objects_get_string(
        objects_get_object(objects_get_object(status, "lastState"), "terminated"), "finishedAt");
    long ago = api_table_seconds_since(finished, now);
    if (ago >= 0 && (*last < 0 || ago < *last))
        *last = ago;
}

static const json_t *init_spec(const json_t *pod, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(objects_pod_init_containers(pod), i, c)
    {
        if (name != NULL && objects_get_string(c, "name") && strcmp(objects_get_string(c, "name"), name) == 0)
            return c;
    }
    return NULL;
}

/* The init containers' part of printPod; returns true while the pod is initializing. */
static bool init_reason(const json_t *pod, struct pod_counts *n, char *reason, size_t size, time_t now)
{
    json_t *statuses = objects_get_array(objects_get_object(pod, "status"), "initContainerStatuses");
    size_t count = json_array_size(objects_pod_init_containers(pod)), i;
    json_t *s;
    json_array_foreach(statuses, i, s)
    {
        bool sidecar = objects_container_is_sidecar(init_spec(pod, objects_get_string(s, "name")));
        int64_t restarts = json_integer_value(json_object_get(s, "restartCount"));
        n->restarts += (int)restarts;
        note_restart(s, &n->last_restart, now);
        if (sidecar) {
            n->sidecar_restarts += (int)restarts;
            note_restart(s, &n->last_sidecar_restart, now);
        }
        json_t *term = state(s, "terminated"), *waiting = state(s, "waiting");
        if (term != NULL && json_integer_value(json_object_get(term, "exitCode")) == 0)
            continue;
        if (sidecar && json_is_true(json_object_get(s, "started"))) {
            n->ready += json_is_true(json_object_get(s, "ready"));
            continue;
        }
        if (term != NULL) {
            const char *r = objects_get_string(term, "reason");
            int64_t sig = json_integer_value(json_object_get(term, "signal"));
            if (r != NULL && r[0] != '\0')
                snprintf(reason, size, "Init:%s", r);
            else if (sig != 0)
                snprintf(reason, size, "Init:Signal:%lld", (long long)sig);
            else
                snprintf(reason, size, "Init:ExitCode:%lld",
                         (long long)json_integer_value(json_object_get(term, "exitCode")));
        } else if (waiting != NULL && objects_get_string(waiting, "reason") &&
                   strcmp(objects_get_string(waiting, "reason"), "PodInitializing") != 0) {
            snprintf(reason, size, "Init:%s", objects_get_string(waiting, "reason"));
        } else {
            snprintf(reason, size, "Init:%zu/%zu", i, count);
        }
        return true;
    }
    return false;
}

static bool condition_true(const json_t *pod, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(objects_get_object(pod, "status"), "conditions"), i, c)
    {
        if (strcmp(objects_get_string(c, "type") ? objects_get_string(c, "type") : "", type) == 0)
            return strcmp(objects_get_string(c, "status") ? objects_get_string(c, "status") : "", "True") ==
                   0;
    }
    return false;
}

static void app_reason(const json_t *pod, struct pod_counts *n, char *reason, size_t size, time_t now)
{
    json_t *statuses = objects_get_array(objects_get_object(pod, "status"), "containerStatuses");
    bool running = false;
    n->restarts = n->sidecar_restarts;
    n->last_restart = n->last_sidecar_restart;
    for (size_t i = json_array_size(statuses); i-- > 0;) {
        json_t *s = json_array_get(statuses, i), *term = state(s, "terminated"),
               *waiting = state(s, "waiting");
        n->restarts += (int)json_integer_value(json_object_get(s, "restartCount"));
        note_restart(s, &n->last_restart, now);
        if (waiting != NULL && objects_get_string(waiting, "reason") &&
            objects_get_string(waiting, "reason")[0])
            snprintf(reason, size, "%s", objects_get_string(waiting, "reason"));
        else if (term != NULL && objects_get_string(term, "reason") && objects_get_string(term, "reason")[0])
            snprintf(reason, size, "%s", objects_get_string(term, "reason"));
        else if (term != NULL && json_integer_value(json_object_get(term, "signal")) != 0)
            snprintf(reason, size, "Signal:%lld",
                     (long long)json_integer_value(json_object_get(term, "signal")));
        else if (term != NULL)
            snprintf(reason, size, "ExitCode:%lld",
                     (long long)json_integer_value(json_object_get(term, "exitCode")));
        else if (json_is_true(json_object_get(s, "ready")) && state(s, "running") != NULL) {
            running = true;
            n->ready++;
        }
    }
    if (strcmp(reason, "Completed") == 0 && running)
        snprintf(reason, size, "%s", condition_true(pod, "Ready") ? "Running" : "NotReady");
}

static json_t *pod_cells(const json_t *pod, time_t now)
{
    const json_t *status = objects_get_object(pod, "status");
    struct pod_counts n = {.last_restart = -1, .last_sidecar_restart = -1};
    char reason[128], ready[32], restarts[64], gates[32] = "<none>";
    const char *phase = objects_get_string(status, "phase");
    snprintf(reason, sizeof reason, "%s",
             objects_get_string(status, "reason") ? objects_get_string(status, "reason")
             : phase                              ? phase
                                                  : "");
    n.total = (int)json_array_size(objects_pod_containers(pod));
    size_t i;
    json_t *c;
    json_array_foreach(objects_pod_init_containers(pod), i, c)
    {
        n.total += objects_container_is_sidecar(c);
    }
    bool initializing = init_reason(pod, &n, reason, sizeof reason, now);
    if (!initializing || condition_true(pod, "Initialized"))
        app_reason(pod, &n, reason, sizeof reason, now);
    bool terminal = phase != NULL && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
    if (meta_string(pod, "deletionTimestamp") != NULL && !terminal)
        snprintf(reason, sizeof reason, "Terminating");
    snprintf(ready, sizeof ready, "%d/%d", n.ready, n.total);
    if (n.restarts != 0 && n.last_restart >= 0) {
        char ago[32];
        api_human_duration(ago, sizeof ago, n.last_restart);
        snprintf(restarts, sizeof restarts, "%d (%s ago)", n.restarts, ago);
    } else {
        snprintf(restarts, sizeof restarts, "%d", n.restarts);
    }
    json_t *pod_gates = objects_get_array(objects_pod_spec(pod), "readinessGates");
    if (json_array_size(pod_gates) > 0) {
        int true_count = 0;
        json_array_foreach(pod_gates, i, c)
        {
            true_count += condition_true(
                pod, objects_get_string(c, "conditionType") ? objects_get_string(c, "conditionType") : "");
        }
        snprintf(gates, sizeof gates, "%d/%zu", true_count, json_array_size(pod_gates));
    }
    const char *ip = objects_get_string(status, "podIP");
    const char *node = objects_get_string(objects_pod_spec(pod), "nodeName");
    const char *nominated = objects_get_string(status, "nominatedNodeName");
    return json_pack("[s,s,s,s,o,s,s,s,s]", objects_meta_name(pod), ready, reason, restarts,
                     api_table_age_cell(meta_string(pod, "creationTimestamp"), now),
                     ip && ip[0] ? ip : "<none>", node && node[0] ? node : "<none>",
                     nominated ? nominated : "<none>", gates);
}

/* ROLES: the node-role.kubernetes.io/ROLE labels and kubernetes.io/role, as printNode finds them. */
static void node_roles(const json_t *node, char *buf, size_t size)
{
    const char *key;
    json_t *value;
    buf[0] = '\0';
    json_object_foreach(objects_get_object(objects_get_object(node, "metadata"), "labels"), key, value)
    {
        const char *role = strncmp(key, "node-role.kubernetes.io/", 24) == 0 ? key + 24
                           : strcmp(key, "kubernetes.io/role") == 0          ? json_string_value(value)
                                                                             : NULL;
        if (role == NULL || role[0] == '\0')
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", len ? "," : "", role);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "<none>");
}

static json_t *node_cells(const json_t *node, time_t now)
{
    char roles[256];
    node_roles(node, roles, sizeof roles);
    const char *ready = "Unknown", *internal = "<none>", *external = "<none>";
    const json_t *status = objects_get_object(node, "status");
    size_t i;
    json_t *c;
    json_array_foreach(objects_get_array(status, "conditions"), i, c)
    {
        if (strcmp(objects_get_string(c, "type") ? objects_get_string(c, "type") : "", "Ready") == 0)
            ready =
                strcmp(objects_get_string(c, "status") ? objects_get_string(c, "status") : "", "True") == 0
                    ? "Ready"
                    : "NotReady";
    }
    json_array_foreach(objects_get_array(status, "addresses"), i, c)
    {
        const char *type = objects_get_string(c, "type");
        if (type != NULL && strcmp(type, "InternalIP") == 0)
            internal = objects_get_string(c, "address");
        if (type != NULL && strcmp(type, "ExternalIP") == 0)
            external = objects_get_string(c, "address");
    }
    const json_t *info = objects_get_object(status, "nodeInfo");
    char status_text[64];
    snprintf(status_text, sizeof status_text, "%s%s", ready,
             json_is_true(json_object_get(objects_get_object(node, "spec"), "unschedulable"))
                 ? ",SchedulingDisabled"
                 : "");
    return json_pack(
        "[s,s,s,o,s,s,s,s,s,s]", objects_meta_name(node), status_text, roles,
        api_table_age_cell(meta_string(node, "creationTimestamp"), now),
        objects_get_string(info, "kubeletVersion") ? objects_get_string(info, "kubeletVersion") : "",
        internal ? internal : "<none>", external ? external : "<none>",
        objects_get_string(info, "osImage") ? objects_get_string(info, "osImage") : "<unknown>",
        objects_get_string(info, "kernelVersion") ? objects_get_string(info, "kernelVersion") : "<unknown>",
        objects_get_string(info, "containerRuntimeVersion")
            ? objects_get_string(info, "containerRuntimeVersion")
            : "<unknown>");
}

static json_t *event_cells(const json_t *ev, time_t now)
{
    const json_t *involved = objects_get_object(ev, "involvedObject");
    char object[512], lower[64] = "";
    const char *kind = objects_get_string(involved, "kind");
    for (size_t i = 0; kind && kind[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] + 32 : kind[i]);
    snprintf(object, sizeof object, "%s/%s", lower,
             objects_get_string(involved, "name") ? objects_get_string(involved, "name") : "");
    const char *last = objects_get_string(ev, "lastTimestamp");
    const char *component = objects_get_string(objects_get_object(ev, "source"), "component");
    const char *host = objects_get_string(objects_get_object(ev, "source"), "host");
    char source[256];
    snprintf(source, sizeof source, "%s%s%s", component ? component : "", host ? ", " : "", host ? host : "");
    return json_pack("[o,s,s,s,s,s,s,o,I,s]", api_table_age_cell(last, now),
                     objects_get_string(ev, "type") ? objects_get_string(ev, "type") : "",
                     objects_get_string(ev, "reason") ? objects_get_string(ev, "reason") : "", object,
                     objects_get_string(involved, "fieldPath") ? objects_get_string(involved, "fieldPath")
                                                               : "",
                     source, objects_get_string(ev, "message") ? objects_get_string(ev, "message") : "",
                     api_table_age_cell(objects_get_string(ev, "firstTimestamp"), now),
                     (json_int_t)json_integer_value(json_object_get(ev, "count")), objects_meta_name(ev));
}

static bool is(const struct objects_kind *kind, const char *resource)
{
    return kind->group[0] == '\0' && strcmp(kind->resource, resource) == 0;
}

json_t *api_table_cells(const struct objects_kind *kind, const json_t *obj, time_t now)
{
    const struct api_table_printer *printer = api_table_workload_printer(kind);
    if (printer != NULL)
        return printer->cells(obj, now);
    if (is(kind, "pods"))
        return pod_cells(obj, now);
    if (is(kind, "nodes"))
        return node_cells(obj, now);
    if (is(kind, "events"))
        return event_cells(obj, now);
    if (is(kind, "namespaces"))
        return json_pack("[s,s,o]", objects_meta_name(obj),
                         objects_get_string(objects_get_object(obj, "status"), "phase")
                             ? objects_get_string(objects_get_object(obj, "status"), "phase")
                             : "Active",
                         api_table_age_cell(meta_string(obj, "creationTimestamp"), now));
    return json_pack("[s,o]", objects_meta_name(obj),
                     api_table_age_cell(meta_string(obj, "creationTimestamp"), now));
}

static json_t *column(const char *name, const char *type, int priority, const char *description)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", name, "type", type, "format",
                     strcmp(name, "Name") == 0 ? "name" : "", "description", description, "priority",
                     priority);
}

json_t *api_table_columns(const struct objects_kind *kind)
{
    const struct api_table_printer *printer = api_table_workload_printer(kind);
    if (printer != NULL) {
        json_t *columns = json_array();
        for (const struct api_table_column *c = printer->columns; c->name != NULL; c++)
            json_array_append_new(columns, column(c->name, c->type, c->priority, c->description));
        return columns;
    }
    if (is(kind, "pods"))
        return json_pack(
            "[o,o,o,o,o,o,o,o,o]", column("Name", "string", 0, "Name must be unique within a namespace."),
            column("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
            column("Status", "string", 0, "The aggregate status of the containers in this pod."),
            column("Restarts", "string", 0,
                   "The number of times the containers in this pod have been restarted and when the last "
                   "container in this pod has restarted."),
            column("Age", "string", 0,
                   "CreationTimestamp is a timestamp representing the server time when this object was "
                   "created."),
            column("IP", "string", 1,
                   "IP address allocated to the pod. Routable at least within the cluster."),
            column("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
            column("Nominated Node", "string", 1,
                   "nominatedNodeName is set only when this pod preempts other pods on the node."),
            column("Readiness Gates", "string", 1,
                   "If specified, all readiness gates will be evaluated for pod readiness."));
    if (is(kind, "nodes"))
        return json_pack("[o,o,o,o,o,o,o,o,o,o]", column("Name", "string", 0, "Name of the node."),
                         column("Status", "string", 0, "The status of the node"),
                         column("Roles", "string", 0, "The roles of the node"),
                         column("Age", "string", 0, "Time since the node was created."),
                         column("Version", "string", 0, "Kubelet Version reported by the node."),
                         column("Internal-IP", "string", 1, "List of internal IPs."),
                         column("External-IP", "string", 1, "List of external IPs."),
                         column("OS-Image", "string", 1, "OS image reported by the node."),
                         column("Kernel-Version", "string", 1, "Kernel version reported by the node."),
                         column("Container-Runtime", "string", 1, "Container runtime reported by the node."));
    if (is(kind, "events"))
        return json_pack("[o,o,o,o,o,o,o,o,o,o]",
                         column("Last Seen", "string", 0, "Time when this Event was last seen"),
                         column("Type", "string", 0, "Type of this event"),
                         column("Reason", "string", 0, "Why the action was taken"),
                         column("Object", "string", 0, "The object this Event is about"),
                         column("Subobject", "string", 1, "The field of the object this Event is about"),
                         column("Source", "string", 1, "The component reporting this event"),
                         column("Message", "string", 0, "A human-readable description"),
                         column("First Seen", "string", 1, "Time when this Event was first seen"),
                         column("Count", "integer", 1, "Number of times this event has occurred"),
                         column("Name", "string", 1, "Name of the event"));
    if (is(kind, "namespaces"))
        return json_pack("[o,o,o]", column("Name", "string", 0, "Name of the namespace."),
                         column("Status", "string", 0, "The status of the namespace"),
                         column("Age", "string", 0, "Time since the namespace was created."));
    return json_pack("[o,o]", column("Name", "string", 0, "Name must be unique within a namespace."),
                     column("Age", "string", 0, "Time since the object was created."));
}

json_t *api_table(const struct objects_kind *kind, const json_t *items, const char *resource_version,
                  time_t now)
{
    json_t *rows = json_array();
    size_t i;
    json_t *obj;
    json_array_foreach((json_t *)items, i, obj)
    {
        /* kubectl wants the object's metadata with the row (names, namespaces, --show-labels). */
        json_t *partial = json_pack("{s:s,s:s,s:O}", "kind", "PartialObjectMetadata", "apiVersion",
                                    "meta.k8s.io/v1", "metadata", objects_get_object(obj, "metadata"));
        json_array_append_new(
            rows, json_pack("{s:o,s:o}", "cells", api_table_cells(kind, obj, now), "object", partial));
    }
    return json_pack("{s:s,s:s,s:{s:s?},s:o,s:o}", "kind", "Table", "apiVersion", "meta.k8s.io/v1",
                     "metadata", "resourceVersion", resource_version, "columnDefinitions",
                     api_table_columns(kind), "rows", rows);
}
