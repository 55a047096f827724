/* The side table of a decoded YAML document: for each field path ("spec.containers[0].image") the line and
 * column where it was written, so that errors can point into the user's file. */
#ifndef HUSK_OBJECTS_POSITIONS_H
#define HUSK_OBJECTS_POSITIONS_H

#include <stddef.h>

struct objects_position {
    char *path; /* "" for the document itself, "metadata.name", "spec.containers[0]" */
    int line;   /* 1-based */
    int column; /* 1-based */
};

struct objects_positions {
    struct objects_position *items;
    size_t count;
    size_t capacity;
    int sorted;
};

/* Records a position; returns -1 on allocation failure. */
int objects_positions_add(struct objects_positions *positions, const char *path, int line, int column);

/* Sorts the table for lookups; call once after the last add. */
void objects_positions_finish(struct objects_positions *positions);

/* Finds the position of path, or of its nearest recorded ancestor (a missing field points at the object that
 * should hold it). Map keys written as "limits[cpu]" are looked up as "limits.cpu". Returns 0 when found,
 * -1 when nothing matched (e.g. JSON input); *ret_line and *ret_column are then 0. */
int objects_positions_lookup(const struct objects_positions *positions, const char *path, int *ret_line,
                             int *ret_column);

void objects_positions_free(struct objects_positions *positions);

#endif
