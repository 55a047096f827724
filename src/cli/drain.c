/* `husk cordon NODE`, `husk uncordon NODE` and `husk drain NODE`, as kubectl's (k8s.io/kubectl/pkg/drain):
 * cordon sets the Node's spec.unschedulable (the API server adds the node.kubernetes.io/unschedulable
 * taint); drain cordons, then evicts each pod of the node through the Eviction subresource and waits for
 * it to be gone. Mirror pods are skipped; DaemonSet-managed pods need --ignore-daemonsets, pods with an
 * emptyDir --delete-emptydir-data, and pods no controller manages --force, with kubectl's messages. */
#include "cli/cli.h"
#include "cli/client.h"

#include "objects/pod.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct drain_flags {
    bool ignore_daemonsets, force, delete_emptydir_data;
    long timeout_seconds; /* 0: none */
};

/* kubectl's unschedulable patch; uncordon removes the field. */
static int set_unschedulable(const struct cli_opts *o, const char *node, bool cordon)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/nodes/%s", node);
    long code = 0;
    json_t *reply = NULL;
    husk_error err = {0};
    if (cli_request(o, "GET", path, NULL, NULL, &code, &reply, &err) < 0)
        return cli_fail("%s", err.message);
    if (code != 200) {
        int r = cli_print_server_error(code, reply);
        json_decref(reply);
        return r;
    }
    bool current = json_is_true(json_object_get(objects_get_object(reply, "spec"), "unschedulable"));
    json_decref(reply);
    if (current == cordon) {
        printf("node/%s already %s\n", node, cordon ? "cordoned" : "uncordoned");
        fflush(stdout);
        return CLI_EXIT_OK;
    }
    const char *patch =
        cordon ? "{\"spec\":{\"unschedulable\":true}}" : "{\"spec\":{\"unschedulable\":null}}";
    reply = NULL;
    if (cli_request(o, "PATCH", path, "application/strategic-merge-patch+json", patch, &code, &reply, &err) <
        0)
        return cli_fail("%s", err.message);
    int r = CLI_EXIT_OK;
    if (code == 200)
        printf("node/%s %s\n", node, cordon ? "cordoned" : "uncordoned");
    else
        r = cli_print_server_error(code, reply);
    fflush(stdout);
    json_decref(reply);
    return r;
}

static int cordon_verb(int argc, char **argv, bool cordon)
{
    struct cli_opts o;
    int r = cli_parse_opts(argv[0], argc, argv, "data-dir", &o);
    if (r != 0)
        return r;
    if (o.nargs != 1)
        return cli_usage_error(argv[0], "expected exactly one NODE");
    return set_unschedulable(&o, o.args[0], cordon);
}

int cli_cmd_cordon(int argc, char **argv)
{
    return cordon_verb(argc, argv, true);
}

int cli_cmd_uncordon(int argc, char **argv)
{
    return cordon_verb(argc, argv, false);
}

/* What kubectl's filters decide for a pod (pkg/drain/filters.go). */
enum pod_verdict { POD_EVICT, POD_SKIP, POD_REFUSE };

static const char *controller_kind(const json_t *pod)
{
    size_t i;
    json_t *ref;
    json_array_foreach(objects_get_array(objects_get_object(pod, "metadata"), "ownerReferences"), i, ref)
    {
        if (json_is_true(json_object_get(ref, "controller")))
            return objects_get_string(ref, "kind") ? objects_get_string(ref, "kind") : "";
    }
    return NULL;
}

static bool is_finished(const json_t *pod)
{
    const char *phase = objects_get_string(objects_get_object(pod, "status"), "phase");
    return phase != NULL && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
}

static bool has_emptydir(const json_t *pod)
{
    size_t i;
    json_t *v;
    json_array_foreach(objects_get_array(objects_pod_spec(pod), "volumes"), i, v)
    {
        if (objects_get_object(v, "emptyDir") != NULL)
            return true;
    }
    return false;
}

/* Appends "ns/name" to the list for message. */
static void note(json_t *lists, const char *message, const json_t *pod)
{
    char id[600];
    snprintf(id, sizeof id, "%s/%s", objects_meta_namespace(pod), objects_meta_name(pod));
    json_t *list = json_object_get(lists, message);
    if (list == NULL) {
        list = json_array();
        json_object_set_new(lists, message, list);
    }
    json_array_append_new(list, json_string(id));
}

static enum pod_verdict filter(const json_t *pod, const struct drain_flags *f, json_t *warnings,
                               json_t *errors)
{
    const json_t *annotations = objects_get_object(objects_get_object(pod, "metadata"), "annotations");
    const char *controller = controller_kind(pod);
    if (controller != NULL && strcmp(controller, "DaemonSet") == 0) {
        if (!f->ignore_daemonsets) {
            note(errors, "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)", pod);
            return POD_REFUSE;
        }
        note(warnings, "ignoring DaemonSet-managed Pods", pod);
        return POD_SKIP;
    }
    if (objects_get_string(annotations, "kubernetes.io/config.mirror") != NULL)
        return POD_SKIP;
    if (!is_finished(pod) && has_emptydir(pod)) {
        if (!f->delete_emptydir_data) {
            note(errors, "Pods with local storage (use --delete-emptydir-data to override)", pod);
            return POD_REFUSE;
        }
        note(warnings, "deleting Pods with local storage", pod);
    }
    if (!is_finished(pod) && controller == NULL) {
        if (!f->force) {
            note(errors, "cannot delete Pods that declare no controller (use --force to override)", pod);
            return POD_REFUSE;
        }
        note(warnings, "deleting Pods that declare no controller", pod);
    }
    return POD_EVICT;
}

/* Warnings: "message: a/b, c/d; message2: ...". Errors (prefix "cannot delete "), as kubectl aggregates
 * them: "cannot delete message: a/b", or "[cannot delete ..., cannot delete ...]" for several. */
static void join_lists(const json_t *lists, const char *prefix, char *buf, size_t size)
{
    const char *message;
    json_t *list;
    size_t used = 0;
    bool several = prefix[0] != '\0' && json_object_size(lists) > 1;
    buf[0] = '\0';
    if (several)
        used += (size_t)snprintf(buf, size, "[");
    json_object_foreach((json_t *)lists, message, list)
    {
        used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
                                 "%s%s%s: ", used > (several ? 1U : 0U) ? (prefix[0] ? ", " : "; ") : "",
                                 prefix, message);
        size_t i;
        json_t *id;
        json_array_foreach(list, i, id)
        {
            used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s", i ? ", " : "",
                                     json_string_value(id));
        }
    }
    if (several)
        snprintf(buf + used, used < size ? size - used : 0, "]");
}

static int evict(const struct cli_opts *o, const json_t *pod)
{
    const char *ns = objects_meta_namespace(pod), *name = objects_meta_name(pod);
    char path[1024], body[1024];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s/eviction", ns, name);
    int n = snprintf(body, sizeof body,
                     "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":{\"name\":\"%s\","
                     "\"namespace\":\"%s\"}",
                     name, ns);
    if (o->grace_period >= 0)
        n += snprintf(body + n, sizeof body - (size_t)n, ",\"deleteOptions\":{\"gracePeriodSeconds\":%ld}",
                      o->grace_period);
    snprintf(body + n, sizeof body - (size_t)n, "}");
    printf("evicting pod %s/%s\n", ns, name);
    fflush(stdout);
    long code = 0;
    json_t *reply = NULL;
    husk_error err = {0};
    if (cli_request(o, "POST", path, "application/json", body, &code, &reply, &err) < 0)
        return cli_fail("%s", err.message);
    int r = CLI_EXIT_OK;
    if (code != 201 && code != 200 && code != 404)
        r = cli_print_server_error(code, reply);
    json_decref(reply);
    return r;
}

/* Waits until the pod is gone (or another pod of its name took its place); false at the deadline. */
static bool wait_deleted(const struct cli_opts *o, const json_t *pod, time_t deadline)
{
    const char *uid = objects_get_string(objects_get_object(pod, "metadata"), "uid");
    char path[1024];
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods/%s", objects_meta_namespace(pod),
             objects_meta_name(pod));
    for (;;) {
        long code = 0;
        json_t *reply = NULL;
        husk_error err = {0};
        if (cli_request(o, "GET", path, NULL, NULL, &code, &reply, &err) == 0) {
            const char *now = objects_get_string(objects_get_object(reply, "metadata"), "uid");
            bool gone = code == 404 || (code == 200 && (now == NULL || uid == NULL || strcmp(now, uid) != 0));
            json_decref(reply);
            if (gone) {
                printf("pod/%s evicted\n", objects_meta_name(pod));
                return true;
            }
        }
        if (deadline != 0 && time(NULL) >= deadline)
            return false;
        usleep(500 * 1000);
    }
}

static int list_pods(const struct cli_opts *o, const char *node, json_t **ret)
{
    char path[512];
    snprintf(path, sizeof path, "/api/v1/pods?fieldSelector=spec.nodeName%%3D%s", node);
    long code = 0;
    husk_error err = {0};
    if (cli_request(o, "GET", path, NULL, NULL, &code, ret, &err) < 0)
        return cli_fail("%s", err.message);
    if (code != 200) {
        int r = cli_print_server_error(code, *ret);
        json_decref(*ret);
        return r;
    }
    return CLI_EXIT_OK;
}

static int refuse(const char *node, const char *errors)
{
    fprintf(stderr,
            "error: unable to drain node \"%s\" due to error: %s, continuing command...\n"
            "There are pending nodes to be drained:\n %s\n%s\n",
            node, errors, node, errors);
    return CLI_EXIT_FAILURE;
}

/* Evicts the chosen pods, then waits for each to be gone. */
static int evict_all(const struct cli_opts *o, const char *node, const json_t *chosen, long timeout_seconds)
{
    time_t deadline = timeout_seconds > 0 ? time(NULL) + timeout_seconds : 0;
    size_t n = json_array_size(chosen);
    int r = CLI_EXIT_OK;
    for (size_t i = 0; i < n && r == CLI_EXIT_OK; i++)
        r = evict(o, json_array_get(chosen, i));
    for (size_t i = 0; i < n && r == CLI_EXIT_OK; i++) {
        const json_t *pod = json_array_get(chosen, i);
        if (!wait_deleted(o, pod, deadline)) {
            char text[1024];
            snprintf(text, sizeof text,
                     "error when waiting for pod \"%s\" in namespace \"%s\" to terminate: global timeout "
                     "reached: %lds",
                     objects_meta_name(pod), objects_meta_namespace(pod), timeout_seconds);
            r = refuse(node, text);
        }
    }
    return r;
}

static int drain_pods(const struct cli_opts *o, const char *node, const struct drain_flags *f)
{
    json_t *list = NULL, *pod, *warnings = json_object(), *errors = json_object(), *chosen = json_array();
    int r = list_pods(o, node, &list);
    size_t i;
    char text[8192];
    json_array_foreach(objects_get_array(list, "items"), i, pod)
    {
        if (r == CLI_EXIT_OK && filter(pod, f, warnings, errors) == POD_EVICT)
            json_array_append(chosen, pod);
    }
    if (r == CLI_EXIT_OK && json_object_size(errors) > 0) {
        /* kubectl 1.32 says "cannot delete" twice for unmanaged pods: its message carries it already. */
        join_lists(errors, "cannot delete ", text, sizeof text);
        r = refuse(node, text);
    } else if (r == CLI_EXIT_OK) {
        if (json_object_size(warnings) > 0) {
            join_lists(warnings, "", text, sizeof text);
            fprintf(stderr, "Warning: %s\n", text);
        }
        r = evict_all(o, node, chosen, f->timeout_seconds);
    }
    if (r == CLI_EXIT_OK)
        printf("node/%s drained\n", node);
    json_decref(chosen);
    json_decref(list);
    json_decref(warnings);
    json_decref(errors);
    return r;
}

/* "30s", "2m", "1h" or seconds; -1 when malformed. */
static long parse_duration(const char *text)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || v < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        return v;
    if (strcmp(end, "m") == 0)
        return v * 60;
    if (strcmp(end, "h") == 0)
        return v * 3600;
    return -1;
}

/* Takes drain's own flags out of argv (the rest goes to cli_parse_opts); -1 on a bad value. */
static int take_drain_flags(int *argc, char **argv, struct drain_flags *f)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--ignore-daemonsets") == 0 || strcmp(a, "--ignore-daemonsets=true") == 0)
            f->ignore_daemonsets = true;
        else if (strcmp(a, "--force") == 0 || strcmp(a, "--force=true") == 0)
            f->force = true;
        else if (strcmp(a, "--delete-emptydir-data") == 0 || strcmp(a, "--delete-emptydir-data=true") == 0)
            f->delete_emptydir_data = true;
        else if (strncmp(a, "--timeout=", 10) == 0 || (strcmp(a, "--timeout") == 0 && i + 1 < *argc)) {
            f->timeout_seconds = parse_duration(a[9] == '=' ? a + 10 : argv[++i]);
            if (f->timeout_seconds < 0)
                return -1;
        } else
            argv[out++] = argv[i];
    }
    *argc = out;
    return 0;
}

int cli_cmd_drain(int argc, char **argv)
{
    struct drain_flags f = {0};
    if (take_drain_flags(&argc, argv, &f) < 0)
        return cli_usage_error("drain", "--timeout: want a duration such as 30s, 5m or 1h");
    struct cli_opts o;
    int r = cli_parse_opts("drain", argc, argv, "grace-period data-dir", &o);
    if (r != 0)
        return r;
    if (o.nargs != 1)
        return cli_usage_error("drain", "expected exactly one NODE");
    r = set_unschedulable(&o, o.args[0], true);
    if (r != CLI_EXIT_OK)
        return r;
    return drain_pods(&o, o.args[0], &f);
}
