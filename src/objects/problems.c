/* The problem list of objects_validate; see problems.h. */
#include "objects/problems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int problems_grow(struct objects_problems *problems)
{
    if (problems->count < problems->capacity)
        return 0;
    size_t capacity = problems->capacity ? problems->capacity * 2 : 8;
    struct objects_problem *items = realloc(problems->items, capacity * sizeof *items);
    if (items == NULL)
        return -1;
    problems->items = items;
    problems->capacity = capacity;
    return 0;
}

void objects_problems_addv(struct objects_problems *problems, enum objects_severity severity,
                           const char *field, int line, int column, const char *fmt, va_list ap)
{
    if (severity == OBJECTS_SEVERITY_ERROR)
        problems->errors++;
    else
        problems->warnings++;
    char *message = NULL;
    if (vasprintf(&message, fmt, ap) < 0)
        message = NULL; /* vasprintf leaves it undefined on failure */
    char *field_copy = strdup(field != NULL ? field : "");
    if (message == NULL || field_copy == NULL || problems_grow(problems) < 0) {
        free(message);
        free(field_copy);
        problems->out_of_memory = 1;
        problems->errors += severity == OBJECTS_SEVERITY_WARNING;
        return;
    }
    problems->items[problems->count++] = (struct objects_problem){
        .severity = severity, .field = field_copy, .message = message, .line = line, .column = column};
}

void objects_problems_add(struct objects_problems *problems, enum objects_severity severity,
                          const char *field, int line, int column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    objects_problems_addv(problems, severity, field, line, column, fmt, ap);
    va_end(ap);
}

const struct objects_problem *objects_problems_first_error(const struct objects_problems *problems)
{
    for (size_t i = 0; i < problems->count; i++)
        if (problems->items[i].severity == OBJECTS_SEVERITY_ERROR)
            return &problems->items[i];
    return NULL;
}

void objects_problems_free(struct objects_problems *problems)
{
    if (problems == NULL)
        return;
    for (size_t i = 0; i < problems->count; i++) {
        free(problems->items[i].field);
        free(problems->items[i].message);
    }
    free(problems->items);
    *problems = (struct objects_problems){0};
}
