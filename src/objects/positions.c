/* The field-path to line:column table of a decoded YAML document; see positions.h. Sorted once after
 * decoding so that each validation error costs a binary search. */
#include "objects/positions.h"

#include <stdlib.h>
#include <string.h>

int objects_positions_add(struct objects_positions *positions, const char *path, int line, int column)
{
    if (positions->count == positions->capacity) {
        size_t capacity = positions->capacity ? positions->capacity * 2 : 32;
        struct objects_position *items = realloc(positions->items, capacity * sizeof *items);
        if (items == NULL)
            return -1;
        positions->items = items;
        positions->capacity = capacity;
    }
    struct objects_position *item = &positions->items[positions->count];
    item->path = strdup(path);
    if (item->path == NULL)
        return -1;
    item->line = line;
    item->column = column;
    positions->count++;
    positions->sorted = 0;
    return 0;
}

static int position_compare(const void *a, const void *b)
{
    return strcmp(((const struct objects_position *)a)->path, ((const struct objects_position *)b)->path);
}

void objects_positions_finish(struct objects_positions *positions)
{
    if (positions->count > 1)
        qsort(positions->items, positions->count, sizeof *positions->items, position_compare);
    positions->sorted = 1;
}

/* Rewrites "a.limits[cpu]" as "a.limits.cpu": validation names map keys in brackets, the decoder in dots. */
static void normalize_path(const char *path, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = path; *p != '\0' && n + 1 < size; p++) {
        if (*p == '[' && (p[1] < '0' || p[1] > '9')) {
            const char *close = strchr(p, ']');
            if (close != NULL) {
                out[n++] = '.';
                for (const char *q = p + 1; q < close && n + 1 < size; q++)
                    out[n++] = *q;
                p = close;
                continue;
            }
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

/* Cuts the last ".field" or "[index]" off path; returns 0 when nothing was left to cut. */
static int strip_last(char *path)
{
    size_t n = strlen(path);
    if (n == 0)
        return 0;
    if (path[n - 1] == ']') {
        char *open = strrchr(path, '[');
        if (open != NULL) {
            *open = '\0';
            return 1;
        }
    }
    char *dot = strrchr(path, '.');
    char *open = strrchr(path, '[');
    char *cut = dot > open ? dot : open;
    if (cut == NULL)
        path[0] = '\0';
    else
        *cut = '\0';
    return 1;
}

int objects_positions_lookup(const struct objects_positions *positions, const char *path, int *ret_line,
                             int *ret_column)
{
    *ret_line = 0;
    *ret_column = 0;
    if (positions == NULL || positions->count == 0 || path == NULL)
        return -1;
    char key[2048];
    normalize_path(path, key, sizeof key);
    for (;;) {
        struct objects_position probe = {.path = key};
        const struct objects_position *found = NULL;
        if (positions->sorted)
            found = bsearch(&probe, positions->items, positions->count, sizeof probe, position_compare);
        else
            for (size_t i = 0; i < positions->count && found == NULL; i++)
                if (strcmp(positions->items[i].path, key) == 0)
                    found = &positions->items[i];
        if (found != NULL) {
            *ret_line = found->line;
            *ret_column = found->column;
            return 0;
        }
        if (!strip_last(key))
            return -1;
    }
}

void objects_positions_free(struct objects_positions *positions)
{
    if (positions == NULL)
        return;
    for (size_t i = 0; i < positions->count; i++)
        free(positions->items[i].path);
    free(positions->items);
    *positions = (struct objects_positions){0};
}
