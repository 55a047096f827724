/* See arena.h. */
#include "base/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *husk_arena_alloc(struct husk_arena *arena, size_t size)
{
    if (arena->count == arena->capacity) {
        size_t capacity = arena->capacity ? arena->capacity * 2 : 16;
        void **blocks = realloc(arena->blocks, capacity * sizeof *blocks);
        if (blocks == NULL)
            return NULL;
        arena->blocks = blocks;
        arena->capacity = capacity;
    }
    void *p = calloc(1, size ? size : 1);
    if (p != NULL)
        arena->blocks[arena->count++] = p;
    return p;
}

char *husk_arena_strdup(struct husk_arena *arena, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = husk_arena_alloc(arena, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

char *husk_arena_printf(struct husk_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = husk_arena_alloc(arena, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void husk_arena_free(struct husk_arena *arena)
{
    if (arena == NULL)
        return;
    for (size_t i = 0; i < arena->count; i++)
        free(arena->blocks[i]);
    free(arena->blocks);
    *arena = (struct husk_arena){0};
}
