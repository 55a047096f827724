/* Container logs in the Kubernetes CRI format, one line per record:
 *   2016-10-06T00:17:09.669794202Z stdout F a whole line
 *   2016-10-06T00:17:09.669794202Z stdout P the start of a line that did not end in this read
 * (the kubelet's "kubectl logs" reader joins P records with the next). Like conmon, nothing is buffered
 * across reads, so a pod's supervisor holds no log memory. Private to src/runtime. */
#ifndef HUSK_RUNTIME_CRILOG_H
#define HUSK_RUNTIME_CRILOG_H

#include <stddef.h>

/* Writes the records for one chunk read from the container's stream ("stdout" or "stderr") to log_fd. */
void runtime_crilog_write(int log_fd, const char *stream, const char *data, size_t len);

/* The same, but stops after the record that brings what it wrote to budget bytes (so that a rotating
 * writer can switch files between records); returns how much of data it consumed. */
size_t runtime_crilog_write_some(int log_fd, const char *stream, const char *data, size_t len, size_t budget,
                                 size_t *ret_written);

/* Log rotation by the writer (log_rotate.c), the kubelet's way: LOG is renamed to LOG.YYYYMMDD-HHMMSS
 * (UTC) after removing the oldest rotated files (plain or .gz), so that with the new LOG at most max_files
 * files remain. The caller then opens a new LOG. */
int runtime_log_rotate(const char *log_path, int max_files);

#endif
