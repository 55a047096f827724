/* Filling and wrapping husk_error; see error.h. */
#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Writes "prefix: rest" into the message, cut at its size: truncation is wanted here, not an error. */
static void message_join(husk_error *err, const char *prefix, const char *rest)
{
    size_t size = sizeof err->message, n = strnlen(prefix, size - 1);
    char joined[HUSK_ERROR_MESSAGE_MAX];
    memcpy(joined, prefix, n);
    for (const char *p = ": "; *p != '\0' && n < size - 1; p++)
        joined[n++] = *p;
    size_t m = strnlen(rest, size - 1 - n);
    memcpy(joined + n, rest, m);
    joined[n + m] = '\0';
    memcpy(err->message, joined, n + m + 1);
}

int husk_error_set(husk_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
    return -1;
}

int husk_error_set_errno(husk_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[HUSK_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    message_join(err, prefix, strerror(code));
    err->code = code;
    return -1;
}

int husk_error_wrap(husk_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[HUSK_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    message_join(err, prefix, err->message);
    return -1;
}

void husk_error_clear(husk_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->message[0] = '\0';
}
