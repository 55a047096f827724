/* The error object every fallible husk function fills: an errno and a message with context.
 * Functions return a negative int on failure and leave the details here, so that a pod's status or an
 * API reply can say exactly which field, file or pod went wrong (the pattern of crun's libcrun_error_t). */
#ifndef HUSK_BASE_ERROR_H
#define HUSK_BASE_ERROR_H

#include <stddef.h>

#define HUSK_ERROR_MESSAGE_MAX 1024

typedef struct husk_error {
    int code;                             /* errno value, or 0 when the failure is not a system error */
    char message[HUSK_ERROR_MESSAGE_MAX]; /* human-readable, already carrying its context */
} husk_error;

/* Sets the error and returns -1, so callers can write `return husk_error_set(err, ...)`. */
int husk_error_set(husk_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like husk_error_set, with ": strerror(code)" appended. */
int husk_error_set_errno(husk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with more context ("pulling busybox: " + message); returns -1. */
int husk_error_wrap(husk_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void husk_error_clear(husk_error *err);

#endif
