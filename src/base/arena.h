/* A bag of allocations freed together: the node layer builds a runtime config out of many small strings
 * and arrays whose lifetime is one container start. */
#ifndef HUSK_BASE_ARENA_H
#define HUSK_BASE_ARENA_H

#include <stddef.h>

struct husk_arena {
    void **blocks;
    size_t count, capacity;
};

/* Zeroed memory owned by the arena; NULL only when out of memory. */
void *husk_arena_alloc(struct husk_arena *arena, size_t size);
char *husk_arena_strdup(struct husk_arena *arena, const char *s);
char *husk_arena_printf(struct husk_arena *arena, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void husk_arena_free(struct husk_arena *arena);

#endif
