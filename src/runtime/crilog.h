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

#endif
