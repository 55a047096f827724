/* A list of validation problems (errors and warnings), each with the field path, the message in the
 * Kubernetes API server's words and, when the object came from YAML, the line and column of the field. */
#ifndef HUSK_OBJECTS_PROBLEMS_H
#define HUSK_OBJECTS_PROBLEMS_H

#include <stdarg.h>
#include <stddef.h>

enum objects_severity { OBJECTS_SEVERITY_ERROR, OBJECTS_SEVERITY_WARNING };

struct objects_problem {
    enum objects_severity severity;
    char *field;   /* "spec.containers[0].image"; "" for the object as a whole */
    char *message; /* the full text: "spec.containers[0].image: Required value" */
    int line;      /* 1-based; 0 when unknown (JSON input, or a field that is absent) */
    int column;
};

struct objects_problems {
    struct objects_problem *items;
    size_t count;
    size_t capacity;
    size_t errors;   /* how many items are errors */
    size_t warnings; /* how many items are warnings */
    int out_of_memory;
};

/* Appends a problem; the message is printed from fmt. Never fails loudly: on allocation failure the list
 * records out_of_memory and counts an error, so an object is never taken as valid by mistake. */
void objects_problems_add(struct objects_problems *problems, enum objects_severity severity,
                          const char *field, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void objects_problems_addv(struct objects_problems *problems, enum objects_severity severity,
                           const char *field, int line, int column, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

/* The first error, or NULL. */
const struct objects_problem *objects_problems_first_error(const struct objects_problems *problems);

void objects_problems_free(struct objects_problems *problems);

#endif
