/* See table.h. Cells are gathered first so that each column can be as wide as its widest cell. */
#include "cli/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_MAX_COLUMNS 12
#define TABLE_CELL        256

struct table {
    int ncols;
    size_t nrows, cap;
    char (*cells)[TABLE_MAX_COLUMNS][TABLE_CELL];
};

static void table_row(struct table *t, const char *const *values)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        void *grown = realloc(t->cells, cap * sizeof *t->cells);
        if (grown == NULL)
            return;
        t->cells = grown;
        t->cap = cap;
    }
    for (int c = 0; c < t->ncols; c++)
        snprintf(t->cells[t->nrows][c], TABLE_CELL, "%s", values[c] ? values[c] : "<none>");
    t->nrows++;
}

static void table_print(FILE *out, struct table *t)
{
    size_t width[TABLE_MAX_COLUMNS] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++)
            if (strlen(t->cells[r][c]) > width[c])
                width[c] = strlen(t->cells[r][c]);
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c == t->ncols - 1)
                fprintf(out, "%s\n", t->cells[r][c]);
            else
                fprintf(out, "%-*s   ", (int)width[c], t->cells[r][c]);
        }
    }
    free(t->cells);
}

void cli_human_duration(char *buf, size_t size, long s)
{
    long m = s / 60, h = s / 3600, d = h / 24;
    if (s < 0)
        snprintf(buf, size, "0s");
    else if (s < 120)
        snprintf(buf, size, "%lds", s);
    else if (m < 10 && s % 60)
        snprintf(buf, size, "%ldm%lds", m, s % 60);
    else if (m < 180)
        snprintf(buf, size, "%ldm", m);
    else if (h < 8 && m % 60)
        snprintf(buf, size, "%ldh%ldm", h, m % 60);
    else if (h < 48)
        snprintf(buf, size, "%ldh", h);
    else if (h < 24 * 8 && h % 24)
        snprintf(buf, size, "%ldd%ldh", d, h % 24);
    else if (h < 24 * 365 * 2)
        snprintf(buf, size, "%ldd", d);
    else if (h < 24 * 365 * 8 && d % 365)
        snprintf(buf, size, "%ldy%ldd", d / 365, d % 365);
    else
        snprintf(buf, size, "%ldy", d / 365);
}

long cli_age_seconds(const char *timestamp, time_t now)
{
    struct tm tm = {0};
    if (timestamp == NULL || strptime(timestamp, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
        return -1;
    return (long)(now - timegm(&tm));
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(obj, a), b));
}

static void age_of(char *buf, size_t size, const char *timestamp)
{
    long age = cli_age_seconds(timestamp, time(NULL));
    if (age < 0)
        snprintf(buf, size, "<unknown>");
    else
        cli_human_duration(buf, size, age);
}

/* The STATUS column of a pod, following kubectl's printPod: the phase, or a reason that explains more. */
static void pod_status(const json_t *pod, char *buf, size_t size)
{
    const json_t *status = json_object_get(pod, "status");
    const char *reason = json_string_value(json_object_get(status, "reason"));
    snprintf(buf, size, "%s", reason ? reason : json_string_value(json_object_get(status, "phase")) ?: "Pending");
    json_t *cs;
    size_t i, ninit = json_array_size(json_object_get(status, "initContainerStatuses"));
    json_array_foreach(json_object_get(status, "initContainerStatuses"), i, cs)
    {
        const json_t *st = json_object_get(cs, "state");
        const json_t *term = json_object_get(st, "terminated");
        const char *waiting = str_at(st, "waiting", "reason");
        if (term != NULL && json_integer_value(json_object_get(term, "exitCode")) == 0)
            continue;
        if (term != NULL)
            snprintf(buf, size, "Init:%s", json_string_value(json_object_get(term, "reason")) ?: "Error");
        else if (waiting != NULL && strcmp(waiting, "PodInitializing") != 0)
            snprintf(buf, size, "Init:%s", waiting);
        else
            snprintf(buf, size, "Init:%zu/%zu", i, ninit);
        return;
    }
    json_array_foreach(json_object_get(status, "containerStatuses"), i, cs)
    {
        const json_t *st = json_object_get(cs, "state");
        const char *waiting = str_at(st, "waiting", "reason"), *term = str_at(st, "terminated", "reason");
        if (waiting != NULL)
            snprintf(buf, size, "%s", waiting);
        else if (term != NULL)
            snprintf(buf, size, "%s", term);
    }
    if (str_at(pod, "metadata", "deletionTimestamp") != NULL)
        snprintf(buf, size, "Terminating");
}

/* Every column of the wide form; table_row keeps as many as the table has (ncols). */
static void pod_row(struct table *t, const json_t *pod, bool with_ns)
{
    const json_t *status = json_object_get(pod, "status");
    size_t total = json_array_size(json_object_get(json_object_get(pod, "spec"), "containers")), ready = 0, i;
    long long restarts = 0;
    long last_restart = -1; /* seconds since the latest container exit that led to a restart */
    json_t *cs;
    json_array_foreach(json_object_get(status, "containerStatuses"), i, cs)
    {
        ready += json_is_true(json_object_get(cs, "ready"));
        restarts += json_integer_value(json_object_get(cs, "restartCount"));
        long ago =
            cli_age_seconds(str_at(json_object_get(cs, "lastState"), "terminated", "finishedAt"), time(NULL));
        if (ago >= 0 && (last_restart < 0 || ago < last_restart))
            last_restart = ago;
    }
    char readys[32], st[128], rs[64], age[32], ago[32];
    snprintf(readys, sizeof readys, "%zu/%zu", ready, total);
    pod_status(pod, st, sizeof st);
    /* kubectl 1.32 adds how long ago the last restart was: "3 (45s ago)". */
    cli_human_duration(ago, sizeof ago, last_restart);
    snprintf(rs, sizeof rs, restarts > 0 && last_restart >= 0 ? "%lld (%s ago)" : "%lld", restarts, ago);
    age_of(age, sizeof age, str_at(pod, "metadata", "creationTimestamp"));
    const char *ip = json_string_value(json_object_get(status, "podIP"));
    const char *node = str_at(pod, "spec", "nodeName");
    const char *row[] = {str_at(pod, "metadata", "namespace"),
                         str_at(pod, "metadata", "name"),
                         readys,
                         st,
                         rs,
                         age,
                         ip,
                         node,
                         "<none>",
                         "<none>"};
    table_row(t, with_ns ? row : row + 1);
}

static void node_row(struct table *t, const json_t *node)
{
    const char *ready = "Unknown";
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", "Ready") == 0)
            ready = strcmp(json_string_value(json_object_get(c, "status")) ?: "", "True") == 0 ? "Ready"
                                                                                               : "NotReady";
    }
    char roles[256] = "", age[32];
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(json_object_get(node, "metadata"), "labels"), key, v)
    {
        if (strncmp(key, "node-role.kubernetes.io/", 24) == 0)
            snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s%s", roles[0] ? "," : "",
                     key + 24);
    }
    age_of(age, sizeof age, str_at(node, "metadata", "creationTimestamp"));
    const json_t *info = json_object_get(json_object_get(node, "status"), "nodeInfo");
    const char *internal_ip = NULL;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", "InternalIP") == 0)
            internal_ip = json_string_value(json_object_get(c, "address"));
    }
    const char *row[] = {str_at(node, "metadata", "name"),
                         ready,
                         roles[0] ? roles : "<none>",
                         age,
                         json_string_value(json_object_get(info, "kubeletVersion")),
                         internal_ip,
                         "<none>",
                         json_string_value(json_object_get(info, "osImage")),
                         json_string_value(json_object_get(info, "kernelVersion")),
                         json_string_value(json_object_get(info, "containerRuntimeVersion"))};
    table_row(t, row);
}

static void event_row(struct table *t, const json_t *ev, bool with_ns)
{
    char seen[32], object[320];
    const char *last = json_string_value(json_object_get(ev, "lastTimestamp"));
    age_of(seen, sizeof seen, last ? last : json_string_value(json_object_get(ev, "eventTime")));
    char lower[64] = "";
    const char *kind = str_at(ev, "involvedObject", "kind");
    for (size_t i = 0; kind && kind[i] && i + 1 < sizeof lower; i++)
        lower[i] = (char)(kind[i] >= 'A' && kind[i] <= 'Z' ? kind[i] + 32 : kind[i]);
    snprintf(object, sizeof object, "%s/%s", lower, str_at(ev, "involvedObject", "name") ?: "");
    const char *row[] = {str_at(ev, "metadata", "namespace"),
                         seen,
                         json_string_value(json_object_get(ev, "type")),
                         json_string_value(json_object_get(ev, "reason")),
                         object,
                         json_string_value(json_object_get(ev, "message"))};
    table_row(t, with_ns ? row : row + 1);
}

static void generic_row(struct table *t, const json_t *obj, bool with_ns, bool namespaces)
{
    char age[32];
    age_of(age, sizeof age, str_at(obj, "metadata", "creationTimestamp"));
    const char *phase = str_at(obj, "status", "phase");
    const char *row[] = {str_at(obj, "metadata", "namespace"), str_at(obj, "metadata", "name"),
                         phase ?: "Active", age};
    if (namespaces) {
        table_row(t, row + 1);
        return;
    }
    const char *plain[] = {row[0], row[1], age};
    table_row(t, with_ns ? plain : plain + 1);
}

void cli_print_table(FILE *out, const char *resource, const json_t *items, bool with_ns, bool wide,
                     bool header)
{
    static const char *const pod_h[] = {"NAMESPACE", "NAME", "READY", "STATUS",         "RESTARTS",
                                        "AGE",       "IP",   "NODE",  "NOMINATED NODE", "READINESS GATES"};
    static const char *const node_h[] = {"NAME",           "STATUS",           "ROLES",       "AGE",
                                         "VERSION",        "INTERNAL-IP",      "EXTERNAL-IP", "OS-IMAGE",
                                         "KERNEL-VERSION", "CONTAINER-RUNTIME"};
    static const char *const event_h[] = {"NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"};
    static const char *const ns_h[] = {"NAME", "STATUS", "AGE"};
    static const char *const generic_h[] = {"NAMESPACE", "NAME", "AGE"};
    struct table t = {0};
    bool pods = strcmp(resource, "pods") == 0, nodes = strcmp(resource, "nodes") == 0;
    bool events = strcmp(resource, "events") == 0, nss = strcmp(resource, "namespaces") == 0;
    int skip = with_ns ? 0 : 1;
    if (pods) {
        t.ncols = (wide ? 10 : 6) - skip;
        table_row(&t, pod_h + skip);
    } else if (nodes) {
        t.ncols = wide ? 10 : 5;
        table_row(&t, node_h);
    } else if (events) {
        t.ncols = 6 - skip;
        table_row(&t, event_h + skip);
    } else if (nss) {
        t.ncols = 3;
        table_row(&t, ns_h);
    } else {
        t.ncols = 3 - skip;
        table_row(&t, generic_h + skip);
    }
    if (!header)
        t.nrows = 0;
    json_t *obj;
    size_t i;
    json_array_foreach(items, i, obj)
    {
        if (pods)
            pod_row(&t, obj, with_ns);
        else if (nodes)
            node_row(&t, obj);
        else if (events)
            event_row(&t, obj, with_ns);
        else
            generic_row(&t, obj, with_ns, nss);
    }
    table_print(out, &t);
}
