/* `husk describe pod NAME`: a pod with its containers, conditions, volumes and events, laid out as
 * kubectl describe pod lays them out (k8s.io/kubectl/pkg/describe: describePod). */
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/http_client.h"
#include "cli/table.h"
#include "objects/pod.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *or_none(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "<none>";
}

static void print_map(const char *title, const json_t *map)
{
    const char *key;
    json_t *value;
    bool first = true;
    if (json_object_size(map) == 0) {
        printf("%-18s<none>\n", title);
        return;
    }
    json_object_foreach((json_t *)map, key, value)
    {
        printf("%-18s%s=%s\n", first ? title : "", key,
               json_string_value(value) ? json_string_value(value) : "");
        first = false;
    }
}

static void print_state(const char *title, const json_t *state)
{
    const char *which[] = {"running", "waiting", "terminated"};
    const char *shown[] = {"Running", "Waiting", "Terminated"};
    for (int i = 0; i < 3; i++) {
        json_t *s = json_object_get(state, which[i]);
        if (s == NULL)
            continue;
        printf("    %-16s%s\n", title, shown[i]);
        if (objects_get_string(s, "reason"))
            printf("      %-14s%s\n", "Reason:", objects_get_string(s, "reason"));
        if (objects_get_string(s, "message"))
            printf("      %-14s%s\n", "Message:", objects_get_string(s, "message"));
        if (json_object_get(s, "exitCode"))
            printf("      %-14s%lld\n",
                   "Exit Code:", (long long)json_integer_value(json_object_get(s, "exitCode")));
        if (objects_get_string(s, "startedAt"))
            printf("      %-14s%s\n", "Started:", objects_get_string(s, "startedAt"));
        if (objects_get_string(s, "finishedAt"))
            printf("      %-14s%s\n", "Finished:", objects_get_string(s, "finishedAt"));
        return;
    }
}

static void print_list(const char *title, const json_t *list)
{
    if (json_array_size(list) == 0)
        return;
    printf("    %s\n", title);
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)list, i, v)
    {
        printf("      %s\n", json_string_value(v) ? json_string_value(v) : "");
    }
}

static void print_container(const json_t *c, const json_t *status)
{
    printf("  %s:\n", objects_get_string(c, "name"));
    printf("    %-16s%s\n", "Container ID:", or_none(objects_get_string(status, "containerID")));
    printf("    %-16s%s\n", "Image:", or_none(objects_get_string(c, "image")));
    printf("    %-16s%s\n", "Image ID:", or_none(objects_get_string(status, "imageID")));
    json_t *port = json_array_get(objects_get_array(c, "ports"), 0);
    if (port != NULL)
        printf("    %-16s%lld/%s\n",
               "Port:", (long long)json_integer_value(json_object_get(port, "containerPort")),
               or_none(objects_get_string(port, "protocol")));
    else
        printf("    %-16s<none>\n", "Port:");
    print_list("Command:", objects_get_array(c, "command"));
    print_list("Args:", objects_get_array(c, "args"));
    print_state("State:", json_object_get(status, "state"));
    print_state("Last State:", json_object_get(status, "lastState"));
    printf("    %-16s%s\n", "Ready:", json_is_true(json_object_get(status, "ready")) ? "True" : "False");
    printf("    %-16s%lld\n",
           "Restart Count:", (long long)json_integer_value(json_object_get(status, "restartCount")));
    json_t *mounts = objects_get_array(c, "volumeMounts");
    printf("    Mounts:%s\n", json_array_size(mounts) ? "" : "  <none>");
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        printf("      %s from %s (%s)\n", objects_get_string(m, "mountPath"), objects_get_string(m, "name"),
               json_is_true(json_object_get(m, "readOnly")) ? "ro" : "rw");
    }
}

static json_t *status_of(const json_t *pod, const char *list, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(objects_get_array(objects_get_object(pod, "status"), list), i, s)
    {
        if (name != NULL && objects_get_string(s, "name") && strcmp(objects_get_string(s, "name"), name) == 0)
            return s;
    }
    return NULL;
}

static void print_containers(const json_t *pod, const char *title, const char *spec_list,
                             const char *status_list)
{
    json_t *list = objects_get_array(objects_pod_spec(pod), spec_list);
    if (json_array_size(list) == 0)
        return;
    printf("%s\n", title);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        print_container(c, status_of(pod, status_list, objects_get_string(c, "name")));
    }
}

static void print_volumes(const json_t *pod)
{
    json_t *volumes = objects_get_array(objects_pod_spec(pod), "volumes");
    printf("Volumes:%s\n", json_array_size(volumes) ? "" : "         <none>");
    size_t i;
    json_t *v;
    json_array_foreach(volumes, i, v)
    {
        printf("  %s:\n", objects_get_string(v, "name"));
        json_t *empty = objects_get_object(v, "emptyDir"), *host = objects_get_object(v, "hostPath");
        if (empty != NULL) {
            printf("    %-11s%s\n", "Type:", "EmptyDir (a temporary directory that shares a pod's lifetime)");
            printf("    %-11s%s\n",
                   "Medium:", objects_get_string(empty, "medium") ? objects_get_string(empty, "medium") : "");
        } else if (host != NULL) {
            printf("    %-11s%s\n", "Type:", "HostPath (bare host directory volume)");
            printf("    %-11s%s\n", "Path:", or_none(objects_get_string(host, "path")));
        } else {
            const char *key = NULL;
            for (void *it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it))
                if (strcmp(json_object_iter_key(it), "name") != 0)
                    key = json_object_iter_key(it);
            printf("    %-11s%s\n", "Type:", or_none(key));
        }
    }
}

static void print_conditions(const json_t *pod)
{
    json_t *list = objects_get_array(objects_get_object(pod, "status"), "conditions");
    if (json_array_size(list) == 0)
        return;
    printf("Conditions:\n  %-28s%s\n", "Type", "Status");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        printf("  %-28s%s \n", objects_get_string(c, "type"), objects_get_string(c, "status"));
    }
}

static void print_events(const struct cli_opts *o, const json_t *pod)
{
    char path[1024], selector[512];
    snprintf(selector, sizeof selector, "involvedObject.name=%s", objects_meta_name(pod));
    char *esc = cli_url_escape(selector);
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/events?fieldSelector=%s", objects_meta_namespace(pod),
             esc ? esc : "");
    free(esc);
    long code = 0;
    json_t *list = NULL;
    husk_error err = {0};
    json_t *items = cli_request(o, "GET", path, NULL, NULL, &code, &list, &err) == 0 && code == 200
                        ? json_object_get(list, "items")
                        : NULL;
    if (json_array_size(items) == 0) {
        printf("Events:            <none>\n");
        json_decref(list);
        return;
    }
    printf("Events:\n  %-8s %-10s %-6s %-8s %s\n  %-8s %-10s %-6s %-8s %s\n", "Type", "Reason", "Age", "From",
           "Message", "----", "------", "----", "----", "-------");
    size_t i;
    json_t *ev;
    json_array_foreach(items, i, ev)
    {
        char age[32];
        long seconds = cli_age_seconds(objects_get_string(ev, "lastTimestamp"), time(NULL));
        if (seconds < 0)
            snprintf(age, sizeof age, "<unknown>");
        else
            cli_human_duration(age, sizeof age, seconds);
        long long count = (long long)json_integer_value(json_object_get(ev, "count"));
        char shown[64];
        if (count > 1)
            snprintf(shown, sizeof shown, "%s (x%lld)", age, count);
        else
            snprintf(shown, sizeof shown, "%s", age);
        printf("  %-8s %-10s %-6s %-8s %s\n", objects_get_string(ev, "type"),
               objects_get_string(ev, "reason"), shown,
               or_none(objects_get_string(objects_get_object(ev, "source"), "component")),
               objects_get_string(ev, "message"));
    }
    json_decref(list);
}

static void describe_pod(const struct cli_opts *o, const json_t *pod)
{
    const json_t *meta = objects_get_object(pod, "metadata"), *spec = objects_pod_spec(pod);
    const json_t *status = objects_get_object(pod, "status");
    int64_t priority = 0;
    objects_get_int(spec, "priority", &priority);
    printf("%-18s%s\n%-18s%s\n%-18s%lld\n", "Name:", objects_meta_name(pod),
           "Namespace:", objects_meta_namespace(pod), "Priority:", (long long)priority);
    printf("%-18s%s/%s\n", "Node:", or_none(objects_get_string(spec, "nodeName")),
           or_none(objects_get_string(status, "hostIP")));
    printf("%-18s%s\n", "Start Time:", or_none(objects_get_string(status, "startTime")));
    print_map("Labels:", objects_get_object(meta, "labels"));
    print_map("Annotations:", objects_get_object(meta, "annotations"));
    const char *deleting = objects_get_string(meta, "deletionTimestamp");
    printf("%-18s%s\n", "Status:", deleting ? "Terminating" : or_none(objects_get_string(status, "phase")));
    if (objects_get_string(status, "reason"))
        printf("%-18s%s\n%-18s%s\n", "Reason:", objects_get_string(status, "reason"),
               "Message:", or_none(objects_get_string(status, "message")));
    printf("%-18s%s\n",
           "IP:", objects_get_string(status, "podIP") ? objects_get_string(status, "podIP") : "");
    json_t *owner = json_array_get(objects_get_array(meta, "ownerReferences"), 0);
    if (owner != NULL)
        printf("%-18s%s/%s\n", "Controlled By:", objects_get_string(owner, "kind"),
               objects_get_string(owner, "name"));
    print_containers(pod, "Init Containers:", "initContainers", "initContainerStatuses");
    print_containers(pod, "Containers:", "containers", "containerStatuses");
    print_conditions(pod);
    print_volumes(pod);
    printf("%-17s%s\n", "QoS Class:", or_none(objects_get_string(status, "qosClass")));
    printf("%-17s%s\n", "Node-Selectors:",
           json_object_size(objects_get_object(spec, "nodeSelector")) ? "(set)" : "<none>");
    printf("%-17s%s\n",
           "Tolerations:", json_array_size(objects_get_array(spec, "tolerations")) ? "(set)" : "<none>");
    print_events(o, pod);
}

int cli_cmd_describe(int argc, char **argv)
{
    struct cli_opts o;
    int r = cli_parse_opts("describe", argc, argv, "n data-dir", &o);
    if (r != 0)
        return r;
    if (o.nargs != 2 || cli_resolve_resource(o.args[0]) == NULL ||
        strcmp(cli_resolve_resource(o.args[0])->resource, "pods") != 0)
        return cli_usage_error("describe", "expected: describe pod NAME");
    json_t *pod = NULL;
    if ((r = cli_get_pod(&o, o.args[1], &pod)) != 0)
        return r;
    describe_pod(&o, pod);
    json_decref(pod);
    return CLI_EXIT_OK;
}
