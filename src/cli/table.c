/* See table.h. Cells are gathered first so that each column can be as wide as its widest cell. */
#include "cli/table.h"

#include "api/table.h"
#include "objects/kind.h"

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
    api_human_duration(buf, size, s);
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

/* Pods, nodes, events and namespaces get the server's printer columns (src/api/table.c), the same cells
 * kubectl shows; the namespace column is the CLI's own for -A. */
static void server_row(struct table *t, const char *resource, const json_t *obj, bool with_ns)
{
    const struct objects_kind *kind = objects_kind_find_resource("", "v1", resource);
    json_t *cells = api_table_cells(kind, obj, time(NULL));
    const char *row[TABLE_MAX_COLUMNS + 1] = {str_at(obj, "metadata", "namespace")};
    char numbers[TABLE_MAX_COLUMNS][32];
    for (size_t i = 0; i < json_array_size(cells) && i < TABLE_MAX_COLUMNS; i++) {
        json_t *cell = json_array_get(cells, i);
        if (json_is_integer(cell)) {
            snprintf(numbers[i], sizeof numbers[i], "%lld", (long long)json_integer_value(cell));
            row[i + 1] = numbers[i];
        } else {
            row[i + 1] = json_string_value(cell);
        }
    }
    table_row(t, with_ns ? row : row + 1);
    json_decref(cells);
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
        if (pods || events)
            server_row(&t, resource, obj, with_ns);
        else if (nodes)
            server_row(&t, resource, obj, false);
        else
            generic_row(&t, obj, with_ns, nss);
    }
    table_print(out, &t);
}
