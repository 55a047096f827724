/* See crilog.h. */
#include "runtime/crilog.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void timestamp(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

size_t runtime_crilog_write_some(int log_fd, const char *stream, const char *data, size_t len, size_t budget,
                                 size_t *ret_written)
{
    char prefix[96];
    timestamp(prefix, sizeof prefix);
    size_t stamp_len = strlen(prefix), consumed = 0, written = 0;
    while (consumed < len && written < budget) {
        const char *newline = memchr(data + consumed, '\n', len - consumed);
        size_t line_len = newline != NULL ? (size_t)(newline - (data + consumed)) : len - consumed;
        snprintf(prefix + stamp_len, sizeof prefix - stamp_len, " %s %c ", stream,
                 newline != NULL ? 'F' : 'P');
        /* One writev per record, so that a reader never sees half a record. */
        struct iovec iov[3] = {
            {prefix, strlen(prefix)}, {(void *)(data + consumed), line_len}, {(void *)"\n", 1}};
        ssize_t n = writev(log_fd, iov, 3);
        if (n > 0)
            written += (size_t)n;
        consumed += line_len + (newline != NULL ? 1 : 0);
    }
    if (ret_written != NULL)
        *ret_written = written;
    return consumed;
}

void runtime_crilog_write(int log_fd, const char *stream, const char *data, size_t len)
{
    runtime_crilog_write_some(log_fd, stream, data, len, SIZE_MAX, NULL);
}
