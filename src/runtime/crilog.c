/* See crilog.h. */
#include "runtime/crilog.h"

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

void runtime_crilog_write(int log_fd, const char *stream, const char *data, size_t len)
{
    char prefix[96];
    timestamp(prefix, sizeof prefix);
    size_t stamp_len = strlen(prefix);
    while (len > 0) {
        const char *newline = memchr(data, '\n', len);
        size_t line_len = newline != NULL ? (size_t)(newline - data) : len;
        snprintf(prefix + stamp_len, sizeof prefix - stamp_len, " %s %c ", stream,
                 newline != NULL ? 'F' : 'P');
        /* One writev per record, so that a reader never sees half a record. */
        struct iovec iov[3] = {{prefix, strlen(prefix)}, {(void *)data, line_len}, {(void *)"\n", 1}};
        ssize_t ignored = writev(log_fd, iov, 3);
        (void)ignored;
        size_t used = line_len + (newline != NULL ? 1 : 0);
        data += used;
        len -= used;
    }
}
