/* See table.h. Cells are gathered first so that each column can be as wide as its widest cell. */
#include "cli/table.h"

#include "api/table.h"
#include "objects/kind.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_MAX_COLUMNS 16
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

/* One object's row: the namespace (when with_ns) and the cells of the chosen columns. */
static void server_row(struct table *t, const struct objects_kind *kind, const json_t *obj, bool with_ns,
                       const size_t *chosen, size_t nchosen)
{
    json_t *cells = api_table_cells(kind, obj, time(NULL));
    const char *row[TABLE_MAX_COLUMNS] = {0};
    char numbers[TABLE_MAX_COLUMNS][32];
    size_t n = 0;
    if (with_ns)
        row[n++] = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
    for (size_t i = 0; i < nchosen && n < TABLE_MAX_COLUMNS; i++, n++) {
        json_t *cell = json_array_get(cells, chosen[i]);
        if (json_is_integer(cell)) {
            snprintf(numbers[n], sizeof numbers[n], "%lld", (long long)json_integer_value(cell));
            row[n] = numbers[n];
        } else if (json_is_boolean(cell)) {
            row[n] = json_is_true(cell) ? "true" : "false";
        } else {
            row[n] = json_string_value(cell);
        }
    }
    table_row(t, row);
    json_decref(cells);
}

/* Every kind gets the server's printer columns (src/api/table.c), the same cells kubectl shows: the
 * priority-0 ones, and the rest with -o wide; the NAMESPACE column is the CLI's own for -A. */
void cli_print_table(FILE *out, const struct objects_kind *kind, const json_t *items, bool with_ns, bool wide,
                     bool header)
{
    json_t *columns = api_table_columns(kind);
    size_t chosen[TABLE_MAX_COLUMNS], nchosen = 0, i;
    char names[TABLE_MAX_COLUMNS][64];
    const char *head[TABLE_MAX_COLUMNS] = {"NAMESPACE"};
    struct table t = {.ncols = with_ns ? 1 : 0};
    json_t *c;
    json_array_foreach(columns, i, c)
    {
        if ((!wide && json_integer_value(json_object_get(c, "priority")) != 0) ||
            t.ncols == TABLE_MAX_COLUMNS)
            continue;
        const char *name = json_string_value(json_object_get(c, "name"));
        size_t j = 0;
        for (; name != NULL && name[j] != '\0' && j + 1 < sizeof names[0]; j++)
            names[t.ncols][j] = (char)toupper((unsigned char)name[j]);
        names[t.ncols][j] = '\0';
        head[t.ncols] = names[t.ncols];
        t.ncols++;
        chosen[nchosen++] = i;
    }
    json_decref(columns);
    table_row(&t, head);
    if (!header)
        t.nrows = 0;
    json_t *obj;
    json_array_foreach(items, i, obj)
    {
        server_row(&t, kind, obj, with_ns, chosen, nchosen);
    }
    table_print(out, &t);
}
